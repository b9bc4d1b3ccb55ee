"""What the commands share: one vocabulary of flags, the demo's own data, reading a database
without writing it, and progress on long work.

* `--year` (repeatable; `2020`, `2018-2021`, `2019,2021`) and `--county` (repeatable; a code, a
  slug or a Chinese name, full or short, as `crawler.counties.lookup` takes it) mean the same in
  every command;
* `--demo` points a command at the demo's database and blob store (`OGI_DEMO_DIR`, data/demo),
  never at the real one; `ReportsCommand` gives a command over the stored reports all three;
* `open_reader` gives the read commands (`export`, `coverage`, `reparse --dry-run`,
  `db current`) a store that never creates, migrates or writes: a missing or older database is
  a `CommandError` of one line naming the fix;
* a database that cannot be used, met anywhere (`open_reader`, `preflight_store`, or a command's
  `run` under `reports_unusable_database`), is said one way: `scrapy NAME: <database>: the
  database cannot be used: <cause>`, password hidden (`unusable_database`);
* `progress` shows a rich progress bar on a terminal and a one-line log every few seconds
  otherwise;
* `freeze_heap` keeps the crawl commands' long-lived objects out of the garbage collector's
  passes.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final, NoReturn, TypeVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from crawler.counties import COUNTIES, RegistryError, lookup
from models import migrate
from models.engine import sqlite_path
from models.store import MissingBlobError, ReportStore, StoreConfigError, StoreError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_YEARS: Final = re.compile(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?")
_CODE: Final = re.compile(r"\d{6}")
# `scheme://user:password@host`: the password part, for a URL SQLAlchemy cannot parse.
_PASSWORD: Final = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
# Seconds between two progress lines in a log (no terminal).
PROGRESS_LOG_INTERVAL: Final = 10.0


class CommandError(Exception):
    """A command cannot do its work: one line for the user, exit status 1 (`fail`)."""


def print_whole(text: str, stream: Any = None) -> None:
    """Print `text` and a newline whole, blocking until the reader took it all.

    The crawl's children share its stdout, and a descriptor made non-blocking anywhere is
    non-blocking everywhere: `print` then writes what the pipe takes at once and drops the rest
    without a word (a 2 836-county summary table stopped after 2 320 lines). So the stream is
    made blocking again first, and what a short write left is written until all of it is out.
    """
    stream = sys.stdout if stream is None else stream
    stream.flush()
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's StringIO)
        print(text, file=stream, flush=True)
        return
    os.set_blocking(fd, True)
    data = (text + "\n").encode(getattr(stream, "encoding", None) or "utf-8", "replace")
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:  # made non-blocking again meanwhile
            os.set_blocking(fd, True)
            continue
        view = view[written:]


def fail(command: Any, name: str, error: BaseException) -> None:
    """Print `scrapy NAME: message` on stderr and set the command's exit status to 1."""
    print(f"scrapy {name}: {_one_line(error)}", file=sys.stderr, flush=True)
    command.exitcode = 1


def stop(name: str, error: BaseException) -> NoReturn:
    """`fail` before a command runs (in process_options, before Scrapy starts logging)."""
    print(f"scrapy {name}: {_one_line(error)}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _one_line(error: BaseException) -> str:
    """A driver's multi-line message (psycopg adds a hint line) as one line, without the
    statement and documentation link SQLAlchemy appends."""
    text = " ".join(str(error).split())
    return text.split(" [SQL:", 1)[0].split(" (Background on this error", 1)[0]


# -- --year, --county ---------------------------------------------------------------------------


def add_year_argument(parser: Any) -> None:
    parser.add_argument(
        "--year",
        action="append",
        default=[],
        metavar="Y",
        help="a year or a range (2020, 2018-2021, 2019,2021); repeatable",
    )


def add_county_argument(parser: Any) -> None:
    parser.add_argument(
        "--county",
        action="append",
        default=[],
        metavar="C",
        help="a county by code, slug or Chinese name (640323, yanchi, 盐池县); repeatable",
    )


def parse_years(values: Sequence[str]) -> list[int]:
    """`--year 2020 --year 2017-2019` → [2017, 2018, 2019, 2020]."""
    years: set[int] = set()
    for value in values:
        for part in value.split(","):
            match = _YEARS.fullmatch(part.strip())
            if match is None:
                raise UsageError(
                    f"--year takes a year or a range like 2019-2021, not {part!r}",
                    print_help=False,
                )
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if last < first:
                raise UsageError(f"--year range {part!r} runs backwards", print_help=False)
            years.update(range(first, last + 1))
    return sorted(years)


def county_codes(values: Sequence[str]) -> list[str]:
    """The division codes `--county` values name, in the order given (registry lookup; a
    six-digit code outside the registry, e.g. a prefecture's own reports, passes as is)."""
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            key = part.strip()
            if not key:
                continue
            try:
                code = lookup(key).code
            except RegistryError as exc:
                if not _CODE.fullmatch(key):
                    raise UsageError(str(exc), print_help=False) from None
                code = key
            if code not in codes:
                codes.append(code)
    return codes


# -- --demo -------------------------------------------------------------------------------------


def add_demo_argument(parser: Any, help_text: str) -> None:
    parser.add_argument("--demo", action="store_true", help=help_text)


def demo_directory(settings: BaseSettings) -> Path:
    return Path(str(settings.get("OGI_DEMO_DIR") or Path(str(settings["OGI_DATA_DIR"])) / "demo"))


def apply_demo_settings(settings: BaseSettings) -> None:
    """Point the store at the demo's own database and blob store (command-line priority), so
    the demo's invented reports never reach the real database."""
    directory = demo_directory(settings)
    database = (directory / "ogi-reports.sqlite3").as_posix()
    settings.set("OGI_DATABASE_URL", f"sqlite:///{database}", "cmdline")
    settings.set("OGI_BLOB_DIR", str(directory / "blobs"), "cmdline")


class ReportsCommand(ScrapyCommand):
    """Base of the commands over the stored reports (`export`, `coverage`, `reparse`): no
    positional arguments, `--county`, `--year` and `--demo` (`demo_help` says what it does)."""

    requires_project = True
    requires_crawler_process = False
    demo_help: ClassVar[str] = "the demo's database (data/demo), not OGI_DATABASE_URL"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        add_county_argument(parser)
        add_year_argument(parser)
        add_demo_argument(parser, self.demo_help)

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        if opts.demo:
            assert self.settings is not None
            apply_demo_settings(self.settings)


# -- Reading without writing --------------------------------------------------------------------


def shown_url(database_url: str) -> str:
    """The database as a user names it: a SQLite file's path, else the URL without its
    password (masked by hand when SQLAlchemy cannot parse the URL)."""
    try:
        url = make_url(database_url)
    except Exception:
        return _PASSWORD.sub(r"\1:***@", database_url)
    path = sqlite_path(url) if url.get_backend_name() == "sqlite" else None
    return str(path) if path is not None else url.render_as_string(hide_password=True)


def unusable_database(database_url: str, error: BaseException) -> CommandError:
    """The one line for a database that cannot be opened, read or migrated (a file that is not
    a database, a directory, a server that refuses), whichever command met it.

    The cause is the driver's own message (a `StoreError` wraps it, a `DBAPIError` carries it
    as `orig`); the URL, which the cause may quote, is shown without its password.
    """
    cause: BaseException = error
    while True:
        if isinstance(cause, DBAPIError) and cause.orig is not None:
            cause = cause.orig
        elif isinstance(cause, StoreError) and cause.__cause__ is not None:
            cause = cause.__cause__
        else:
            break
    text = _one_line(cause)
    if not database_url or isinstance(cause, StoreConfigError):
        return CommandError(text)  # a setting to fix (OGI_BLOB_DIR unset …), not the database
    shown = shown_url(database_url)
    text = _PASSWORD.sub(r"\1:***@", text.replace(database_url, shown))
    return CommandError(f"{shown}: the database cannot be used: {text}")


def reports_unusable_database(
    name: str,
) -> Callable[[Callable[..., R]], Callable[..., R | None]]:
    """Wrap the `run` of command `name`: a database error that escapes it (from a store the
    command opened itself, or from a migration) ends the command with `unusable_database`'s
    line and exit status 1, not a traceback. A missing document is the command's to report."""

    def decorate(run: Callable[..., R]) -> Callable[..., R | None]:
        @functools.wraps(run)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> R | None:
            try:
                return run(self, *args, **kwargs)
            except (StoreError, DBAPIError) as exc:
                if isinstance(exc, MissingBlobError):
                    raise
                fail(self, name, unusable_database(_database_url(self.settings), exc))
                return None

        return wrapper

    return decorate


def _database_url(settings: BaseSettings | None) -> str:
    return str(settings.get("OGI_DATABASE_URL") or "") if settings is not None else ""


def open_writer(settings: BaseSettings) -> ReportStore:
    """The store for a command that writes (the cluster's coordinator, a parse worker):
    created or migrated to the newest revision, the county registry synced."""
    store = ReportStore.from_settings(settings)
    store.sync_counties(COUNTIES)
    return store


def open_reader(settings: BaseSettings, *, check_revision: bool = True) -> ReportStore:
    """The store for a read command: opened read-only, never created nor migrated.

    Raises `CommandError` (one line naming the fix) for a missing database, one that cannot be
    opened, or, with `check_revision`, one not at the newest revision.
    """
    database_url = _database_url(settings)
    if not database_url:
        raise CommandError("OGI_DATABASE_URL is not set")
    shown = shown_url(database_url)
    try:
        url = make_url(database_url)
    except Exception as exc:
        raise unusable_database(database_url, exc) from None
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and not path.exists():
            raise CommandError(
                f"no database at {path}: run `scrapy db upgrade` to create it (or crawl first)"
            )
    try:
        store = ReportStore(
            database_url,
            Path(str(settings.get("OGI_BLOB_DIR") or "")),
            busy_timeout=float(settings.get("OGI_SQLITE_BUSY_TIMEOUT", 60.0)),
            read_only=True,
        )
    except (StoreError, ValueError) as exc:
        raise unusable_database(database_url, exc) from None
    try:
        current = migrate.current_revision(store.engine)
    except DBAPIError as exc:
        store.close()
        raise unusable_database(database_url, exc) from None
    if check_revision:
        head = migrate.HEAD
        if current != head:
            store.close()
            raise CommandError(
                f"{shown}: the database is at revision {current or '<empty>'}, this version "
                f"reads {head}: run `scrapy db upgrade`"
            )
    return store


def preflight_store(settings: BaseSettings, meanwhile: Callable[[], object] | None = None) -> None:
    """Open (and, as configured, migrate) the crawl's database once before any request: a
    database that cannot be reached or written stops the crawl before it starts, with one line
    (`CommandError`), instead of failing every county one by one.

    With the store in a process of its own (`OGI_STORE_PROCESS`, the default), that process
    is forked now and opens the database itself (`crawler.services.fork_store_process`); the
    crawl's store service takes it, open. `meanwhile` runs while it opens (the children's fork
    server starting, `crawler.children.start_early`). Call it single-threaded."""
    from crawler.services import (  # noqa: PLC0415  (the crawl commands only)
        close_early_stores,
        fork_store_process,
    )

    try:
        process = fork_store_process(settings)
    except (StoreError, OSError) as exc:
        raise unusable_database(_database_url(settings), exc) from None
    if meanwhile is not None:
        meanwhile()
    if process is not None:
        try:
            process.wait_open()
            process.call("ping")
        except (StoreError, DBAPIError) as exc:
            close_early_stores()
            raise unusable_database(_database_url(settings), exc) from None
        return
    try:
        # The blob store is the crawl's to clean (crawler.services.StoreService), once.
        store = ReportStore.from_settings(settings, clean_blobs=False)
    except StoreError as exc:
        raise unusable_database(_database_url(settings), exc) from None
    try:
        store.ping()
    except DBAPIError as exc:
        raise unusable_database(store.database_url, exc) from None
    finally:
        store.close()


# -- The garbage collector ---------------------------------------------------------------------


def start_crawl(name: str, settings: BaseSettings) -> None:
    """A crawl command's start, in its `process_options` (single-threaded, before Scrapy logs):
    the heap of the start-up's imports frozen (`freeze_heap`), then the store process forked
    and the children's fork server started while it opens the database (`preflight_store`).
    A database that cannot be used stops the command with one line and exit status 1."""
    from crawler import children  # noqa: PLC0415  (the crawl commands only)

    freeze_heap()
    try:
        preflight_store(settings, meanwhile=children.start_early)
    except CommandError as exc:
        stop(name, exc)


def end_crawl() -> None:
    """A crawl command's end, whatever happened: a store process no crawl took is closed (the
    crawl never started), and the heap frozen (nothing left to collect at exit)."""
    from crawler.services import close_early_stores  # noqa: PLC0415  (the crawl commands only)

    close_early_stores()
    freeze_heap()


def freeze_heap() -> None:
    """Move every object alive now into the garbage collector's permanent generation.

    A crawl's process holds some 200 000 objects made at its start (modules, Scrapy's
    components, the county registry) that live until it exits. Every full collection walked
    them all again: about 0.1 CPU-s each, five in a crawl of 22 sites, and as many again in
    the interpreter's collections at exit, after the last request (issue 9). Frozen, they are
    never walked: the crawl commands freeze once their start-up is done, once the engine is
    built, and once more at their end, so that the exit frees memory without a collection.
    Objects made later are collected as before; a frozen object that becomes cyclic garbage
    stays until exit, which for start-up objects costs nothing.
    """
    gc.freeze()


# -- Progress -----------------------------------------------------------------------------------


def progress(
    items: Iterable[T],
    total: int | None,
    description: str,
    *,
    stream: Any = None,
    interval: float = PROGRESS_LOG_INTERVAL,
) -> Iterator[T]:
    """Yield `items`, showing progress: a rich bar when `stream` (stderr) is a terminal, else a
    log line (`description: 120/900`) at most every `interval` seconds and one at the end."""
    stream = sys.stderr if stream is None else stream
    if getattr(stream, "isatty", lambda: False)():
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import Progress  # noqa: PLC0415

        # stdout stays the command's output (a CSV, JSON lines): never captured by the bar.
        with Progress(
            console=Console(file=stream),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as bar:
            task = bar.add_task(description, total=total)
            for item in items:
                yield item
                bar.advance(task)
        return
    done = 0
    last = time.monotonic()
    of = f"/{total}" if total is not None else ""
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= interval:
            last = now
            logger.info("%s: %d%s", description, done, of)
            print(f"{description}: {done}{of}", file=stream, flush=True)
    if done and total is not None and total > 1:
        print(f"{description}: {done}{of} done", file=stream, flush=True)


class ProgressLog:
    """`crawlall: 120/2838 counties done` on stderr and in the log, at most every `interval`
    seconds, as work items finish (call `advance`); for long runs whose stderr also carries
    Scrapy's log lines, where a progress bar would be torn apart."""

    def __init__(
        self,
        total: int,
        description: str,
        *,
        stream: Any = None,
        interval: float = PROGRESS_LOG_INTERVAL,
    ) -> None:
        self.total = total
        self.description = description
        self.stream = sys.stderr if stream is None else stream
        self.interval = interval
        self.done = 0
        self._last = time.monotonic()

    def advance(self, *_args: object, **_kwargs: object) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._last >= self.interval or self.done == self.total:
            self._last = now
            line = f"{self.description}: {self.done}/{self.total}"
            logger.info("%s", line)
            print(line, file=self.stream, flush=True)
