"""大汉 Hanweb JCMS (Zhejiang's county sites, much of Shandong, Jiangsu, Jiangxi).

Columns are `/col/col<id>/index.html`, articles `/art/YYYY/M/D/art_<colid>_<id>.html`,
downloads under `/module/download/`. A column page does not print its list: the first records sit
in an inline `<script type="text/xml">` datastore, the rest come from
`POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P` with the column's
parameters as a form. The datastore's `<nextgroup>` link carries those parameters
(`webid`, `columnid`, `unitid` …), so nothing is hard-coded; static `index_N.html` pages do not
exist on these sites (404), so the base's page probing is not used; the pager links of sites
that page statically (`index.html?uid=<n>&pageNum=N`) are followed.

A column of the 信息公开 module lists through `POST /module/xxgk/search.jsp` instead: the page
holds the form (`infotypeId`, `jdid`, `area`, `currpage` …) that its script posts; the spider
posts the same fields, page by page (the answer says `共N页`).

Sub-columns of the 年报 column (部门年报, 乡镇年报) are other `/col/` columns linked from the
column page by a text naming annual reports without a year.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final
from urllib.parse import parse_qsl, urljoin, urlsplit

from scrapy.http import FormRequest, Response, TextResponse

from crawler.families.fragments import fragment_links, xml_number, xml_records
from crawler.page import Link, Page
from crawler.platform import COUNTY_CODE, ROLE, ROLE_PAGE, NingxiaPlatformSpider
from crawler.urls import DOCUMENT_EXTENSIONS, extension_of, is_document_file, path_of

_ARTICLE: Final = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$", re.IGNORECASE)
_COLUMN: Final = re.compile(r"/col/col\d+/(?:index\.html?)?$", re.IGNORECASE)
_NEXTGROUP_LINK: Final = re.compile(r"""(/[\w/.-]*dataproxy\.jsp)\?([^"'<>\s\]]+)""")
_PER_PAGE: Final = re.compile(r"""perPage['"]?\s*[:=]\s*['"]?(\d+)""", re.IGNORECASE)
_TOTAL_RECORD: Final = re.compile(r"""totalRecord['"]?\s*[:=]\s*['"]?(\d+)""", re.IGNORECASE)
_YEAR: Final = re.compile(r"(?:19|20)\d{2}")
_XXGK_SEARCH: Final = "module/xxgk/search.jsp"
_PAGES: Final = re.compile(r"共\s*(\d+)\s*页")


def is_hanweb_article(url: str) -> bool:
    return bool(_ARTICLE.search(path_of(url)))


def is_hanweb_column(url: str) -> bool:
    return bool(_COLUMN.search(path_of(url))) and not urlsplit(url).query


class HanwebSpider(NingxiaPlatformSpider):
    """Navigation of a Hanweb JCMS site: the 年报 column by link text, its records from the
    inline datastore and `dataproxy.jsp`, one `DocumentItem` per report article or file."""

    content_selectors: ClassVar[tuple[str, ...]] = (
        "div#zoom",
        "div.art_con",
        "div.article-content",
        *NingxiaPlatformSpider.content_selectors,
    )
    #: jpage asks for three pages at a time; so does the spider (fewer, larger requests).
    pages_per_request: ClassVar[int] = 3
    default_per_page: ClassVar[int] = 15

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        return self.wanted_entries(page.links())

    def wanted_entries(self, links: list[Link]) -> tuple[list[Link], int]:
        """(report entries among `links`, number of list entries among them)."""
        entries = [
            link
            for link in links
            if (is_hanweb_article(link.url) or _names_document(link)) and self.is_own_url(link.url)
        ]
        wanted = {link.url: link for link in entries if self.report_title.search(link.text)}
        return list(wanted.values()), len(entries)

    def parse_column(self, response: Response) -> Iterator[Any]:
        """A column page: entries printed in it or in its inline datastore, the remaining
        records through `dataproxy.jsp`, and the column's annual-report sub-columns."""
        if not isinstance(response, TextResponse):
            return
        page = Page(response)
        self.count_offsite(page)
        links = list(page.links())
        inline = 0
        proxy: tuple[str, dict[str, str]] | None = None
        total = _first_int(_TOTAL_RECORD, page.text)
        for script in page.select('script[type="text/xml"]'):
            xml = script.text or ""
            records = xml_records(xml)
            inline += len(records)
            for record in records:
                links.extend(fragment_links(record, page.url))
            proxy = proxy or _proxy_of(xml, page.url)
            total = total if total is not None else xml_number(xml, "totalrecord")
        entries, count = self.wanted_entries(links)
        self.crawler.stats.inc_value("entries/listed", count)
        for link in entries:
            yield from self.follow_entry(link)
        pages = [
            link
            for link in page.links()
            if link.url != response.url
            and self.is_own_url(link.url)
            and (self.is_report_subcolumn(link) or _is_page_of(link.url, response.url))
        ]
        for link in pages:  # sub-columns and static pages of this column
            yield self.page_request(link.url, self.parse_column)
        yield from self.xxgk_requests(page)
        if proxy is None:
            return
        url, form = proxy
        if not self.is_own_url(url):
            self.crawler.stats.inc_value("links/offsite")
            return
        per_page = _first_int(_PER_PAGE, page.text) or self.default_per_page
        if total is not None and inline >= total:
            return
        yield self.records_request(url, form, start=inline + 1, per_page=per_page)

    def is_report_subcolumn(self, link: Link) -> bool:
        """Another `/col/` column of the county's whose text names annual reports, no year."""
        return (
            is_hanweb_column(link.url)
            and self.is_own_url(link.url)
            and not _YEAR.search(link.text)
            and any(text in link.text for text in self.column_link_texts)
        )

    def records_request(
        self, url: str, form: dict[str, str], *, start: int, per_page: int
    ) -> FormRequest:
        end = start + per_page * self.pages_per_request - 1
        return FormRequest(
            f"{url}?startrecord={start}&endrecord={end}&perpage={per_page}",
            formdata=form,
            callback=self.parse_records,
            cb_kwargs={"form": form, "start": start, "end": end, "per_page": per_page},
            meta={ROLE: ROLE_PAGE, COUNTY_CODE: self.county_code},
        )

    def parse_records(
        self, response: Response, form: dict[str, str], start: int, end: int, per_page: int
    ) -> Iterator[Any]:
        """A `dataproxy.jsp` answer: `<datastore>` records, then the next group if any."""
        xml = response.text if isinstance(response, TextResponse) else ""
        records = xml_records(xml)
        links = [link for record in records for link in fragment_links(record, response.url)]
        entries, count = self.wanted_entries(links)
        self.crawler.stats.inc_value("entries/listed", count)
        for link in entries:
            yield from self.follow_entry(link)
        total = xml_number(xml, "totalrecord")
        more = end < total if total is not None else len(records) > end - start
        if records and more:
            url = response.url.split("?", 1)[0]
            yield self.records_request(url, form, start=end + 1, per_page=per_page)

    # -- the 信息公开 module -------------------------------------------------------------------
    def xxgk_requests(self, page: Page) -> Iterator[FormRequest]:
        """The first result page of each 信息公开 search form on the page."""
        for form in page.select("form"):
            url = urljoin(page.base_url, form.get("action") or "")
            if _XXGK_SEARCH not in url:
                continue
            if not self.is_own_url(url):
                self.crawler.stats.inc_value("links/offsite")
                continue
            fields = {
                field.get("name"): field.get("value") or ""
                for field in form.iter("input", "select")
                if field.get("name")
            }
            yield self.xxgk_request(url, fields, 1)

    def xxgk_request(self, url: str, fields: dict[str, str], number: int) -> FormRequest:
        return FormRequest(
            url,
            formdata={**fields, "currpage": str(number)},
            callback=self.parse_xxgk,
            cb_kwargs={"fields": fields, "number": number},
            meta={ROLE: ROLE_PAGE, COUNTY_CODE: self.county_code},
        )

    def parse_xxgk(self, response: Response, fields: dict[str, str], number: int) -> Iterator[Any]:
        """A 信息公开 result page: its entries; the first asks for the other pages."""
        if not isinstance(response, TextResponse):
            return
        page = Page(response)
        entries, count = self.wanted_entries(page.links())
        self.crawler.stats.inc_value("entries/listed", count)
        for link in entries:
            yield from self.follow_entry(link)
        pages = _first_int(_PAGES, page.head_text(2000))
        if number == 1 and count and pages:
            url = response.url
            for other in range(2, pages + 1):
                yield self.xxgk_request(url, fields, other)


def _is_page_of(url: str, column_page: str) -> bool:
    """`index.html?uid=<n>&pageNum=N` of the same column: the static paging some sites use."""
    parts = urlsplit(url)
    return parts.path == urlsplit(column_page).path and "pageNum" in dict(parse_qsl(parts.query))


def _names_document(link: Link) -> bool:
    """A file link: by its URL, or (Hanweb's `downfile.jsp?…`) by the file name it shows."""
    return is_document_file(link.url) or extension_of(link.text) in DOCUMENT_EXTENSIONS


def _proxy_of(xml: str, base_url: str) -> tuple[str, dict[str, str]] | None:
    """(dataproxy URL, form) from a datastore's `<nextgroup>` link; None without one."""
    match = _NEXTGROUP_LINK.search(xml)
    if match is None:
        return None
    params = dict(parse_qsl(match.group(2).replace("&amp;", "&"), keep_blank_values=True))
    params.pop("page", None)
    form = {"col": "1", "appid": "1", **params}
    return urljoin(base_url, match.group(1)), form


def _first_int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None
