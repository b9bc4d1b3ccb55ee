"""HandoffPipeline: the crawl's scans queued as OCR jobs for `scrapy parseworker`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crawler.items import Document, DocumentItem
from models.jobs import ParseQueue
from models.records import FetchRecord
from pipelines.handoff import HandoffPipeline
from reportparser.result import Hints, ParseResult
from tests.crawler.components import county_crawler, open_store, run

PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/202201/t20220125_3863880.html"
SCAN = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/202201/P020220125.pdf"


def test_stored_scans_are_queued_once(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        for url in (PAGE, SCAN):
            sha = store.put_blob(url.encode())
            fetch = FetchRecord(url, "640323", "page", sha, 1, dt.datetime.now(dt.UTC))
            store.record_document(fetch, ParseResult(status="needs_ocr", format="pdf"))
    scan = Document(url=SCAN, kind="attachment", state="fetched", outcome="not_report")
    scan.result = ParseResult(status="needs_ocr", format="pdf")
    text = Document(url=PAGE, kind="page", state="fetched", outcome="not_report")
    text.result = ParseResult(status="not_report", format="html")
    unrecorded = Document(url=PAGE + "#x", kind="attachment", state="fetched")
    unrecorded.result = ParseResult(status="needs_ocr", format="pdf")
    item = DocumentItem(
        url=PAGE, county_code="640323", hints=Hints(), documents=[text, scan, unrecorded]
    )
    with county_crawler(tmp_path, OGI_OCR="queue") as crawler:
        pipeline = HandoffPipeline.from_crawler(crawler)
        run(pipeline.process_item(item))
        run(pipeline.process_item(item))  # again: still one job
        assert crawler.stats is not None
        assert crawler.stats.get_value("parse_jobs/queued") == 1
    with open_store(tmp_path) as store:
        assert ParseQueue(store).counts() == {"queued": 1, "done": 0, "failed": 0}


def test_off_unless_scans_go_to_the_queue(tmp_path: Path) -> None:
    scan = Document(url=SCAN, kind="attachment", state="fetched", outcome="not_report")
    scan.result = ParseResult(status="needs_ocr", format="pdf")
    item = DocumentItem(url=PAGE, county_code="640323", hints=Hints(), documents=[scan])
    with county_crawler(tmp_path) as crawler:
        pipeline = HandoffPipeline.from_crawler(crawler)
        assert run(pipeline.process_item(item)) is item
        assert crawler.stats is not None
        assert crawler.stats.get_value("parse_jobs/queued") is None
