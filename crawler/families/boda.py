"""博达 VSB (older county sites): dynamic `list.jsp` / `content.jsp` pages keyed by tree ids.

A column is `list.jsp?urltype=tree.TreeTempUrl&wbtreeid=<t>`; its pages add the pager's
parameters `a<n>t=<pages>&a<n>p=<page>&a<n>c=<size>` (the pager links them: 下页, 尾页, page
numbers). Articles are `content.jsp?urltype=news.NewsContentUrl&wbtreeid=<t>&wbnewsid=<n>` or,
published statically, `/info/<tree>/<id>.htm`. Attachments are
`download.jsp?urltype=news.DownloadAttachUrl&…&wbfileid=<n>`: no extension in the URL, the file
name is the link text (the base reads such links as files by their label).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

from scrapy.http import Response, TextResponse

from crawler.page import Link, Page
from crawler.platform import NingxiaPlatformSpider
from crawler.urls import is_document_file, path_of

_STATIC_ARTICLE: Final = re.compile(r"/info/\d+/\d+\.html?$", re.IGNORECASE)
_PAGER_PARAM: Final = re.compile(r"^a\d+[ptc]$")


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def is_boda_article(url: str) -> bool:
    query = _query(url)
    if path_of(url).endswith("content.jsp") and "wbnewsid" in query:
        return True
    return bool(_STATIC_ARTICLE.search(path_of(url)))


def tree_of(url: str) -> str | None:
    """The `wbtreeid` of a `list.jsp` URL (None for any other URL)."""
    if not path_of(url).endswith("list.jsp"):
        return None
    trees = _query(url).get("wbtreeid")
    return trees[0] if trees else None


class BodaSpider(NingxiaPlatformSpider):
    """Navigation of a 博达 VSB site: the 年报 tree by link text, its `list.jsp` pages through
    the pager's links, articles and `download.jsp` attachments."""

    content_selectors: ClassVar[tuple[str, ...]] = (
        "div#vsb_content",
        "div.v_news_content",
        "div#vsb_content_2",
        *NingxiaPlatformSpider.content_selectors,
    )
    #: The article's form holds its attachment list (附件【<a>name.docx</a>】), after the body.
    attachment_selectors: ClassVar[tuple[str, ...]] = (
        "form[name=_newscontent_fromname]",
        *NingxiaPlatformSpider.attachment_selectors,
    )

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        entries = [
            link
            for link in page.links()
            if (is_boda_article(link.url) or is_document_file(link.url))
            and self.is_own_url(link.url)
        ]
        wanted = {e.url: e for e in entries if self.report_title.search(e.text)}
        return list(wanted.values()), len(entries)

    def parse_column(self, response: Response) -> Iterator[Any]:
        """A page of the 年报 tree: entries, and the tree's other pages the pager links."""
        if not isinstance(response, TextResponse):
            return
        page = Page(response)
        self.count_offsite(page)
        entries, count = self.report_entries(page)
        self.crawler.stats.inc_value("entries/listed", count)
        for link in entries:
            yield from self.follow_entry(link)
        tree = response.meta.get("boda_tree") or tree_of(response.url)
        if tree is None:
            return
        for link in page.links():
            if self.is_page_of(link.url, tree):
                yield self.page_request(link.url, self.parse_column, meta={"boda_tree": tree})

    def is_page_of(self, url: str, tree: str) -> bool:
        """A pager link of the tree: `list.jsp` of the same `wbtreeid` with page parameters."""
        return (
            self.is_own_url(url)
            and tree_of(url) == tree
            and any(_PAGER_PARAM.match(name) for name in _query(url))
        )
