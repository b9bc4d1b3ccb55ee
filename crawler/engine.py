"""The crawl engine: any number of county sites in one Scrapy crawler, memory bounded.

One `CrawlEngine` spider hosts, for each county in progress, one instance of the county's family
spider class (a *navigator*, e.g. `NingxiaPlatformSpider` for a TRS site). Scrapy runs the
navigators' `start()` requests and their bound-method callbacks and errbacks as usual; a navigator
is the same class `scrapy crawl <county>` would run standalone, bound to a `CountyCrawler` whose
`stats` are the county's own.

* At most `OGI_COUNTIES_IN_PROGRESS` counties are in progress; the next county starts as one
  finishes, so the scheduler, the per-county caches and the sockets do not grow with the number
  of counties (`CONCURRENT_REQUESTS` bounds the requests in flight).
* A county is finished when none of its requests is scheduled, downloading or being scraped
  (its callbacks' items are through the pipelines by then): the engine counts each county's
  requests from `request_scheduled` to the end of their processing. It then sends
  `county_closed` (the crawl summary judges and stores the county's run) and forgets the county.
* Every request of a county carries its code (`crawler.platform.COUNTY_CODE`) and the county's
  download slot (its registered domain), which carries the site's delay and concurrency
  (`DOWNLOAD_DELAY`, `CONCURRENT_REQUESTS_PER_DOMAIN`, or the slot's entry in `DOWNLOAD_SLOTS`).
  `CountyDownloader` holds each slot to its concurrency whatever the delay (Scrapy 2.19 does not
  at a delay of 0), and to its share of `CONCURRENT_REQUESTS` among the counties in progress.
* Components that count into `crawler.stats` (middlewares, pipelines) count into the county
  they work for: `CountyDownloader` and `CountyItemProcessor` run each download and each item in
  the county's context (`CURRENT_COUNTY`), which `EngineStatsCollector` follows.

Scrapy offers no signal for "this request is fully processed": the engine's slot releases each
request there (`remove_request`, after the callback's items went through the pipelines and its
new requests were scheduled), so the engine wraps that one method on its slot at open. The
`spider_idle` signal is the safety net: when Scrapy has nothing left, every county is finished.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any, Final

import scrapy
from scrapy import signals
from scrapy.core.downloader import Downloader
from scrapy.core.downloader import Slot as DownloadSlot
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.pipelines import ItemPipelineManager
from scrapy.statscollectors import MemoryStatsCollector, StatsCollector
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import (
    _schedule_coro,
    deferred_from_coro,
    maybe_deferred_to_future,
)
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred, fail

from crawler.counties import BY_COUNTY_CODE, COUNTIES, County
from crawler.loader import slot_settings
from crawler.platform import COUNTY_CODE
from crawler.scrapytrims import lean_spider_output, skip_unwanted_records

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

county_closed: Final = object()
"""Signal sent (awaited) when a county is finished: `navigator` (the county's spider), `stats`
(its stats, a dict) and `reason` ("finished", "blocked", or the engine's close reason)."""

CURRENT_COUNTY: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ogi_current_county", default=None
)
"""The county code the current download or item belongs to (None outside any county)."""

# While start() waits for a free county place, how often it checks that Scrapy still has work:
# a county whose requests the engine lost track of must not stall the crawl.
_WAIT_CHECK_SECONDS: Final = 2.0


@contextlib.contextmanager
def county_context(code: str | None) -> Iterator[None]:
    """Run a block (and the tasks it starts) on behalf of county `code`."""
    token = CURRENT_COUNTY.set(code)
    try:
        yield
    finally:
        CURRENT_COUNTY.reset(token)


class CountyStats(StatsCollector):
    """One county's stats: Scrapy's collector, with plain attribute access.

    Scrapy 2.19's `StatsCollector.__getattribute__` runs on every attribute access (to warn
    about a deprecated `spider` argument), its own `self._stats` included: ≈ 10 µs a stat, tens
    of thousands of stats a crawl (issue 9). Nothing here passes `spider`.
    """

    __getattribute__ = object.__getattribute__


class EngineStatsCollector(MemoryStatsCollector):
    """Scrapy's stats, plus one collector per county in progress.

    In a county's context (`CURRENT_COUNTY`) reads and writes go to the county's collector;
    increments also go to the crawl's totals, which Scrapy dumps at the end. Outside any
    county (a standalone spider, the engine itself) it is Scrapy's `MemoryStatsCollector`.
    Attribute access is plain, as in `CountyStats`.
    """

    __getattribute__ = object.__getattribute__

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.counties: dict[str, CountyStats] = {}

    def open_county(self, code: str) -> StatsCollector:
        stats = self.counties[code] = CountyStats(self._crawler)
        stats.set_value("start_time", dt.datetime.now(dt.UTC))
        return stats

    def close_county(self, code: str) -> dict[str, Any]:
        stats = self.counties.pop(code, None)
        return stats.get_stats() if stats is not None else {}

    def _county(self) -> StatsCollector | None:
        code = CURRENT_COUNTY.get()
        return self.counties.get(code) if code is not None else None

    def get_value(self, key: str, default: Any = None, spider: Any = None) -> Any:
        county = self._county()
        if county is not None:
            return county.get_value(key, default)
        return super().get_value(key, default)

    def set_value(self, key: str, value: Any, spider: Any = None) -> None:
        county = self._county()
        if county is not None:
            county.set_value(key, value)
        else:
            super().set_value(key, value)

    # The two calls of every page (a dozen increments, a few maxima: downloader and scheduler
    # counts, the pipelines'), with Scrapy's `StatsCollector` arithmetic written out on both
    # dictionaries: two method calls less each, ≈ 10 µs a page (issue 9).
    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        code = CURRENT_COUNTY.get()
        county = self.counties.get(code) if code is not None else None
        if county is not None:
            own = county._stats
            own[key] = own.setdefault(key, start) + count
        totals = self._stats
        totals[key] = totals.setdefault(key, start) + count

    def max_value(self, key: str, value: Any, spider: Any = None) -> None:
        code = CURRENT_COUNTY.get()
        county = self.counties.get(code) if code is not None else None
        if county is not None:
            own = county._stats
            own[key] = max(own.setdefault(key, value), value)
        totals = self._stats
        totals[key] = max(totals.setdefault(key, value), value)

    def min_value(self, key: str, value: Any, spider: Any = None) -> None:
        county = self._county()
        if county is not None:
            county.min_value(key, value)
        super().min_value(key, value)


class CountyDownloader(Downloader):
    """Scrapy's downloader, running each download in its county's context, dropping the requests
    of a county being closed, and holding each slot to its concurrency at any delay.

    Scrapy 2.19 counts a slot's transfers when each transfer's coroutine starts, which is after
    `_process_queue` has looped over the whole queue: at DOWNLOAD_DELAY 0 every queued request
    of a site starts at once, whatever CONCURRENT_REQUESTS_PER_DOMAIN says. Here a request is
    counted as transferring as soon as it leaves the queue.
    """

    def fetch(self, request: Request) -> Deferred[Response | Request]:  # type: ignore[override]
        code = request.meta.get(COUNTY_CODE) or CURRENT_COUNTY.get()
        engine = getattr(self.crawler, "spider", None)
        if code is not None and isinstance(engine, CrawlEngine) and engine.is_closing(code):
            return fail(IgnoreRequest(f"county {code} is closed: {request.url}"))
        with county_context(code):
            # The download's coroutine is started here and keeps this context to its end.
            result: Deferred[Response | Request] = super().fetch(request)
        return result

    def _share(self) -> int:
        """Each site's share of the requests in flight: `CONCURRENT_REQUESTS` over the counties
        in progress, at least one. A site with its pages queued first would otherwise take up
        to its whole concurrency while the others' first pages wait, and every connection it
        opened beyond its share is closed again later for the open-connection bound (a TLS
        handshake on both sides each time: at 22 sites, 157 connections for 572 requests)."""
        total = self.total_concurrency
        if total <= 0:
            return 1 << 30  # no bound on the requests in flight (Scrapy's reading of 0): no share
        engine = getattr(self.crawler, "spider", None)
        counties = len(engine.in_progress) if isinstance(engine, CrawlEngine) else 0
        return -(-total // counties) if counties > 1 else total  # rounded up: at least one

    def _process_queue(self, slot: DownloadSlot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        share = self._share()
        while slot.queue and slot.free_transfer_slots() > 0 and len(slot.transferring) < share:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # at once: see the class docstring
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break


class CountyItemProcessor(ItemPipelineManager):
    """The item pipelines, run in the context of the county the item belongs to."""

    async def process_item_async(self, item: Any) -> Any:
        with county_context(getattr(item, "county_code", None) or CURRENT_COUNTY.get()):
            return await super().process_item_async(item)


class CountyCrawler:
    """What a navigator sees as its crawler: the engine's, with the county's own stats.

    It hashes and compares equal to the engine's crawler, so that the project's per-crawler
    registries (`StoreService.for_crawler`, `KnownDocuments.of` …, weak-key dictionaries) give
    a navigator the crawl's one instance, not one of its own.
    """

    def __init__(self, crawler: Crawler, stats: StatsCollector) -> None:
        self._crawler = crawler
        self.stats = stats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crawler, name)

    @property
    def whole_crawler(self) -> Crawler:
        """The engine's crawler (`crawler.services.whole_crawler`)."""
        return self._crawler

    def __hash__(self) -> int:
        return hash(self._crawler)

    def __eq__(self, other: object) -> bool:
        return other is self or other is self._crawler


@dataclass(eq=False)
class CountyRun:
    """A county in progress: its navigator and the requests it still has in Scrapy."""

    county: County
    navigator: scrapy.Spider
    stats: StatsCollector
    requests: set[Request] = field(default_factory=set)
    starting: bool = True  # its start() is not exhausted yet
    close_reason: str | None = None  # set when the county is being closed early


def slot_of(county: County) -> str:
    """A county's download slot: one for all its hosts (www., xxgk. … are one server)."""
    return county.registered_domain


class CrawlEngine(scrapy.Spider):
    """The spider that crawls many counties at once (see the module docstring).

    `counties` are navigator classes (what the spider loader gives for a county), crawled in
    that order; `navigator_kwargs` are passed to each (`scrapy crawl -a`).
    """

    name = "crawlall"

    def __init__(
        self,
        counties: Sequence[type[scrapy.Spider]] = (),
        name: str | None = None,
        navigator_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.waiting: deque[type[scrapy.Spider]] = deque(counties)
        self.total = len(self.waiting)
        self.navigator_kwargs = navigator_kwargs or {}
        self.in_progress: dict[str, CountyRun] = {}
        self.limit = 1
        self._place_freed: Deferred[None] | None = None
        self._summaries: set[Deferred[None]] = set()
        self._owner: dict[Request, CountyRun] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.limit = max(1, crawler.settings.getint("OGI_COUNTIES_IN_PROGRESS"))
        crawler.signals.connect(spider.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        return spider

    @property
    def stats(self) -> EngineStatsCollector:
        stats = self.crawler.stats
        assert isinstance(stats, EngineStatsCollector)
        return stats

    # -- counties ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        while self.waiting:
            while len(self.in_progress) >= self.limit:
                await self._wait_for_a_place()
            spidercls = self.waiting.popleft()
            run = self._open_county(spidercls)
            if run is None:
                continue
            try:
                # No county context here: it would stay set in Scrapy's start task between
                # yields. The navigator's own stats are the county's already.
                async for output in run.navigator.start():
                    if isinstance(output, Request):
                        output.meta.setdefault(COUNTY_CODE, run.county.code)
                    yield output
            except Exception:
                logger.exception("%s: its start() failed", run.navigator.name)
                run.stats.inc_value("spider_exceptions/start")
            run.starting = False
            self._maybe_finished(run)

    def _open_county(self, spidercls: type[scrapy.Spider]) -> CountyRun | None:
        code = getattr(spidercls, "county_code", None)
        county = BY_COUNTY_CODE.get(code or "")
        if county is None or code in self.in_progress:
            logger.error("%s is not a registry county, or crawled twice: skipped", spidercls)
            return None
        if getattr(spidercls, "custom_settings", None):
            logger.warning(
                "%s: custom_settings do not apply to a county in a crawl of many; per-site "
                "politeness goes through its download slot (DOWNLOAD_SLOTS[%r])",
                spidercls.name,
                slot_of(county),
            )
        politeness = slot_settings(county.code)
        if politeness and self.crawler.engine is not None:
            # Read by Scrapy when the slot is made, at the county's first request; a
            # DOWNLOAD_SLOTS entry of the project's settings wins.
            per_slot = self.crawler.engine.downloader.per_slot_settings
            per_slot.setdefault(slot_of(county), politeness)
        stats = self.stats.open_county(county.code)
        navigator = spidercls.from_crawler(
            CountyCrawler(self.crawler, stats),  # type: ignore[arg-type]
            **self.navigator_kwargs,
        )
        run = CountyRun(county, navigator, stats)
        self.in_progress[county.code] = run
        logger.debug("%s: started (%d in progress)", navigator.name, len(self.in_progress))
        return run

    async def _wait_for_a_place(self) -> None:
        self._place_freed = waiter = Deferred[None]()
        timer = call_later(_WAIT_CHECK_SECONDS, self._check_stalled)
        try:
            await maybe_deferred_to_future(waiter)
        finally:
            timer.cancel()

    def _free_a_place(self) -> None:
        waiter, self._place_freed = self._place_freed, None
        if waiter is not None and not waiter.called:
            waiter.callback(None)

    def _check_stalled(self) -> None:
        """start() waits for a county to finish while Scrapy has nothing left to do: the
        counties in progress are finished, whatever the engine counted."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        busy = (
            engine is None
            or scheduler is None
            or bool(engine.downloader.active)
            or not engine.scraper.slot.is_idle()  # type: ignore[union-attr]
            or scheduler.has_pending_requests()
        )
        if busy:
            self._free_a_place()  # start() looks again in a while
            return
        for run in list(self.in_progress.values()):
            if not run.starting:
                self._lost_track(run)
                self._finish(run)
        self._free_a_place()

    def _lost_track(self, run: CountyRun) -> None:
        if run.requests:
            logger.warning(
                "%s: %d requests were never released; the county is finished anyway",
                run.navigator.name,
                len(run.requests),
            )
            for request in run.requests:
                self._owner.pop(request, None)
            run.requests.clear()

    def is_closing(self, code: str) -> bool:
        run = self.in_progress.get(code)
        return run is not None and run.close_reason is not None

    def close_county(self, code: str, reason: str) -> None:
        """Stop crawling a county (e.g. "blocked"): its pending requests are dropped, and it is
        summarized with `reason` once none is left."""
        run = self.in_progress.get(code)
        if run is None or run.close_reason is not None:
            return
        run.close_reason = reason
        logger.info("%s: closing (%s)", run.navigator.name, reason)
        self._maybe_finished(run)

    # -- request bookkeeping -------------------------------------------------------------------
    def request_scheduled(self, request: Request, spider: scrapy.Spider) -> None:
        code = request_county(request)
        run = self.in_progress.get(code) if code else None
        if run is None:
            return
        if run.close_reason is not None:
            raise IgnoreRequest(f"county {code} is closed")  # Scrapy then drops it silently
        request.meta.setdefault(COUNTY_CODE, code)
        request.meta.setdefault("download_slot", slot_of(run.county))
        run.requests.add(request)
        self._owner[request] = run

    def request_dropped(self, request: Request, spider: scrapy.Spider) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        run = self._owner.pop(request, None)
        if run is not None:
            run.requests.discard(request)
            self._maybe_finished(run)

    def _maybe_finished(self, run: CountyRun) -> None:
        if not run.requests and not run.starting and run.county.code in self.in_progress:
            self._finish(run)

    def _finish(self, run: CountyRun, reason: str | None = None) -> None:
        code = run.county.code
        del self.in_progress[code]
        stats = self.stats.close_county(code)
        reason = run.close_reason or reason or "finished"
        stats["finish_reason"] = reason
        stats["finish_time"] = dt.datetime.now(dt.UTC)
        self._free_a_place()
        summary = deferred_from_coro(self._summarize(run, stats, reason))
        self._summaries.add(summary)
        summary.addBoth(lambda _: self._summaries.discard(summary))

    async def _summarize(self, run: CountyRun, stats: dict[str, Any], reason: str) -> None:
        with county_context(None):
            await self.crawler.signals.send_catch_log_async(
                county_closed, navigator=run.navigator, stats=stats, reason=reason
            )

    # -- engine signals ------------------------------------------------------------------------
    def spider_opened(self, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        if not isinstance(self.crawler.stats, EngineStatsCollector):
            raise NotConfigured("STATS_CLASS must be crawler.engine.EngineStatsCollector")
        assert self.crawler.engine is not None
        slot = self.crawler.engine._slot  # see the module docstring
        assert slot is not None
        remove_request = slot.remove_request

        def release(request: Request) -> None:
            remove_request(request)
            self._release(request)

        slot.remove_request = release  # type: ignore[method-assign]
        lean_spider_output(self.crawler.engine.scraper)
        skip_unwanted_records()

    def spider_idle(self, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        for run in list(self.in_progress.values()):
            if not run.starting:
                self._lost_track(run)
                self._finish(run)
        if self.waiting:  # not while start() runs; kept should Scrapy's idle rule change
            raise DontCloseSpider

    async def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if spider is not self:
            return
        for run in list(self.in_progress.values()):
            run.requests.clear()
            self._finish(run, reason)
        if self.waiting:
            logger.warning(
                "the crawl ended (%s) before %d of %d counties started",
                reason,
                len(self.waiting),
                self.total,
            )
        while self._summaries:
            await maybe_deferred_to_future(next(iter(self._summaries)))
        self._owner.clear()


def county_of_host(host: str) -> County | None:
    """The county whose registered domain a host belongs to (robots.txt and attachment requests
    carry no county code)."""
    by_domain = _by_domain()
    parts = host.lower().split(".")
    for i in range(len(parts) - 1):
        county = by_domain.get(".".join(parts[i:]))
        if county is not None:
            return county
    return None


def _by_domain() -> dict[str, County]:
    global _BY_DOMAIN  # noqa: PLW0603  # built on first use: most commands never need it
    if _BY_DOMAIN is None:
        _BY_DOMAIN = {}
        for county in COUNTIES:
            if county.site:
                _BY_DOMAIN.setdefault(county.registered_domain, county)
    return _BY_DOMAIN


_BY_DOMAIN: dict[str, County] | None = None


def request_host(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


def request_county(request: Request) -> str | None:
    """The code of the county a request works for: its meta, else the navigator whose method is
    its callback, else the county whose download or item started it (robots.txt, attachments),
    else the county of its host."""
    code: str | None = request.meta.get(COUNTY_CODE)
    for method in (request.callback, request.errback):
        if code is None:
            code = getattr(getattr(method, "__self__", None), "county_code", None)
    code = code or CURRENT_COUNTY.get()
    if code is None:
        county = county_of_host(request_host(request))
        code = county.code if county is not None else None
    return code
