"""The parser's worker processes: `ParsePool` runs `parse_job` on `ParseJob`s, one document at a
time per worker, each bounded by a timeout and an address-space limit.

Split from `crawler.services` so that a worker imports only what it runs: a spawned worker
unpickles its target by reference, importing this module, and with it everything this module
imports. Scrapy, Twisted, SQLAlchemy and the county registry cost a worker over a second of CPU
at start-up and serve it nothing, so they are imported here only inside the functions of the
crawl's side (`ParsePool.for_crawler`, `ParsePool.parse`) or the rare paths that need them.
Workers are forked from the crawl's fork server (`crawler.children`), which imported this
module and the parser once for all of them; the fork server imports what this module imports
too.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import queue
import resource
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import children
from crawler.children import inherit_environment
from models.objectstore import Blobs, is_object_store, read_blob
from reportparser.ocr import OcrOptions
from reportparser.result import Hints, ParseResult

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from models.store import BlobStore


def ocr_options(settings: BaseSettings) -> OcrOptions:
    """The bounds of one document's OCR: OGI_OCR_TIMEOUT seconds, OGI_OCR_MEMORY bytes."""
    memory = settings.getint("OGI_OCR_MEMORY")
    return OcrOptions(
        timeout=settings.getfloat("OGI_OCR_TIMEOUT"),
        memory=memory or None,
        max_pages=settings.getint("OGI_OCR_MAX_PAGES"),
    )


@dataclass(frozen=True, slots=True)
class ParseJob:
    """One document to parse: its bytes are read in the worker, from the blob store."""

    path: str  # a file path, or an s3:// URL (models.objectstore.read_blob)
    filename: str
    content_type: str | None
    hints: Hints
    ocr: OcrOptions | None = None  # read a scan by OCR (OGI_OCR = "crawl"); None: defer it
    sha256: str | None = None  # what the bytes must hash to: a corrupt blob is never parsed
    memory: int | None = None  # address-space limit of the parse (OGI_PARSE_MEMORY), bytes
    s3_endpoint_url: str | None = None  # of an s3:// path (OGI_S3_ENDPOINT_URL)


def parse_job(job: ParseJob) -> ParseResult:
    """Parse one document (runs in a worker process). Never raises."""
    limit = _bound_memory(job)
    try:
        result = _parse_job(job)
    except MemoryError:
        result = ParseResult(status="error", format="unknown", reason="out of memory")
    if limit is not None and result.status == "error" and "memory" in (result.reason or "").lower():
        reason = f"over the parser's memory limit ({limit / 1024**2:,.0f} MiB, OGI_PARSE_MEMORY)"
        return replace(result, reason=f"{reason}: {result.reason}")
    return result


def _bound_memory(job: ParseJob) -> int | None:
    """Set this worker's soft address-space limit for the job (an OCR job: its own, if larger);
    the limit set, or None. Raising it again for the next job is allowed: the hard limit stays."""
    limit = job.memory or None
    if limit is not None and job.ocr is not None and job.ocr.memory:
        limit = max(limit, job.ocr.memory)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if limit is not None and hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit or hard, hard))
    return limit


def _parse_job(job: ParseJob) -> ParseResult:
    try:
        from reportparser.api import parse_bytes  # noqa: PLC0415  (imported in the worker)

        data = read_blob(job.path, job.s3_endpoint_url)
        if job.sha256 is not None and (actual := hashlib.sha256(data).hexdigest()) != job.sha256:
            if is_object_store(job.path):
                # The object store checks uploads and reads against the name; say so anyway.
                reason = f"blob {job.sha256} in the object store does not match its SHA-256"
                return ParseResult(status="error", format="unknown", reason=reason)
            # Only a corrupt blob needs the store's classes (SQLAlchemy with them): see the top.
            from models.store import BlobStore, CorruptBlobError  # noqa: PLC0415

            path = Path(job.path)
            error = CorruptBlobError(
                job.sha256,
                actual,
                path,
                BlobStore(path.parents[2]).quarantine(path),
            )
            return ParseResult(status="error", format="unknown", reason=str(error))
        return parse_bytes(
            data,
            filename=job.filename,
            content_type=job.content_type,
            hints=job.hints,
            ocr=job.ocr,
        )
    except Exception as exc:  # a parser bug must fail the document, not the worker
        return ParseResult(
            status="error", format="unknown", reason=f"parser raised {type(exc).__name__}: {exc}"
        )


@dataclass(frozen=True, slots=True)
class PoolParse:
    """`parse_bytes`'s signature, run in a `ParsePool` worker on the blob of those bytes: how
    `scrapy reparse` parses with the crawl's workers, timeout and memory limit."""

    pool: ParsePool
    blobs: Blobs | BlobStore
    memory: int | None

    def __call__(
        self,
        data: bytes,
        *,
        filename: str = "",
        content_type: str | None = None,
        hints: Hints | None = None,
        ocr: OcrOptions | None = None,
    ) -> ParseResult:
        sha256 = hashlib.sha256(data).hexdigest()
        job = ParseJob(
            self.blobs.location(sha256),
            filename,
            content_type,
            hints or Hints(),
            ocr,
            sha256=sha256,
            memory=self.memory,
            s3_endpoint_url=getattr(self.blobs, "endpoint_url", None),
        )
        return self.pool.run(job)


_READY = "ready"
# How long a worker told to stop (SIGTERM) has to clean up before it is killed.
_STOP_GRACE = 5.0


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # the shell's status for "ended by this signal"


_STARTUP_TIMEOUT = 120.0


def _serve(conn: Connection, target: Callable[[Any], ParseResult], environ: dict[str, str]) -> None:
    """A worker process: answer jobs until the crawl closes the pipe (or dies)."""
    inherit_environment(environ)
    # Ctrl-C reaches the whole process group; the crawl shuts down gracefully and may still
    # have documents to parse.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The pool stops a worker past its timeout with SIGTERM first: as SystemExit, it unwinds a
    # LibreOffice conversion (its process group killed, its temporary directory removed).
    signal.signal(signal.SIGTERM, _exit_on_term)
    # Starting a process and importing the parser is not parsing: a job's timeout starts after.
    importlib.import_module("reportparser.api")
    conn.send(_READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(target(job))


class _Worker:
    def __init__(self, context: Any, target: Callable[[Any], ParseResult]) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, target, dict(os.environ)), daemon=True, name="ogi-parse"
        )
        self.process.start()
        child.close()
        if not self.conn.poll(_STARTUP_TIMEOUT) or self.conn.recv() != _READY:
            self.kill()
            raise OSError("a parser worker did not start")

    def call(self, job: Any, timeout: float) -> ParseResult:
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise TimeoutError(f"parsing took longer than {timeout:g} s")
        result: ParseResult = self.conn.recv()
        return result

    def kill(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL after a grace) and whatever conversion it
        left running (see `libreoffice.clean_leftovers`)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()
        if self.process.pid is not None:
            _clean_leftovers(owner=self.process.pid)


def _clean_leftovers(owner: int | None = None) -> None:
    from reportparser.formats import libreoffice  # noqa: PLC0415  (see ParsePool.__init__)

    libreoffice.clean_leftovers(owner=owner)


class ParsePool:
    """Worker processes running the parser, one job at a time each.

    A worker that crashes (segfault, out of memory) or exceeds `timeout` is killed and replaced;
    its document comes back as a failed parse with the reason, and the crawl goes on.
    """

    _shared: ParsePool | None = None
    _users = 0
    _lock = threading.Lock()

    def __init__(
        self,
        workers: int,
        timeout: float,
        target: Callable[[Any], ParseResult] = parse_job,
    ) -> None:
        self.size = max(1, workers)
        self.timeout = timeout
        self._target = target
        # Forked from the crawl's fork server, the parser already imported (crawler.children).
        self._context = children.context()
        self._idle: queue.SimpleQueue[_Worker | None] = queue.SimpleQueue()
        for _ in range(self.size):
            self._idle.put(None)
        self._threads = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="ogi-parse")
        self._workers: set[_Worker] = set()
        self._closed = False
        self._started = False
        # Conversions of workers that an earlier run's SIGKILL (or OOM killer) cut short, on a
        # pool thread: `reportparser.formats` (every extractor) is imported with it, which the
        # crawl's start-up need not wait for. The pool's own workers convert under their own
        # (live) process ids, so starting them meanwhile is safe.
        self._threads.submit(_clean_leftovers)

    def _start_one(self) -> None:
        worker = self._idle.get()
        try:
            if worker is None and not self._closed:
                worker = _Worker(self._context, self._target)
                self._workers.add(worker)
        except OSError:
            worker = None
        finally:
            self._idle.put(worker)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> ParsePool:
        """The process's pool, sized by OGI_PARSE_WORKERS; closed with its last crawler."""
        from scrapy import signals  # noqa: PLC0415  (the crawl's side only: see the top)

        settings = crawler.settings
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls(
                    settings.getint("OGI_PARSE_WORKERS"), settings.getfloat("OGI_PARSE_TIMEOUT")
                )
            cls._users += 1
            pool = cls._shared

        def release() -> None:
            with cls._lock:
                cls._users -= 1
                if cls._users == 0 and cls._shared is pool:
                    cls._shared = None
                    pool.close()

        crawler.signals.connect(release, signal=signals.engine_stopped, weak=False)
        return pool

    def _run(self, job: Any) -> ParseResult:
        worker = self._idle.get()
        try:
            if worker is None:
                worker = _Worker(self._context, self._target)
                self._workers.add(worker)
            # An OCR job has its own time bound (its pages are read in seconds each); a margin
            # over it lets the OCR give up by itself, with its reason, before the kill.
            ocr = getattr(job, "ocr", None)
            timeout = self.timeout if ocr is None else max(self.timeout, ocr.timeout + 30)
            return worker.call(job, timeout)
        except (TimeoutError, EOFError, OSError) as exc:
            reason = (
                str(exc)
                if isinstance(exc, TimeoutError)
                else f"parser worker died ({type(exc).__name__})"
            )
            if worker is not None:
                self._workers.discard(worker)
                worker.kill()
                worker = None
            return ParseResult(status="error", format="unknown", reason=reason)
        finally:
            self._idle.put(worker)

    def run(self, job: Any) -> ParseResult:
        """Parse one job, blocking (from any thread; `scrapy reparse` runs one per worker, and
        `scrapy parseworker` one at a time)."""
        if self._closed:
            raise RuntimeError("the parse pool is closed")
        return self._run(job)

    async def parse(self, job: Any) -> ParseResult:
        if self._closed:
            raise RuntimeError("the parse pool is closed")
        if not self._started:
            # Workers start with the first document, not with the crawl: a run with nothing
            # to parse (an unchanged site) starts none. The others start beside the first
            # job (a spawn plus the parser's imports take seconds).
            self._started = True
            for _ in range(self.size - 1):
                self._threads.submit(self._start_one)
        from crawler.services import await_future  # noqa: PLC0415  (see the top)

        return await await_future(self._threads.submit(self._run, job))

    def close(self) -> None:
        """Stop the workers without blocking the reactor (they get EOF and exit, or are killed)."""
        self._closed = True
        self._threads.shutdown(wait=False)
        threading.Thread(target=self._stop_workers, name="ogi-parse-stop").start()

    def _stop_workers(self) -> None:
        self._threads.shutdown(wait=True)
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
