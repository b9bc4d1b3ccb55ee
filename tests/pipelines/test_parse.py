"""ParsePipeline: every freshly fetched document parsed in a worker process, with page hints."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from crawler.items import Document, DocumentItem
from pipelines.parse import ParsePipeline
from reportparser.result import Hints
from tests.conftest import SEEDS_DIR, load_expected
from tests.crawler.components import county_crawler, open_store, run

PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202101/t20210128_3809580.html"


def test_fetched_documents_are_parsed_off_the_reactor(tmp_path: Path) -> None:
    seed = (SEEDS_DIR / "yanchi-2020-county.txt").read_bytes()
    news = "<html><body><h1>县政府召开常务会议</h1><p>会议研究了冬季供暖。</p></body></html>"
    with open_store(tmp_path) as store:
        report_sha = store.put_blob(seed)
        news_sha = store.put_blob(news.encode())
    hints = Hints(
        county="盐池县", county_code="640323", title="盐池县2020年政府信息公开工作年度报告"
    )
    documents = [
        Document(url=PAGE, kind="page", state="fetched", sha256=news_sha, content_type="text/html"),
        Document(
            url=PAGE.replace(".html", ".txt"),
            kind="attachment",
            state="fetched",
            sha256=report_sha,
            content_type="text/plain",
        ),
        Document(url=PAGE + ".pdf", kind="attachment", state="fresh", sha256=report_sha),
        Document(url=PAGE + ".doc", kind="attachment", state="not_modified"),
        Document(url=PAGE + ".wps", kind="attachment", state="failed", reason="HTTP 404"),
    ]
    item = DocumentItem(url=PAGE, county_code="640323", hints=hints, documents=documents)
    with county_crawler(tmp_path) as crawler:
        pipeline = ParsePipeline.from_crawler(crawler)
        assert run(pipeline.process_item(item)) is item
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("parser/status/report") == 1
        assert stats.get_value("parser/status/not_report") == 1
    page, attachment, *others = item.documents
    assert page.result is not None
    assert page.result.status == "not_report"
    assert attachment.result is not None
    assert attachment.result.status == "report"
    expected = load_expected("yanchi-2020-county")
    assert attachment.result.meta is not None
    assert attachment.result.meta.year == expected["meta"]["year"]
    assert attachment.result.meta.county_code == "640323"
    assert [d.result for d in others] == [None, None, None]
    # What the parser was given, kept for the store (a re-parse gives the same).
    assert page.hints == dataclasses.replace(hints, url=PAGE)
    assert attachment.hints == dataclasses.replace(hints, url=PAGE.replace(".html", ".txt"))
    assert [d.hints for d in others] == [None, None, None]
