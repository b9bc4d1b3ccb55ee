"""Guangdong gkmlpt: `_CONFIG` tree and SID, the JSON list API, `DETAIL` attachments."""

from __future__ import annotations

from crawler.families.gkmlpt import _SID, GkmlptSpider, _date_of
from tests.crawler.families.support import family_spider, get, items_of, requests_of

HOST = "https://www.gdsx.gov.cn"


def spider() -> GkmlptSpider:
    found = family_spider("440222")
    assert isinstance(found, GkmlptSpider)
    return found


def test_annual_report_page_asks_the_api_for_each_annual_classification() -> None:
    outputs = list(spider().parse_column(get(f"{HOST}/gkmlpt/annualreport")))
    assert [r.url for r in requests_of(outputs)] == [
        f"{HOST}/gkmlpt/api/all/2641?page=1&sid=755039",
        f"{HOST}/gkmlpt/api/all/2642?page=1&sid=755039",  # 部门年报, a child of 2641
    ]


def test_classifications_from_a_tree_and_from_links() -> None:
    text = (
        'window._CONFIG = {SID: \'1\', TREE: [{"id": 5, "name": "2019年年报"}, '
        '{"id": 6, "name": "政务公开年报", "children": [{"id": 7, "name": "乡镇"}]}]};'
        '<a href="/gkmlpt/annualreport#9">年报</a>'
    )
    assert spider().annual_classifications(text) == [9, 6, 7]


def test_api_pages_list_reports_and_the_first_asks_for_the_others() -> None:
    gkmlpt = spider()
    meta = {"gkmlpt": {"classify": 2641, "page": 1, "sid": "755039"}}
    response = get(f"{HOST}/gkmlpt/api/all/2641?page=1&sid=755039", **meta)
    assert response.headers[b"Content-Type"] == b"application/json;charset=UTF-8"
    requests = requests_of(list(gkmlpt.parse_list(response)))
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [
        "post_2641501.html",
        "post_2641500.html",
        "post_2641420.html",
        "2641?page=2&sid=755039",
    ]
    listing = requests[1].meta["ogi_listing"]
    assert (listing.title, listing.date) == ("始兴县2022年政府信息公开工作年度报告", "2023-01-19")
    meta = {"gkmlpt": {"classify": 2641, "page": 2, "sid": "755039"}}
    response = get(f"{HOST}/gkmlpt/api/all/2641?page=2&sid=755039", **meta)
    assert [r.url.rsplit("/", 1)[-1] for r in requests_of(list(gkmlpt.parse_list(response)))] == [
        "post_2641300.html"
    ]


def test_attachments_come_from_the_detail_json() -> None:
    response = get(f"{HOST}/gkmlpt/content/2/2641/post_2641300.html")
    assert b'class="attachment"' in response.body and b".docx</a>" not in response.body
    (item,) = items_of(list(spider().parse_document(response)))
    assert item.file_urls == [f"{HOST}/attachment/0/481/481502/2641300.docx"]


def test_list_dates() -> None:
    assert _date_of({"created_at": 1674091800}) == "2023-01-19"  # 09:30 in China
    assert _date_of({"publish_time": "2023-01-19 09:30:00"}) == "2023-01-19"
    assert _date_of({"created_at": "soon"}) is None


def test_the_sid_quoted_or_not() -> None:
    assert _SID.search("window._CONFIG = {SID: '755039', TREE: []}").group(1) == "755039"
    assert _SID.search('{"SID": 755039}').group(1) == "755039"
