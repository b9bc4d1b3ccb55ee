"""The mirror download handler (crawler/mirror/handler.py) inside real Scrapy crawls: the same
probe requests answered from a mirror directory and through a mirror server under the sites' real
URLs, and Scrapy's own HTTP handler when no mirror is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawler.mirror import MirrorServer, make_etag
from tests.conftest import PROJECT_DIR
from tests.crawler.mirrors import HOST

PROBE_REQUESTS = [
    {"url": f"https://{HOST}/"},
    {"url": f"https://{HOST}/old/"},  # redirect declared by a sidecar
    {"url": f"https://{HOST}/nope.html"},
    {"url": f"https://{HOST}/private/secret.html"},  # robots.txt disallows
    {"url": "https://www.nxhy.gov.cn/"},  # not in the mirror
    {"url": f"https://{HOST}/gbk.html"},
    {"url": f"https://{HOST}/xxgk/list.html", "headers": {"If-None-Match": "ETAG"}},
    {"url": f"https://{HOST}/slow.html", "meta": {"download_timeout": 0.1}},
    {"url": f"https://{HOST}/docs/P020230113.pdf", "meta": {"download_maxsize": 5}},
    {
        "url": f"https://{HOST}/irs/front/search",
        "method": "POST",
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"tenantId": "7", "searchWord": "2023"}),
    },
    {"url": "https://www.blocked.gov.cn/"},
]


def run_probe(tmp_path: Path, mirror: str | None, requests: list[dict[str, Any]]) -> list[Any]:
    spec = tmp_path / "probe.json"
    out = tmp_path / "out.json"
    spec.write_text(json.dumps({"settings": {"OGI_MIRROR": mirror}, "requests": requests}), "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "OGI_MIRROR"}
    subprocess.run(
        [sys.executable, "-m", "tests.fixtureweb.probe", str(spec), str(out)],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    results: list[Any] = json.loads(out.read_text("utf-8"))
    return results


def probe_requests(tree: Path) -> list[dict[str, Any]]:
    etag = make_etag((tree / HOST / "xxgk" / "list.html").read_bytes())
    return [
        {**r, "headers": {"If-None-Match": etag}} if r["url"].endswith("list.html") else r
        for r in PROBE_REQUESTS
    ]


def check_probe_results(results: list[Any]) -> None:
    home, redirect, missing, private, absent, gbk, conditional, slow, big, found, blocked = results
    assert (home["url"], home["status"], home["slot"]) == (f"https://{HOST}/", 200, HOST)
    assert home["text"].startswith('<html><body><a href="/xxgk/">')
    assert (redirect["url"], redirect["status"]) == (f"https://{HOST}/xxgk/", 200)
    assert redirect["redirects"] == [f"https://{HOST}/old/"]
    assert (missing["url"], missing["status"]) == (f"https://{HOST}/nope.html", 404)
    assert "IgnoreRequest" in private["error"]
    assert private["message"] == "Forbidden by robots.txt"
    assert absent["error"][:2] == ["HostNotInMirror", "CannotResolveHostError"]
    assert "www.nxhy.gov.cn is not in the mirror" in absent["message"]
    assert gbk["headers"]["Content-Type"] == ["text/html; charset=gbk"]
    assert "盐池县" in gbk["text"]
    assert conditional["status"] == 304
    assert conditional["body_length"] == 0
    assert slow["error"][0] == "DownloadTimeoutError"
    assert big["error"][0] == "DownloadCancelledError"
    assert found["status"] == 200
    assert '"total": 1' in found["text"]
    assert (blocked["status"], blocked["url"]) == (412, "https://www.blocked.gov.cn/")


def test_handler_answers_from_a_directory_under_the_real_urls(tree: Path, tmp_path: Path) -> None:
    check_probe_results(run_probe(tmp_path, str(tree), probe_requests(tree)))


def test_handler_forwards_to_a_server_under_the_real_urls(tree: Path, tmp_path: Path) -> None:
    with MirrorServer(tree) as server:
        results = run_probe(tmp_path, server.url, probe_requests(tree))
        log = server.requests
    check_probe_results(results)
    seen = {(r.method, r.url, r.status) for r in log}
    assert ("GET", f"https://{HOST}/robots.txt", 200) in seen
    assert ("GET", f"https://{HOST}/", 200) in seen
    assert ("GET", f"https://{HOST}/xxgk/list.html", 304) in seen
    assert ("POST", f"https://{HOST}/irs/front/search", 200) in seen
    assert ("GET", "https://www.nxhy.gov.cn/robots.txt", 502) in seen
    assert not any(r.url.endswith("/private/secret.html") for r in log)
    conditional = next(r for r in log if r.url.endswith("/xxgk/list.html"))
    assert conditional.conditional
    assert conditional.headers["x-forwarded-proto"] == "https"
    assert conditional.headers["user-agent"].startswith("ogi-reports/")


def test_handler_without_a_mirror_uses_scrapys_own_http_handler(tree: Path, tmp_path: Path) -> None:
    with MirrorServer(tree) as server:
        # Talk to the mirror server as if it were a real site: plain HTTP through Scrapy's handler.
        results = run_probe(tmp_path, None, [{"url": f"{server.url}/{HOST}/xxgk/list.html"}])
        log = server.requests
    assert (results[0]["status"], results[0]["url"]) == (200, f"{server.url}/{HOST}/xxgk/list.html")
    assert (log[-1].url, log[-1].status) == (f"https://{HOST}/xxgk/list.html", 200)
    assert "x-forwarded-proto" not in log[-1].headers
