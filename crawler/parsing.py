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

import contextlib
import hashlib
import importlib
import os
import queue
import resource
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

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
# Jobs in a worker's pipe at once (see ParsePool): enough to cover its feeder's wait for the GIL
# between two jobs; few, so that the last documents of a crawl are not queued behind one worker.
_DEPTH = 3
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


# The names of LibreOffice conversions' directories (`libreoffice._OWNED`: its prefix and the
# owner's pid; test_parsing checks them): with none in the temporary directory there is
# nothing to clean. Not the prefix alone: a directory of that prefix no conversion owns (an
# older version's) would have every crawl import the extractors for nothing.
_CONVERSIONS: Final = "ogi-soffice-[0-9]*-*"


def _clean_leftovers(owner: int | None = None) -> None:
    # Importing `libreoffice` imports every extractor (`reportparser.formats`): 0.12 CPU-s in
    # the crawl process, at its start and again when its pool closes (issue 9), for nothing
    # when no conversion ever ran here.
    if not any(Path(tempfile.gettempdir()).glob(_CONVERSIONS)):
        return
    from reportparser.formats import libreoffice  # noqa: PLC0415  (see ParsePool.__init__)

    libreoffice.clean_leftovers(owner=owner)


def _failure(exc: Exception, exitcode: int | None) -> str:
    """Why the pool failed a job: its timeout, its worker's death, or a fault of the pool's."""
    if isinstance(exc, TimeoutError):
        return str(exc)
    if not isinstance(exc, EOFError | OSError):  # the worker was replaced all the same
        return f"parse pool failed: {type(exc).__name__}: {exc}"
    # How the worker ended says more than how its pipe did: EOF, or a reset when jobs it had
    # not read yet were still in it.
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"parser worker died ({signal.Signals(-exitcode).name})"
    if exitcode is not None:
        return f"parser worker died (exit status {exitcode})"
    return f"parser worker died ({type(exc).__name__})"


class ParsePool:
    """Worker processes running the parser, one job at a time each.

    A worker that crashes (segfault, out of memory) or exceeds `timeout` is killed and replaced;
    its document comes back as a failed parse with the reason, and the crawl goes on.

    Each worker has a feeder thread here that keeps up to `_DEPTH` jobs in the worker's pipe: the
    one it parses and the next ones. With one job at a time, a worker waited between two jobs for
    its thread to read the result and send the next, and that thread for the GIL, which the
    reactor holds for up to the switch interval at every one of those system calls: measured at
    22 sites × 20 reports (issue 9), the workers were idle 2.6 s of their 7.6 s, 12 ms between two
    5 ms jobs, while 27 jobs waited on average. A worker answers its jobs in order, so the oldest
    unanswered job is the one being parsed: the timeout runs for it alone (from the previous
    answer), and a crash or timeout fails it alone, the others going to the replacement worker.
    A feeder queues jobs behind its worker's only while no other worker is without one.
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
        # Jobs not yet taken by a feeder; None tells one feeder to stop (after the jobs before it).
        self._jobs: queue.SimpleQueue[tuple[Any, Future[ParseResult]] | None] = queue.SimpleQueue()
        self._feeders: list[threading.Thread] = []
        self._waiting = 0  # feeders without a job (their worker idle or starting)
        self._waiting_lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False
        self._start_lock = threading.Lock()
        # Conversions of workers that an earlier run's SIGKILL (or OOM killer) cut short, on a
        # thread: `reportparser.formats` (every extractor) is imported with it, which the crawl's
        # start-up need not wait for. The pool's own workers convert under their own (live)
        # process ids, so starting them meanwhile is safe.
        self._cleaning = threading.Thread(target=_clean_leftovers, name="ogi-parse-clean")
        self._cleaning.start()

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

    def _submit(self, job: Any) -> Future[ParseResult]:
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the parse pool is closed")
            if not self._feeders:
                # Workers start with the first document, not with the crawl: a run with nothing
                # to parse (an unchanged site) starts none. Each feeder starts its worker at
                # once, beside the first job.
                self._waiting = self.size
                for number in range(self.size):
                    feeder = threading.Thread(target=self._feed, name=f"ogi-parse-{number}")
                    feeder.start()
                    self._feeders.append(feeder)
            future: Future[ParseResult] = Future()
            self._jobs.put((job, future))
        return future

    def run(self, job: Any) -> ParseResult:
        """Parse one job, blocking (from any thread; `scrapy reparse` runs one per worker, and
        `scrapy parseworker` one at a time)."""
        return self._submit(job).result()

    async def parse(self, job: Any) -> ParseResult:
        from crawler.services import await_future  # noqa: PLC0415  (see the top)

        return await await_future(self._submit(job))

    def _timeout_of(self, job: Any) -> float:
        # An OCR job has its own time bound (its pages are read in seconds each); a margin over
        # it lets the OCR give up by itself, with its reason, before the kill.
        ocr = getattr(job, "ocr", None)
        return self.timeout if ocr is None else max(self.timeout, ocr.timeout + 30)

    def _count_waiting(self, change: int) -> None:
        with self._waiting_lock:
            self._waiting += change

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context, self._target)
        self._workers.add(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.kill()

    def _feed(self) -> None:
        """One worker's thread: top up its pipe with jobs, answer them in order."""
        worker: _Worker | None = None
        with contextlib.suppress(OSError):  # if so, tried again for the first job (and failed)
            worker = self._new_worker()
        mine: deque[tuple[Any, Future[ParseResult]]] = deque()  # taken, oldest first
        written = 0  # of `mine`, from the left: those in the current worker's pipe
        started: float | None = None  # when the worker began `mine[0]`
        stopping = False
        try:
            while True:
                while not stopping and len(mine) < _DEPTH:
                    if mine and self._waiting:
                        # Another worker waits for a job: what is queued is for it (a few
                        # documents of seconds each, as `scrapy reparse` gives, run side by side).
                        break
                    try:
                        item = self._jobs.get(block=not mine)
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                    elif item[1].set_running_or_notify_cancel():
                        if not mine:
                            self._count_waiting(-1)
                        mine.append(item)
                if not mine:
                    return
                result: ParseResult | None = None
                try:
                    if worker is None:
                        worker = self._new_worker()
                        written = 0
                    while written < len(mine):
                        worker.conn.send(mine[written][0])
                        written += 1
                        if started is None:
                            started = time.monotonic()
                    assert started is not None
                    timeout = self._timeout_of(mine[0][0])
                    if not worker.conn.poll(max(0.0, started + timeout - time.monotonic())):
                        raise TimeoutError(f"parsing took longer than {timeout:g} s")
                    result = worker.conn.recv()
                except Exception as exc:  # whatever it is, it costs this job alone
                    exitcode = None
                    if worker is not None:
                        self._drop(worker)
                        exitcode = worker.process.exitcode
                        worker = None
                    reason = _failure(exc, exitcode)
                    result = ParseResult(status="error", format="unknown", reason=reason)
                    written = 1  # the failed job's; the others go to the next worker
                _job, future = mine.popleft()
                written -= 1
                # The worker went on to the next job in its pipe as it answered this one.
                started = time.monotonic() if written else None
                if not mine:
                    self._count_waiting(+1)
                future.set_result(result)
        finally:
            for _job, future in mine:  # only if this thread itself failed: never left waiting
                if not future.done():
                    future.set_result(
                        ParseResult(status="error", format="unknown", reason="parse pool failed")
                    )

    def close(self) -> None:
        """Stop the workers without blocking the reactor: the jobs already given are parsed,
        then the workers get EOF and exit, or are killed."""
        with self._start_lock:
            self._closed = True
            for _ in self._feeders:
                self._jobs.put(None)
        threading.Thread(target=self._stop_workers, name="ogi-parse-stop").start()

    def _stop_workers(self) -> None:
        for feeder in self._feeders:
            feeder.join()
        self._cleaning.join()
        for worker in list(self._workers):
            worker.kill()
        self._workers.clear()
