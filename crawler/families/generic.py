"""The generic family: the long tail of sites no family spider knows (`platforms.md`: a quarter
of government columns run on something else).

Nothing here relies on a URL shape. The 年报 column is found by its link text (the core's
discovery); its pages are walked by their pager's words: 下一页 (or 下页, ›, >), else the page
number after the current one, else a 共N页 count over `index_N`-style names; a list entry is a
report when its title says so (年度报告 / 年报 with a year); attachments are taken anywhere in the
body (the core's rule for a page without a known body container). Pagination is lazy and bounded
like every family's (`OGI_MAX_LIST_PAGES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Final

from scrapy.http import Request

from crawler.page import Link, Page
from crawler.platform import LIST_NUMBER, NingxiaPlatformSpider, _unique
from crawler.urls import is_document_file, next_page_guess, path_of

NEXT_TEXTS: Final = frozenset({"下一页", "下页", "后一页", "下一頁", ">", "›", "»", ">>"})
_PAGE_TOTAL = re.compile(r"共\s*(\d{1,7})\s*页")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_NEVER: Final = re.compile(r"(?!)")


class GenericSpider(NingxiaPlatformSpider):
    """A site of no known family: navigation by words, never by URL shapes."""

    #: No URL shape marks an article: entries are known by their titles.
    article_path: ClassVar[re.Pattern[str]] = _NEVER

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        """Own links whose title names a year and looks like a report; the count is of every
        link whose title or row carries a year or a date (what a list row looks like)."""
        rows = [
            link
            for link in page.links()
            if self.is_own_url(link.url)
            and link.url != page.url
            and (link.date or _YEAR.search(link.text))
            and not _is_pager_text(link.text)
        ]
        wanted = [
            link for link in rows if self.report_title.search(link.text) and _YEAR.search(link.text)
        ]
        return _unique(wanted), len(rows)

    def is_subcolumn(self, link: Link, column_root: str) -> bool:
        """A sub-column of the 年报 column: an own link titled like a column (年报, no year),
        under the column's folder."""
        return (
            link.url.startswith(column_root)
            and not is_document_file(link.url)
            and not _YEAR.search(link.text)
            and bool(self.report_title.search(link.text))
        )

    def pagination(
        self, page: Page, root: str, *, useful: bool, own_pages: list[Link]
    ) -> Iterator[Request]:
        number = int(page.response.meta.get(LIST_NUMBER) or 0)
        links = [link for link in page.links() if self.is_own_url(link.url)]
        following = [link for link in links if _squeeze(link.text) in NEXT_TEXTS]
        numbered = [link for link in links if _squeeze(link.text) == str(number + 2)]
        next_url: str | None = None
        probe = False
        if following:
            next_url = following[0].url
        elif numbered:
            next_url = numbered[0].url
        else:
            total = _PAGE_TOTAL.search(page.head_text(200_000))
            if total and number + 1 < int(total.group(1)):
                next_url = next_page_guess(page.url)
                if next_url is None and path_of(page.url).endswith("/"):
                    next_url = f"{page.url}index_1.html"
                probe = True
        yield from self.next_list_page(
            page, root, next_url, number=number, useful=useful, probe=probe
        )


def _squeeze(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "")


def _is_pager_text(text: str) -> bool:
    squeezed = _squeeze(text)
    return squeezed in NEXT_TEXTS or squeezed.isdigit() or squeezed in {"首页", "尾页", "上一页"}
