"""Fetch a list of requests through a real Scrapy crawl and record what came back.

    python -m tests.fixtureweb.probe SPEC.json OUT.json

SPEC holds `{"settings": {...}, "requests": [{"url", "method", "headers", "body", "meta"}]}`,
fetched one after the other; OUT gets one record per request, in the order given: the
response (`url`, `status`, `headers`, `body_sha256`, `body_length`, `text`, `slot`,
`redirects`) or the failure (`error`: the exception's class names, most specific first, and
`message`).

Tests run it in a subprocess because Twisted's reactor cannot restart within one process. It
uses Scrapy's default components plus the project's download handlers and politeness-free
settings, so what it shows is the mirror handler's behaviour, not the crawler's middlewares.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings
from twisted.python.failure import Failure

import settings as project_settings


class ProbeSpider(scrapy.Spider):
    name = "probe"

    def __init__(self, requests: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
        super().__init__()
        self.specs = requests
        self.results = results

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.specs:
            yield self.request(0)

    def request(self, index: int) -> scrapy.Request:
        spec = self.specs[index]
        body = spec.get("body")
        return scrapy.Request(
            spec["url"],
            method=spec.get("method", "GET"),
            headers=spec.get("headers"),
            body=body.encode("utf-8") if isinstance(body, str) else None,
            meta={**spec.get("meta", {}), "probe_index": index},
            callback=self.record,
            errback=self.failed,
            dont_filter=True,
        )

    def next_request(self, index: int) -> Iterator[scrapy.Request]:
        # One request at a time: the order (and so robots.txt being parsed before the second
        # request to a host) is the same on every run.
        if index + 1 < len(self.specs):
            yield self.request(index + 1)

    def record(self, response: Response) -> Iterator[scrapy.Request]:
        self.results[response.meta["probe_index"]] = {
            "request": self.specs[response.meta["probe_index"]]["url"],
            "url": response.url,
            "status": response.status,
            "headers": {
                key.decode("latin-1"): [v.decode("latin-1") for v in values]
                for key, values in response.headers.items()
            },
            "body_sha256": hashlib.sha256(response.body).hexdigest(),
            "body_length": len(response.body),
            "text": response.text[:2000]
            if isinstance(response, scrapy.http.TextResponse)
            else None,
            "slot": response.meta.get("download_slot"),
            "redirects": response.meta.get("redirect_urls", []),
        }
        yield from self.next_request(response.meta["probe_index"])

    def failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        index = failure.request.meta["probe_index"]  # type: ignore[attr-defined]
        self.results[index] = {
            "request": self.specs[index]["url"],
            "error": [cls.__name__ for cls in type(failure.value).__mro__],
            "message": str(failure.value),
        }
        yield from self.next_request(index)


def probe_settings(overrides: dict[str, Any]) -> Settings:
    settings = Settings(
        {
            "DOWNLOAD_HANDLERS": project_settings.DOWNLOAD_HANDLERS,
            "USER_AGENT": project_settings.USER_AGENT,
            "ROBOTSTXT_OBEY": True,
            "DOWNLOAD_DELAY": 0,
            "RETRY_TIMES": 0,
            "HTTPERROR_ALLOW_ALL": True,
            "TELNETCONSOLE_ENABLED": False,
            # Scrapy 2.19's code-executing HTTP endpoint and its job files in the home directory.
            "REMOTE_CONTROL_ENABLED": False,
            "LOG_LEVEL": "ERROR",
        }
    )
    settings.setdict(overrides, priority="cmdline")
    return settings


def main(argv: list[str]) -> None:
    spec_path, out_path = (Path(a) for a in argv)
    spec = json.loads(spec_path.read_text("utf-8"))
    requests = spec["requests"]
    results: list[dict[str, Any]] = [
        {"request": r["url"], "error": ["NotReached"]} for r in requests
    ]
    process = CrawlerProcess(probe_settings(spec.get("settings", {})))
    process.crawl(ProbeSpider, requests=requests, results=results)
    process.start()
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
