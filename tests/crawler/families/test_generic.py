"""The generic family on byte-exact pages of the fixture web's 中牟 site (`.jhtml` lists served
as text/html): pagination by 下一页, by the next page number, by a 共N页 count; reports by their
titles; attachments anywhere in the body."""

from __future__ import annotations

from typing import Any

from scrapy.http import Request

from crawler.families.generic import GenericSpider
from crawler.items import DocumentItem
from crawler.platform import LIST_NUMBER, PROBE
from tests.crawler.pages import make_response, spider_for, start_spider
from tests.fixtureweb.build import FIXTURE_WEB
from tests.fixtureweb.variants import ZHONGMU, ZHONGMU_COLUMN

HOST = f"https://{ZHONGMU.site}"
ROOT = HOST + ZHONGMU_COLUMN


def served(path: str, **meta: Any) -> Any:
    body = (FIXTURE_WEB / ZHONGMU.site / path.lstrip("/")).read_bytes()
    return make_response(
        HOST + path,
        body,
        content_type="text/html;charset=UTF-8",
        meta={"column_root": ROOT, **meta},
    )


def spider() -> GenericSpider:
    found = spider_for(ZHONGMU.code)
    assert isinstance(found, GenericSpider)
    start_spider(found)
    return found


def urls(outputs: list[Any]) -> list[str]:
    return sorted(o.url for o in outputs if isinstance(o, Request))


def test_first_page_reports_by_title_and_the_next_page_by_its_word() -> None:
    outputs = list(spider().parse_column(served(ZHONGMU_COLUMN + "index.jhtml")))
    assert urls(outputs) == sorted(
        [
            ROOT + "20240119/1705651200911.jhtml",
            ROOT + "20231215/1702598400913.jhtml",  # a notice about the 年报: the parser says no
            ROOT + "20230117/1673913600912.jhtml",
            ROOT + "index_2.jhtml",  # 下一页
        ]
    )
    [following] = [o for o in outputs if isinstance(o, Request) and "index_2" in o.url]
    assert following.meta[LIST_NUMBER] == 1


def test_news_in_the_column_is_not_followed_and_the_last_page_ends_the_list() -> None:
    s = spider()
    second = urls(
        list(s.parse_column(served(ZHONGMU_COLUMN + "index_2.jhtml", **{LIST_NUMBER: 1})))
    )
    assert ROOT + "index_3.jhtml" in second
    assert not [u for u in second if "/xwzx/" in u]  # 中牟县政务公开工作经验交流
    last = urls(list(s.parse_column(served(ZHONGMU_COLUMN + "index_3.jhtml", **{LIST_NUMBER: 2}))))
    assert last == [ROOT + "20220120/1642636800916.jhtml"]  # 下一页 is javascript:; 共3页


def test_page_number_links_and_page_counts() -> None:
    s = spider()
    numbered = (
        '<html><body><ul><li><a href="/a/1.htm">某县2022年政府信息公开工作年度报告</a>'
        " 2023-01-02</li>"
        '</ul><div><span>1</span><a href="/gknb/list?page=2">2</a><a href="/gknb/list?page=3">3</a>'
        "</div></body></html>"
    ).encode()
    page = make_response(f"{HOST}/gknb/list", numbered, meta={"column_root": f"{HOST}/gknb/"})
    assert f"{HOST}/gknb/list?page=2" in urls(list(s.parse_column(page)))
    counted = (
        '<html><body><ul><li><a href="/b/2.htm">某县2021年政府信息公开工作年度报告</a>'
        " 2022-01-02</li></ul><div>共5页 第1页</div></body></html>"
    ).encode()
    page = make_response(f"{HOST}/nb/index.html", counted, meta={"column_root": f"{HOST}/nb/"})
    [probe] = [o for o in s.parse_column(page) if isinstance(o, Request) and "index_1" in o.url]
    assert probe.meta[PROBE] is True


def test_attachments_anywhere_in_the_body() -> None:
    [item] = list(spider().parse_document(served(ZHONGMU_COLUMN + "20230117/1673913600912.jhtml")))
    assert isinstance(item, DocumentItem)
    assert item.file_urls == [f"{HOST}/u/cms/www/202301/17091230x9k2.pdf"]
    assert item.hints is not None and item.hints.published_at is not None
    assert item.hints.published_at.isoformat() == "2023-01-17"
