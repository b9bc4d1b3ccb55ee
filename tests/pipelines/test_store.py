"""StorePipeline with a real SQLite store: outcomes, 304s, failures, attachment-first order."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from crawler.items import Document, DocumentItem
from models.records import Listing
from pipelines.store import StorePipeline
from reportparser.result import Hints, ParseResult
from tests.crawler.components import county_crawler, open_store, remember, report_result, run

PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
PDF = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/P020220125863880000001.pdf"
LISTING = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")


def item_with(*documents: Document, body: bytes | None = b"<html></html>") -> DocumentItem:
    return DocumentItem(
        url=PAGE,
        county_code="640323",
        hints=Hints(county="盐池县", county_code="640323"),
        listing=LISTING,
        body=body,
        documents=list(documents),
    )


def fetched(url: str, kind: str, sha256: str, result: ParseResult) -> Document:
    return Document(
        url=url,
        kind=kind,  # type: ignore[arg-type]
        state="fetched",
        sha256=sha256,
        size=10,
        http_status=200,
        content_type="text/html" if kind == "page" else "application/pdf",
        etag='"1"',
        fetched_at=dt.datetime.now(dt.UTC),
        result=result,
    )


def test_outcomes_are_stored_and_counted(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        page_sha = store.put_blob(b"<html>page</html>")
        pdf_sha = store.put_blob(b"%PDF-1.7 report")
    not_report = ParseResult("not_report", "html", reason="a wrapper page")
    with county_crawler(tmp_path) as crawler:
        pipeline = StorePipeline.from_crawler(crawler)
        first = item_with(
            fetched(PAGE, "page", page_sha, not_report),
            fetched(PDF, "attachment", pdf_sha, report_result()),
        )
        returned = run(pipeline.process_item(first))
        assert returned is first
        assert first.body is None  # released once stored
        assert [d.outcome for d in first.documents] == ["not_report", "new"]
        again = item_with(fetched(PDF, "attachment", pdf_sha, report_result()))
        run(pipeline.process_item(again))
        changed = item_with(fetched(PDF, "attachment", pdf_sha, report_result(value=8)))
        run(pipeline.process_item(changed))
        broken = item_with(
            fetched(PAGE, "page", page_sha, ParseResult("error", "pdf", reason="truncated PDF"))
        )
        run(pipeline.process_item(broken))
        stats = crawler.stats
        assert stats is not None
        assert {k: v for k, v in stats.get_stats().items() if "/" in k} == {
            "documents/not_report": 1,
            "reports/new": 1,
            "reports/unchanged": 1,
            "reports/updated": 1,
            "reports/failed": 1,
            # report_result() prints section 三 only: stored, and counted as not complete.
            "reports/partial": 2,
        }
    with open_store(tmp_path) as store:
        states = store.source_states("640323")
        (report,) = store.reports()
    assert states[PDF].report_id == report.id
    assert report.revision == 2
    assert report.figures["requests.new.total"] == 8
    # Attachments are recorded before their page: a crash in between re-fetches the page.
    assert states[PDF].fetched_at is not None
    assert states[PAGE].listing_signature == LISTING.signature()


def test_the_hints_the_parser_had_are_stored_for_reparsing(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        pdf_sha = store.put_blob(b"%PDF-1.7 report")
    document = fetched(PDF, "attachment", pdf_sha, report_result())
    document.hints = Hints(
        county="盐池县", county_code="640323", title=LISTING.title, publisher="县政府办", url=PDF
    )
    with county_crawler(tmp_path) as crawler:
        run(StorePipeline.from_crawler(crawler).process_item(item_with(document)))
    with open_store(tmp_path) as store:
        (source,) = store.stored_sources()
    assert source.fetch.hints == document.hints


def test_a_304_confirms_the_stored_document(tmp_path: Path) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with open_store(tmp_path) as store:
        remember(store, PAGE, b"<html>r</html>", report_result(), fetched_at=old, listing=LISTING)
    republished = Listing(LISTING.title, "2022-02-24")
    with county_crawler(tmp_path) as crawler:
        pipeline = StorePipeline.from_crawler(crawler)
        item = item_with(Document(url=PAGE, kind="page", state="not_modified"))
        item.listing = republished
        run(pipeline.process_item(item))
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("reports/unchanged") == 1
    with open_store(tmp_path) as store:
        state = store.source_states("640323")[PAGE]
    assert state.checked_at is not None
    assert state.checked_at.replace(tzinfo=dt.UTC) > old + dt.timedelta(days=39)
    assert state.listing_signature == republished.signature()


def test_a_broken_link_is_recorded_and_a_timeout_is_not(tmp_path: Path) -> None:
    gone = PDF.replace("0001.pdf", "0002.pdf")
    with county_crawler(tmp_path) as crawler:
        pipeline = StorePipeline.from_crawler(crawler)
        item = item_with(
            Document(
                url=gone, kind="attachment", state="failed", reason="HTTP 404", http_status=404
            ),
            Document(
                url=PDF,
                kind="attachment",
                state="failed",
                reason="DownloadTimeoutError: Getting it took longer than 60 seconds.",
            ),
        )
        run(pipeline.process_item(item))
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("documents/unavailable") == 1
        assert stats.get_value("reports/failed") is None  # the site's fault, not the parser's
    with open_store(tmp_path) as store:
        states = store.source_states("640323")
    assert set(states) == {gone}
    assert states[gone].status == "failed"


def test_a_store_error_is_counted_and_the_crawl_goes_on(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        remember(store, PDF, b"%PDF-1.7 v1", report_result(), kind="attachment")
        pdf_sha = store.put_blob(b"%PDF-1.7 v2")
        page_sha = store.put_blob(b"<html>page</html>")
    with closing(sqlite3.connect(tmp_path / "ogi.sqlite3")) as db:
        db.execute("DROP TABLE revisions")  # an update of a report now fails inside the store
    with county_crawler(tmp_path) as crawler:
        pipeline = StorePipeline.from_crawler(crawler)
        item = item_with(
            fetched(PDF, "attachment", pdf_sha, report_result(value=9)),
            fetched(PAGE, "page", page_sha, ParseResult("not_report", "html")),
        )
        assert run(pipeline.process_item(item)) is item
        assert [d.outcome for d in item.documents] == [None, "not_report"]
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("store/errors") == 1
        assert stats.get_value("documents/not_report") == 1
    with open_store(tmp_path) as store:
        (report,) = store.reports()
    assert report.figures["requests.new.total"] == 7  # the failed update left nothing behind
