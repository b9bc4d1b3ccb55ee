"""The store: the one way reports get into (and out of) the database and the blob store.

Writes go through SQLAlchemy Core, one transaction per call; dedup is the database's unique
constraints plus upserts. See docs/database.md for the schema and what each outcome means.

One piece past 600 lines on purpose: `ReportStore` is the only writer of the schema, and its
methods share one engine, one county cache and one set of transaction rules; splitting it would
spread those rules over modules.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import functools
import hashlib
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from sqlalchemy import (
    URL,
    Connection,
    Integer,
    Row,
    and_,
    bindparam,
    delete,
    func,
    make_url,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from models import migrate
from models.canonical import (
    CanonicalReport,
    UnkeyableReport,
    canonicalize,
    hints_from_json,
    meta_from_json,
)
from models.engine import READ_ONLY, create_store_engine
from models.objectstore import Blobs, is_object_store, open_blobs
from models.prepared import Prepared
from models.records import (
    CrawlRun,
    FetchFailure,
    FetchRecord,
    Listing,
    PageState,
    SourceState,
    StoredReport,
    StoreResult,
)
from models.schema import (
    counties_table,
    crawl_runs_table,
    fetch_failures_table,
    figures_table,
    findings_table,
    pages_table,
    reports_table,
    revisions_table,
    sources_table,
)
from models.types import Number
from models.writer import DocumentWriter, as_utc, meta_of
from reportparser import divisions
from reportparser.result import Finding, Hints, ParseResult
from reportparser.version import PARSER_VERSION

_ATTEMPTS: Final = 3
_CORRUPT_PREFIX: Final = ".corrupt-"
# A `.tmp-*` blob file this old is no write in progress (a write takes well under a second).
_STALE_TEMPORARY: Final = 600.0
_SHA256: Final = re.compile("[0-9a-f]{64}")
_RETRYABLE_SQLSTATES: Final = frozenset({"40P01", "40001"})  # deadlock, serialization failure


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


class StoreError(RuntimeError):
    """The store cannot work as configured."""


class StoreConfigError(StoreError):
    """A setting is missing or wrong: the message names it."""


class MissingBlobError(StoreError, LookupError):
    """No blob with this SHA-256 in the blob store."""


class CorruptBlobError(MissingBlobError):
    """A blob whose content no longer hashes to its name (a flipped bit, a truncated write).

    A kind of missing blob: every reader that refetches a missing blob refetches this one, and
    the file has been moved aside (`BlobStore.quarantine`) so that nothing trusts it again.
    """

    def __init__(self, sha256: str, actual: str, path: Path, kept: Path | None) -> None:
        where = f"moved aside to {kept.name}" if kept is not None else "could not be moved aside"
        super().__init__(f"blob {sha256} is corrupt (its content hashes to {actual}; {where})")
        self.sha256 = sha256
        self.actual = actual
        self.path = path
        self.kept = kept


class CountyLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def site_verified(self) -> bool: ...
    @property
    def name(self) -> str: ...
    @property
    def prefecture(self) -> str: ...
    @property
    def province(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def slug(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StoredSource:
    """A source row as reparse needs it: how to fetch its bytes and rebuild its FetchRecord."""

    id: int
    fetch: FetchRecord
    report_id: int | None
    parser_version: str
    year: int | None  # the report's year, else the year hinted by its title
    parse_status: str = ""  # what the last parse made of it (`needs_ocr` for `reparse --ocr`)


@dataclass(frozen=True, slots=True)
class BadBlob:
    """A blob `verify_blobs` found wanting, and the URLs (sources, pages) whose body it is."""

    sha256: str
    problem: str  # "corrupt", "missing" or "invalid"
    detail: str
    urls: tuple[str, ...]

    def line(self) -> str:
        urls = f" ← {self.urls[0]}" + (f" (+{len(self.urls) - 1})" if len(self.urls) > 1 else "")
        return f"{self.problem} {self.sha256}: {self.detail}{urls if self.urls else ''}"


class BlobStore:
    """The content-addressed store of fetched documents: `<dir>/ab/cd/abcd…` by SHA-256.

    Files only, no database: any process or thread may use its own instance on the same
    directory (writes are atomic and idempotent).

    `put` makes each blob durable at once (two fsyncs: the file, its directory). A writer that
    stores many blobs puts them with `durable=False` and calls `sync` on the batch before the
    database transaction that references them commits (crawler.services.StoreService does):
    one pass for the batch instead of two fsyncs per blob, and still no committed row pointing
    at a blob a power loss could take back.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._root = str(self.directory)

    def path(self, sha256: str) -> Path:
        return Path(self.location(sha256))

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store bytes under their SHA-256 (atomic, idempotent); return the hex digest.

        A blob already there is kept only if it is intact: fetching a document again is how a
        corrupt copy gets repaired (and a blob renamed into place but never synced can come back
        empty or short after a power loss). With `durable=False` the blob is in place but maybe
        only in the page cache: the caller must `sync` it before anything that references it is
        committed.
        """
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if path.exists() and self._intact(path, digest, len(data)):
            if durable:  # another writer may have put it without syncing yet
                self.sync_each([path])
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader sees the whole blob or none of it.
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                if durable:
                    temp.flush()
                    os.fsync(temp.fileno())
            Path(temp_name).replace(path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        if durable:
            _fsync_directory(path.parent)
        return digest

    def sync(self, digests: Iterable[str]) -> None:
        """Make blobs put with `durable=False` durable: their bytes and their directory entries.

        Linux: one syncfs(2) of the blob store's file system for the whole batch. Elsewhere (or
        if syncfs fails): an fsync of each blob and of each directory, once.
        """
        paths = [self.path(digest) for digest in dict.fromkeys(digests)]
        if not paths:
            return
        if not _syncfs(self.directory):
            self.sync_each(paths)

    @staticmethod
    def sync_each(paths: Sequence[Path]) -> None:
        """fsync each file, then each of their directories once."""
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for directory in dict.fromkeys(path.parent for path in paths):
            _fsync_directory(directory)

    def get(self, sha256: str) -> bytes:
        """The blob's bytes, verified against its name; CorruptBlobError (and the file moved
        aside) when they no longer match, MissingBlobError when there is none."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise MissingBlobError(f"blob {sha256} is not in {self.directory}") from None
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise CorruptBlobError(sha256, actual, path, self.quarantine(path))
        return data

    def has(self, sha256: str) -> bool:
        """Whether the blob is there (not whether it is intact: `get` and `verify` read it)."""
        return self.path(sha256).exists()

    def location(self, sha256: str) -> str:
        """The blob's file path, as `str(path(sha256))`: without pathlib's joins, a few of them
        a page on the crawl's threads (issue 9)."""
        if _SHA256.fullmatch(sha256) is None:
            raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
        return os.path.join(self._root, sha256[:2], sha256[2:4], sha256)  # noqa: PTH118

    def verify(self, sha256: str) -> CorruptBlobError | None:
        """None when the blob is intact; the error (the file moved aside) when it is corrupt.

        MissingBlobError when there is none."""
        try:
            self.get(sha256)
        except CorruptBlobError as exc:
            return exc
        return None

    def quarantine(self, path: Path) -> Path | None:
        """Move a corrupt blob aside (`.corrupt-<name>`, beside it) so that it reads as missing
        and the next fetch writes a good copy; kept, not deleted, for inspection."""
        kept = path.with_name(f"{_CORRUPT_PREFIX}{path.name}")
        try:
            path.replace(kept)
        except FileNotFoundError:  # another reader moved it first
            return kept if kept.exists() else None
        except OSError:
            return None
        return kept

    def clean_temporary(self, older_than: float = _STALE_TEMPORARY) -> list[Path]:
        """Remove the `.tmp-*` files of writes cut short (a SIGKILL between write and rename):
        the removed paths. Only files older than `older_than` seconds: a younger one may be a
        write in progress in another process on the same directory."""
        removed: list[Path] = []
        now = time.time()
        for path in self.directory.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/.tmp-*"):
            try:
                if now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:
                continue
        return removed

    def names(self) -> Iterator[str]:
        """The SHA-256 of every blob file in the store (temporary and quarantined files aside)."""
        for path in sorted(self.directory.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            name = path.name
            if len(name) == 64 and name.startswith(path.parent.parent.name + path.parent.name):
                yield name

    @staticmethod
    def _intact(path: Path, sha256: str, size: int) -> bool:
        try:
            if path.stat().st_size != size:
                return False
            with path.open("rb") as file:
                digest = hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return False
        return digest == sha256


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@functools.cache
def _libc_syncfs() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return None
    syncfs.argtypes = [ctypes.c_int]
    syncfs.restype = ctypes.c_int
    return syncfs


def _syncfs(directory: Path) -> bool:
    """syncfs(2) on the file system holding `directory`; False where there is none or it fails."""
    syncfs = _libc_syncfs()
    if syncfs is None:
        return False
    fd = os.open(directory, os.O_RDONLY)
    try:
        return bool(syncfs(fd) == 0)
    finally:
        os.close(fd)


def _shown_url(url: str | URL) -> str:
    """A database URL as an error message may show it: its password hidden, even in a URL
    SQLAlchemy cannot parse (the text goes to logs and job records)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Whatever stands between a colon and an at sign may be a password.
        return re.sub(r":[^:@/\s]+@", ":***@", str(url))


class ReportStore:
    """Database (SQLite or PostgreSQL, via SQLAlchemy) plus a content-addressed blob store:
    a `BlobStore` directory, or an S3-compatible object store when `blob_dir` is an `s3://`
    URL (`models.objectstore`, at `s3_endpoint_url`).

    Thread-safe: every method takes its own pooled connection and transaction, so the crawler
    may call it from worker threads. On SQLite every writing transaction begins IMMEDIATE, so
    concurrent writers (threads or processes) queue on the busy timeout instead of failing.
    """

    def __init__(
        self,
        database_url: str,
        blob_dir: Path | str,
        *,
        busy_timeout: float = 60.0,
        read_only: bool = False,
        s3_endpoint_url: str | None = None,
    ) -> None:
        self.database_url = database_url
        self.blobs: Blobs | BlobStore = open_blobs(blob_dir, s3_endpoint_url)
        # The local directory, for tools that read files (None for an object store).
        self.blob_dir = self.blobs.directory if isinstance(self.blobs, BlobStore) else None
        # read_only: the read commands' store (crawler.cli.open_reader); any write fails.
        self.read_only = read_only
        self.engine = create_store_engine(
            database_url, busy_timeout=busy_timeout, read_only=read_only
        )
        self._postgres = self.engine.dialect.name == "postgresql"
        # County codes known to have a row (rows are never deleted): saves a write per report.
        self._known_counties: set[str] = set()
        self.divisions_pending = False  # `upgrade(divisions=False)` left them to load

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, Any],
        *,
        upgrade: bool | None = None,
        clean_blobs: bool = True,
        divisions_later: bool = False,
    ) -> ReportStore:
        """Build from Scrapy settings (OGI_DATABASE_URL, OGI_BLOB_DIR, OGI_S3_ENDPOINT_URL); fail
        loudly if unset.

        The schema is brought up to date at once when `upgrade` is True, or when it is None and
        the OGI_DATABASE_UPGRADE setting is on (the default). With `clean_blobs` (the default)
        the blob store's stale temporary files are removed first: a walk of every blob
        directory (≈ 0.3 CPU-s at 20 000 blobs), which a crawl makes once, in
        `crawler.services.StoreService`, not in every store it opens. With `divisions_later`, a
        new database's division table waits for `load_pending_divisions`.
        """
        database_url = settings.get("OGI_DATABASE_URL")
        if not database_url:
            raise StoreConfigError(
                "OGI_DATABASE_URL setting must be set to store reports "
                "(e.g. sqlite:///data/ogi-reports.sqlite3 or postgresql+psycopg://…)"
            )
        blob_dir = settings.get("OGI_BLOB_DIR")
        if not blob_dir:
            raise StoreConfigError(
                "OGI_BLOB_DIR setting must be set to the directory that keeps fetched documents"
            )
        try:
            store = cls(
                str(database_url),
                blob_dir if is_object_store(blob_dir) else Path(blob_dir),
                busy_timeout=float(settings.get("OGI_SQLITE_BUSY_TIMEOUT", 60.0)),
                s3_endpoint_url=settings.get("OGI_S3_ENDPOINT_URL") or None,
            )
        except Exception as exc:
            raise StoreConfigError(
                f"OGI_DATABASE_URL={_shown_url(str(database_url))!r} is unusable: {exc}"
            ) from exc
        if clean_blobs:
            store.blobs.clean_temporary()
        if upgrade is None:
            value = settings.get("OGI_DATABASE_UPGRADE", True)
            upgrade = str(value).lower() not in ("false", "0", "no", "off")
        if upgrade:
            try:
                store.upgrade(divisions=not divisions_later)
            except OperationalError as exc:
                store.close()
                raise StoreConfigError(
                    f"OGI_DATABASE_URL={_shown_url(store.engine.url)!r}: cannot open or migrate "
                    f"the database: {exc.orig or exc}"
                ) from exc
        return store

    def upgrade(self, *, divisions: bool = True) -> None:
        """Bring the database to the current schema (Alembic `upgrade head`). Without
        `divisions`, a new database's division table is left for `load_pending_divisions`."""
        migrate.upgrade(self.engine, divisions=divisions)
        self.divisions_pending = not divisions

    def load_pending_divisions(self) -> int:
        """Load the division table that `upgrade(divisions=False)` left out, if the database
        has none of its rows; the number loaded."""
        if not self.divisions_pending:
            return 0
        loaded = migrate.load_missing_divisions(self.engine)
        self.divisions_pending = False
        return loaded

    def ping(self) -> None:
        """Reach the database once (a driver error if it cannot be): the crawl commands' check
        before any request (`crawler.cli.preflight_store`)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ReportStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- blobs ---------------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        if not isinstance(self.blobs, BlobStore):
            raise StoreConfigError("the blob store is an object store: use blob_location")
        return self.blobs.path(sha256)

    def blob_location(self, sha256: str) -> str:
        """The blob's file path, or its `s3://` URL: what `models.objectstore.read_blob` reads."""
        return self.blobs.location(sha256)

    def put_blob(self, data: bytes) -> str:
        return self.blobs.put(data)

    def get_blob(self, sha256: str) -> bytes:
        return self.blobs.get(sha256)

    def has_blob(self, sha256: str) -> bool:
        return self.blobs.has(sha256)

    def verify_blobs(self) -> Iterator[BadBlob]:
        """Read every blob the database refers to, and every other blob file, against its
        SHA-256: yield each one that is corrupt (moved aside, so the next crawl refetches its
        documents in full) or referred to but missing."""
        referred: dict[str, list[str]] = {}
        with self.reader() as conn:
            for table in (sources_table, pages_table):
                query = select(table.c.sha256, table.c.url).where(table.c.sha256.is_not(None))
                for sha256, url in conn.execute(query):
                    referred.setdefault(sha256, []).append(url)
        for sha256 in sorted(set(referred) | set(self.blobs.names())):
            urls = tuple(referred.get(sha256, ()))
            try:
                corrupt = self.blobs.verify(sha256)
            except MissingBlobError as exc:
                yield BadBlob(sha256, "missing", str(exc), urls)
                continue
            except ValueError as exc:  # a row whose sha256 is not one: cannot name a file
                yield BadBlob(sha256, "invalid", str(exc), urls)
                continue
            if corrupt is not None:
                yield BadBlob(sha256, "corrupt", str(corrupt), urls)

    # -- reference data ------------------------------------------------------------------------
    def sync_counties(self, counties: Iterable[CountyLike]) -> None:
        """Upsert the crawl registry into `counties` (code, name, prefecture, province, site)."""
        counties = list(counties)
        rows = [
            {
                "code": c.code,
                "name": c.name,
                "prefecture": c.prefecture or None,
                "province": c.province or None,
                "site": c.site,  # "" for a registry county without a known portal
                "slug": c.slug,
                "level": "county",
                "family": c.family,
                "site_verified": c.site_verified,
            }
            for c in counties
        ]
        if not rows:
            return
        with self.engine.begin() as conn:
            statement = self._insert(counties_table)
            excluded = statement.excluded
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["code"],
                    set_={name: excluded[name] for name in rows[0] if name != "code"},
                ),
                rows,
            )
        self._known_counties.update(c.code for c in counties)

    def resolve_county(self, code_or_slug: str) -> str:
        """A county code from a code or a registry slug (as `--county` accepts)."""
        with self.reader() as conn:
            code = conn.execute(
                select(counties_table.c.code).where(
                    (counties_table.c.code == code_or_slug)
                    | (counties_table.c.slug == code_or_slug)
                )
            ).scalar()
        if code is None:
            raise LookupError(f"unknown county {code_or_slug!r} (give a code or a slug)")
        return str(code)

    # -- documents -----------------------------------------------------------------------------
    def record_document(
        self, fetch: FetchRecord, result: ParseResult, *, parser_version: str = PARSER_VERSION
    ) -> StoreResult:
        """Record one fetched document and, if it is a report, upsert its report.

        One transaction: a crash leaves the database as it was before this document. The source
        (keyed by URL) is always recorded; non-reports and failures only there, with status and
        reason. A report is keyed by (county_code, year, agency), county code from the parse
        else from `fetch`. Re-storing an identical document writes nothing; a changed document
        updates its report and keeps the previous version as a revision; a second source that
        disagrees keeps the more complete parse and records a `warning.sources_disagree`
        finding. `parser_version` is the version that produced `result`.
        """
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with self.engine.begin() as conn:
                    outcome, codes = self._record(conn, fetch, result, parser_version)
                break
            except DBAPIError as exc:
                # PostgreSQL may pick this transaction as a deadlock or serialisation victim:
                # it was rolled back whole, so running it again is safe.
                if attempt == _ATTEMPTS or _sqlstate(exc) not in _RETRYABLE_SQLSTATES:
                    raise
        self._known_counties.update(codes)
        return outcome

    def record_document_in(
        self,
        conn: Connection,
        fetch: FetchRecord,
        result: ParseResult,
        *,
        parser_version: str = PARSER_VERSION,
    ) -> StoreResult:
        """`record_document` inside the caller's transaction (`conn`), which the caller commits
        or rolls back with its own writes: a parse worker records a document and marks its job
        done at once (models.jobs)."""
        return self._record(conn, fetch, result, parser_version)[0]

    def write_batch(
        self, calls: Sequence[tuple[str, tuple[Any, ...], dict[str, Any]]]
    ) -> list[Any]:
        """Run writes (documents, pages, 304s, a county's failures and run: `BATCHABLE`) in
        order, in one transaction; for each call its result, or the exception it raised.

        One commit for the batch instead of one a call: the crawl's store process gets the
        calls queued behind the one it was doing (crawler.services.StoreService). If any call
        fails, the batch is rolled back whole and every call is run again alone, in its own
        transaction, exactly as one by one: a bad document fails alone, and none leaves part of
        itself in the database. A crash before the commit loses the batch, never part of one.
        """
        for method, _, _ in calls:
            if method not in BATCHABLE:
                raise ValueError(f"{method} is not a write that write_batch takes")
        if len(calls) > 1:
            results: list[Any] = []
            codes: set[str] = set()
            try:
                with self.engine.begin() as conn:
                    for method, args, kwargs in calls:
                        result, touched = _BATCH_STEPS[method](self, conn, *args, **kwargs)
                        results.append(result)
                        codes |= touched
            except Exception:  # noqa: S110  (each call again, alone, says what failed)
                pass
            else:
                self._known_counties.update(codes)
                return results
        return [self._alone(method, args, kwargs) for method, args, kwargs in calls]

    def _alone(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return getattr(self, method)(*args, **kwargs)
        except Exception as exc:
            return exc

    def _record_step(
        self,
        conn: Connection,
        fetch: FetchRecord,
        result: ParseResult,
        *,
        parser_version: str = PARSER_VERSION,
    ) -> tuple[StoreResult, set[str]]:
        return self._record(conn, fetch, result, parser_version)

    def _record(
        self, conn: Connection, fetch: FetchRecord, result: ParseResult, parser_version: str
    ) -> tuple[StoreResult, set[str]]:
        report: CanonicalReport | None = None
        invalid: str | None = None
        if result.is_report:
            try:
                report = canonicalize(result, fetch.county_code)
            except UnkeyableReport as exc:
                invalid = str(exc)
            except (TypeError, ValueError) as exc:
                invalid = f"invalid parse: {exc}"
        codes = {fetch.county_code} | ({report.meta["county_code"]} if report else set())
        self._ensure_counties(conn, codes, report)
        writer = DocumentWriter(
            conn, fetch, result, report=report, invalid=invalid, parser_version=parser_version
        )
        return writer.run(), codes

    def mark_not_modified(
        self,
        url: str,
        checked_at: dt.datetime,
        listing: Listing | None = None,
        *,
        origin: str | None = "live",
    ) -> None:
        """A conditional request answered 304: the stored source is confirmed as current.

        Updates `checked_at` (and the listing, when given) of a known source; its report is not
        touched. An unknown URL is ignored.
        """
        with self.engine.begin() as conn:
            self._mark_not_modified(conn, url, checked_at, listing, origin=origin)

    def _mark_not_modified(
        self,
        conn: Connection,
        url: str,
        checked_at: dt.datetime,
        listing: Listing | None = None,
        *,
        origin: str | None = "live",
    ) -> tuple[None, set[str]]:
        # Only a row of the same origin was revalidated (see source_states).
        params: dict[str, Any] = {
            "b_url": url,
            "b_origin": origin,
            "b_checked_at": as_utc(checked_at),
        }
        if listing is None:
            _CHECKED.run(conn, params)
        else:
            params |= {
                "b_listing_title": listing.title,
                "b_listing_date": listing.date,
                "b_listing_signature": listing.signature(),
            }
            _CHECKED_LISTED.run(conn, params)
        return None, set()

    def source_states(self, county_code: str, origin: str | None = None) -> dict[str, SourceState]:
        """Every document URL known for a county (one query; the crawler caches it per run).

        With `origin`, only the documents fetched from that origin: a crawl of the live sites
        never takes what a mirror served for known and fresh, nor the other way round.
        """
        query = _SOURCE_STATES if origin is None else _SOURCE_STATES_OF_ORIGIN
        with self.reader() as conn:
            return {
                row.url: SourceState(
                    url=row.url,
                    sha256=row.sha256,
                    etag=row.etag,
                    last_modified=row.last_modified,
                    fetched_at=row.fetched_at,
                    checked_at=row.checked_at,
                    listing_signature=row.listing_signature,
                    status=row.outcome,
                    report_id=row.report_id,
                    content_type=row.content_type,
                )
                for row in query.all(conn, {"county_code": county_code, "origin": origin})
            }

    def known_states(
        self, county_code: str, origin: str | None = None
    ) -> tuple[dict[str, SourceState], dict[str, PageState]]:
        """`source_states` and `page_states` of a county at once: what a crawl loads as it
        starts the county (one call, one read transaction)."""
        return self.source_states(county_code, origin), self.page_states(county_code, origin)

    # -- navigation and list pages ---------------------------------------------------------------
    def page_state(self, url: str, origin: str | None = None) -> PageState | None:
        query = _page_query().where(pages_table.c.url == url)
        if origin is not None:
            query = query.where(pages_table.c.origin == origin)
        with self.reader() as conn:
            row = conn.execute(query).first()
        return _page_state(row) if row is not None else None

    def page_states(self, county_code: str, origin: str | None = None) -> dict[str, PageState]:
        """Every page known for a county, by URL (one query; the crawler caches it per run);
        with `origin`, only those fetched from it (as `source_states`)."""
        query = _PAGE_STATES if origin is None else _PAGE_STATES_OF_ORIGIN
        params = {"county_code": county_code, "origin": origin}
        with self.reader() as conn:
            return {row.url: _page_state(row) for row in query.all(conn, params)}

    def save_page(
        self,
        url: str,
        sha256: str,
        etag: str | None,
        last_modified: str | None,
        fetched_at: dt.datetime,
        *,
        county_code: str | None = None,
        content_type: str | None = None,
        origin: str | None = "live",
    ) -> None:
        """Remember a page's validators and body (already in the blob store) by URL, and the
        origin they came from."""
        with self.engine.begin() as conn:
            _, codes = self._save_page(
                conn,
                url,
                sha256,
                etag,
                last_modified,
                fetched_at,
                county_code=county_code,
                content_type=content_type,
                origin=origin,
            )
        self._known_counties.update(codes)

    def _save_page(  # noqa: PLR0917  (save_page's arguments, after the connection)
        self,
        conn: Connection,
        url: str,
        sha256: str,
        etag: str | None,
        last_modified: str | None,
        fetched_at: dt.datetime,
        *,
        county_code: str | None = None,
        content_type: str | None = None,
        origin: str | None = "live",
    ) -> tuple[None, set[str]]:
        codes = {county_code} if county_code is not None else set()
        self._ensure_counties(conn, codes, None)
        _PAGE_UPSERT.run(
            conn,
            {
                "url": url,
                "origin": origin,
                "county_code": county_code,
                "sha256": sha256,
                "content_type": content_type,
                "etag": etag,
                "last_modified": last_modified,
                "fetched_at": as_utc(fetched_at),
            },
        )
        return None, codes

    # -- crawl runs ------------------------------------------------------------------------------
    def record_crawl_run(self, run: CrawlRun) -> int:
        """Store one county's crawl summary; return its id."""
        with self.engine.begin() as conn:
            run_id, codes = self._record_crawl_run(conn, run)
        self._known_counties.update(codes)
        return run_id

    def _record_crawl_run(self, conn: Connection, run: CrawlRun) -> tuple[int, set[str]]:
        values = {
            "county_code": run.county_code,
            "spider": run.spider,
            "started_at": as_utc(run.started_at),
            "finished_at": as_utc(run.finished_at) if run.finished_at else None,
            "status": run.status,
            "reports_new": run.reports_new,
            "reports_updated": run.reports_updated,
            "reports_unchanged": run.reports_unchanged,
            "reports_failed": run.reports_failed,
            "documents_not_report": run.documents_not_report,
            "documents_skipped": run.documents_skipped,
            "pages_fetched": run.pages_fetched,
            "pages_not_modified": run.pages_not_modified,
            "http_errors": dict(run.http_errors),
            "alerts": list(run.alerts),
            "stats": _jsonable(run.stats),
            "origin": run.origin,
        }
        self._ensure_counties(conn, {run.county_code}, None)
        return int(_RUN_INSERT.scalar(conn, values)), {run.county_code}

    def record_fetch_failures(
        self,
        county_code: str,
        failures: Sequence[FetchFailure],
        *,
        at: dt.datetime,
        replace: bool = True,
    ) -> list[FetchFailure]:
        """Store what a crawl of the county could not fetch; the failures as stored.

        With `replace` (a crawl that ran to its end) the county's other rows go: those URLs were
        fetched this time, or are no longer linked. A URL failing again keeps its first failure
        and counts one more crawl.
        """
        with self.engine.begin() as conn:
            stored, codes = self._record_fetch_failures(
                conn, county_code, failures, at=at, replace=replace
            )
        self._known_counties.update(codes)
        return stored

    def _record_fetch_failures(
        self,
        conn: Connection,
        county_code: str,
        failures: Sequence[FetchFailure],
        *,
        at: dt.datetime,
        replace: bool = True,
    ) -> tuple[list[FetchFailure], set[str]]:
        f = fetch_failures_table.c
        when = as_utc(at)
        stored: list[FetchFailure] = []
        self._ensure_counties(conn, {county_code}, None)
        earlier = {row.url: row for row in _FAILURES_OF.all(conn, {"county_code": county_code})}
        urls = {failure.url for failure in failures}
        gone = [url for url in earlier if url not in urls]
        if replace and gone:
            conn.execute(delete(fetch_failures_table).where(f.url.in_(gone)))
        for failure in failures:
            before = earlier.get(failure.url)
            row = dataclasses.replace(
                failure,
                county_code=county_code,
                crawls=before.crawls + 1 if before is not None else 1,
                first_failed_at=as_utc(before.first_failed_at) if before else when,
                last_failed_at=when,
            )
            values = {
                "url": row.url,
                "county_code": row.county_code,
                "kind": row.kind,
                "reason": row.reason,
                "attempts": row.attempts,
                "crawls": row.crawls,
                "first_failed_at": row.first_failed_at,
                "last_failed_at": row.last_failed_at,
            }
            statement = self._insert(fetch_failures_table).values(values)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["url"],
                    set_={name: statement.excluded[name] for name in values if name != "url"},
                )
            )
            stored.append(row)
        return stored, {county_code}

    def fetch_failures(self, county_code: str | None = None) -> list[FetchFailure]:
        """The URLs the latest crawls could not fetch (of one county, or all), by URL."""
        f = fetch_failures_table.c
        query = select(fetch_failures_table).order_by(f.county_code, f.url)
        if county_code is not None:
            query = query.where(f.county_code == county_code)
        with self.reader() as conn:
            return [
                FetchFailure(
                    url=row.url,
                    county_code=row.county_code,
                    kind=row.kind,
                    reason=row.reason,
                    attempts=row.attempts,
                    crawls=row.crawls,
                    first_failed_at=row.first_failed_at,
                    last_failed_at=row.last_failed_at,
                )
                for row in conn.execute(query)
            ]

    def crawl_history(
        self, county_code: str, limit: int = 10, origin: str | None = None
    ) -> list[CrawlRun]:
        """The county's most recent runs, newest first (with `origin`: only those crawled from
        it, so a mirror's runs never set the live site's baseline).

        `stats` comes back JSON-shaped: datetimes as ISO strings, other non-JSON values as str.
        """
        query = _HISTORY if origin is None else _HISTORY_OF_ORIGIN
        params = {"county_code": county_code, "origin": origin, "b_limit": limit}
        with self.reader() as conn:
            rows = query.all(conn, params)
        return [
            CrawlRun(
                county_code=row.county_code,
                spider=row.spider,
                started_at=row.started_at,
                finished_at=row.finished_at,
                status=row.status,
                reports_new=row.reports_new,
                reports_updated=row.reports_updated,
                reports_unchanged=row.reports_unchanged,
                reports_failed=row.reports_failed,
                documents_not_report=row.documents_not_report,
                documents_skipped=row.documents_skipped,
                pages_fetched=row.pages_fetched,
                pages_not_modified=row.pages_not_modified,
                http_errors=dict(row.http_errors),
                alerts=list(row.alerts),
                stats=dict(row.stats),
                origin=row.origin,
            )
            for row in rows
        ]

    # -- reading -------------------------------------------------------------------------------
    def report(self, county_code: str, year: int, agency: str) -> StoredReport | None:
        """One report by its dedup key, with its figures and findings."""
        r = reports_table.c
        key = and_(r.county_code == county_code, r.year == year, r.agency == agency)
        reports = list(self.reports(where=key))
        return reports[0] if reports else None

    def reports(
        self,
        *,
        county_code: str | None = None,
        county_codes: Sequence[str] = (),
        years: Sequence[int] = (),
        scope: str | None = None,
        where: Any = None,
        batch_size: int = 500,
    ) -> Iterator[StoredReport]:
        """Reports with their figures, findings and sources, ordered by county code, year,
        agency."""
        r = reports_table.c
        s = sources_table.c
        query = (
            select(
                reports_table,
                s.url.label("source_url"),
                s.sha256.label("source_sha256"),
                s.fetched_at.label("source_fetched_at"),
                s.origin.label("source_origin"),
            )
            .outerjoin(sources_table, s.id == r.source_id)
            .order_by(r.county_code, r.year, r.agency)
        )
        if county_code is not None:
            query = query.where(r.county_code == county_code)
        if county_codes:
            query = query.where(r.county_code.in_(list(county_codes)))
        if years:
            query = query.where(r.year.in_(list(years)))
        if scope is not None:
            query = query.where(r.scope == scope)
        if where is not None:
            query = query.where(where)
        with self.reader() as conn:
            rows = conn.execute(query).all()
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                ids = [row.id for row in batch]
                figures: dict[int, dict[str, Number | None]] = {i: {} for i in ids}
                for report_id, key, value in conn.execute(
                    select(figures_table.c.report_id, figures_table.c.key, figures_table.c.value)
                    .where(figures_table.c.report_id.in_(ids))
                    .order_by(figures_table.c.report_id, figures_table.c.key)
                ):
                    figures[report_id][key] = value
                findings: dict[int, list[Finding]] = {i: [] for i in ids}
                f = findings_table.c
                for row in conn.execute(
                    select(f.report_id, f.rule, f.message, f.expected, f.actual)
                    .where(f.report_id.in_(ids))
                    .order_by(f.report_id, f.origin, f.position, f.id)
                ):
                    findings[row.report_id].append(
                        Finding(row.rule, row.message, row.expected, row.actual)
                    )
                urls: dict[int, list[str]] = {i: [] for i in ids}
                for report_id, url in conn.execute(
                    select(s.report_id, s.url).where(s.report_id.in_(ids)).order_by(s.id)
                ):
                    urls[report_id].append(url)
                for row in batch:
                    yield _stored_report(row, figures[row.id], findings[row.id], urls[row.id])

    def revisions(self, report_id: int) -> list[dict[str, Any]]:
        """A report's earlier versions, oldest first (as stored in `revisions`)."""
        v = revisions_table.c
        with self.reader() as conn:
            rows = conn.execute(
                select(revisions_table).where(v.report_id == report_id).order_by(v.revision)
            ).all()
        return [dict(row._mapping) for row in rows]

    def stored_sources(
        self,
        *,
        county_code: str | None = None,
        years: Sequence[int] = (),
        stale_only: bool = False,
        parser_version: str = PARSER_VERSION,
    ) -> list[StoredSource]:
        """Sources to re-parse: by county (the crawled one or the report's), year, staleness.

        Failed downloads (HTTP status ≥ 400, kept with an empty body) have nothing to re-parse.
        """
        s = sources_table.c
        r = reports_table.c
        year = func.coalesce(r.year, s.year_hint)
        query = (
            select(sources_table, year.label("year"))
            .outerjoin(reports_table, r.id == s.report_id)
            .where(s.http_status < 400)
            .order_by(s.id)
        )
        if county_code is not None:
            query = query.where((s.county_code == county_code) | (r.county_code == county_code))
        if years:
            query = query.where(year.in_(list(years)))
        if stale_only:
            query = query.where(s.parser_version != parser_version)
        with self.reader() as conn:
            rows = conn.execute(query).all()
        return [
            StoredSource(
                id=row.id,
                fetch=_fetch_of(row),
                report_id=row.report_id,
                parser_version=row.parser_version,
                year=row.year,
                parse_status=row.parse_status,
            )
            for row in rows
        ]

    def queue_parse(self, urls: Sequence[str], purpose: str) -> int:
        """Queue the stored documents with these URLs for `scrapy parseworker` (models.jobs)."""
        from models.jobs import ParseQueue  # noqa: PLC0415  (models.jobs builds on this module)

        return ParseQueue(self).enqueue_urls(urls, purpose)

    def counts(self) -> dict[str, int]:
        """Row counts of every table (for tests, `scrapy db status` and benchmarks)."""
        tables = (
            counties_table,
            reports_table,
            figures_table,
            findings_table,
            sources_table,
            revisions_table,
            pages_table,
            crawl_runs_table,
        )
        with self.reader() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in tables
            }

    # -- internals -------------------------------------------------------------------------------
    def reader(self) -> Connection:
        """A connection for reading (use as a context manager).

        On SQLite its transaction begins DEFERRED: it neither waits for nor blocks writers.
        """
        return self.engine.connect().execution_options(**{READ_ONLY: True})

    def _insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has on_conflict_do_update / _do_nothing."""
        if self._postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _ensure_counties(
        self, conn: Connection, codes: set[str], report: CanonicalReport | None
    ) -> None:
        missing = sorted(codes - self._known_counties)
        if not missing:
            return
        rows = []
        for code in missing:
            division = divisions.get(code)
            if division is not None:
                prefecture, province, name = division.prefecture, division.province, division.name
            else:
                prefecture = province = None
                named = report.meta["county"] if report else None
                name = named if report and report.meta["county_code"] == code and named else code
            rows.append(
                {
                    "code": code,
                    "name": name,
                    "prefecture": prefecture if division and division.level == "county" else None,
                    "province": province,
                    "site": None,
                    "slug": None,
                    "level": division.level if division else None,
                    "family": None,
                    "site_verified": None,
                }
            )
        # Sorted, and first in the transaction: concurrent writers take these locks in one order.
        conn.execute(
            self._insert(counties_table).on_conflict_do_nothing(index_elements=["code"]), rows
        )


def _page_query() -> Any:
    p = pages_table.c
    return select(p.url, p.sha256, p.etag, p.last_modified, p.fetched_at, p.content_type)


# The writes `write_batch` takes: each runs inside the batch's transaction and returns its
# result and the county codes it made sure of (known once the batch commits).
_BATCH_STEPS: Final[dict[str, Any]] = {
    "record_document": ReportStore._record_step,
    "save_page": ReportStore._save_page,
    "mark_not_modified": ReportStore._mark_not_modified,
    "record_fetch_failures": ReportStore._record_fetch_failures,
    "record_crawl_run": ReportStore._record_crawl_run,
}
BATCHABLE: Final = frozenset(_BATCH_STEPS)

_s = sources_table.c
_SOURCE_STATE_COLUMNS: Final = (
    _s.url,
    _s.sha256,
    _s.etag,
    _s.last_modified,
    _s.fetched_at,
    _s.checked_at,
    _s.listing_signature,
    _s.outcome,
    _s.report_id,
    _s.content_type,
)
_SOURCE_STATES: Final = Prepared.of(
    select(*_SOURCE_STATE_COLUMNS).where(_s.county_code == bindparam("county_code"))
)
_SOURCE_STATES_OF_ORIGIN: Final = Prepared.of(
    select(*_SOURCE_STATE_COLUMNS).where(
        _s.county_code == bindparam("county_code"), _s.origin == bindparam("origin")
    )
)
_p = pages_table.c
_PAGE_STATES: Final = Prepared.of(_page_query().where(_p.county_code == bindparam("county_code")))
_PAGE_STATES_OF_ORIGIN: Final = Prepared.of(
    _page_query().where(
        _p.county_code == bindparam("county_code"), _p.origin == bindparam("origin")
    )
)
_c = crawl_runs_table.c
_HISTORY: Final = Prepared.of(
    select(crawl_runs_table)
    .where(_c.county_code == bindparam("county_code"))
    .order_by(_c.started_at.desc(), _c.id.desc())
    .limit(bindparam("b_limit", type_=Integer))
)
_HISTORY_OF_ORIGIN: Final = Prepared.of(
    select(crawl_runs_table)
    .where(_c.county_code == bindparam("county_code"), _c.origin == bindparam("origin"))
    .order_by(_c.started_at.desc(), _c.id.desc())
    .limit(bindparam("b_limit", type_=Integer))
)
_RUN_INSERT: Final = Prepared.of(
    crawl_runs_table.insert().returning(_c.id),
    column_keys=tuple(c.name for c in crawl_runs_table.columns if c.name != "id"),
)
_f = fetch_failures_table.c
_FAILURES_OF: Final = Prepared.of(
    select(_f.url, _f.crawls, _f.first_failed_at).where(_f.county_code == bindparam("county_code"))
)
# Parameters named b_*: a bind named after a column is reserved in UPDATE … SET.
_CHECKED: Final = Prepared.of(
    update(sources_table)
    .where(_s.url == bindparam("b_url"), _s.origin == bindparam("b_origin"))
    .values(checked_at=bindparam("b_checked_at"))
)
_CHECKED_LISTED: Final = Prepared.of(
    update(sources_table)
    .where(_s.url == bindparam("b_url"), _s.origin == bindparam("b_origin"))
    .values(
        checked_at=bindparam("b_checked_at"),
        listing_title=bindparam("b_listing_title"),
        listing_date=bindparam("b_listing_date"),
        listing_signature=bindparam("b_listing_signature"),
    )
)
_PAGE_COLUMNS: Final = (
    "url",
    "origin",
    "county_code",
    "sha256",
    "content_type",
    "etag",
    "last_modified",
    "fetched_at",
)


def _page_upsert(dialect: Any) -> Any:
    statement = (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(pages_table)
    return statement.on_conflict_do_update(
        index_elements=["url"],
        set_={name: statement.excluded[name] for name in _PAGE_COLUMNS if name != "url"},
    )


_PAGE_UPSERT: Final = Prepared(_page_upsert, column_keys=_PAGE_COLUMNS)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def _page_state(row: Row[Any]) -> PageState:
    return PageState(
        row.url, row.sha256, row.etag, row.last_modified, row.fetched_at, row.content_type
    )


def _fetch_of(row: Row[Any]) -> FetchRecord:
    listing = (
        Listing(row.listing_title, row.listing_date)
        if row.listing_title is not None or row.listing_date is not None
        else None
    )
    hints: Hints | None = hints_from_json(row.hints) if row.hints else None
    return FetchRecord(
        url=row.url,
        county_code=row.county_code,
        kind=row.kind,
        sha256=row.sha256,
        size=row.size,
        fetched_at=row.fetched_at,
        final_url=row.final_url,
        http_status=row.http_status,
        content_type=row.content_type,
        etag=row.etag,
        last_modified=row.last_modified,
        parent_url=row.parent_url,
        listing=listing,
        hints=hints,
        origin=row.origin,
    )


def _stored_report(
    row: Any,
    figures: dict[str, Number | None],
    findings: list[Finding],
    source_urls: Sequence[str] = (),
) -> StoredReport:
    return StoredReport(
        id=row.id,
        meta=meta_from_json(meta_of(row)),
        figures=figures,
        findings=tuple(findings),
        content_hash=row.content_hash,
        parser_version=row.parser_version,
        revision=row.revision,
        source_url=row.source_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completeness=row.completeness,
        # The current source first, then the others where the same report was found.
        source_urls=tuple(
            dict.fromkeys([*([row.source_url] if row.source_url else []), *source_urls])
        ),
        source_sha256=row.source_sha256,
        fetched_at=row.source_fetched_at,
        origin=row.source_origin,
    )
