"""TRS WCM / 海云: the static-publishing CMS of Ningxia, Chongqing, Guangxi, Guizhou and many
others (`shared/spec/platforms.md`).

The shared navigation core (`crawler.platform`) grew up on Ningxia's TRS sites and reads their
common layout. This family adds the variants other TRS sites print:

* pagers: the container-first `createPageHTML('page_div', pages, cur, 'name', 'shtml', total)`,
  `var countPage = N` feeding `createPageHTML(countPage, currentPage, "index", "html")`;
* list pages named other than index/list (`list_zw_wj.shtml`, `list_zw_wj_1.shtml`);
* article pages `t<id>.shtml` beside `tYYYYMMDD_<id>.html`;
* the newer `POST /irs/front/search`, which also wants `code`, `dataTypeId`, `searchBy` and
  `orderBy` (read from the page's search form where it prints them).

Attachments written by `document.write`, pdf.js `viewer.html?file=` frames, UEditor bodies
(`div.view.TRS_UEDITOR`) and labels in table cells are read by the core for every family.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

from scrapy.http import Response, TextResponse

from crawler.page import Link, Page
from crawler.platform import NingxiaPlatformSpider
from crawler.urls import PageCount, is_document_file, list_page, page_count

# createPageHTML('page_div', 37, 0, 'common_list', 'shtml', 735): container, pages, current,
# name, extension, entries.
_CONTAINER_FIRST = re.compile(
    r"createPageHTML\(\s*['\"][\w-]+['\"]\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?\d+['\"]?\s*,"
    r"\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
# createPageHTML(countPage, currentPage, "index", "html") with `var countPage = 5`.
_BY_VARIABLE = re.compile(
    r"createPageHTML\(\s*([A-Za-z_]\w*)\s*,\s*[A-Za-z_\d]\w*\s*,\s*['\"]([\w-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)")
_VARIABLE = r"\bvar\s+{name}\s*=\s*['\"]?(\d+)"
_ARTICLE = re.compile(r"/t(?:\d{8}_\d+|\d{5,})\.s?html?$", re.IGNORECASE)


def _search_field(name: str) -> re.Pattern[str]:
    """A search form field as pages print it: a query parameter (`?code=…`), a hidden input
    (`name="code" value="…"`) or a script object key (`code: "…"`)."""
    return re.compile(
        rf"""(?:[?&]{name}=|name=["']{name}["']\s+value=["']|\b{name}["']?\s*:\s*["'])"""
        r"([\w-]{2,40})"
    )


_SEARCH_CODE = _search_field("code")
_DATA_TYPE_ID = _search_field("dataTypeId")
NEWER_SEARCH_FIELDS: Final = {"searchBy": "all", "orderBy": "time", "granularity": "ALL"}


def declared_page_count(text: str, current_url: str) -> PageCount | None:
    """The page count any TRS pager form declares (see the module docstring), or None."""
    match = _CONTAINER_FIRST.search(text)
    if match:
        return PageCount(int(match.group(1)), match.group(2), match.group(3))
    classic = page_count(text)
    if classic:
        return PageCount(*classic)
    match = _BY_VARIABLE.search(text)
    if match:
        value = re.search(_VARIABLE.format(name=re.escape(match.group(1))), text)
        if value:
            return PageCount(int(value.group(1)), match.group(2), match.group(3))
    match = _COUNT_PAGE.search(text)
    if match:  # a count without a named pager: pages are named after this one
        here = list_page(current_url)
        stem = here.stem if here and here.stem else "index"
        ext = current_url.rsplit(".", 1)[-1] if here and here.stem else "html"
        return PageCount(int(match.group(1)), stem, ext)
    return None


class TrsSpider(NingxiaPlatformSpider):
    """The TRS / 海云 family: the core's navigation plus the TRS variants above."""

    article_path: ClassVar[re.Pattern[str]] = _ARTICLE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._search_fields: dict[str, str] = {}

    def declared_pages(self, page: Page) -> PageCount | None:
        return declared_page_count(page.text, page.url)

    def is_subcolumn(self, link: Link, column_root: str) -> bool:
        """Any list page under the column's folder, whatever its name (`list_zw_wj.shtml`)."""
        return (
            link.url.startswith(column_root)
            and list_page(link.url) is not None
            and not is_document_file(link.url)
            and not self.is_article(link.url)
        )

    def parse_platform(self, response: Response, depth: int | None = None) -> Iterator[Any]:
        if isinstance(response, TextResponse) and not self._search_fields:
            text = response.text
            code, data_type = _SEARCH_CODE.search(text), _DATA_TYPE_ID.search(text)
            if code:
                self._search_fields["code"] = code.group(1)
            if data_type:
                self._search_fields["dataTypeId"] = data_type.group(1)
        yield from super().parse_platform(response, depth)

    def search_body(self, word: str, page: int) -> dict[str, Any]:
        """The site search with the fields newer 海云 sites require (older ones ignore them)."""
        return {
            **super().search_body(word, page),
            **self._search_fields,
            **NEWER_SEARCH_FIELDS,
        }
