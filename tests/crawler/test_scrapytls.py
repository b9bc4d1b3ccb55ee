"""crawler.scrapytls: Scrapy's HTTP/1.1 handler imported without the deprecation shims' stack walks,
and with the same classes as a plain import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

_PROBE = """
import inspect, json, sys
original = inspect.stack
import crawler.scrapytls
from scrapy.core.downloader import contextfactory, tls
from scrapy.core.downloader.handlers import http11
print(json.dumps({
    "restored": inspect.stack is original,
    "modules": [
        tls.ScrapyClientTLSOptions.__module__,
        contextfactory.ScrapyClientContextFactory.__module__,
        contextfactory.AcceptableProtocolsContextFactory.__module__,
    ],
    "same_handler": crawler.scrapytls.HTTP11DownloadHandler is http11.HTTP11DownloadHandler,
}))
"""


def test_the_deprecated_classes_keep_their_modules_and_inspect_is_restored() -> None:
    # A fresh interpreter: this one may have imported Scrapy's handler already.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    probe = json.loads(done.stdout)

    assert probe == {
        "restored": True,
        "modules": [
            "scrapy.core.downloader.tls",
            "scrapy.core.downloader.contextfactory",
            "scrapy.core.downloader.contextfactory",
        ],
        "same_handler": True,
    }
