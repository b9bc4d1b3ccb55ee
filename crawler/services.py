"""What the crawl components share: the store's worker thread and each crawl's view of the
documents already stored (the parser's process pool is `crawler.parsing`).

The store is blocking (SQLAlchemy, file I/O) and the parser is CPU-bound (pdfium is not
thread-safe, pure-Python parsing holds the GIL), so neither may run on the Twisted reactor:
`StoreService.call` runs store methods in one worker thread, `crawler.parsing.ParsePool.parse`
runs the parser in worker processes. Both are shared by every component of the crawl and closed
when the last crawler using them closes.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import multiprocessing
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, ParamSpec, TypeVar

from scrapy import signals
from scrapy.utils.asyncio import is_asyncio_available
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler import children
from crawler.counties import COUNTIES
from crawler.mirror import crawl_origin
from models.objectstore import Blobs, open_blobs
from models.records import Listing, PageState, SourceState
from models.remote import StoreProcess
from models.store import BATCHABLE, BlobStore, ReportStore, StoreConfigError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

Freshness = Literal["new", "fresh", "stale"]


async def await_future(future: Future[T]) -> T:
    """Await a `concurrent.futures.Future` from Scrapy code, with or without asyncio."""
    if is_asyncio_available():
        return await asyncio.wrap_future(future)
    from twisted.internet import reactor  # noqa: PLC0415  (the installed reactor)

    deferred: Deferred[T] = Deferred()

    def done(f: Future[T]) -> None:
        exc = f.exception()
        if exc is not None:
            reactor.callFromThread(deferred.errback, exc)
        else:
            reactor.callFromThread(deferred.callback, f.result())

    future.add_done_callback(done)
    return await maybe_deferred_to_future(deferred)


# -- The store --------------------------------------------------------------------------------


class StoreService:
    """One store per database, shared by every component of every crawler in the process.

    Database calls (`call`) run one at a time, in order, on one worker thread: one writer keeps
    SQLite free of lock contention and keeps writes in arrival order. Writes that queued up
    behind the call in progress (documents, pages, county runs: `models.store.BATCHABLE`) go
    on together, as one `ReportStore.write_batch`: one message to the store process and one
    commit for them all, each still getting its own result or error. With `OGI_STORE_PROCESS`
    (the default) that thread only forwards each call to a `models.remote.StoreProcess`, so
    SQLAlchemy's CPU is not taken from the crawl's thread; without it the thread runs the
    `ReportStore` itself. The store opens (and migrates the schema) at the first call; a store
    that cannot be opened raises the same error at every call.

    Blobs (`put_blob`, `get_blob`, `blob_location`) are files beside the database, or objects in
    an S3-compatible store (OGI_BLOB_DIR = s3://bucket/prefix), written on a few threads of
    their own: their disk or network latency overlaps the database writes. Local blobs are
    written without fsync; before a call that can commit a reference to a blob
    (`_REFERENCES_BLOBS`), the store's thread makes every blob put so far durable in one
    `BlobStore.sync` pass. Calls queue while the database works, so under load one pass covers
    many pages: a committed source never points at a blob a power loss could take back, at a
    fraction of two fsyncs per blob. (An object store's PUT is durable when it answers.)
    """

    _shared: ClassVar[dict[tuple[str, str], StoreService]] = {}
    _lock = threading.Lock()

    def __init__(self, settings: BaseSettings) -> None:
        self._settings = store_settings(settings)
        blob_dir = settings.get("OGI_BLOB_DIR")
        self.s3_endpoint_url: str | None = settings.get("OGI_S3_ENDPOINT_URL") or None
        self._blobs = open_blobs(blob_dir, self.s3_endpoint_url) if blob_dir else None
        self._in_process = not settings.getbool("OGI_STORE_PROCESS")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ogi-store")
        # The calls not yet run, oldest first, and whether a `_step` to run them is submitted
        # to the executor and not yet started: one is enough however many calls are waiting
        # (a submit per call was ≈ 1 % of the reactor thread, most of them finding nothing).
        self._calls: collections.deque[_Call] = collections.deque()
        self._calls_lock = threading.Lock()
        self._step_submitted = False
        self._files = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogi-blobs")
        # Writes an earlier crawl's SIGKILL cut short, removed once a crawl, on a file thread: a
        # walk of every blob directory (a second or more at 100 000 blobs) that the crawl's start
        # need not wait for. Only files older than any write in progress go.
        self.blobs_cleaned: Future[None] = Future()
        if isinstance(self._blobs, BlobStore):
            self.blobs_cleaned = self._files.submit(self._clean_blobs, self._blobs)
        else:
            self.blobs_cleaned.set_result(None)
        self._store: ReportStore | StoreProcess | None = None
        self._failure: BaseException | None = None
        self._users = 0
        # Blobs put but not yet synced (digests), and the number of sync passes made.
        self._unsynced: set[str] = set()
        self._unsynced_lock = threading.Lock()
        self.blob_syncs = 0

    @staticmethod
    def _clean_blobs(blobs: BlobStore) -> None:
        try:
            for path in blobs.clean_temporary():
                logger.info("removed the stale temporary blob file %s", path)
        except OSError as exc:  # the puts will say what is wrong with the directory
            logger.warning("could not clean the blob store's temporary files: %s", exc)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> StoreService:
        """The process's service for the crawler's database; released when the crawler closes."""
        crawler = whole_crawler(crawler)
        settings = crawler.settings
        key = (str(settings.get("OGI_DATABASE_URL")), str(settings.get("OGI_BLOB_DIR")))
        registered = _CRAWLER_STORES.setdefault(crawler, {})
        if key in registered:
            return registered[key]
        with cls._lock:
            service = cls._shared.get(key)
            if service is None:
                service = cls._shared[key] = cls(settings)
            service._users += 1
        registered[key] = service

        def release() -> None:
            with cls._lock:
                service._users -= 1
                if service._users == 0:
                    del cls._shared[key]
                    # Never block the reactor: the thread finishes its queue, then closes.
                    service._files.shutdown(wait=False)
                    service._executor.submit(service._close)
                    service._executor.shutdown(wait=False)

        crawler.signals.connect(release, signal=signals.engine_stopped, weak=False)
        crawler.signals.connect(service._open_early, signal=signals.engine_started, weak=False)
        return service

    def _open_early(self) -> None:
        """Open the store on its thread as the crawl starts, not at the first call: starting
        the store process (a spawn, SQLAlchemy's and the parser's imports, the schema check)
        takes a CPU-second or more, which then overlaps the crawl's own start-up instead of
        holding its first page (issue 9). A store that cannot open fails the first call, as
        before."""
        self._executor.submit(self._open)

    def _open(self) -> ReportStore | StoreProcess:
        if self._failure is not None:
            raise self._failure  # a store that could not open stays closed for this run
        if self._store is None:
            store: ReportStore | StoreProcess
            try:
                if self._in_process:
                    store = ReportStore.from_settings(self._settings, clean_blobs=False)
                else:
                    store = _EARLY.pop(_key(self._settings), None) or StoreProcess(
                        self._settings, children.context(), clean_blobs=False
                    )
            except Exception as exc:
                self._failure = exc
                raise
            try:
                _call(store, "sync_counties", COUNTIES)
            except BaseException:
                store.close()
                raise
            self._store = store
        return self._store

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _run(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        store = self._open()
        if method in _REFERENCES_BLOBS:
            self._sync_blobs()
        return _call(store, method, *args, **kwargs)

    def _sync_blobs(self) -> None:
        """Make every blob put so far durable (on the store's thread, before its commit).

        A blob whose put finished before this call was submitted is in `_unsynced` by now. If
        the sync fails, the digests stay pending and the call fails: nothing is committed.
        """
        with self._unsynced_lock:
            batch = self._unsynced
            self._unsynced = set()
        if not batch:
            return
        try:
            self.blobs.sync(batch)
        except BaseException:
            with self._unsynced_lock:
                self._unsynced |= batch
            raise
        self.blob_syncs += 1

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run `ReportStore.<method>(*args, **kwargs)` on the store's thread (or process)."""
        future: Future[Any] = Future()
        call = _Call(method, args, kwargs, future)
        with self._calls_lock:
            self._calls.append(call)
            submit = not self._step_submitted
            self._step_submitted = True
        if submit:
            try:
                self._executor.submit(self._step)
            except BaseException:  # shut down: this call fails, and so will the next ones
                with self._calls_lock:
                    self._step_submitted = False
                    self._calls = collections.deque(c for c in self._calls if c is not call)
                raise
        return await await_future(future)

    def _step(self) -> None:
        """Run the waiting calls until none is left, oldest first, each with the writes queued
        right behind it if it is one (at most `_MAX_BATCH` in a transaction)."""
        while True:
            with self._calls_lock:
                if not self._calls:
                    self._step_submitted = False  # the next call submits a step again
                    return
                batch = [self._calls.popleft()]
                if batch[0].method in BATCHABLE:
                    while (
                        self._calls
                        and self._calls[0].method in BATCHABLE
                        and len(batch) < _MAX_BATCH
                    ):
                        batch.append(self._calls.popleft())
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Call]) -> None:
        batch = [call for call in batch if call.future.set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            if len(batch) == 1:
                call = batch[0]
                results = [self._run(call.method, call.args, call.kwargs)]
            else:
                calls = [(call.method, call.args, call.kwargs) for call in batch]
                results = self._run("write_batch", (calls,), {})
        except BaseException as exc:
            for call in batch:
                call.future.set_exception(exc)
            return
        for call, result in zip(batch, results, strict=True):
            if len(batch) > 1 and isinstance(result, Exception):
                call.future.set_exception(result)
            else:
                call.future.set_result(result)

    # -- blobs -----------------------------------------------------------------------------------
    @property
    def blobs(self) -> Blobs | BlobStore:
        if self._blobs is None:
            raise StoreConfigError(
                "OGI_BLOB_DIR setting must be set to the directory that keeps fetched documents"
            )
        return self._blobs

    def blob_location(self, sha256: str) -> str:
        """The blob's file path or `s3://` URL (`models.objectstore.read_blob` reads either)."""
        return self.blobs.location(sha256)

    async def put_blob(self, data: bytes) -> str:
        """Store bytes in the blob store (a file thread); their SHA-256.

        Not yet durable: the next call in `_REFERENCES_BLOBS` syncs it before it commits.
        """
        return await await_future(self._files.submit(self._put_blob, data))

    def _put_blob(self, data: bytes) -> str:
        digest = self.blobs.put(data, durable=False)
        # Even a blob that was already there: an earlier put may not have been synced.
        with self._unsynced_lock:
            self._unsynced.add(digest)
        return digest

    async def get_blob(self, sha256: str) -> bytes:
        """A stored blob's bytes (raises `MissingBlobError`)."""
        return await await_future(self._files.submit(self.blobs.get, sha256))


# Store methods whose transaction may commit a row naming a blob (a source's or a page's
# sha256): the blobs put before them are synced first.
_REFERENCES_BLOBS: Final = frozenset({"record_document", "save_page", "write_batch"})
# Writes in one batch at most: a transaction holds SQLite's write lock (against other writers
# of the database, such as parse workers) for about a millisecond a document.
_MAX_BATCH: Final = 50


def store_settings(settings: BaseSettings) -> dict[str, Any]:
    """The settings a crawl's store is opened with (`ReportStore.from_settings`)."""
    return {
        name: settings.get(name)
        for name in (
            "OGI_DATABASE_URL",
            "OGI_BLOB_DIR",
            "OGI_SQLITE_BUSY_TIMEOUT",
            "OGI_DATABASE_UPGRADE",
            "OGI_S3_ENDPOINT_URL",
        )
        if settings.get(name) is not None
    }


def _key(settings: dict[str, Any]) -> str:
    return repr(sorted((name, str(value)) for name, value in settings.items()))


# Store processes forked at a crawl command's start (`fork_store_process`), by their settings
# (`_key`), until the crawl's `StoreService` takes its own.
_EARLY: dict[str, StoreProcess] = {}


def fork_store_process(settings: BaseSettings) -> StoreProcess | None:
    """Start the crawl's store process now, as a fork of this process (None when the store is
    to run in this process, `OGI_STORE_PROCESS` off); the crawl's `StoreService` takes it.

    Call it while this process is single-threaded (a crawl command's `process_options`: no
    reactor, no thread yet; forking a process with threads would copy their locks mid-use) and
    has the store imported (`crawler.cli` imports it). The child then starts in milliseconds,
    SQLAlchemy and the models already imported, and opens (and migrates) the database while the
    command goes on. Forked from the crawl's fork server instead (`crawler.children`), it first
    waited for the server's imports (the parser: ≈ 0.35 CPU-s) and then imported the store
    itself (≈ 0.4): at 22 sites the counties' first pages waited for it, 0.5–2.0 s after their
    robots.txt on 2 cores at load 4–9, against 0.1–0.25 s now (issue 9).
    """
    if not settings.getbool("OGI_STORE_PROCESS"):
        return None
    subset = store_settings(settings)
    key = _key(subset)
    if key in _EARLY:
        return _EARLY[key]
    # With a thread running (a caller other than the crawl commands), a fork could copy a lock
    # that thread holds: the child then starts as it did before, from the fork server.
    single = threading.active_count() == 1
    context = multiprocessing.get_context("fork") if single else children.context()
    process = StoreProcess(subset, context, clean_blobs=False, wait=False)
    _EARLY[key] = process
    return process


def close_early_stores() -> None:
    """Close the store processes `fork_store_process` started that no crawl took (a crawl that
    never started)."""
    while _EARLY:
        _settings, process = _EARLY.popitem()
        process.close()


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    future: Future[Any]


def _call(store: ReportStore | StoreProcess, method: str, *args: Any, **kwargs: Any) -> Any:
    if isinstance(store, StoreProcess):
        return store.call(method, *args, **kwargs)
    return getattr(store, method)(*args, **kwargs)


_CRAWLER_STORES: weakref.WeakKeyDictionary[Crawler, dict[tuple[str, str], StoreService]] = (
    weakref.WeakKeyDictionary()
)


# -- What the store already knows ---------------------------------------------------------------


def freshness(
    state: SourceState | None,
    listing: Listing | None,
    now: dt.datetime,
    revisit: dt.timedelta,
) -> Freshness:
    """Whether a stored document may be skipped ("fresh"), revalidated ("stale") or is "new".

    Fresh: fetched or confirmed within `revisit`, and its list entry (title, date) unchanged.
    A changed list entry (the CMS republished it) makes it stale at once.
    """
    if state is None or state.sha256 is None:
        return "new"
    if (
        listing is not None
        and state.listing_signature is not None
        and listing.signature() != state.listing_signature
    ):
        return "stale"
    checked = state.checked_at or state.fetched_at
    if checked is None:
        return "stale"
    if checked.tzinfo is None:
        checked = checked.replace(tzinfo=dt.UTC)
    return "fresh" if now - checked <= revisit else "stale"


def conditional_headers(state: SourceState | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


class KnownDocuments:
    """What the store knows of each county a crawl touches, loaded once per county and run:
    its documents (`SourceState` by URL) and its navigation and list pages (`PageState`).

    Shared by the middleware that skips or revalidates report pages and list pages and the
    files pipeline that does the same for attachments (`KnownDocuments.of(crawler)`).
    """

    def __init__(self, store: StoreService, revisit_days: float, origin: str = "live") -> None:
        self._store = store
        self.revisit = dt.timedelta(days=revisit_days)
        # Only what this origin served is known (ReportStore.source_states).
        self.origin = origin
        self._states: dict[str, dict[str, SourceState]] = {}
        self._pages: dict[str, dict[str, PageState]] = {}
        self._waiters: dict[str, list[Deferred[None]]] = {}

    @classmethod
    def of(cls, crawler: Crawler) -> KnownDocuments:
        crawler = whole_crawler(crawler)
        known = _KNOWN.get(crawler)
        if known is None:
            store = StoreService.for_crawler(crawler)
            known = _KNOWN[crawler] = cls(
                store,
                crawler.settings.getfloat("OGI_REVISIT_DAYS"),
                crawl_origin(crawler.settings),
            )
        return known

    async def load(self, county_code: str) -> dict[str, SourceState]:
        while county_code not in self._states:
            if county_code in self._waiters:  # concurrent callers share one query
                waiter: Deferred[None] = Deferred()
                self._waiters[county_code].append(waiter)
                await maybe_deferred_to_future(waiter)
                continue
            self._waiters[county_code] = []
            try:
                states, pages = await self._store.call("known_states", county_code, self.origin)
                self._pages[county_code] = pages
                self._states[county_code] = states
            finally:
                for waiter in self._waiters.pop(county_code):
                    waiter.callback(None)
        return self._states[county_code]

    def get(self, county_code: str, url: str) -> SourceState | None:
        """A loaded document's state (call `load` first)."""
        return self._states.get(county_code, {}).get(url)

    def page(self, county_code: str, url: str) -> PageState | None:
        """A loaded page's state (call `load` first)."""
        return self._pages.get(county_code, {}).get(url)

    def remember_page(self, county_code: str, page: PageState) -> None:
        self._pages.setdefault(county_code, {})[page.url] = page

    def forget(self, county_code: str) -> None:
        """Drop a finished county's states: a crawl of many counties holds only those in
        progress."""
        self._states.pop(county_code, None)
        self._pages.pop(county_code, None)

    def decide(
        self, county_code: str, url: str, listing: Listing | None
    ) -> tuple[Freshness, SourceState | None]:
        state = self.get(county_code, url)
        if state is not None and state.sha256 is not None and not self._has_blob(state.sha256):
            # Its stored copy is gone or was found corrupt (and moved aside): neither skip it
            # as fresh nor ask for a 304, fetch it whole.
            return "new", None
        return freshness(state, listing, dt.datetime.now(dt.UTC), self.revisit), state

    def _has_blob(self, sha256: str) -> bool:
        try:
            return self._store.blobs.has(sha256)
        except StoreConfigError:  # no blob store configured: nothing to check against
            return True


_KNOWN: weakref.WeakKeyDictionary[Crawler, KnownDocuments] = weakref.WeakKeyDictionary()


def whole_crawler(crawler: Crawler) -> Crawler:
    """The crawl's own crawler for a navigator's (`crawler.engine.CountyCrawler`), else itself.

    The per-crawler registries (stores, known documents, losses) are weak-key dictionaries:
    keyed by a county's stand-in, an entry would vanish with that county and take the other
    counties' state with it."""
    whole: Crawler = getattr(crawler, "whole_crawler", crawler)
    return whole
