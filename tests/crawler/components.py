"""Crawl components under test: a county spider's crawler with the project settings and a fresh
SQLite store in a temporary directory, built with Scrapy's own helpers."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.counties import BY_SLUG
from crawler.platform import NingxiaPlatformSpider
from models.records import FetchRecord, Listing
from models.store import ReportStore
from reportparser.result import ParseResult, ReportMeta
from tests.crawler.pages import spider_for

T = TypeVar("T")
PROJECT = SETTINGS_PRIORITIES["project"]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a component's coroutine the way Scrapy's asyncio reactor would."""
    return asyncio.run(coroutine)


def store_settings(tmp_path: Path) -> dict[str, Any]:
    return {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }


@contextmanager
def county_crawler(tmp_path: Path, slug: str = "yanchi", **settings: Any) -> Iterator[Crawler]:
    """A crawler for one county spider, the project's settings plus a temporary store."""
    project = get_project_settings()
    values = {name: project[name] for name in project if project.getpriority(name) == PROJECT}
    # MemoryUsage expects a started engine when engine_stopped is sent (see below). The store
    # runs in a thread: a store process per test costs a second of start-up (tests of the
    # process: tests/crawler/test_services.py, and every real crawl).
    values.update(
        store_settings(tmp_path),
        OGI_PARSE_WORKERS=1,
        MEMUSAGE_ENABLED=False,
        OGI_STORE_PROCESS=False,
    )
    values.update(settings)
    spidercls = type(spider_for(slug))
    crawler = get_crawler(spidercls, values)
    crawler.spider = spidercls.from_crawler(crawler)
    try:
        yield crawler
    finally:
        # What the engine sends when it stops: shared services close with their last crawler.
        crawler.signals.send_catch_log(signals.engine_stopped)


def collector(into: list[Any]) -> Any:
    """A signal receiver appending its `run` (pydispatch cannot call a bound list.append)."""

    def receive(run: Any) -> None:
        into.append(run)

    return receive


def spider_of(crawler: Crawler) -> NingxiaPlatformSpider:
    spider = crawler.spider
    assert isinstance(spider, NingxiaPlatformSpider)
    return spider


def open_store(tmp_path: Path) -> ReportStore:
    store = ReportStore(
        store_settings(tmp_path)["OGI_DATABASE_URL"], Path(store_settings(tmp_path)["OGI_BLOB_DIR"])
    )
    store.upgrade()
    store.sync_counties([BY_SLUG["yanchi"], BY_SLUG["jingyuan"]])
    return store


def report_result(year: int = 2021, agency: str = "盐池县人民政府", value: int = 7) -> ParseResult:
    meta = ReportMeta(
        county="盐池县",
        county_code="640323",
        year=year,
        agency=agency,
        scope="county" if agency.endswith("县人民政府") else "department",
        template="2021",
        title=f"盐池县{year}年政府信息公开工作年度报告",
        published_at=dt.date(year + 1, 1, 28),
    )
    return ParseResult(
        status="report",
        format="html",
        meta=meta,
        figures={"requests.new.total": value, "requests.new.natural_person": value},
    )


def remember(
    store: ReportStore,
    url: str,
    body: bytes,
    result: ParseResult,
    *,
    fetched_at: dt.datetime | None = None,
    listing: Listing | None = None,
    etag: str | None = '"v1"',
    kind: str = "page",
) -> None:
    """Store a document as an earlier crawl would have."""
    sha256 = store.put_blob(body)
    store.record_document(
        FetchRecord(
            url=url,
            county_code="640323",
            kind=kind,  # type: ignore[arg-type]
            sha256=sha256,
            size=len(body),
            fetched_at=fetched_at or dt.datetime.now(dt.UTC),
            etag=etag,
            last_modified="Thu, 28 Jan 2021 08:00:00 GMT",
            content_type="text/html",
            listing=listing,
        ),
        result,
    )


def exit_code(process: BaseProcess, timeout: float = 60) -> int | None:
    """The exit code of a child that the code under test reaps in a thread of its own.

    Not `join`: two threads joining one child race, and the loser (its waitpid answered ECHILD)
    takes the dead process for a live one.
    """
    deadline = time.monotonic() + timeout
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return process.exitcode
