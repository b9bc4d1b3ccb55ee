"""Reading a fetched page (crawler.page): metas, text, selectors, links however written."""

from __future__ import annotations

import pytest
from scrapy.http import TextResponse

from crawler.page import Page
from crawler.platform import NingxiaPlatformSpider
from tests.crawler.pages import make_response


def test_page_helpers() -> None:
    body = (
        "<html><head><script>var 发布日期='1999-01-01';</script></head><body>"
        '<div class="art-cont">second choice</div><p>发布日期：<b>2021-01-28</b> 来源：'
        "盐池县人民政府办公室</p><script>document.write('发布日期：2000-01-01')</script>"
        '<div class="zz-xl-ct main">first choice</div><!-- 来源：comment --><p>'
        + "正文" * 5000
        + "</p><p>尾部</p></body></html>"
    ).encode()
    response = make_response("https://www.yanchi.gov.cn/a/t20210128_1.html", body)
    assert isinstance(response, TextResponse)
    page = Page(response)
    selectors = NingxiaPlatformSpider.content_selectors
    assert page.first_match(selectors) == "div.zz-xl-ct"
    assert page.first_match(("div.nothing", "div.art-cont")) == "div.art-cont"
    assert page.first_match(("div.nothing",)) is None
    text = page.head_text(100)
    assert text.startswith(
        "second choice 发布日期： 2021-01-28 来源：盐池县人民政府办公室 first choice"
    )
    assert "2000-01-01" not in text
    assert "1999" not in text
    assert "comment" not in text
    assert "尾部" not in text


@pytest.mark.parametrize(
    "head",
    [
        '<html><head><meta name="PubDate" content="2022-01-25"><meta name="PubDate" content="x">'
        "</head><body>",
        # no </head>: the whole page is parsed
        '<html><head><meta name="PubDate" content="2022-01-25"><title>a</title><body>',
    ],
)
def test_page_metas_come_from_the_head_first_of_each_name(head: str) -> None:
    body = head + '<p><meta name="ContentSource" content="正文里"></p>' + "<p>正文</p>" * 100
    page = Page(make_response("https://www.yanchi.gov.cn/a/t20220125_1.html", body.encode()))
    assert page.metas() == {"PubDate": "2022-01-25"}
    assert page.select("p")  # the whole page is still there when asked for


def test_links_written_by_scripts_and_shown_by_pdf_viewers() -> None:
    body = (
        "<html><body><div>"
        "<script>var u = './P0202401221.pdf'; var n = '某县2023年年度报告.pdf';"
        "document.write('<a href=\"' + u + '\">' + n + '</a>');</script>"
        "<script>document.write('<a href=\"../files/P0202401222.docx\">附件2</a>');</script>"
        '<iframe src="/pdfjs/web/viewer.html?file=%2Fx%2FP0202401223.pdf"></iframe>'
        '<iframe src="../web/viewer.html?file=P0202401224.pdf"></iframe>'
        "</div></body></html>"
    ).encode()
    page = Page(make_response("https://a.gov.cn/x/y/t20240122_1.html", body))
    links = [(link.url, link.text) for link in page.links()]
    assert links == [
        # The file *name* literal is no URL; it labels the link its variable writes.
        ("https://a.gov.cn/x/y/P0202401221.pdf", "某县2023年年度报告.pdf"),
        ("https://a.gov.cn/x/files/P0202401222.docx", "附件2"),
        ("https://a.gov.cn/x/P0202401223.pdf", ""),
        ("https://a.gov.cn/x/web/P0202401224.pdf", ""),  # relative to the viewer, as pdf.js does
    ]
