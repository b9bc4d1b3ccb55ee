"""开普云 Ucap (Hainan's and Gansu's portals, many prefectures).

Articles are often `<32 hex digits>.shtml`; lists vary (static `index.shtml`, `index_N.shtml`,
linked by the pager), which the base's column walk reads once it knows the article shape. Where
no 年报 column can be found by link text (the column sits deep in a 法定主动公开内容 tree, as
on many Hainan sites), the site search is the way in: `GET /guestweb4/s?searchWord=<word>
&siteCode=<SiteIDCode>`, an HTML result page whose pager links the following pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final
from urllib.parse import urlencode, urljoin

from scrapy.http import Request, Response, TextResponse

from crawler.page import Link, Page
from crawler.platform import NingxiaPlatformSpider
from crawler.urls import is_article_url, is_document_file, path_of

_HEX_ARTICLE: Final = re.compile(r"/[0-9a-f]{32}\.s?html?$", re.IGNORECASE)


def is_ucap_article(url: str) -> bool:
    path = path_of(url)
    return bool(_HEX_ARTICLE.search(path)) or is_article_url(url)


class UcapSpider(NingxiaPlatformSpider):
    """Navigation of a 开普云 site: the base's column walk with its article shape, and its
    `guestweb4` site search when no column is found."""

    content_selectors: ClassVar[tuple[str, ...]] = (
        "div#zoom",
        "div.pages_content",
        "div.article-content",
        *NingxiaPlatformSpider.content_selectors,
    )
    search_path: ClassVar[str] = "/guestweb4/s"

    def parse_home(self, response: Response) -> Iterator[Any]:
        if isinstance(response, TextResponse):
            # The search is scoped by the site's SiteIDCode, printed in every page's head.
            self._site_code = Page(response).metas().get("SiteIDCode", "").strip()
        yield from super().parse_home(response)

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        entries = [
            link
            for link in page.links()
            if (is_ucap_article(link.url) or is_document_file(link.url))
            and self.is_own_url(link.url)
        ]
        wanted = {e.url: e for e in entries if self.report_title.search(e.text)}
        return list(wanted.values()), len(entries)

    def search_request(self, word: str, page: int) -> Request:
        query = urlencode({"searchWord": word, "siteCode": getattr(self, "_site_code", "")})
        return self.page_request(
            f"{urljoin(self.registry.start_url, self.search_path)}?{query}",
            self.parse_search,
            meta={"search_word": word},
        )

    def parse_search(self, response: Response, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """A result page: the county's report entries, and the pager's other result pages."""
        if not isinstance(response, TextResponse):
            return
        page = Page(response)
        self.count_offsite(page)  # results from other sites (the province's) are not followed
        entries, count = self.report_entries(page)
        self.crawler.stats.inc_value("entries/listed", count)
        for link in entries:
            yield from self.follow_entry(link)
        search = urljoin(self.registry.start_url, self.search_path)
        for link in page.links():
            if link.url.startswith(search + "?") and link.url != response.url:
                yield self.page_request(
                    link.url,
                    self.parse_search,
                    meta={"search_word": response.meta.get("search_word")},
                )
