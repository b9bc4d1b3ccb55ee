"""A `ReportStore` in a process of its own, called over a pipe.

SQLAlchemy is pure Python for the most part: storing a report costs a couple of milliseconds of
CPU, which inside a crawl would be taken from the crawl's own thread (the GIL). `StoreProcess`
runs one `ReportStore` in a child process (spawned by default; the crawl commands fork theirs,
`crawler.services.fork_store_process`) and forwards calls to it one at a time: still one
writer, one transaction per call, calls in the order they were made. Arguments and results
travel pickled (the plain records of `models.records`, `ParseResult`); an exception raised by
the store is raised again in the caller, with the store's traceback as a note.

The process ignores SIGINT (Ctrl-C reaches the whole process group while the crawl shuts down
gracefully and still has writes to make) and exits when its pipe closes, after the call in
progress: the caller killed with SIGKILL leaves neither an orphan nor a half-written report.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import traceback
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from models.store import ReportStore, StoreError

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

_STARTUP_TIMEOUT = 300.0  # importing, opening and migrating a large database
logger = logging.getLogger(__name__)


class StoreProcess:
    """A `ReportStore.from_settings(settings)` in a child process; `call` is thread-safe."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        context: BaseContext | None = None,
        *,
        clean_blobs: bool = True,
        wait: bool = True,
    ) -> None:
        """`context`: the multiprocessing context to start the process in (spawn by default;
        a fork of a single-threaded caller that has the store imported starts in milliseconds,
        `crawler.services.fork_store_process`); `clean_blobs`: as `ReportStore.from_settings`
        takes it; `wait`: return once the store is open (else `wait_open` does)."""
        context = context or multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._lock = threading.Lock()
        self._opened = False
        # A forked child holds a copy of every descriptor of its parent, this end of the pipe
        # included: it closes that one first, or the parent's death (a SIGKILL) would never
        # reach it as the end of its pipe. A spawned child never has it.
        forked = context.get_start_method() == "fork"
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(
                child,
                dict(settings),
                dict(os.environ),
                clean_blobs,
                self._conn if forked else None,
            ),
            daemon=True,
            name="ogi-store",
        )
        self.process.start()
        child.close()
        if wait:
            self.wait_open()

    def wait_open(self) -> None:
        """Wait until the store is open; raise why it could not be opened (the process gone)."""
        with self._lock:
            if self._opened:
                return
            if self._conn.closed:
                raise StoreError("the store process could not open the store")
            try:
                if not self._conn.poll(_STARTUP_TIMEOUT):
                    raise StoreError("the store process did not start")
                self._answer()  # the store is open, or why it could not be opened
            except BaseException:
                self._close_locked()
                raise
            self._opened = True

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """`ReportStore.<method>(*args, **kwargs)` in the store process; its result."""
        if not self._opened:  # once: every later call would take the lock twice for nothing
            self.wait_open()
        with self._lock:
            try:
                self._conn.send((method, args, kwargs))
            except OSError as exc:
                raise self._died() from exc
            return self._answer()

    def _answer(self) -> Any:
        try:
            ok, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died() from exc
        if not ok:
            raise value
        return value

    def _died(self) -> StoreError:
        self.process.join(1)
        return StoreError(f"the store process died (exit code {self.process.exitcode})")

    def close(self, timeout: float = 120.0) -> None:
        """Close the pipe: the process finishes the call in progress, closes the store, exits."""
        with self._lock:
            self._close_locked(timeout)

    def _close_locked(self, timeout: float = 120.0) -> None:
        self._conn.close()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _serve(
    conn: Connection,
    settings: dict[str, Any],
    environ: dict[str, str],
    clean_blobs: bool = True,
    parents_end: Connection | None = None,
) -> None:
    if parents_end is not None:  # forked: see StoreProcess.__init__
        parents_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The caller's environment as it is now: a fork server's child has the server's, from when
    # it started (crawler.children.inherit_environment does the same for the parser workers).
    if dict(os.environ) != environ:
        os.environ.clear()
        os.environ.update(environ)
        tempfile.tempdir = None
    try:
        # A new database's division table is loaded beside the calls, in a thread of its own
        # (0.15 s of the caller's first answer, a crawl's first request, otherwise; loaded
        # between calls instead, when none came for 50 ms, it held up a crawl's first pages).
        store = ReportStore.from_settings(settings, clean_blobs=clean_blobs, divisions_later=True)
    except Exception as exc:
        conn.send((False, _portable(exc)))
        return
    # What is alive now (SQLAlchemy, the models, the open store) lives as long as the process:
    # out of the collector's passes, full collections and the exit's walk only the calls' objects
    # (crawler.cli.freeze_heap says the same of the crawl process).
    gc.freeze()
    divisions: threading.Thread | None = None
    try:
        conn.send((True, None))
        if store.divisions_pending:
            divisions = threading.Thread(target=_load_divisions, args=(store,), name="divisions")
            divisions.start()
        while True:
            try:
                method, args, kwargs = conn.recv()
            except (EOFError, OSError):
                return  # the caller closed the pipe, or died
            try:
                if method.startswith("_"):
                    raise AttributeError(f"ReportStore.{method} is not public")
                value = getattr(store, method)(*args, **kwargs)
                if method == "write_batch":  # each call's exception travels in the list
                    value = [_portable(v) if isinstance(v, Exception) else v for v in value]
                answer: tuple[bool, Any] = (True, value)
            except Exception as exc:
                answer = (False, _portable(exc))
            try:
                conn.send(answer)
            except (BrokenPipeError, ConnectionResetError):
                return
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                conn.send((False, _portable(exc)))
    finally:
        if divisions is not None:
            divisions.join()
        store.close()


def _load_divisions(store: ReportStore) -> None:
    """The deferred division table; a failure is logged, and the next `upgrade` loads it."""
    try:
        store.load_pending_divisions()
    except Exception:
        logger.exception("the division table was not loaded (the next open of the store will)")


def _portable(exc: Exception) -> Exception:
    """`exc` with the store's traceback as a note, or a StoreError saying what it was when it
    cannot be pickled."""
    note = "in the store process:\n" + "".join(traceback.format_exception(exc)).rstrip()
    try:
        exc.add_note(note)
        pickle.loads(pickle.dumps(exc))  # noqa: S301  (our own bytes: can it travel?)
    except Exception:
        portable = StoreError(f"{type(exc).__name__}: {exc}")
        portable.add_note(note)
        return portable
    return exc
