"""ArchivePipeline: the page's bytes into the blob store, one page Document per item."""

from __future__ import annotations

from pathlib import Path

from crawler.items import Document, DocumentItem
from pipelines.archive import ArchivePipeline
from reportparser.result import Hints
from tests.crawler.components import county_crawler, open_store, run

PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"


def item(**fields: object) -> DocumentItem:
    return DocumentItem(url=PAGE, county_code="640323", hints=Hints(), **fields)  # type: ignore[arg-type]


def test_pages_are_archived_and_described(tmp_path: Path) -> None:
    body = "<html><body>盐池县2021年政府信息公开工作年度报告</body></html>".encode()
    with county_crawler(tmp_path) as crawler:
        pipeline = ArchivePipeline.from_crawler(crawler)
        fetched = run(pipeline.process_item(item(body=body, content_type="text/html", etag='"e"')))
        replayed = run(pipeline.process_item(item(body=body, not_modified=True)))
        failed = run(pipeline.process_item(item(http_status=404, error="HTTP 404")))
        direct = run(pipeline.process_item(item(file_urls=[PAGE + ".pdf"])))
    (page,) = fetched.documents
    assert (page.kind, page.state, page.size, page.etag) == ("page", "fetched", len(body), '"e"')
    with open_store(tmp_path) as store:
        assert page.sha256 is not None
        assert store.get_blob(page.sha256) == body
    (confirmed,) = replayed.documents
    assert (confirmed.state, confirmed.sha256) == ("not_modified", None)
    (broken,) = failed.documents
    assert (broken.state, broken.reason, broken.http_status) == ("failed", "HTTP 404", 404)
    assert direct.documents == []


def test_the_page_comes_before_its_attachments(tmp_path: Path) -> None:
    attachment = Document(url=PAGE + ".pdf", kind="attachment", state="fresh")
    with county_crawler(tmp_path) as crawler:
        pipeline = ArchivePipeline.from_crawler(crawler)
        result = run(pipeline.process_item(item(body=b"<html/>", documents=[attachment])))
    assert [d.kind for d in result.documents] == ["page", "attachment"]
    assert result.page is result.documents[0]
    assert result.attachments == [attachment]
