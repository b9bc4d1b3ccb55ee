"""What a URL says of its page (crawler.urls): document, article, list page and its number."""

from __future__ import annotations

import pytest

from crawler.urls import (
    extension_of,
    is_article_url,
    is_listing_url,
    list_page,
    next_page_guess,
    numbered_pages,
    page_count,
)


@pytest.mark.parametrize(
    ("url", "listing", "article", "extension"),
    [
        ("https://a.gov.cn/xxgk/zfxxgknb/", True, False, ""),
        ("https://a.gov.cn/xxgk/zfxxgknb/list_3.html", True, False, "html"),
        ("https://a.gov.cn/xxgk/index_12.shtml", True, False, "shtml"),
        ("https://a.gov.cn/xxgk/zfxxgknb/202101/t20210128_2600381.html", False, True, "html"),
        ("https://a.gov.cn/xxgk/zfxxgknb/202101/P020210128602335190000.PDF", False, False, "pdf"),
        ("https://a.gov.cn/content.jsp?wbnewsid=23160", False, False, "jsp"),
    ],
)
def test_url_shapes(url: str, listing: bool, article: bool, extension: str) -> None:
    assert is_listing_url(url) is listing
    assert is_article_url(url) is article
    assert extension_of(url) == extension


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('createPageHTML(3, 0, "index", "html");', (3, "index", "html")),
        ("createPageHTML( '12','1','list','shtml')", (12, "list", "shtml")),
        ("createPageHTML(countPage, currentPage, 'index', 'html')", None),
        ("no pagination here", None),
    ],
)
def test_page_count(script: str, expected: tuple[int, str, str] | None) -> None:
    assert page_count(script) == expected


def test_numbered_pages_and_next_page_guess() -> None:
    assert numbered_pages("https://a.gov.cn/x/", 3, "index", "html") == [
        "https://a.gov.cn/x/index_1.html",
        "https://a.gov.cn/x/index_2.html",
    ]
    assert numbered_pages("https://a.gov.cn/x/", 1, "index", "html") == []
    assert next_page_guess("https://a.gov.cn/x/list.html") == "https://a.gov.cn/x/list_1.html"
    assert next_page_guess("https://a.gov.cn/x/index_4.htm") == "https://a.gov.cn/x/index_5.htm"
    assert next_page_guess("https://a.gov.cn/x/t20210128_1.html") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.gov.cn/x/", ("https://a.gov.cn/x/", "", 0)),
        ("https://a.gov.cn/x/list_zw_wj.shtml", ("https://a.gov.cn/x/", "list_zw_wj", 0)),
        ("https://a.gov.cn/x/list_zw_wj_3.shtml", ("https://a.gov.cn/x/", "list_zw_wj", 3)),
        ("https://a.gov.cn/x/index_12.html", ("https://a.gov.cn/x/", "index", 12)),
        ("https://a.gov.cn/x/t20240122_5512301.html", None),
        ("https://a.gov.cn/x/t5512301.shtml", None),
        ("https://a.gov.cn/x/P0.pdf", None),
    ],
)
def test_list_page_positions(url: str, expected: tuple[str, str, int] | None) -> None:
    found = list_page(url)
    assert (None if found is None else (found.folder, found.stem, found.number)) == expected
