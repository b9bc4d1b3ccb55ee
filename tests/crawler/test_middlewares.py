"""Downloader middlewares with a real SQLite store: conditional requests, replayed 304s,
freshness skips, challenge detection, back-off, county slots."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response

from crawler.middlewares import (
    ROLE_ATTACHMENT,
    BackoffRetryMiddleware,
    ConditionalRequestMiddleware,
    CountySlotMiddleware,
    LoopSafeRedirectMiddleware,
    QuickDownloaderStats,
    QuickMetaRefreshMiddleware,
    is_js_challenge,
)
from crawler.platform import (
    COUNTY_CODE,
    LISTING,
    NOT_MODIFIED,
    PROBE,
    ROLE,
    ROLE_DOCUMENT,
    ROLE_PAGE,
)
from models.records import Listing
from reportparser.result import ParseResult
from tests.crawler.components import county_crawler, open_store, remember, report_result, run
from tests.crawler.pages import PAGES_DIR

LIST_URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/list.html"
REPORT_URL = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
CHALLENGE = (PAGES_DIR / "tongxin" / "challenge.html").read_bytes()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (412, CHALLENGE, True),
        (521, CHALLENGE, True),
        (200, CHALLENGE, False),
        (403, CHALLENGE, False),
        (412, b"<html><body>Precondition Failed</body></html>", False),
        (412, CHALLENGE + b" " * 20_000, False),
    ],
)
def test_js_challenge_detection(status: int, body: bytes, expected: bool) -> None:
    assert is_js_challenge(status, body) is expected


def page_request(url: str = LIST_URL, **meta: object) -> Request:
    return Request(url, meta={ROLE: ROLE_PAGE, COUNTY_CODE: "640323", **meta})


def html(request: Request, status: int = 200, body: bytes = b"", **headers: str) -> Response:
    return HtmlResponse(
        request.url, status=status, body=body, headers=headers or None, request=request
    )


def test_a_list_page_is_saved_then_revalidated_and_replayed(tmp_path: Path) -> None:
    body = "<html><body><a href='t1.html'>年报</a></body></html>".encode()
    with county_crawler(tmp_path) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        first = page_request()
        assert run(middleware.process_request(first)) is None
        assert b"If-None-Match" not in first.headers
        response = html(first, body=body, ETag='"abc"', **{"Last-Modified": "Mon, 01 Jan 2024"})
        assert run(middleware.process_response(first, response)) is response

        second = page_request()
        run(middleware.process_request(second))
        assert second.headers[b"If-None-Match"] == b'"abc"'
        assert second.headers[b"If-Modified-Since"] == b"Mon, 01 Jan 2024"
        not_modified = Response(LIST_URL, status=304, request=second)
        replayed = run(middleware.process_response(second, not_modified))
        assert isinstance(replayed, HtmlResponse)
        assert replayed.status == 200
        assert replayed.body == body
        assert NOT_MODIFIED in replayed.flags
        assert replayed.css("a::text").get() == "年报"
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("pages/fetched") == 1
        assert stats.get_value("pages/not_modified") == 1


def test_a_replayed_page_keeps_the_charset_only_its_http_header_gave(tmp_path: Path) -> None:
    # No <meta charset>, and too short for detection to be sure: only the header says GBK.
    body = "<html><body><a href='t1.html'>信息公开年报</a></body></html>".encode("gbk")
    gbk = "text/html; charset=gbk"
    with county_crawler(tmp_path) as crawler:  # the first crawl fetches it
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        first = page_request()
        run(middleware.process_request(first))
        fetched = html(first, body=body, ETag='"gbk"', **{"Content-Type": gbk})
        run(middleware.process_response(first, fetched))
    with county_crawler(tmp_path) as crawler:  # the next one gets a 304
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        second = page_request()
        run(middleware.process_request(second))
        assert second.headers[b"If-None-Match"] == b'"gbk"'
        not_modified = Response(LIST_URL, status=304, headers={"ETag": '"gbk"'}, request=second)
        replayed = run(middleware.process_response(second, not_modified))
    assert isinstance(replayed, HtmlResponse)
    assert replayed.headers[b"Content-Type"] == gbk.encode()
    assert replayed.css("a::text").get() == "信息公开年报"
    with open_store(tmp_path) as store:
        assert list(store.page_states("640323")) == [LIST_URL]


def test_a_304_without_a_stored_body_refetches_in_full(tmp_path: Path) -> None:
    with county_crawler(tmp_path) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        request = page_request()
        request.headers[b"If-None-Match"] = b'"lost"'
        again = run(middleware.process_response(request, Response(LIST_URL, status=304)))
        assert isinstance(again, Request)
        assert again.dont_filter
        assert b"If-None-Match" not in again.headers
        assert run(middleware.process_request(again)) is None
        assert b"If-None-Match" not in again.headers


def test_an_unchanged_page_body_is_not_written_again(tmp_path: Path) -> None:
    body = b"<html><body>same</body></html>"
    with county_crawler(tmp_path) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        for _ in range(2):
            request = page_request()
            run(middleware.process_request(request))
            run(middleware.process_response(request, html(request, body=body)))
    with open_store(tmp_path) as store:
        state = store.page_state(LIST_URL)
    assert state is not None
    assert state.etag is None
    assert store.get_blob(state.sha256) == body


def document_request(listing: Listing | None = None, url: str = REPORT_URL) -> Request:
    return Request(url, meta={ROLE: ROLE_DOCUMENT, COUNTY_CODE: "640323", LISTING: listing})


LISTING_2022 = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")


@pytest.mark.parametrize(
    ("age_days", "listing", "verdict"),
    [
        (1, LISTING_2022, "skip"),
        (1, None, "skip"),
        (45, LISTING_2022, "revalidate"),
        (1, Listing("盐池县2021年政府信息公开工作年度报告", "2022-03-01"), "revalidate"),
    ],
)
def test_a_known_report_page_is_skipped_while_fresh(
    tmp_path: Path, age_days: int, listing: Listing | None, verdict: str
) -> None:
    with open_store(tmp_path) as store:
        remember(
            store,
            REPORT_URL,
            b"<html>2021</html>",
            report_result(),
            fetched_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=age_days),
            listing=LISTING_2022,
        )
    with county_crawler(tmp_path, OGI_REVISIT_DAYS=30) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        request = document_request(listing)
        stats = crawler.stats
        assert stats is not None
        if verdict == "skip":
            with pytest.raises(IgnoreRequest, match="known and fresh"):
                run(middleware.process_request(request))
            assert stats.get_value("documents/skipped") == 1
            assert stats.get_value("reports/skipped") == 1
        else:
            assert run(middleware.process_request(request)) is None
            assert request.headers[b"If-None-Match"] == b'"v1"'
            replayed = run(middleware.process_response(request, Response(REPORT_URL, status=304)))
            assert isinstance(replayed, HtmlResponse)
            assert replayed.body == b"<html>2021</html>"
            assert NOT_MODIFIED in replayed.flags


def test_a_new_document_and_a_known_non_report(tmp_path: Path) -> None:
    other = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/202212/t20221228_3914430.html"
    with open_store(tmp_path) as store:
        remember(store, other, b"<html>notice</html>", ParseResult("not_report", "html"))
    with county_crawler(tmp_path) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        new = document_request()
        assert run(middleware.process_request(new)) is None
        assert b"If-None-Match" not in new.headers
        with pytest.raises(IgnoreRequest):
            run(middleware.process_request(document_request(url=other)))
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("documents/skipped") == 1
        assert stats.get_value("reports/skipped") is None


def test_http_errors_are_counted_except_a_probe_past_the_end(tmp_path: Path) -> None:
    with county_crawler(tmp_path) as crawler:
        middleware = ConditionalRequestMiddleware.from_crawler(crawler)
        for request, status in [
            (page_request(), 404),
            (page_request(LIST_URL.replace("list", "list_9"), **{PROBE: True}), 404),
            (document_request(), 403),
            (Request(REPORT_URL + ".pdf", meta={ROLE: ROLE_ATTACHMENT}), 404),
            (Request("https://www.yanchi.gov.cn/robots.txt"), 500),
        ]:
            run(middleware.process_response(request, html(request, status=status)))
        stats = crawler.stats
        assert stats is not None
        assert stats.get_value("http/errors/404") == 2
        assert stats.get_value("http/errors/403") == 1
        assert stats.get_value("http/errors/500") is None


def test_county_hosts_share_one_download_slot() -> None:
    middleware = CountySlotMiddleware()
    requests = [
        page_request("https://www.yanchi.gov.cn/"),
        page_request("https://xxgk.yanchi.gov.cn/list.html"),
        Request("https://www.yanchi.gov.cn/robots.txt"),
        Request("https://www.yanchi.gov.cn.example/robots.txt"),
        Request("https://example.org/"),
    ]
    for request in requests:
        middleware.process_request(request)
    assert [r.meta.get("download_slot") for r in requests] == [
        "yanchi.gov.cn",
        "yanchi.gov.cn",
        "yanchi.gov.cn",
        None,
        None,
    ]


def test_retries_back_off(tmp_path: Path) -> None:
    with county_crawler(
        tmp_path, OGI_RETRY_BACKOFF_BASE=0.05, OGI_RETRY_BACKOFF_MAX=5, RETRY_TIMES=3
    ) as crawler:
        middleware = BackoffRetryMiddleware.from_crawler(crawler)
        request = page_request()
        delays = []
        for _ in range(3):
            retry = middleware.process_response(request, html(request, status=503))
            assert isinstance(retry, Request)
            delays.append(retry.meta["ogi_backoff"])
            request = retry
        assert delays == [0.05, 0.1, 0.2]
        assert middleware.process_response(request, html(request, status=503)).status == 503

        limited = middleware.process_response(
            page_request(), html(page_request(), status=429, **{"Retry-After": "120"})
        )
        assert isinstance(limited, Request)
        assert limited.meta["ogi_backoff"] == 5  # the server asked for 120 s; capped

        started = time.monotonic()
        run(middleware.process_request(retry))
        assert time.monotonic() - started >= 0.2
        assert "ogi_backoff" not in retry.meta


def test_a_redirect_back_into_its_own_chain_is_a_loop_not_a_silent_duplicate() -> None:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"REDIRECT_MAX_TIMES": 20})
    middleware = LoopSafeRedirectMiddleware.from_crawler(crawler)
    first = Request("https://www.a.gov.cn/p.html")
    onward = middleware.process_response(
        first, Response(first.url, status=302, headers={"Location": "/p.html?again"})
    )
    assert isinstance(onward, Request) and onward.url == "https://www.a.gov.cn/p.html?again"
    with pytest.raises(
        IgnoreRequest, match=r"redirect loop back to https://www\.a\.gov\.cn/p\.html$"
    ):
        middleware.process_response(
            onward, Response(onward.url, status=302, headers={"Location": "/p.html"})
        )


@pytest.mark.parametrize(
    ("head", "redirected"),
    [
        ('<meta http-equiv="Refresh" content="0; url=/new.html">', True),
        ("<META HTTP-EQUIV=REFRESH CONTENT='1;URL=/new.html'>", True),
        ("<title>刷新 refresh 的页面</title>", False),  # says refresh, has none: Scrapy's answer
        ('<meta name="keywords" content="年度报告">', False),  # cannot have one: passed on
    ],
)
def test_meta_refresh_redirects_as_scrapys_and_skips_pages_that_cannot_have_one(
    head: str, redirected: bool
) -> None:
    from scrapy.utils.test import get_crawler

    middleware = QuickMetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("https://www.a.gov.cn/old.html")
    body = f"<html><head>{head}</head><body>{'正文' * 3000}</body></html>".encode()
    response = HtmlResponse(request.url, body=body, encoding="utf-8", request=request)
    result = middleware.process_response(request, response)
    if redirected:
        assert isinstance(result, Request) and result.url == "https://www.a.gov.cn/new.html"
    else:
        assert result is response
    # A refresh past the first 4 096 characters is none, for Scrapy as here.
    late = HtmlResponse(
        request.url,
        body=f"<html><body>{'正文' * 3000}{head}</body></html>".encode(),
        encoding="utf-8",
        request=request,
    )
    assert middleware.process_response(request, late) is late


@pytest.mark.parametrize(
    ("request_args", "response_args"),
    [
        ({"url": "https://www.a.gov.cn/"}, {"status": 200}),
        (
            {
                "url": "https://user:pw@www.a.gov.cn:8443/x/报告.html;p=1?q=年度&b=2#frag",
                "headers": {"Accept": "text/html", "X-Two": ["a", "bb"], "X-Empty": []},
            },
            {"status": 304, "headers": {"ETag": '"abc"', "Set-Cookie": ["a=1", "b=2"]}},
        ),
        (
            {"url": "http://a.gov.cn/search", "method": "POST", "body": b'{"w": "x"}'},
            {"status": 599, "headers": {"X-Empty": []}, "body": b"\x00" * 10},
        ),
        ({"url": "https://a.gov.cn/?", "headers": {"X-Empty": []}}, {"status": 418}),
    ],
)
def test_quick_downloader_stats_count_what_scrapys_count(
    request_args: dict[str, Any], response_args: dict[str, Any]
) -> None:
    from scrapy.downloadermiddlewares.stats import DownloaderStats
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    counted = []
    for cls in (DownloaderStats, QuickDownloaderStats):
        stats = MemoryStatsCollector(get_crawler())
        middleware = cls(stats)
        request = Request(**request_args)
        response = Response(
            request.url, **{"body": b"<html></html>", **response_args}, request=request
        )
        middleware.process_request(request)
        middleware.process_response(request, response)
        counted.append(stats.get_stats())
    assert counted[0] == counted[1]
    assert counted[1]["downloader/request_bytes"] > 0
