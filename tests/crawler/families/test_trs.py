"""The TRS / 海云 family on byte-exact pages of the fixture web's 隆安 site (served with their
Content-Types): every pager form, `t<id>.shtml` articles, the script-written and pdf.js
attachments, the UEditor body beside a sidebar of files, labels in table cells, the newer site
search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import Request

from crawler.families.trs import TrsSpider, declared_page_count
from crawler.items import DocumentItem
from crawler.platform import LIST_NUMBER
from crawler.urls import PageCount
from tests.crawler.pages import make_response, spider_for, start_spider
from tests.fixtureweb.build import FIXTURE_WEB
from tests.fixtureweb.variants import LONGAN, LONGAN_COLUMN, LONGAN_SIDEBAR_FILE, LONGAN_TOWNS

HOST = f"http://{LONGAN.site}"


def served(path: str, **meta: Any) -> Any:
    """The fixture web's bytes for `path`, as the mirror serves them (`.shtml`: text/html)."""
    file = (
        FIXTURE_WEB
        / LONGAN.site
        / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
    )
    return make_response(
        HOST + path,
        file.read_bytes(),
        content_type="text/html",
        meta={"column_root": HOST + LONGAN_COLUMN, **meta},
    )


def spider() -> TrsSpider:
    found = spider_for(LONGAN.code)
    assert isinstance(found, TrsSpider)
    start_spider(found)
    return found


def requests_of(outputs: list[Any]) -> list[str]:
    return sorted(o.url for o in outputs if isinstance(o, Request))


@pytest.mark.parametrize(
    ("script", "url", "expected"),
    [
        (
            "createPageHTML('page_div', 37, 0, 'common_list', 'shtml', 735);",
            "http://a.gov.cn/x/common_list.shtml",
            PageCount(37, "common_list", "shtml"),
        ),
        (
            "var countPage = 5//共多少页\nvar currentPage = 0\n"
            'createPageHTML(countPage, currentPage, "index", "html");',
            "http://a.gov.cn/x/",
            PageCount(5, "index", "html"),
        ),
        (
            'createPageHTML(3, 0, "index", "html");',
            "http://a.gov.cn/x/",
            PageCount(3, "index", "html"),
        ),
        (
            "var countPage = 4;",
            "http://a.gov.cn/x/list_zw_wj.shtml",
            PageCount(4, "list_zw_wj", "shtml"),
        ),
        ("var countPage = 4;", "http://a.gov.cn/x/", PageCount(4, "index", "html")),
        ("no pager", "http://a.gov.cn/x/", None),
    ],
)
def test_every_pager_form_is_read(script: str, url: str, expected: PageCount | None) -> None:
    assert declared_page_count(script, url) == expected


def test_container_first_pager_and_list_pages_with_other_names() -> None:
    s = spider()
    outputs = list(s.parse_column(served(LONGAN_COLUMN + "list_zw_wj.shtml")))
    assert requests_of(outputs) == sorted(
        [
            HOST + LONGAN_COLUMN + "202301/t5512288.shtml",
            HOST + LONGAN_COLUMN + "202301/t5512295.shtml",
            HOST + LONGAN_COLUMN + "202312/t5512250.shtml",
            HOST + LONGAN_COLUMN + "202401/t5512301.shtml",
            HOST + LONGAN_COLUMN + "list_zw_wj.shtml",  # the tab to itself (filtered as a dupe)
            HOST + LONGAN_COLUMN + "list_zw_wj_1.shtml",  # the next page, named by the pager
            HOST + LONGAN_TOWNS,  # the 乡镇 sub-column
        ]
    )
    last = list(s.parse_column(served(LONGAN_COLUMN + "list_zw_wj_1.shtml", **{LIST_NUMBER: 1})))
    assert not [u for u in requests_of(last) if "list_zw_wj_" in u]  # page 2 of 2: the end


def test_count_page_variable_pager() -> None:
    s = spider()
    outputs = list(s.parse_column(served(LONGAN_TOWNS)))
    assert HOST + LONGAN_TOWNS + "index_1.shtml" in requests_of(outputs)
    last = list(s.parse_column(served(LONGAN_TOWNS + "index_1.shtml", **{LIST_NUMBER: 1})))
    assert HOST + LONGAN_TOWNS + "202301/t5512281.shtml" in requests_of(last)
    assert not [u for u in requests_of(last) if "index_" in u]  # page 2 of 2: the end


def document(path: str) -> DocumentItem:
    s = spider()
    [item] = list(s.parse_document(served(path)))
    assert isinstance(item, DocumentItem)
    return item


def test_attachment_written_by_document_write() -> None:
    item = document(LONGAN_COLUMN + "202301/t5512288.shtml")
    assert item.file_urls == [HOST + LONGAN_COLUMN + "202301/P020230120551228800001.pdf"]


def test_attachment_behind_a_pdfjs_viewer() -> None:
    item = document(LONGAN_COLUMN + "202301/t5512295.shtml")
    assert item.file_urls == [HOST + LONGAN_COLUMN + "202301/P020230128551229500001.pdf"]


def test_ueditor_body_keeps_sidebar_files_out_and_labels_in_cells_are_read() -> None:
    item = document(LONGAN_COLUMN + "202401/t5512301.shtml")
    assert HOST + LONGAN_SIDEBAR_FILE not in item.file_urls
    assert item.file_urls == []
    assert item.hints is not None
    assert item.hints.published_at is not None
    assert item.hints.published_at.isoformat() == "2024-01-22"
    assert item.hints.publisher == "隆安县人民政府"


def test_site_search_sends_the_fields_newer_sites_require() -> None:
    s = spider()
    home = served("/xxgk/")
    home.meta.pop("column_root")
    s._search_tenant = "45"
    list(s.parse_platform(home, depth=1))
    request = s.search_request("年度报告", 1)
    body = json.loads(request.body)
    assert body["code"] == "181ae2e3f1a"
    assert body["dataTypeId"] == "4510"
    assert (body["searchBy"], body["orderBy"]) == ("all", "time")
    assert (body["searchWord"], body["pageNo"], body["tenantId"]) == ("年度报告", 1, "45")


def test_t_id_articles_are_articles() -> None:
    s = spider()
    assert s.is_article(HOST + "/xxgk/zfxxgknb/t5512301.shtml")
    assert s.is_article(HOST + "/xxgk/zfxxgknb/202401/t20240122_5512301.html")
    assert not s.is_article(HOST + "/xxgk/zfxxgknb/list_zw_wj.shtml")


def test_fixture_pages_exist() -> None:
    assert Path(FIXTURE_WEB / LONGAN.site).is_dir()
