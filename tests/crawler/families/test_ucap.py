"""开普云: the article shape and the `guestweb4` site search."""

from __future__ import annotations

from crawler.families.ucap import UcapSpider, is_ucap_article
from tests.crawler.families.support import family_spider, get, requests_of
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
