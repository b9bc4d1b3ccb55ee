"""The platform base spider on byte-exact pages: discovery, pagination, entries, attachments."""

from __future__ import annotations

import json
import os

import pytest
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Request, TextResponse
from scrapy.spiderloader import get_spider_loader
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.project import get_project_settings
from twisted.python.failure import Failure

from crawler.counties import COUNTIES
from crawler.items import DocumentItem
from crawler.page import Page
from crawler.platform import (
    ENTRY,
    NOT_MODIFIED,
    PROBE,
    ROLE,
    ROLE_DOCUMENT,
    ROLE_PAGE,
    STATUS_REASON_STAT,
    STATUS_STAT,
    NingxiaPlatformSpider,
)
from tests.crawler.pages import PageCase, make_response, page_cases, spider_for, start_spider

CASES = list(page_cases())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_page_fixture(case: PageCase) -> None:
    observed = case.run()
    if os.environ.get("OGI_UPDATE_PAGE_FIXTURES"):
        case.spec["expect"] = observed
        text = json.dumps(case.spec, ensure_ascii=False, indent=2) + "\n"
        case.spec_path.write_text(text, "utf-8")
    assert observed == case.spec["expect"]


def test_fixture_pages_cover_every_shape() -> None:
    callbacks = {case.spec["callback"] for case in CASES}
    assert callbacks == {
        "parse_home",
        "parse_platform",
        "parse_column",
        "parse_document",
        "parse_search",
    }
    assert len({case.slug for case in CASES}) >= 4


def test_every_registry_county_with_a_site_has_a_spider() -> None:
    loader = get_spider_loader(get_project_settings())
    crawlable = [c for c in COUNTIES if c.site]
    assert sorted(loader.list()) == sorted(c.slug for c in crawlable)
    for county in crawlable:
        spidercls = loader.load(county.slug)
        assert issubclass(spidercls, NingxiaPlatformSpider)
        assert spidercls.county_code == county.code
        assert spidercls.county == county.name
        assert spidercls.allowed_domains == [county.registered_domain]
        assert spidercls.start_urls == [county.start_url]
    # Every spider is made from its registry row; a county is found by its slug or its code.
    assert loader.load("yanchi") is loader.load("640323")
    assert loader.load("yanchi").__name__ == "YanchiSpider"
    assert loader.load("320813").__name__ == "County320813Spider"
    assert spider_for("320813").start_urls == ["http://www.hongze.gov.cn/"]


def test_base_class_is_not_a_spider_and_bad_data_fails_at_import() -> None:
    assert not hasattr(NingxiaPlatformSpider, "name") or not NingxiaPlatformSpider.name
    with pytest.raises(ValueError, match=r"not in crawler/counties\.py"):
        type("X", (NingxiaPlatformSpider,), {"name": "x", "county_code": "999999"})
    with pytest.raises(ValueError, match="registry slug 'yanchi'"):
        type("X", (NingxiaPlatformSpider,), {"name": "salt", "county_code": "640323"})


def test_start_requests_the_home_page_as_the_entry() -> None:
    spider = spider_for("yanchi")
    (request,) = start_spider(spider)
    assert request.url == "https://www.yanchi.gov.cn/"
    assert request.meta[ROLE] == ROLE_PAGE
    assert request.meta[ENTRY] is True
    assert request.dont_filter


def test_a_probe_past_the_end_stops_the_list() -> None:
    spider = spider_for("yanchi")
    response = make_response(
        "https://www.yanchi.gov.cn/xxgk/zfxxgknb/list_2.html",
        b"<html><body><h1>404 Not Found</h1></body></html>",
        status=404,
        meta={PROBE: True},
    )
    assert list(spider.parse_column(response)) == []
    assert spider.crawler.stats.get_value("pages/past_end") == 1


def test_a_replayed_304_becomes_a_not_modified_item() -> None:
    spider = spider_for("jingyuan")
    url = "https://www.nxjy.gov.cn/xxgk_13518/zfxxgknb/xrmzf/202201/t20220125_3301126.html"
    response = make_response(
        url,
        "<html><body><h1>泾源县2021年政府信息公开工作年度报告</h1></body></html>".encode(),
        meta={ROLE: ROLE_DOCUMENT},
        flags=[NOT_MODIFIED],
    )
    (item,) = spider.parse_document(response)
    assert isinstance(item, DocumentItem)
    assert item.not_modified
    assert item.hints.title == "泾源县2021年政府信息公开工作年度报告"


def test_a_report_url_serving_a_file_is_an_item_without_attachments() -> None:
    spider = spider_for("helan")
    url = "https://www.nxhl.gov.cn/xxgk_7799/zfxxgknb/202101/t20210129_2611111.html"
    response = make_response(url, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")
    (item,) = spider.parse_document(response)
    assert isinstance(item, DocumentItem)
    assert item.content_type == "application/pdf"
    assert item.body == b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    assert item.file_urls == []


def test_no_column_anywhere_falls_back_to_the_site_search() -> None:
    spider = spider_for("pengyang")
    start_spider(spider)
    home = make_response(
        "https://www.pengyang.gov.cn/",
        '<html><body><a href="/nxsearch/search.html?code=1&tenantId=51">search</a>'
        '<a href="/xxgk_13872/">信息公开</a></body></html>'.encode(),
    )
    (platform,) = spider.parse_home(home)
    assert platform.url == "https://www.pengyang.gov.cn/xxgk_13872/"
    dead_end = make_response(platform.url, b"<html><body>nothing here</body></html>")
    searches = list(spider.parse_platform(dead_end, depth=2))
    # 彭阳 is a TRS county: its search also sends the fields newer 海云 sites require.
    newer = {"searchBy": "all", "orderBy": "time", "granularity": "ALL"}
    assert [json.loads(r.body) for r in searches] == [
        {"tenantId": "51", "searchWord": "年度报告", "pageNo": 1, "pageSize": 20, **newer},
        {"tenantId": "51", "searchWord": "年报", "pageNo": 1, "pageSize": 20, **newer},
    ]
    assert all(r.method == "POST" and r.url.endswith("/irs/front/search") for r in searches)
    assert spider.crawler.stats.get_value("discovery/search_fallback") == 1


def test_a_failed_platform_page_still_leads_to_the_search() -> None:
    spider = spider_for("pengyang")
    start_spider(spider)
    home = make_response(
        "https://www.pengyang.gov.cn/",
        '<html><body><a href="/xxgk/">政府信息公开</a></body></html>'.encode(),
    )
    list(spider.parse_home(home))
    failure = Failure(CannotResolveHostError("www.pengyang.gov.cn"))
    searches = list(spider.discovery_failed(failure))
    assert len(searches) == 2


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(403, "blocked"), (412, "blocked"), (521, "blocked"), (500, "unreachable")],
)
def test_an_http_error_on_the_home_page_decides_the_county_status(
    status: int, verdict: str
) -> None:
    spider = spider_for("haiyuan")
    (request,) = start_spider(spider)
    response = make_response(request.url, b"<html></html>", status=status)
    assert list(spider.entry_failed(Failure(HttpError(response)))) == []
    assert spider.crawler.stats.get_value(STATUS_STAT) == verdict
    assert spider.crawler.stats.get_value(STATUS_REASON_STAT) == (
        f"HTTP {status} on https://www.nxhy.gov.cn/"
    )


def test_an_unresolvable_home_page_means_unreachable_and_no_search() -> None:
    spider = spider_for("haiyuan")
    (request,) = start_spider(spider)
    assert request.errback is not None
    outputs = list(request.errback(Failure(CannotResolveHostError("www.nxhy.gov.cn"))))
    assert outputs == []
    assert spider.crawler.stats.get_value(STATUS_STAT) == "unreachable"
    assert "CannotResolveHostError" in spider.crawler.stats.get_value(STATUS_REASON_STAT)


def test_offsite_and_spam_mirror_links_are_never_followed() -> None:
    spider = spider_for("yanchi")
    start_spider(spider)
    body = (
        '<html><body><div class="xxgk_wrap">'
        '<ul><li><a href="http://www.ycxxgk.cn/ycxxxgkpt/content.jsp?wbnewsid=23160">'
        "盐池县2017年政府信息公开工作年度报告</a></li></ul>"
        '<ul><li><a href="https://yanchi.gov.cn.mirror.example/xxgk/t20180101_1.html">'
        "盐池县2017年政府信息公开工作年度报告</a></li></ul>"
        '<ul><li><a href="https://www.yanchi.gov.cn.evil.example/t20180101_2.html">'
        "盐池县2016年政府信息公开工作年度报告</a></li></ul>"
        '<ul><li><a href="https://xxgk.yanchi.gov.cn/t20190101_3.html">'
        "盐池县2018年政府信息公开工作年度报告</a></li></ul>"
        "</div></body></html>"
    ).encode()
    response = make_response("https://www.yanchi.gov.cn/xxgk/zfxxgknb/list.html", body)
    urls = [r.url for r in spider.parse_column(response) if isinstance(r, Request)]
    assert "https://xxgk.yanchi.gov.cn/t20190101_3.html" in urls
    assert not [u for u in urls if "example" in u or "ycxxgk.cn" in u]
    assert spider.crawler.stats.get_value("links/offsite") == 3


ATTACHMENT_PAGE = """<html><body>
<div class="nav"><a href="/files/menu.pdf">菜单</a><a href="/about.html">关于</a></div>
<div class="zz-xl-ct"><p>正文 <a href="b/second.docx">第二</a></p>
<p><a href="/files/body.pdf">报告全文</a>
<a href="/download?id=7" title="年度报告.wps">下载</a></p></div>
<div class="fj-box"><a href="/files/box.doc">附</a><a href="/files/body.pdf">重复</a></div>
<p><a href="/files/labelled.xls">附件1</a> <a href="/files/other.pdf">无关</a>
<span onclick="window.open('/files/popup.et')">附件2</span>
<a href="https://elsewhere.example.com/x.pdf">附件3</a></p>
</body></html>"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            ATTACHMENT_PAGE,
            [
                "https://www.yanchi.gov.cn/a/b/second.docx",
                "https://www.yanchi.gov.cn/files/body.pdf",
                "https://www.yanchi.gov.cn/download?id=7",
                "https://www.yanchi.gov.cn/files/box.doc",
                "https://www.yanchi.gov.cn/files/labelled.xls",
            ],
            id="body, then boxes, then labelled links",
        ),
        pytest.param(
            ATTACHMENT_PAGE.replace("zz-xl-ct", "plain"),
            [
                "https://www.yanchi.gov.cn/files/menu.pdf",
                "https://www.yanchi.gov.cn/a/b/second.docx",
                "https://www.yanchi.gov.cn/files/body.pdf",
                "https://www.yanchi.gov.cn/download?id=7",
                "https://www.yanchi.gov.cn/files/box.doc",
                "https://www.yanchi.gov.cn/files/labelled.xls",
                "https://www.yanchi.gov.cn/files/other.pdf",
                "https://www.yanchi.gov.cn/files/popup.et",
            ],
            id="no known body: every document link in page order",
        ),
        pytest.param(
            "<html><body><div class='zz-xl-ct'><p>报告</p></div></body></html>",
            [],
            id="no document named",
        ),
    ],
)
def test_attachment_urls(body: str, expected: list[str]) -> None:
    spider = spider_for("yanchi")
    response = make_response("https://www.yanchi.gov.cn/a/t20220125_1.html", body.encode())
    assert isinstance(response, TextResponse)
    assert spider.attachment_urls(Page(response)) == expected
    offsite = spider.crawler.stats.get_value("links/offsite")
    assert offsite == (1 if "elsewhere" in body else None)
