"""The platform base spider: everything about navigating the shared Ningxia government CMS.

A county spider is data on top of it (made by `crawler.loader` from the county's registry row):
a `name` and a `county_code`. The base fills `county`, `allowed_domains` and `start_urls` from
the registry (`crawler.counties`).

Navigation (see `shared/spec/sites.md`): home page → disclosure platform → the annual-report
column, each found by link text, never by a path; then every sub-column below the column (by
path: a sub-column's folder lies under the column's folder), every list page (`list_N.html`,
`index_N.html`, `createPageHTML(...)` counts; a page past the end is a 404), and every list entry
whose title looks like an annual report. The parser's `not_report` decides the doubtful ones.
When no column is found, the site search (`POST /irs/front/search`) is the fallback. List pages
are walked lazily, one after the other while each adds report entries, and never past
`OGI_MAX_LIST_PAGES` (`pagination`).

It is also the shared core of the platform families (`crawler/families/`: TRS / 海云, generic …),
which override its hooks (`declared_pages`, `is_subcolumn`, `report_entries`, `article_path`,
`pagination`). What every family's pages share (links written by scripts, pdf.js frames,
labels, dates) is read by `crawler.page`; what a URL tells before it is fetched (document file,
article, list page and its number) by `crawler.urls`. One piece past 600 lines because the hooks
and the callbacks that call them are one navigation, read top to bottom.

The spider never parses reports and never touches the database: it yields one `DocumentItem`
per report page (or per list entry linking straight to a file) and marks its requests with the
meta keys below, which the middlewares use for conditional requests and freshness skips.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar, Final
from urllib.parse import urljoin, urlsplit

import scrapy
from lxml import etree
from scrapy.http import JsonRequest, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.counties import BY_COUNTY_CODE, COUNTIES, County
from crawler.items import DocumentItem
from crawler.losses import Losses, storage_failure
from crawler.page import (
    DATE,
    HTML_TAG,
    LINK_NODES,
    Link,
    Page,
    any_of,
    iso_date,
    link_label,
    link_urls,
    normalise_text,
    text_of,
)
from crawler.siteid import judge_site
from crawler.urls import (
    ARTICLE_PATH,
    DOCUMENT_EXTENSIONS,
    PageCount,
    extension_of,
    folder_of,
    is_document_file,
    is_listing_url,
    list_page,
    next_page_guess,
    page_count,
    path_of,
)
from models.records import Listing
from reportparser.result import Hints

# -- Request meta keys (read by crawler.middlewares) ------------------------------------------
ROLE: Final = "ogi_role"
ROLE_PAGE: Final = "page"  # navigation or list page: always requested, conditionally
ROLE_DOCUMENT: Final = "document"  # report page: not requested while known and fresh
LISTING: Final = "ogi_listing"  # models.records.Listing of the list entry that linked it
COUNTY_CODE: Final = "ogi_county_code"
ENTRY: Final = "ogi_entry"  # the county's entry page: its failure decides blocked/unreachable
PROBE: Final = "ogi_probe"  # a guessed next list page; a 404 means "past the end"
LIST_NUMBER: Final = "ogi_list_number"  # the page's number in its list (0: the first page)
NOT_MODIFIED: Final = "not_modified"  # response flag: a 304 replayed from the stored body

# -- Stats keys the summary reads ------------------------------------------------------------
STATUS_STAT: Final = "county/status"  # "blocked" / "unreachable" when the spider knows
STATUS_REASON_STAT: Final = "county/status_reason"
SEARCH_STAT: Final = "discovery/search_fallback"  # 1: no annual-report column, the site search
SITE_STAT: Final = "site/identity"  # verified / unverified / mismatch (crawler.siteid)
SITE_REASON_STAT: Final = "site/identity_reason"
PAGINATION_CUT_STAT: Final = "pagination/cut"  # lists cut at OGI_MAX_LIST_PAGES
DEFAULT_MAX_LIST_PAGES: Final = 100  # settings: OGI_MAX_LIST_PAGES

# Labels with or without a colon: a metadata table prints `<td>发布日期</td><td>2024-01-22</td>`.
# The short labels (日期, 时间, 来源) need their colon: bare, they occur in running text.
_LABELLED_DATE = re.compile(
    r"(?:(?:发布日期|发布时间|发表日期|成文日期)\s*[:：]?|(?:日期|时间)\s*[:：])\s*"
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
)
_LABELLED_PUBLISHER = re.compile(
    r"(?:(?:发布机构|发文机关)\s*[:：]?|来源\s*[:：])\s*([^\s:：|丨]{2,40})"
)
_YEAR = re.compile(r"(?:19|20)\d{2}")
_TENANT_ID = re.compile(r"""tenantId["']?\s*[=:]\s*["']?([\w-]+)""")
# A link labelled as an attachment, wherever it is on a report page (tested on a link and
# the elements around it).
_ATTACHMENT_LABEL = etree.XPath("self::a[contains(., '附件') or contains(@title, '附件')]")
_HINT_TEXT_CHARS = 6000  # the header (发布日期, 来源 …) precedes the body: no need to read it all
# A document file's extension anywhere in a page's HTML: without one, no link can lead to a file.
# The look-ahead on the extensions' first letters lets the regex engine pass over the page's
# other dots (URLs, CSS, numbers) at once: 3× faster on a 64 KB report page (≈ 0.24 → 0.07 ms).
_FILE_MENTION = re.compile(
    r"\.(?=["
    + "".join(sorted({extension[0] for extension in DOCUMENT_EXTENSIONS}))
    + r"])(?:"
    + "|".join(sorted(DOCUMENT_EXTENSIONS))
    + r")(?![a-z0-9])",
    re.IGNORECASE,
)


class NingxiaPlatformSpider(scrapy.Spider):
    """Base of every county spider on the shared Ningxia government CMS.

    Subclasses set `name` (the registry slug) and `county_code`; the class attributes below are
    the selectors a county may change, the `find_*` / `*_hints` methods the hooks it may
    override. Nothing here is a site path: everything is discovered from link texts.
    """

    county_code: ClassVar[str]
    county: ClassVar[str]  # Chinese name, from the registry
    registry: ClassVar[County]
    allowed_domains: ClassVar[list[str]]

    #: Link texts of the disclosure platform on the home page, best first.
    platform_link_texts: ClassVar[tuple[str, ...]] = (
        "政府信息公开",
        "信息公开",
        "政务公开",
        "政府信息公开平台",
    )
    #: Link texts of the annual-report column, best first (a link is a column, not a report,
    #: when its text names no year).
    column_link_texts: ClassVar[tuple[str, ...]] = (
        "政府信息公开年报",
        "政府信息公开工作年度报告",
        "信息公开年报",
        "政务公开年报",
        "年度报告",
        "年报",
    )
    #: A list entry is followed when its title matches: 政府信息公开工作年度报告, 2019年年报 …
    report_title: ClassVar[re.Pattern[str]] = re.compile(r"年度报告|年报|信息公开.{0,8}报告")
    #: Where a report page keeps its body; attachment links are looked for there first.
    content_selectors: ClassVar[tuple[str, ...]] = (
        "div.zz-xl-ct",
        "div.zz-xl-sec",
        "div.TRS_Editor",
        "div.trs_editor_view",
        "div.art-cont",
        "div#zoom",
        "div.TRS_UEDITOR",  # 海云 UEditor: div.view.TRS_UEDITOR.trs_paper_default
        "div.trs_paper_default",
        "div.article-content",
    )
    #: Elements that hold attachment lists outside the body.
    attachment_selectors: ClassVar[tuple[str, ...]] = (
        "[class*=fj]",
        "[id*=fj]",
        "[class*=attach]",
        "[class*=fujian]",
    )
    search_path: ClassVar[str] = "/irs/front/search"
    #: Each word is searched on its own; results are then filtered by `report_title`.
    search_words: ClassVar[tuple[str, ...]] = ("年度报告", "年报")
    search_page_size: ClassVar[int] = 20
    #: How many link hops from the home page the annual-report column may be.
    max_discovery_depth: ClassVar[int] = 3
    #: The path of an article (report) page: `/tYYYYMMDD_<id>.html`.
    article_path: ClassVar[re.Pattern[str]] = ARTICLE_PATH

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("county_code")
        if code is None:
            return
        registry = BY_COUNTY_CODE.get(code)
        if registry is None:
            raise ValueError(f"{cls.__name__}: county_code {code} is not in crawler/counties.py")
        if getattr(cls, "name", None) != registry.slug:
            raise ValueError(f"{cls.__name__}: name must be the registry slug {registry.slug!r}")
        cls.registry = registry
        cls.county = registry.name
        cls.allowed_domains = [registry.registered_domain]
        cls.start_urls = [registry.start_url]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        pages = crawler.settings.getint("OGI_MAX_LIST_PAGES", DEFAULT_MAX_LIST_PAGES)
        if pages < 1:
            raise ValueError(f"OGI_MAX_LIST_PAGES must be at least 1, not {pages}")
        spider.max_list_pages = pages
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_list_pages = DEFAULT_MAX_LIST_PAGES
        # Report entries listed so far (URLs): a list page is useful when it adds one. Bounded
        # by the pages walked times their entries.
        self._listed: set[str] = set()
        self._column_found = False
        self._discovery_pending = 0
        self._discovery_seen: set[str] = set(self.start_urls)
        self._searched = False
        self._search_tenant: str | None = None

    # -- entry ---------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            self._discovery_pending += 1
            yield self.page_request(url, self.parse_home, dont_filter=True, meta={ENTRY: True})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Scrapy's default callback (`scrapy parse URL`): a page is taken as a home page."""
        return self.parse_home(response)

    def parse_home(self, response: Response) -> Iterator[Any]:
        if isinstance(response, TextResponse) and not self.site_is_the_countys(Page(response)):
            self._discovery_pending -= 1
            self._searched = True  # another division's site: not searched either
            return
        yield from self.parse_platform(response, depth=self.max_discovery_depth)

    def site_is_the_countys(self, page: Page) -> bool:
        """Judge the home page's SiteIDCode / SiteName (`crawler.siteid`); False on a mismatch,
        which gives the county the status `site_mismatch` and stores nothing from the site."""
        title = page.select("title")
        identity = judge_site(
            self.registry,
            page.metas(),
            final_url=page.url,
            title=normalise_text(text_of(title[0])) if title else "",
            registry=COUNTIES,
        )
        stats = self.crawler.stats
        stats.set_value(SITE_STAT, identity.verdict)
        stats.set_value(SITE_REASON_STAT, identity.reason)
        if identity.verdict != "mismatch":
            return True
        stats.set_value(STATUS_STAT, "site_mismatch")
        stats.set_value(STATUS_REASON_STAT, identity.reason)
        self.logger.error("%s: not the county's site: %s", self.name, identity.reason)
        return False

    def parse_platform(self, response: Response, depth: int | None = None) -> Iterator[Any]:
        """A page on the way to the annual-report column (home page, disclosure platform …)."""
        self._discovery_pending -= 1
        if depth is None:
            depth = int(response.meta.get("depth_left", 0))
        page = Page(response) if isinstance(response, TextResponse) else None
        if page is not None:
            self.count_offsite(page)
            if self._search_tenant is None:
                tenant = _TENANT_ID.search(page.text)
                self._search_tenant = tenant.group(1) if tenant else None
        if page is not None and not self._column_found:
            columns = self.find_columns(page)
            if columns:
                self._column_found = True
                self.crawler.stats.set_value("discovery/column_url", columns[0].url)
                for link in columns:
                    yield self.page_request(
                        link.url, self.parse_column, meta={"column_root": folder_of(link.url)}
                    )
            elif depth > 1:
                loose = depth == self.max_discovery_depth  # only the home page's menu
                for link in self.find_platforms(page, loose=loose):
                    if link.url in self._discovery_seen:
                        continue
                    # Counted until its callback or errback runs, so it must not be dropped
                    # silently by the duplicate filter: this spider deduplicates them itself.
                    self._discovery_seen.add(link.url)
                    self._discovery_pending += 1
                    yield self.page_request(
                        link.url,
                        self.parse_platform,
                        meta={"depth_left": depth - 1},
                        errback=self.discovery_failed,
                        dont_filter=True,
                    )
        yield from self._search_if_lost()

    def discovery_failed(self, failure: Failure) -> Iterator[Any]:
        self._discovery_pending -= 1
        if not _client_error(failure):  # a dead menu link (4xx) is the site's; a 5xx is lost
            self.page_failed(failure)
        yield from self._search_if_lost()

    def page_failed(self, failure: Failure) -> None:
        """A navigation or list page failed for good: recorded as lost (`crawler.losses`),
        except a guessed next page (many sites answer a page past the end with an error, not
        a 404), a robots.txt refusal (counted apart) and requests dropped on purpose."""
        request = getattr(failure, "request", None)  # set by Scrapy on errbacks
        if request is not None and request.meta.get(PROBE):
            self.crawler.stats.inc_value("pages/probe_failed")
            return
        Losses.of(self.crawler).lose_request(
            request, failure, kind="page", county_code=self.county_code
        )

    def _search_if_lost(self) -> Iterator[Any]:
        if self._discovery_pending > 0 or self._column_found or self._searched:
            return
        self._searched = True
        self.crawler.stats.set_value(SEARCH_STAT, 1)
        self.logger.warning("%s: no annual-report column found; using the site search", self.name)
        for word in self.search_words:
            yield self.search_request(word, 1)

    # -- hooks: discovery ------------------------------------------------------------------------
    def find_columns(self, page: Page) -> list[Link]:
        """The annual-report column's links on a page: by link text, best text first."""
        candidates = [link for link in self._navigation(page) if not _YEAR.search(link.text)]
        for wanted in self.column_link_texts:
            found = [link for link in candidates if wanted in _squeeze(link.text)]
            if found:
                return _unique(found)
        return []

    def find_platforms(self, page: Page, *, loose: bool = True) -> list[Link]:
        """Links to the disclosure platform: exact texts, else (`loose`) short ones holding them."""
        candidates = self._navigation(page)
        exact = [link for link in candidates if _squeeze(link.text) in self.platform_link_texts]
        if exact or not loose:
            return _unique(exact)[:3]
        containing = [
            link
            for link in candidates
            if len(link.text) <= 10 and any(t in link.text for t in self.platform_link_texts)
        ]
        return _unique(containing)[:3]

    def _navigation(self, page: Page) -> list[Link]:
        """The page's links that may lead to a column: the county's own, neither files nor
        articles."""
        return [
            link
            for link in page.links()
            if self.is_own_url(link.url)
            and not is_document_file(link.url)
            and not self.is_article(link.url)
        ]

    def is_article(self, url: str) -> bool:
        """Whether a URL is an article page (`article_path`)."""
        return bool(self.article_path.search(path_of(url)))

    def is_subcolumn(self, link: Link, column_root: str) -> bool:
        """A page of the column tree: a folder or list page under the column's folder."""
        return (
            link.url.startswith(column_root)
            and is_listing_url(link.url)
            and not is_document_file(link.url)
        )

    def report_entries(self, page: Page) -> tuple[list[Link], int]:
        """(entries to follow, number of list entries on the page).

        An entry is a link to an article page or a file; it is followed when its title looks like
        an annual report (`report_title`).
        """
        entries = [
            link
            for link in page.links()
            if (self.is_article(link.url) or is_document_file(link.url))
            and self.is_own_url(link.url)
        ]
        wanted = [link for link in entries if self.report_title.search(link.text)]
        return _unique(wanted), len(entries)

    # -- column tree ---------------------------------------------------------------------------
    def parse_column(self, response: Response) -> Iterator[Any]:
        """A page of the annual-report column tree: sub-columns, pagination, list entries."""
        if response.status == 404 and response.meta.get(PROBE):
            self.crawler.stats.inc_value("pages/past_end")
            return
        if not isinstance(response, TextResponse):
            return
        root: str = response.meta.get("column_root") or folder_of(response.url)
        page = Page(response)
        self.count_offsite(page)
        entries, entry_count = self.report_entries(page)
        self.crawler.stats.inc_value("entries/listed", entry_count)
        fresh = [link for link in entries if link.url not in self._listed]
        self._listed.update(link.url for link in fresh)
        for link in entries:
            yield from self.follow_entry(link)
        subpages = [link for link in page.links() if self.is_subcolumn(link, root)]
        own_pages = [link for link in subpages if self.is_page_of(link.url, page.url)]
        for link in _unique(subpages):
            if link not in own_pages:
                yield self.page_request(link.url, self.parse_column, meta={"column_root": root})
        yield from self.pagination(page, root, useful=bool(fresh), own_pages=own_pages)

    def is_page_of(self, url: str, list_url: str) -> bool:
        """Whether `url` is another page of the paginated list `list_url` is a page of
        (`list_3.html` of `list.html`, `index_1.html` of the column's folder)."""
        here, there = list_page(list_url), list_page(url)
        return (
            here is not None
            and there is not None
            and here.folder == there.folder
            and there.number > 0
            and here.stem in (there.stem, "")
        )

    def declared_pages(self, page: Page) -> PageCount | None:
        """The page count the list declares (`createPageHTML(pages, cur, "index", "html")`).
        Families override it for their pagers."""
        count = page_count(page.text)
        return PageCount(*count) if count else None

    def pagination(
        self, page: Page, root: str, *, useful: bool, own_pages: list[Link]
    ) -> Iterator[Request]:
        """The next page of a paginated list, requested only after this one proved useful (it
        listed report entries no earlier page listed) and never past `OGI_MAX_LIST_PAGES`.

        Lazy by design: a pager declaring ten million pages, or a site answering every
        `list_N`, costs one request per useful page, and a cut list is counted
        (`pagination/cut`) and reported by the summary. The next page is the one the page
        count names, else the page's own pager link, else a guess (`list_N+1`, a 404 ends it).
        """
        here = list_page(page.url)
        number = int(page.response.meta.get(LIST_NUMBER) or (here.number if here else 0))
        declared = self.declared_pages(page)
        guessed = False
        next_url: str | None
        if declared is not None:
            folder = here.folder if here else folder_of(page.url)
            next_url = (
                f"{folder}{declared.stem}_{number + 1}.{declared.ext}"
                if number + 1 < declared.pages
                else None
            )
        elif own_pages:
            later = sorted(
                (p.number, link.url)
                for link in own_pages
                if (p := list_page(link.url)) is not None and p.number > number
            )
            next_url = later[0][1] if later else None
        else:
            next_url = next_page_guess(page.url)
            if next_url is None and path_of(page.url).endswith("/"):
                next_url = f"{page.url}index_1.html"
            guessed = True
        yield from self.next_list_page(
            page, root, next_url, number=number, useful=useful, probe=guessed
        )

    def next_list_page(
        self,
        page: Page,
        root: str,
        next_url: str | None,
        *,
        number: int,
        useful: bool,
        probe: bool = False,
    ) -> Iterator[Request]:
        """The request for page `number + 1` of a list (`next_url`), when the page `number`
        proved useful and the list is not past `OGI_MAX_LIST_PAGES` (then the cut is counted)."""
        if next_url is None or next_url == page.url:
            return
        if not useful:
            self.crawler.stats.inc_value("pagination/stopped_unproductive")
            return
        if number + 1 >= self.max_list_pages:
            stats = self.crawler.stats
            stats.inc_value(PAGINATION_CUT_STAT)
            stats.set_value("pagination/cut_url", next_url)
            self.logger.warning(
                "%s: list %s cut after %d pages (OGI_MAX_LIST_PAGES)",
                self.name,
                page.url,
                self.max_list_pages,
            )
            return
        meta: dict[str, Any] = {"column_root": root, LIST_NUMBER: number + 1}
        if probe:
            meta.update({PROBE: True, "handle_httpstatus_list": [404]})
        yield self.page_request(next_url, self.parse_column, meta=meta)

    def follow_entry(self, link: Link) -> Iterator[Any]:
        listing = Listing(title=link.text or None, date=link.date)
        self.crawler.stats.inc_value("entries/followed")
        if is_document_file(link.url):
            yield DocumentItem(
                url=link.url,
                county_code=self.county_code,
                hints=self.listing_hints(listing, link.url),
                listing=listing,
                file_urls=[link.url],
            )
            return
        yield Request(
            link.url,
            callback=self.parse_document,
            errback=self.document_failed,
            meta={ROLE: ROLE_DOCUMENT, LISTING: listing, COUNTY_CODE: self.county_code},
        )

    # -- report pages --------------------------------------------------------------------------
    def parse_document(self, response: Response) -> Iterator[DocumentItem]:
        listing: Listing | None = response.meta.get(LISTING)
        url = response.meta.get("redirect_urls", [response.url])[0]
        content_type = _header(response, b"Content-Type")
        item = DocumentItem(
            url=url,
            county_code=self.county_code,
            hints=self.listing_hints(listing, url),
            listing=listing,
            final_url=response.url if response.url != url else None,
            body=response.body,
            content_type=content_type,
            http_status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            fetched_at=dt.datetime.now(dt.UTC),
            not_modified=NOT_MODIFIED in response.flags,
        )
        if isinstance(response, TextResponse):
            page = Page(response)
            item.hints = self.page_hints(page, listing, url)
            item.file_urls = self.attachment_urls(page)
        yield item

    def document_failed(self, failure: Failure) -> Iterator[DocumentItem]:
        """A report page answered 4xx: an item recording it as failed (it is not retried while
        fresh). One that failed for good otherwise (5xx, timeouts, a redirect loop, a body over
        the size limit) is recorded as lost (`crawler.losses`) and the next crawl tries again."""
        if not _client_error(failure):
            Losses.of(self.crawler).lose_request(
                getattr(failure, "request", None),
                failure,
                kind="document",
                county_code=self.county_code,
            )
            return
        assert isinstance(failure.value, HttpError)
        response = failure.value.response
        self.logger.warning("report page %s: HTTP %s", response.url, response.status)
        listing: Listing | None = response.meta.get(LISTING)
        url = response.meta.get("redirect_urls", [response.url])[0]
        yield DocumentItem(
            url=url,
            county_code=self.county_code,
            hints=self.listing_hints(listing, url),
            listing=listing,
            http_status=response.status,
            fetched_at=dt.datetime.now(dt.UTC),
            error=f"HTTP {response.status}",
        )

    def attachment_urls(self, page: Page) -> list[str]:
        """The county-hosted document files a report page links to, in this order: those in
        the body (the first of `content_selectors` the page has), in 附件 boxes
        (`attachment_selectors`), then links labelled 附件 anywhere; on a page without a known
        body, every document link in page order. A link is a document when its URL or its
        label names a document file."""
        if not _FILE_MENTION.search(page.text):
            return []  # most report pages: no link names a document file
        candidates: list[tuple[int, Any, list[str]]] = []
        for position, node in enumerate(LINK_NODES(page.root)):
            urls = link_urls(node, page.base_url)
            if not all(is_document_file(url) for url in urls):
                label_names_file = extension_of(link_label(node)) in DOCUMENT_EXTENSIONS
                urls = [url for url in urls if label_names_file or is_document_file(url)]
            if urls:
                candidates.append((position, node, urls))
        if not candidates:
            return []
        body = page.first_match(self.content_selectors)
        bodies = set(page.select(body)) if body else set()
        boxes = set(any_of(self.attachment_selectors)(page.root)) if body else set()
        ranked: list[tuple[int, int, str]] = []  # (body 0 / box 1 / labelled 2, position, URL)
        for position, node, urls in candidates:
            around = [node, *node.iterancestors()]
            if not body or any(element in bodies for element in around):
                rank = 0
            elif any(element in boxes for element in around):
                rank = 1
            elif any(_ATTACHMENT_LABEL(element) for element in around):
                rank = 2
            else:
                continue
            ranked.extend((rank, position, url) for url in urls)
        files = [url for _, _, url in sorted(ranked)]
        offsite = {url for url in files if not self.is_own_url(url)}
        if offsite:
            self.crawler.stats.inc_value("links/offsite", len(offsite))
        return list(dict.fromkeys(url for url in files if url not in offsite))

    def listing_hints(self, listing: Listing | None, url: str) -> Hints:
        date = dt.date.fromisoformat(listing.date) if listing and listing.date else None
        return Hints(
            county=self.county,
            county_code=self.county_code,
            title=listing.title if listing else None,
            published_at=date,
            url=url,
        )

    def page_hints(self, page: Page, listing: Listing | None, url: str) -> Hints:
        """Title, date and publisher as the report page gives them; the page beats the list.

        First from the metadata the Ningxia CMS (like many Chinese government CMSs) writes in
        the head (`ArticleTitle`, `PubDate`, `ContentSource`), else from the `<h1>` and the
        labels printed above the body (发布日期：…, 来源：…).
        """
        base = self.listing_hints(listing, url)
        metas = page.metas()
        title = normalise_text(
            metas.get("ArticleTitle")
            or max((normalise_text(text_of(h)) for h in page.select("h1")), key=len, default="")
        )
        if base.title and len(base.title) > len(title):
            title = base.title  # an <h1> can be a banner, a list title is never shorter than it
        date = iso_date(DATE.search(metas.get("PubDate") or ""))
        publisher = metas.get("ContentSource")
        if date is None or not publisher:  # the page's text, only when the metadata is silent
            text = page.head_text(_HINT_TEXT_CHARS)
            date = date or iso_date(_LABELLED_DATE.search(text))
            if not publisher:
                match = _LABELLED_PUBLISHER.search(text)
                publisher = match.group(1) if match else None
        return Hints(
            county=self.county,
            county_code=self.county_code,
            title=title or base.title,
            published_at=dt.date.fromisoformat(date) if date else base.published_at,
            publisher=normalise_text(publisher) if publisher else None,
            url=url,
        )

    # -- site search fallback --------------------------------------------------------------------
    def search_body(self, word: str, page: int) -> dict[str, Any]:
        """The JSON the site search is asked with (a family adds the fields it requires)."""
        return {
            "tenantId": self._search_tenant,
            "searchWord": word,
            "pageNo": page,
            "pageSize": self.search_page_size,
        }

    def search_request(self, word: str, page: int) -> Request:
        return JsonRequest(
            urljoin(self.registry.start_url, self.search_path),
            data=self.search_body(word, page),
            callback=self.parse_search,
            cb_kwargs={"word": word, "page": page},
            dont_filter=True,
        )

    def parse_search(self, response: Response, word: str, page: int) -> Iterator[Any]:
        try:
            data = json.loads(response.body)
            rows = data["data"]["middle"]["list"] or []
        except (ValueError, KeyError, TypeError):
            self.logger.warning(
                "%s: unreadable site search answer from %s", self.name, response.url
            )
            return
        for row in rows:
            url = response.urljoin(str(row.get("url") or ""))
            title = normalise_text(HTML_TAG.sub("", str(row.get("title") or "")))
            date = iso_date(DATE.search(str(row.get("time") or "")))
            if not self.is_own_url(url):
                self.crawler.stats.inc_value("links/offsite")
                continue
            if self.report_title.search(title):
                yield from self.follow_entry(Link(url, title, date))
        total = _int_or_none(data["data"]["middle"].get("total"))
        more = page * self.search_page_size < total if total is not None else bool(rows)
        if rows and more:
            yield self.search_request(word, page + 1)

    # -- helpers -------------------------------------------------------------------------------
    def page_request(
        self,
        url: str,
        callback: Any,
        *,
        meta: dict[str, Any] | None = None,
        dont_filter: bool = False,
        errback: Any = None,
    ) -> Request:
        """A navigation or list page request: revalidated conditionally on every run."""
        return Request(
            url,
            callback=callback,
            errback=errback or (self.entry_failed if (meta or {}).get(ENTRY) else self.page_failed),
            dont_filter=dont_filter,
            meta={ROLE: ROLE_PAGE, COUNTY_CODE: self.county_code, **(meta or {})},
        )

    def entry_failed(self, failure: Failure) -> Iterator[Any]:
        """The home page failed: the county is blocked (403) or unreachable (anything else)."""
        self._discovery_pending -= 1
        self._searched = True  # a site that cannot be reached cannot be searched either
        stats = self.crawler.stats
        if stats.get_value(STATUS_STAT):
            return  # the challenge middleware already said "blocked"
        problem = storage_failure(failure.value)
        if problem is not None:  # the store could not say what it knows: not the site's fault
            Losses.of(self.crawler).storage_failed(problem)
            return
        if isinstance(failure.value, HttpError):
            status = failure.value.response.status
            verdict = "blocked" if status in {403, 412, 521} else "unreachable"
            reason = f"HTTP {status} on {failure.value.response.url}"
        else:
            verdict = "unreachable"
            reason = f"{type(failure.value).__name__}: {failure.value}"
            request = getattr(failure, "request", None)  # set by Scrapy on errbacks
            attempts = int(request.meta.get("retry_times", 0)) + 1 if request is not None else 1
            reason += f" ({attempts} attempts)" if attempts > 1 else ""
        stats.set_value(STATUS_STAT, verdict)
        stats.set_value(STATUS_REASON_STAT, reason)
        self.logger.error("%s is %s: %s", self.name, verdict, reason)
        yield from ()

    def is_own_url(self, url: str) -> bool:
        """Only the county's own hosts are followed (never spam mirrors or other sites)."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return False
        host = (parts.hostname or "").lower()
        domain = self.registry.registered_domain
        return host == domain or host.endswith("." + domain)

    def count_offsite(self, page: Page) -> None:
        offsite = {
            link.url
            for link in page.links()
            if urlsplit(link.url).scheme in {"http", "https"} and not self.is_own_url(link.url)
        }
        if offsite:
            self.crawler.stats.inc_value("links/offsite", len(offsite))


def _client_error(failure: Failure) -> bool:
    """A 4xx answer: a broken link, recorded as such, not a loss to retry."""
    exc = failure.value
    return isinstance(exc, HttpError) and 400 <= exc.response.status < 500


def _squeeze(text: str) -> str:
    """Link text without spaces: menus split a label over several spans."""
    return text.replace(" ", "")


def _unique(links: Iterable[Link]) -> list[Link]:
    seen: dict[str, Link] = {}
    for link in links:
        seen.setdefault(link.url, link)
    return list(seen.values())


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
