"""开普云: the article shape and the `guestweb4` site search."""

from __future__ import annotations

from crawler.families.ucap import UcapSpider, is_ucap_article
from tests.crawler.families.support import family_spider, get, requests_of
from tests.crawler.pages import make_response
from tests.fixtureweb.families.ucap import OFFSITE

HOST = "http://wzs.hainan.gov.cn"


def spider() -> UcapSpider:
    found = family_spider("469001")
    assert isinstance(found, UcapSpider)
    return found


def test_article_shape() -> None:
    assert is_ucap_article(f"{HOST}/wzs/0400/202301/0123456789abcdef0123456789abcdef.shtml")
    assert not is_ucap_article(f"{HOST}/wzs/zfxxgk/index.shtml")


def test_no_column_then_the_search_scoped_by_the_sites_code() -> None:
    ucap = spider()
    outputs = list(ucap.parse_home(get(f"{HOST}/")))
    assert [r.url for r in requests_of(outputs)] == [f"{HOST}/wzs/zfxxgk/index.shtml"]
    outputs = list(ucap.parse_platform(get(f"{HOST}/wzs/zfxxgk/index.shtml", depth_left=2)))
    searches = [r.url for r in requests_of(outputs)]
    assert searches == [
        f"{HOST}/guestweb4/s?searchWord=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&siteCode=4690010001",
        f"{HOST}/guestweb4/s?searchWord=%E5%B9%B4%E6%8A%A5&siteCode=4690010001",
    ]
    assert ucap.crawler.stats.get_value("discovery/search_fallback") == 1

    results = list(ucap.parse_search(get(searches[0], search_word="年度报告")))
    urls = [r.url for r in requests_of(results)]
    assert OFFSITE not in urls  # the province's own site: never followed
    assert urls[-1] == f"{searches[0]}&page=2"  # 下一页
    assert len(urls) == 3 and all(u.endswith(".shtml") for u in urls[:2])
    assert ucap.crawler.stats.get_value("links/offsite") >= 1


def test_a_column_found_by_link_text_lists_hex_articles_and_its_pages() -> None:
    column = f"{HOST}/wzs/zfxxgk/gknb/index.shtml"
    body = (
        '<html><head><meta charset="utf-8"><meta name="SiteIDCode" content="4690010001">'
        '</head><body><ul class="list">'
        '<li><a href="./202301/0123456789abcdef0123456789abcdef.shtml">'
        "五指山市2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>"
        '<li><a href="./202212/fedcba9876543210fedcba9876543210.shtml">'
        "五指山市召开政务公开工作会议</a><span>2022-12-01</span></li></ul>"
        '<div class="page"><a href="index_1.shtml">下一页</a><a href="index_4.shtml">尾页</a>'
        "</div></body></html>"
    ).encode()
    ucap = spider()
    response = make_response(column, body, meta={"column_root": f"{HOST}/wzs/zfxxgk/gknb/"})
    urls = [r.url for r in requests_of(list(ucap.parse_column(response)))]
    # Pagination is lazy (issue 11.2): only the next page, since this one listed a report.
    assert urls == [
        f"{HOST}/wzs/zfxxgk/gknb/202301/0123456789abcdef0123456789abcdef.shtml",
        f"{HOST}/wzs/zfxxgk/gknb/index_1.shtml",
    ]
    assert ucap.crawler.stats.get_value("entries/listed") == 2
