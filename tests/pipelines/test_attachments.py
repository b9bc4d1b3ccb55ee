"""AttachmentsPipeline (Scrapy's FilesPipeline underneath) with a real store: hash-named blob
storage, freshness skips, conditional revalidation, failures with their reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.items import DocumentItem
from crawler.middlewares import ROLE_ATTACHMENT
from crawler.platform import COUNTY_CODE, ROLE
from models.records import Listing
from pipelines.attachments import AttachmentsPipeline
from reportparser.result import Hints
from tests.crawler.components import county_crawler, open_store, remember, report_result, run

PAGE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
FRESH = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/P020220125863880000001.pdf"
STALE = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/P020220125863880000002.docx"
NEW = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/P020220125863880000003.wps"
# What Scrapy's HTTP handler says when a body passes DOWNLOAD_MAXSIZE (download_maxsize meta).
TOO_LARGE = (
    "Received 70000000 bytes which is larger than download max size (67108864) in request "
    f"<GET {NEW}.huge>."
)
LISTING = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")


def item(*urls: str) -> DocumentItem:
    return DocumentItem(
        url=PAGE,
        county_code="640323",
        hints=Hints(county="盐池县"),
        listing=LISTING,
        body=b"<html></html>",
        file_urls=list(urls),
    )


def setup_store(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        remember(store, FRESH, b"%PDF fresh", report_result(), kind="attachment", listing=LISTING)
        remember(
            store,
            STALE,
            b"PK docx",
            report_result(2020),
            kind="attachment",
            listing=LISTING,
            fetched_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=90),
        )


def test_requests_skips_and_conditional_headers(tmp_path: Path) -> None:
    setup_store(tmp_path)
    with county_crawler(tmp_path) as crawler:
        pipeline = AttachmentsPipeline.from_crawler(crawler)
        pipeline.open_spider()
        document = item(FRESH, STALE, NEW)
        run(pipeline.known.load("640323"))
        requests = pipeline.get_media_requests(document, pipeline.spiderinfo)
        assert [r.url for r in requests] == [FRESH, STALE, NEW]
        assert all(r.meta[ROLE] == ROLE_ATTACHMENT for r in requests)
        assert all(r.meta[COUNTY_CODE] == "640323" for r in requests)
        assert requests[0].meta["download_maxsize"] == 64 * 1024 * 1024
        assert b"If-None-Match" not in requests[0].headers  # fresh: never sent anyway
        assert requests[1].headers[b"If-None-Match"] == b'"v1"'
        assert b"If-None-Match" not in requests[2].headers
        skipped = [pipeline.media_to_download(r, pipeline.spiderinfo) for r in requests]
        assert skipped[0]["status"] == "fresh"
        assert skipped[1:] == [None, None]
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("documents/skipped") == 1
        assert stats.get_value("reports/skipped") == 1


def response(request: Request, status: int, body: bytes = b"", **headers: str) -> Response:
    return Response(request.url, status=status, body=body, headers=headers, request=request)


def test_downloads_go_to_the_blob_store_and_results_become_documents(tmp_path: Path) -> None:
    setup_store(tmp_path)
    with county_crawler(tmp_path) as crawler:
        pipeline = AttachmentsPipeline.from_crawler(crawler)
        pipeline.open_spider()
        document = item(FRESH, STALE, NEW, NEW + ".missing", NEW + ".huge")
        run(pipeline.known.load("640323"))
        fresh, stale, new, missing, huge = pipeline.get_media_requests(
            document, pipeline.spiderinfo
        )
        info = pipeline.spiderinfo

        async def outcomes() -> list[Any]:
            return [
                pipeline.media_to_download(fresh, info),
                await pipeline.media_downloaded(response(stale, 304), stale, info),
                await pipeline.media_downloaded(
                    response(new, 200, b"WPS bytes", **{"Content-Type": "application/kswps"}),
                    new,
                    info,
                ),
                await pipeline.media_downloaded(response(missing, 404), missing, info),
            ]

        results: list[Any] = [(True, r) for r in run(outcomes())]
        pipeline.media_failed(
            Failure(DownloadCancelledError(TOO_LARGE)),
            huge,
            info,
        )
        results.append((True, None))
        pipeline.item_completed(results, document, info)

    states = [(d.url, d.state, d.http_status) for d in document.documents]
    assert states == [
        (FRESH, "fresh", None),
        (STALE, "not_modified", 304),
        (NEW, "fetched", 200),
        (NEW + ".missing", "failed", 404),
        (NEW + ".huge", "failed", None),
    ]
    downloaded = document.documents[2]
    assert downloaded.content_type == "application/kswps"
    assert downloaded.size == len(b"WPS bytes")
    assert downloaded.filename == "P020220125863880000003.wps"
    with open_store(tmp_path) as store:
        assert downloaded.sha256 is not None
        assert store.get_blob(downloaded.sha256) == b"WPS bytes"
    assert document.documents[3].reason == "HTTP 404"
    assert document.documents[4].reason == (f"DownloadCancelledError: {TOO_LARGE}")
