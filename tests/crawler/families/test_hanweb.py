"""大汉 Hanweb JCMS: the column's inline datastore, `dataproxy.jsp` groups, `downfile.jsp` files."""

from __future__ import annotations

from urllib.parse import parse_qs

from scrapy.http import FormRequest

from crawler.families.fragments import xml_number, xml_records
from crawler.families.hanweb import HanwebSpider, is_hanweb_article, is_hanweb_column
from tests.crawler.families.support import family_spider, get, items_of, requests_of, served
from tests.crawler.pages import make_response

HOST = "https://www.anji.gov.cn"
ANNUAL = f"{HOST}/col/col1229211115/index.html"


def spider() -> HanwebSpider:
    found = family_spider("330523")
    assert isinstance(found, HanwebSpider)
    return found


def test_url_shapes() -> None:
    assert is_hanweb_article(f"{HOST}/art/2023/1/18/art_1229211115_59012301.html")
    assert not is_hanweb_article(f"{HOST}/col/col1229211115/index.html")
    assert is_hanweb_column(f"{HOST}/col/col1229211115/index.html")
    assert is_hanweb_column(f"{HOST}/col/col1229211115/")
    assert not is_hanweb_column(f"{HOST}/col/col1229211115/index.html?uid=4594261&pageNum=2")


def test_datastore_pieces() -> None:
    xml = (
        "<datastore><nextgroup><![CDATA[<a href='x'></a>]]></nextgroup><recordset>"
        "<record><![CDATA[<li>a</li>]]></record>\n<record> <![CDATA[<li>b</li>]]> </record>"
        "</recordset><totalrecord>12</totalrecord><totalpage><![CDATA[4]]></totalpage></datastore>"
    )
    assert xml_records(xml) == ["<li>a</li>", "<li>b</li>"]
    assert (xml_number(xml, "totalrecord"), xml_number(xml, "totalpage")) == (12, 4)
    assert xml_number(xml, "perpage") is None


def test_column_reads_the_inline_records_then_asks_the_proxy_for_the_rest() -> None:
    hanweb = spider()
    outputs = list(hanweb.parse_column(get(ANNUAL)))
    gets = sorted(r.url for r in requests_of(outputs) if r.method == "GET")
    assert gets == [
        f"{HOST}/art/2022/12/20/art_1229211115_58990011.html",  # a notice: the parser decides
        f"{HOST}/art/2023/1/18/art_1229211115_59012301.html",
        f"{HOST}/art/2023/1/30/art_1229211115_59012302.html",  # 湖州市's, reposted
        f"{HOST}/col/col1229211117/index.html",  # the 部门 sub-column
        f"{HOST}/col/col1229211118/index.html",  # the 单位 sub-column (信息公开 module)
    ]
    (proxy,) = [r for r in requests_of(outputs) if r.method == "POST"]
    assert isinstance(proxy, FormRequest)
    assert proxy.url == (
        f"{HOST}/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=12&perpage=3"
    )
    form = {k: v[0] for k, v in parse_qs(proxy.body.decode()).items()}
    assert form == {
        "col": "1",
        "appid": "1",
        "webid": "2869",
        "path": "/",
        "columnid": "1229211115",
        "unitid": "4594261",
        "webname": "安吉县人民政府",
        "permissiontype": "0",
    }
    assert hanweb.crawler.stats.get_value("entries/listed") == 3

    answer = served(proxy)
    assert answer.headers[b"Content-Type"] == b"text/xml;charset=UTF-8"
    more = list(hanweb.parse_records(answer, **proxy.cb_kwargs))
    # Records 4-6: the 2021 report's page and a letter (a news item's title is no report's);
    # the total is reached, so no further group.
    assert [(r.method, r.url) for r in requests_of(more)] == [
        ("GET", f"{HOST}/art/2022/1/20/art_1229211115_57340021.html"),
        ("GET", f"{HOST}/art/2021/1/5/art_1229211115_55000877.html"),
    ]
    listing = requests_of(more)[0].meta["ogi_listing"]
    assert (listing.title, listing.date) == ("安吉县2021年政府信息公开工作年度报告", "2022-01-20")


def test_a_sub_column_with_an_empty_datastore_is_read_from_the_proxy_alone() -> None:
    hanweb = spider()
    outputs = list(hanweb.parse_column(get(f"{HOST}/col/col1229211117/index.html")))
    (proxy,) = [r for r in requests_of(outputs) if r.method == "POST"]
    assert "startrecord=1&endrecord=9&perpage=3" in proxy.url
    more = list(hanweb.parse_records(served(proxy), **proxy.cb_kwargs))
    assert [r.url for r in requests_of(more)] == [
        f"{HOST}/art/2023/1/16/art_1229211117_59100001.html"
    ]


def test_a_download_without_extension_is_the_reports_attachment() -> None:
    hanweb = spider()
    response = get(f"{HOST}/art/2022/1/20/art_1229211115_57340021.html")
    (item,) = items_of(list(hanweb.parse_document(response)))
    assert item.file_urls == [
        f"{HOST}/module/download/downfile.jsp?classid=0&filename=2201200930125.docx"
    ]
    assert item.hints.published_at is not None
    assert item.hints.published_at.isoformat() == "2022-01-20"


def test_a_column_of_the_xxgk_module_is_read_through_its_search_form() -> None:
    hanweb = spider()
    outputs = list(hanweb.parse_column(get(f"{HOST}/col/col1229211118/index.html")))
    (search,) = [r for r in requests_of(outputs) if r.method == "POST"]
    assert search.url == f"{HOST}/module/xxgk/search.jsp"
    form = {k: v[0] for k, v in parse_qs(search.body.decode(), keep_blank_values=True).items()}
    assert form == {
        "infotypeId": "A0803",
        "jdid": "2869",
        "area": "002578000",
        "divid": "div1229211118",
        "sortfield": ",compaltedate:0",
        "currpage": "1",
        "vc_title": "",
    }
    first = requests_of(list(hanweb.parse_xxgk(served(search), **search.cb_kwargs)))
    assert [r.url for r in first] == [
        f"{HOST}/art/2023/1/13/art_1229211118_59200001.html",
        f"{HOST}/module/xxgk/search.jsp",  # page 2 of 2
    ]
    second = first[1]
    assert "currpage=2" in second.body.decode()
    assert [
        r.url for r in requests_of(list(hanweb.parse_xxgk(served(second), **second.cb_kwargs)))
    ] == [f"{HOST}/art/2022/12/28/art_1229211118_59190003.html"]


def test_static_pages_by_uid_and_page_number_are_followed() -> None:
    column = f"{HOST}/col/col1229211115/index.html"
    body = (
        '<html><head><meta charset="utf-8"></head><body><div id="4594261"><ul>'
        '<li><a href="/art/2023/1/18/art_1229211115_1.html">安吉县2022年政府信息公开工作年度报告'
        "</a><span>2023-01-18</span></li></ul>"
        '<a href="/col/col1229211115/index.html?uid=4594261&pageNum=2">下一页</a>'
        '<a href="/col/col1229211115/index.html?uid=4594261&pageNum=2">尾页</a></div></body></html>'
    ).encode()
    urls = [r.url for r in requests_of(list(spider().parse_column(make_response(column, body))))]
    assert urls == [
        f"{HOST}/art/2023/1/18/art_1229211115_1.html",
        f"{column}?uid=4594261&pageNum=2",
        f"{column}?uid=4594261&pageNum=2",  # 下一页 and 尾页; the duplicate filter keeps one
    ]
