"""Plain records exchanged between the crawler and the store.

They carry no SQLAlchemy state, so pipelines, commands and tests can build them freely and the
store can run in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from reportparser.result import Finding, Hints, ReportMeta

DocumentKind = Literal["page", "attachment"]

# What storing one fetched document did to the reports table.
Outcome = Literal[
    "new",  # a report key seen for the first time
    "updated",  # the report changed; the previous version is kept as a revision
    "unchanged",  # nothing to write (same content, or another source of an identical report)
    "not_report",  # the document is not an annual report; its source is recorded
    "failed",  # the document could not be parsed; its source is recorded with the reason
]

CountyStatus = Literal[
    "ok",
    "site_changed",  # 0 reports found where earlier runs found some, or a big drop
    "degraded",  # new 403/412/429 responses, parse failures rising …
    "blocked",  # JS-cookie challenge (412/521) or 403 on the entry pages
    "unreachable",  # DNS / connection / timeouts on the entry pages
    "site_mismatch",  # the portal is another division's site (crawler.siteid): nothing stored
    "storage_failed",  # the database or the blob store failed (full disk …): the crawl stopped
]

# What a lost URL was to the crawl: a navigation or list page, a report page, an attachment.
FetchKind = Literal["page", "document", "attachment"]


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A URL a crawl could not fetch for good (table `fetch_failures`): the next crawl retries it.

    `attempts` are the requests of the crawl that lost it (retries included); `crawls` how many
    crawls in a row failed on it (set by the store).
    """

    url: str
    county_code: str
    kind: FetchKind
    reason: str  # "HTTP 503", "TimeoutError: …", "redirect loop …"
    attempts: int = 1
    crawls: int = 1
    first_failed_at: dt.datetime | None = None
    last_failed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """How a list page presented a document: a change here is a reason to revalidate it."""

    title: str | None = None
    date: str | None = None  # as printed, e.g. "2021-01-28"

    def signature(self) -> str:
        return f"{self.title or ''}|{self.date or ''}"


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One fetched document (report page or attachment), as the crawler saw it."""

    url: str  # the real site URL as linked (never a mirror's URL)
    county_code: str
    kind: DocumentKind
    sha256: str  # of the body, already written to the blob store
    size: int
    fetched_at: dt.datetime
    final_url: str | None = None  # after redirects, when different
    http_status: int = 200
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    parent_url: str | None = None  # the article page an attachment hangs on
    listing: Listing | None = None
    hints: Hints | None = None  # what was passed to the parser; kept so reparse can pass it again
    # Where the bytes came from: "live" or "mirror:<dir or URL>" (crawler.mirror.crawl_origin);
    # None: unknown (stored before the origin was recorded).
    origin: str | None = "live"


@dataclass(frozen=True, slots=True)
class StoreResult:
    outcome: Outcome
    report_id: int | None = None
    revision: int | None = None  # the revision number written when outcome == "updated"
    detail: str | None = None  # e.g. "second source of report 12", failure reason
    figures_changed: int = 0  # keys added, removed or with a new value ("new": all of them)
    findings_added: int = 0  # parser findings, compared by rule and message
    findings_removed: int = 0


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store remembers about a URL: enough to skip or revalidate it next time."""

    url: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime | None
    checked_at: dt.datetime | None  # last time a fetch or a 304 confirmed it
    listing_signature: str | None
    status: Outcome | None  # what storing it last produced (an identical re-store keeps it)
    report_id: int | None
    content_type: str | None = None  # as served: replayed with a 304


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as stored: its current version and where it came from."""

    id: int
    meta: ReportMeta
    figures: dict[str, int | float | None]
    findings: tuple[Finding, ...]  # the parser's, then the store's (warning.sources_disagree)
    content_hash: str
    parser_version: str
    revision: int  # 1 for a report never updated
    source_url: str | None  # the document the current version was parsed from
    created_at: dt.datetime
    updated_at: dt.datetime  # last change of its content or findings
    # Provenance and quality, for exports: every source URL the report was found at, the
    # current source's SHA-256 (its blob), fetch time and origin; models.completeness.
    completeness: str | None = None
    source_urls: tuple[str, ...] = ()
    source_sha256: str | None = None
    fetched_at: dt.datetime | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class PageState:
    """Validators and stored body of a navigation or list page (for conditional requests)."""

    url: str
    sha256: str
    etag: str | None
    last_modified: str | None
    fetched_at: dt.datetime
    content_type: str | None = None  # as served (None: unknown, stored before it was kept)


@dataclass(slots=True)
class CrawlRun:
    """One county's crawl: the summary printed at the end, stored as history."""

    county_code: str
    spider: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: CountyStatus = "ok"
    reports_new: int = 0
    reports_updated: int = 0
    reports_unchanged: int = 0
    reports_failed: int = 0
    documents_not_report: int = 0
    documents_skipped: int = 0  # known and fresh, not requested at all
    pages_fetched: int = 0
    pages_not_modified: int = 0  # 304s
    http_errors: dict[str, int] = field(default_factory=dict)  # "404" → count
    alerts: list[str] = field(default_factory=list)  # human sentences, loudest first
    stats: dict[str, Any] = field(default_factory=dict)  # the spider's Scrapy stats
    # What could not be fetched (stored in `fetch_failures`, not in the run's row).
    lost: list[FetchFailure] = field(default_factory=list)
    origin: str | None = "live"  # as FetchRecord.origin

    @property
    def reports_found(self) -> int:
        return self.reports_new + self.reports_updated + self.reports_unchanged
