"""The store: the one way reports get into (and out of) the database and the blob store.

INTERFACE DRAFT. The crawler's pipelines and middlewares are written against these method
signatures; the implementation fills the bodies. Keep the signatures (or update every caller).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from models.records import CrawlRun, FetchRecord, Listing, PageState, SourceState, StoreResult
from reportparser.result import ParseResult


class CountyLike(Protocol):
    @property
    def code(self) -> str: ...
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


class ReportStore:
    """Database (SQLite or PostgreSQL, via SQLAlchemy) plus a content-addressed blob directory."""

    def __init__(self, database_url: str, blob_dir: Path) -> None:
        raise NotImplementedError

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ReportStore:
        """Build from Scrapy settings (OGI_DATABASE_URL, OGI_BLOB_DIR); fail loudly if unset."""
        raise NotImplementedError

    def upgrade(self) -> None:
        """Bring the database to the current schema (Alembic `upgrade head`)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- blobs ---------------------------------------------------------------------------------
    def put_blob(self, data: bytes) -> str:
        """Store bytes under their SHA-256 (atomic, idempotent); return the hex digest."""
        raise NotImplementedError

    def get_blob(self, sha256: str) -> bytes:
        raise NotImplementedError

    # -- reference data ------------------------------------------------------------------------
    def sync_counties(self, counties: Iterable[CountyLike]) -> None:
        raise NotImplementedError

    # -- documents -----------------------------------------------------------------------------
    def record_document(self, fetch: FetchRecord, result: ParseResult) -> StoreResult:
        """Record one fetched document and, if it is a report, upsert its report.

        One transaction: a crash leaves the database as it was before this document.
        """
        raise NotImplementedError

    def mark_not_modified(
        self, url: str, checked_at: dt.datetime, listing: Listing | None = None
    ) -> None:
        """A conditional request answered 304: the stored source is confirmed as current."""
        raise NotImplementedError

    def source_states(self, county_code: str) -> dict[str, SourceState]:
        """Every document URL known for a county (one query; the crawler caches it per run)."""
        raise NotImplementedError

    # -- navigation and list pages ---------------------------------------------------------------
    def page_state(self, url: str) -> PageState | None:
        raise NotImplementedError

    def save_page(
        self,
        url: str,
        sha256: str,
        etag: str | None,
        last_modified: str | None,
        fetched_at: dt.datetime,
    ) -> None:
        raise NotImplementedError

    # -- crawl runs ------------------------------------------------------------------------------
    def record_crawl_run(self, run: CrawlRun) -> int:
        raise NotImplementedError

    def crawl_history(self, county_code: str, limit: int = 10) -> list[CrawlRun]:
        """The county's most recent runs, newest first."""
        raise NotImplementedError
