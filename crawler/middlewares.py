"""Downloader middlewares: challenge detection, retries with back-off, conditional requests.

They act on the request meta the platform spider sets (`crawler.platform.ROLE` …), never on a
spider's name, so a county spider needs none of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlunparse

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats, get_status_size
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred

from crawler.access import block_reason, is_js_challenge
from crawler.counties import BY_COUNTY_CODE
from crawler.engine import county_of_host, request_county, slot_of
from crawler.platform import (
    COUNTY_CODE,
    ENTRY,
    LISTING,
    NOT_MODIFIED,
    PROBE,
    ROLE,
    ROLE_DOCUMENT,
    ROLE_PAGE,
    STATUS_REASON_STAT,
    STATUS_STAT,
)
from crawler.scrapytls import import_http11
from crawler.services import KnownDocuments, StoreService, conditional_headers
from models.records import PageState, SourceState
from models.store import MissingBlobError

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ROLE_ATTACHMENT: Final = "attachment"  # set by the files pipeline on attachment downloads
_UNCONDITIONAL: Final = "ogi_unconditional"
_PAGE_STATE: Final = "ogi_page_state"
_SOURCE_STATE: Final = "ogi_source_state"
_BACKOFF: Final = "ogi_backoff"


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waited for the rules obeying them,
    and a quiet log when a host cannot be reached at all.

    Scrapy 2.19 parks the requests that arrive while a host's robots.txt is downloading on one
    shared Deferred, and each waiter's callback swallows the result: only the first waiter gets
    the parsed rules, the others get None and go through unchecked. Here each waiter gets its own
    Deferred, fed by a callback that passes the rules on to the next one.

    A robots.txt that cannot be downloaded because the host is unreachable (DNS, refused,
    timeouts: RETRY_EXCEPTIONS) is logged at DEBUG and counted (`robotstxt/unreachable`): the
    county's own entry request fails the same way and says so once, as the county's status.
    Any other error stays an ERROR.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Scrapy's RETRY_EXCEPTIONS name http11's TunnelError: its import, without the stack
        # walks of Scrapy's deprecation shims (crawler.scrapytls).
        import_http11()
        self.unreachable = _load_classes(crawler.settings.getlist("RETRY_EXCEPTIONS"))

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            return await self._download_rules(request, netloc)
        pending = self._parsers[netloc]
        if not isinstance(pending, Deferred):
            return pending
        waiter: Deferred[Any] = Deferred()

        def relay(result: Any) -> Any:
            waiter.callback(result)
            return result

        pending.addBoth(relay)
        return await maybe_deferred_to_future(waiter)

    async def _download_rules(self, request: Request, netloc: str) -> Any:
        # Scrapy's own first-request path (RobotsTxtMiddleware.robot_parser), but for the log.
        self._parsers[netloc] = Deferred()
        url = urlparse_cached(request)
        robots = Request(
            f"{url.scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(robots)
            await self._parse_robots(response, netloc, request)
        except Exception as exc:
            if isinstance(exc, self.unreachable):
                self._stats.inc_value("robotstxt/unreachable")
                logger.debug("robots.txt of %s unreachable: %s", netloc, exc)
            elif not isinstance(exc, IgnoreRequest):
                logger.error(
                    "Error downloading %(request)s: %(exception)s",
                    {"request": robots, "exception": exc},
                    exc_info=True,
                    extra={"spider": self.crawler.spider},
                )
            self._robots_error(exc, netloc)
        self._stats.inc_value("robotstxt/request_count")
        return await self.robot_parser(request)


def _load_classes(paths: list[Any]) -> tuple[type[Exception], ...]:
    return tuple(load_object(path) if isinstance(path, str) else path for path in paths)


class ChallengeMiddleware:
    """Stops a county at the first JS-cookie challenge or WAF page (`crawler.access`): its status
    becomes `blocked`, with the refusal as the reason.

    A crawler cannot (and must not try to) solve such challenges; retrying only hammers the
    site. The spider is closed with reason "blocked" and the summary says so.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status < 400:
            return response
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in ((k, response.headers.get(k) or b"") for k in response.headers)
        }
        refusal = block_reason(response.status, response.body, headers)
        if refusal is None:
            return response
        stats = self.crawler.stats
        assert stats is not None
        challenge = is_js_challenge(response.status, response.body)
        stats.inc_value("http/challenges" if challenge else "http/waf")
        if stats.get_value(STATUS_STAT) != "blocked":
            reason = f"{refusal} on {response.url}"
            stats.set_value(STATUS_STAT, "blocked")
            stats.set_value(STATUS_REASON_STAT, reason)
            spider = self.crawler.spider
            code = request_county(request)
            county = BY_COUNTY_CODE.get(code or "")
            logger.error("%s: blocked by a %s", county.slug if county else "?", reason)
            close_county = getattr(spider, "close_county", None)
            if code is not None and close_county is not None:
                close_county(code, reason="blocked")  # the crawl engine: this county only
            else:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        raise IgnoreRequest(f"{refusal} at {response.url}")


class CountySlotMiddleware:
    """Politeness per county, not per host: one download slot for all of a county's hosts.

    `www.x.gov.cn` and `xxgk.x.gov.cn` are one server room; Scrapy's per-host slots would let
    them be hit twice as often. Requests carrying a county code share the slot of the county's
    registered domain (DOWNLOAD_DELAY, CONCURRENT_REQUESTS_PER_DOMAIN apply to it).
    """

    def process_request(self, request: Request) -> None:
        county = BY_COUNTY_CODE.get(request.meta.get(COUNTY_CODE, "")) or county_of_host(
            urlparse_cached(request).hostname or ""
        )
        if county is not None:
            request.meta.setdefault("download_slot", slot_of(county))


class LoopSafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with a redirect back to a URL of its own chain refused as a loop.

    Scrapy 2.19 re-schedules a redirect like any request: one back to a URL already requested
    (`A` → `A?x` → `A`) is dropped by the duplicate filter, silently, with no errback, so the
    page would be lost without a trace. Here it fails at once (`IgnoreRequest`, "redirect
    loop"), which the spider records as a lost page (`crawler.losses`).
    """

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result.url in result.meta.get("redirect_urls", ()):
            raise IgnoreRequest(f"redirect loop back to {result.url}")
        return result


# What every meta refresh names (`http-equiv="refresh"`), in any case.
_REFRESH: Final = re.compile("refresh", re.IGNORECASE)
# Scrapy reads a page's meta refresh in its first 4 096 characters (scrapy.utils.response).
_META_REFRESH_CHARS: Final = 4096


class QuickMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, its parse skipped on a page that cannot have one.

    Scrapy looks for `<meta http-equiv="refresh">` in a page's first 4 096 characters with
    w3lib's regexes (after taking out comments, scripts and noscripts) on every HTML response,
    and caches the answer in a weak-key dictionary: ≈ 1.5 % of the reactor thread (issue 9),
    for the rare page that has one. A page whose first 4 096 characters do not even say
    "refresh" has none: it is passed on as it is; any other goes to Scrapy's.
    """

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if isinstance(response, HtmlResponse) and not _REFRESH.search(
            response.text, 0, _META_REFRESH_CHARS
        ):
            return response
        return super().process_response(request, response)


class QuickDownloaderStats(DownloaderStats):
    """Scrapy's downloader stats (the same keys, the same numbers), without building each
    request's bytes to count them.

    Scrapy counts `downloader/request_bytes` as the length of `request_httprepr(request)` (the
    request line, Host, every header, the body, joined into new bytes) and walks the response's
    headers through `Headers.items()` (a key normalisation per header) for
    `downloader/response_bytes`: ≈ 50 µs a page, ≈ 1.5 % of the reactor thread (issue 9). Here
    the same lengths are added up from the headers' own lists.
    """

    def process_request(self, request: Request) -> None:  # type: ignore[override]
        stats = self.stats
        stats.inc_value("downloader/request_count")
        stats.inc_value(f"downloader/request_method_count/{request.method}")
        stats.inc_value("downloader/request_bytes", request_size(request))

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Response:
        stats = self.stats
        stats.inc_value("downloader/response_count")
        stats.inc_value(f"downloader/response_status_count/{response.status}")
        size = len(response.body) + _headers_size(response.headers)
        stats.inc_value("downloader/response_bytes", size + get_status_size(response.status) + 4)
        return response


def request_size(request: Request) -> int:
    """`len(scrapy.utils.request.request_httprepr(request))`, without making those bytes."""
    parsed = urlparse_cached(request)
    path = urlunparse(("", "", parsed.path or "/", parsed.params, parsed.query, ""))
    # "<method> <path> HTTP/1.1\r\n" "Host: <host>\r\n" [<headers>\r\n] "\r\n" <body>
    size = len(request.method.encode()) + 1 + len(path.encode()) + 11
    size += 6 + len((parsed.hostname or "").encode()) + 2
    headers = request.headers
    if headers:  # a dict of lists, even all empty: Scrapy's `if request.headers`
        lines, size_of_lines = _header_lines(headers)
        # w3lib's "\r\n" between lines, then one after.
        size += size_of_lines + 2 * max(0, lines - 1) + 2
    return size + 2 + len(request.body)


def _headers_size(headers: Any) -> int:
    """Scrapy's `get_header_size(headers)` (stats.py), from the headers' own lists: its
    separators counted per header name, not per line."""
    return _header_lines(headers)[1] + 2 * (len(headers) - 1)


def _header_lines(headers: Any) -> tuple[int, int]:
    """The number of "<name>: <value>" lines of Scrapy `Headers` (a dict of lists of bytes)
    and their bytes, without the separators between them."""
    lines = size = 0
    for key, values in dict.items(headers):
        lines += len(values)
        size += (len(key) + 2) * len(values) + sum(map(len, values))
    return lines, size


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but a retry waits: base × 2ⁿ⁻¹ seconds, or Retry-After.

    Scrapy 2.19 re-sends a failed request at once; for an overloaded or rate-limiting
    government site that is the worst moment. Replaces `RetryMiddleware` in
    DOWNLOADER_MIDDLEWARES; `OGI_RETRY_BACKOFF_BASE` (0 disables) and `OGI_RETRY_BACKOFF_MAX`.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("OGI_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("OGI_RETRY_BACKOFF_MAX")

    def backoff(self, request: Request, response: Response | None) -> float:
        retries = int(request.meta.get("retry_times", 1))
        delay: float = self.backoff_base * 2 ** (retries - 1)
        if response is not None:
            delay = max(delay, _retry_after(response))
        return float(min(delay, self.backoff_max))

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop(_BACKOFF, 0)
        if delay > 0:
            await sleep(delay)

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get(ENTRY):
            request.meta.setdefault("give_up_log_level", "DEBUG")  # see process_exception
        result = super().process_response(request, response)
        if isinstance(result, Request):
            result.meta[_BACKOFF] = self.backoff(result, response)
        return result

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get(ENTRY) or urlparse_cached(request).path == "/robots.txt":
            # A county's entry page and robots.txt: when they cannot be reached, the county is
            # unreachable, which its spider reports in one line (with the attempts made).
            request.meta.setdefault("give_up_log_level", "DEBUG")
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            result.meta[_BACKOFF] = self.backoff(result, None)
        return result


def _retry_after(response: Response) -> float:
    value = response.headers.get(b"Retry-After")
    if not value:
        return 0.0
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class ConditionalRequestMiddleware:
    """Incremental crawling: conditional requests, replayed 304s, and skips of fresh documents.

    Navigation and list pages (role "page") are always requested, with If-None-Match /
    If-Modified-Since from the stored page (the county's pages are loaded once per crawl); a 304
    is answered with the stored body and Content-Type as a normal 200 response flagged
    `not_modified`, a 200 saves the new body, validators and Content-Type.

    Report pages (role "document") that the store knows are not requested at all while fresh
    (`OGI_REVISIT_DAYS`, unchanged list entry): the request is dropped and counted as
    `documents/skipped`. Stale ones are revalidated the same way as pages; a 304 replays the
    stored body flagged `not_modified`, so the spider still sees the page's attachments.

    It also counts HTTP errors (`http/errors/<code>`) of the requests it knows, leaving out
    the 404 that ends a probed list.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("OGI_INCREMENTAL"):
            raise NotConfigured("OGI_INCREMENTAL is off: every page is fetched in full")
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)
        self.known = KnownDocuments.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def process_request(self, request: Request) -> None:
        role = request.meta.get(ROLE)
        if request.method != "GET" or role not in {ROLE_PAGE, ROLE_DOCUMENT}:
            return
        if request.meta.get(_UNCONDITIONAL):
            return
        county_code: str | None = request.meta.get(COUNTY_CODE)
        if county_code is not None:
            await self.known.load(county_code)
        if role == ROLE_PAGE:
            page: PageState | None
            if county_code is not None:
                page = self.known.page(county_code, request.url)
            else:
                page = await self.store.call("page_state", request.url, self.known.origin)
            request.meta[_PAGE_STATE] = page
            if page is not None:
                _set_validators(request, page.etag, page.last_modified)
            return
        assert county_code is not None, "a document request carries its county code"
        verdict, state = self.known.decide(county_code, request.url, request.meta.get(LISTING))
        if verdict == "fresh":
            self.stats.inc_value("documents/skipped")
            if state is not None and state.report_id is not None:
                self.stats.inc_value("reports/skipped")
            raise IgnoreRequest(f"known and fresh: {request.url}")
        if verdict == "stale":
            request.meta[_SOURCE_STATE] = state
            headers = conditional_headers(state)
            _set_validators(request, headers.get("If-None-Match"), headers.get("If-Modified-Since"))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        role = request.meta.get(ROLE)
        if role not in {ROLE_PAGE, ROLE_DOCUMENT, ROLE_ATTACHMENT}:
            return response
        if response.status >= 400 and not (response.status == 404 and request.meta.get(PROBE)):
            self.stats.inc_value(f"http/errors/{response.status}")
        if request.method != "GET" or role == ROLE_ATTACHMENT:
            return response
        if role == ROLE_PAGE:
            return await self._page_response(request, response)
        if response.status == 304:
            state: SourceState | None = request.meta.get(_SOURCE_STATE)
            return await self._replay(request, response, state)
        return response

    async def _page_response(self, request: Request, response: Response) -> Request | Response:
        page: PageState | None = request.meta.get(_PAGE_STATE)
        if response.status == 304:
            self.stats.inc_value("pages/not_modified")
            return await self._replay(request, response, page)
        if response.status != 200:
            return response
        self.stats.inc_value("pages/fetched")
        sha256: str = await self.store.put_blob(response.body)
        county_code: str | None = request.meta.get(COUNTY_CODE)
        fetched = PageState(
            url=request.url,
            sha256=sha256,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            fetched_at=dt.datetime.now(dt.UTC),
            content_type=_header(response, b"Content-Type"),
        )
        if page is None or _validators(page) != _validators(fetched):
            await self.store.call(
                "save_page",
                fetched.url,
                fetched.sha256,
                fetched.etag,
                fetched.last_modified,
                fetched.fetched_at,
                county_code=county_code,
                content_type=fetched.content_type,
                origin=self.known.origin,
            )
            if county_code is not None:
                self.known.remember_page(county_code, fetched)
        return response

    async def _replay(
        self, request: Request, response: Response, stored: PageState | SourceState | None
    ) -> Request | Response:
        """The stored body of a 304, as a normal response with the Content-Type it was served
        with; or the request again, unconditional, when there is no stored body."""
        body: bytes | None = None
        if stored is not None and stored.sha256 is not None:
            try:
                body = await self.store.get_blob(stored.sha256)
            except MissingBlobError:
                body = None
        if body is None:
            logger.warning("304 for %s but no stored body: fetching it in full", request.url)
            return request.replace(
                headers={
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() not in {b"if-none-match", b"if-modified-since"}
                },
                meta={**request.meta, _UNCONDITIONAL: True},
                dont_filter=True,
            )
        headers = response.headers.copy()
        assert stored is not None
        if stored.content_type:
            headers[b"Content-Type"] = stored.content_type.encode("latin-1")
        elif not headers.get(b"Content-Type"):
            headers[b"Content-Type"] = b"text/html"  # stored before types were kept: detected
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(
            url=response.url,
            status=200,
            headers=headers,
            body=body,
            flags=[*response.flags, NOT_MODIFIED],
            request=request,
            protocol=response.protocol,
        )


def _validators(page: PageState) -> tuple[str | None, ...]:
    """What a stored page must match for its row to need no write."""
    return (page.sha256, page.etag, page.last_modified, page.content_type)


def _set_validators(request: Request, etag: str | None, last_modified: str | None) -> None:
    if etag:
        request.headers[b"If-None-Match"] = etag.encode("latin-1")
    if last_modified:
        request.headers[b"If-Modified-Since"] = last_modified.encode("latin-1")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
