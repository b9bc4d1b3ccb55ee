"""Pagination is lazy and bounded (issue 11, item 2): a pager declaring ten million pages, or a
site answering every `index_N`, costs one request per useful page, never more than
`OGI_MAX_LIST_PAGES`, and a cut list is reported in the summary.

Unit tests on the spider's callback, then both reproductions as real crawls of a hostile site
served on 127.0.0.1 (elapsed time and the crawl's peak memory printed and bounded).
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import Request

from crawler.counties import BY_COUNTY_CODE
from crawler.platform import LIST_NUMBER, PAGINATION_CUT_STAT
from tests.crawler.crawls import PROJECT_DIR, crawl_env, crawlall_command
from tests.crawler.pages import make_response, spider_for, start_spider

COUNTY = BY_COUNTY_CODE["450124"]  # 马山县: a registry row, no module of its own
COLUMN = "/xxgk/zfxxgknb/"


def list_page(number: int, *, fresh: bool, pages: int = 10_000_000) -> bytes:
    """A 年报 list page declaring `pages` pages; `fresh`: entries of its own, else the same
    entries on every page (a site answering every `index_N` with one page)."""
    ids = [1000 + number] if fresh else [1, 2]
    rows = "".join(
        f'<li><a href="{COLUMN}202301/t20230120_{i}.html">'
        f"马山县单位{i}2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>"
        for i in ids
    )
    return (
        f'<html><head><meta charset="utf-8"><title>年报</title></head><body><ul>{rows}</ul>'
        f'<script>createPageHTML({pages}, {number}, "index", "html");</script></body></html>'
    ).encode()


def column_url(name: str = "") -> str:
    return f"{COUNTY.start_url.rstrip('/')}{COLUMN}{name}"


def test_a_ten_million_page_pager_asks_for_the_next_page_only() -> None:
    spider = spider_for(COUNTY.code)
    start_spider(spider)
    response = make_response(
        column_url(), list_page(0, fresh=True), meta={"column_root": column_url()}
    )
    outputs = list(spider.parse_column(response))
    pages = [o.url for o in outputs if isinstance(o, Request) and "index_" in o.url]
    assert pages == [column_url("index_1.html")]


def test_a_page_with_nothing_new_ends_the_list() -> None:
    spider = spider_for(COUNTY.code)
    start_spider(spider)
    meta: dict[str, Any] = {"column_root": column_url()}
    first = list(
        spider.parse_column(make_response(column_url(), list_page(0, fresh=False), meta=meta))
    )
    assert column_url("index_1.html") in [o.url for o in first if isinstance(o, Request)]
    again = make_response(
        column_url("index_1.html"), list_page(1, fresh=False), meta={**meta, LIST_NUMBER: 1}
    )
    outputs = list(spider.parse_column(again))
    assert [o.url for o in outputs if isinstance(o, Request) and "index_" in o.url] == []
    assert spider.crawler.stats.get_value("pagination/stopped_unproductive") == 1


def test_the_list_is_cut_at_the_setting_and_the_cut_is_counted() -> None:
    spider = spider_for(COUNTY.code, {"OGI_MAX_LIST_PAGES": 3})
    start_spider(spider)
    assert spider.max_list_pages == 3
    response = make_response(
        column_url("index_2.html"),
        list_page(2, fresh=True),
        meta={"column_root": column_url(), LIST_NUMBER: 2},
    )
    requests = [o for o in spider.parse_column(response) if isinstance(o, Request)]
    assert [r.url for r in requests if "index_" in r.url] == []
    stats = spider.crawler.stats
    assert stats.get_value(PAGINATION_CUT_STAT) == 1
    assert stats.get_value("pagination/cut_url") == column_url("index_3.html")


class _Hostile(BaseHTTPRequestHandler):
    fresh = True
    requested: list[str]

    def do_GET(self) -> None:
        self.requested.append(self.path)
        path = self.path.split("/", 2)[2] if self.path.count("/") >= 2 else ""
        path = "/" + path
        if path == "/":
            body = (
                '<html><head><meta charset="utf-8"><title>马山县人民政府</title></head><body>'
                f'<a href="{COLUMN}">政府信息公开年报</a></body></html>'
            ).encode()
        elif path.startswith(COLUMN) and "/t2023" not in path:
            name = path.rsplit("/", 1)[-1]
            number = int(name.split("_")[1].split(".")[0]) if name.startswith("index_") else 0
            body = list_page(number, fresh=self.fresh)
        elif "/t2023" in path:
            body = (
                '<html><head><meta charset="utf-8"></head><body><p>通知</p></body></html>'.encode()
            )
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def hostile_site(*, fresh: bool) -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []
    handler = type("Handler", (_Hostile,), {"fresh": fresh, "requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def crawl(
    tmp_path: Path, url: str, **settings: str
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The crawl's result, elapsed seconds and peak resident memory (MB) of the crawl."""
    started = time.monotonic()
    done = subprocess.run(
        crawlall_command(url, only=(COUNTY.code,), **settings),
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return done, elapsed, peak


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_pager_of_ten_million_pages_with_new_entries_is_cut_and_reported(tmp_path: Path) -> None:
    with hostile_site(fresh=True) as (url, requested):
        done, elapsed, peak = crawl(tmp_path, url, OGI_MAX_LIST_PAGES="5")
    lists = [p for p in requested if COLUMN in p and "/t2023" not in p]
    print(f"ten-million pager: {len(lists)} list pages, {elapsed:.1f} s, peak {peak:.0f} MB")
    assert len(lists) == 5, lists
    assert "pagination cut: 1 list(s) longer than OGI_MAX_LIST_PAGES" in done.stdout, done.stdout
    assert f"{COUNTY.code}      degraded" in done.stdout or " degraded " in done.stdout
    assert elapsed < 240
    assert peak < 2048


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_site_answering_every_list_page_is_walked_once(tmp_path: Path) -> None:
    with hostile_site(fresh=False) as (url, requested):
        done, elapsed, peak = crawl(tmp_path, url)
    lists = [p for p in requested if COLUMN in p and "/t2023" not in p]
    print(f"every index_N answered: {len(lists)} list pages, {elapsed:.1f} s, peak {peak:.0f} MB")
    assert len(lists) == 2, lists  # the first page, and the one that added nothing
    assert "pagination cut" not in done.stdout, done.stdout
    assert elapsed < 240
    assert peak < 2048
