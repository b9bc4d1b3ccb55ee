"""The database schema: SQLAlchemy 2.x declarative models.

This is what users query for years: see docs/database.md. Every change goes through an Alembic
migration in `models/migrations/versions/` (the tests check that the migrations produce exactly
these models). The store writes through the tables with SQLAlchemy Core; the mapped classes are
for readers who prefer the ORM.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.types import FigureNumber, Number, UtcDateTime

# Explicit constraint names, identical on both engines, so that migrations can address them.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Columns come in the order the migrations gave them, later ones last (ALTER TABLE appends), so
# that a new database (`models.migrate.create_new`) and a migrated one have the same: a reader
# of `SELECT *` sees the same row either way. A new column goes at the end of its model.
# The views created by the migrations (their SQL in models/viewsql.py).
VIEW_NAMES: Final = ("report_headlines", "coverage", "division_lineage")
LEVELS: Final = ("county", "prefecture", "province")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class County(Base):
    """A division reports are filed under: every county of the crawl registry, plus any other
    division a report names (a prefecture or province for their own reports, `level`)."""

    __tablename__ = "counties"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # GB/T 2260
    name: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(100))
    site: Mapped[str | None] = mapped_column(String(255))  # None: not in the crawl registry
    slug: Mapped[str | None] = mapped_column(String(40), unique=True)
    level: Mapped[str | None] = mapped_column(String(20))  # None: a code the divisions lack
    family: Mapped[str | None] = mapped_column(String(40))  # the site's platform family
    site_verified: Mapped[bool | None] = mapped_column(Boolean)  # None: not in the registry


class Division(Base):
    """One row of the GB/T 2260 table (reportparser/data): a division under one name and
    parent for the years `since` ≤ year < `until` (NULL: in force today)."""

    __tablename__ = "divisions"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        Index(None, "name"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    since: Mapped[int] = mapped_column(Integer, primary_key=True)
    until: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str | None] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(6))


class DivisionLink(Base):
    """A code that replaced a division row (`successor`) or took part of its land (`transfer`)
    in `year`: the old → new links the `division_lineage` view follows."""

    __tablename__ = "division_links"
    __table_args__ = (
        CheckConstraint("kind IN ('successor', 'transfer')", name="kind"),
        Index(None, "new_code"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    since: Mapped[int] = mapped_column(Integer, primary_key=True)  # of the old row
    new_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))


class Report(Base):
    """One annual report, deduplicated by (county_code, year, agency).

    Its meta, figures and findings are the current version, produced by `parser_version` from
    the document at `source_id`; earlier versions are rows of `revisions`.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("county_code", "year", "agency"),
        CheckConstraint("scope IN ('county', 'department')", name="scope"),
        CheckConstraint("template IN ('2019', '2021', 'legacy')", name="template"),
        Index(None, "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    year: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(255))
    county: Mapped[str | None] = mapped_column(String(100))  # as named in the report
    scope: Mapped[str | None] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical parse
    parser_version: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer, default=1)  # 1 for the first version
    figure_count: Mapped[int] = mapped_column(Integer)  # figures with a value (not NULL)
    hard_finding_count: Mapped[int] = mapped_column(Integer)
    # The source whose parse is the current version. The cycle with sources.report_id is
    # broken with ALTER TABLE on PostgreSQL; SQLite accepts forward references.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())  # last content change
    level: Mapped[str | None] = mapped_column(String(20))  # county | prefecture | province
    # complete | partial | metadata_only (models.completeness, 0005); only complete reports count
    # as collected. NULL never written by the store.
    completeness: Mapped[str | None] = mapped_column(String(20))


class Figure(Base):
    """One canonical figure of a report. An absent figure has no row; an empty cell is NULL."""

    __tablename__ = "figures"
    # Clustered by (report_id, key) on SQLite: a report's figures fill a few adjacent pages.
    # No index on `key` alone: it would dirty ~200 scattered pages per report stored (10× slower
    # writes); queries by key scan, or join from reports (see docs/database.md).
    __table_args__ = ({"sqlite_with_rowid": False},)

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Number | None] = mapped_column(FigureNumber())


class Finding(Base):
    """A broken consistency rule (`severity` hard) or a `warning.*` observation.

    `origin` is `parser` for the parse's own findings (replaced with each new version) or `store`
    for what the store observed, e.g. `warning.sources_disagree` about the source `source_id`.
    """

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("severity IN ('hard', 'warning')", name="severity"),
        CheckConstraint("origin IN ('parser', 'store')", name="origin"),
        Index(None, "report_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)  # order within its origin
    rule: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    expected: Mapped[Number | None] = mapped_column(FigureNumber())
    actual: Mapped[Number | None] = mapped_column(FigureNumber())
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))


class Source(Base):
    """A fetched document (report page or attachment), keyed by the URL it was linked at.

    Every source is recorded, reports or not: `parse_status` / `reason` say what the parser made
    of it, `outcome` what storing it last did. The body is the blob `sha256` in the blob store;
    `content_type`, `url` and `hints` are what a re-parse needs.
    """

    __tablename__ = "sources"
    __table_args__ = (Index(None, "county_code"), Index(None, "report_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))  # the crawled county
    kind: Mapped[str] = mapped_column(String(20))  # page | attachment
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    final_url: Mapped[str | None] = mapped_column(Text)
    parent_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    fetched_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    checked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    listing_title: Mapped[str | None] = mapped_column(Text)
    listing_date: Mapped[str | None] = mapped_column(String(40))
    listing_signature: Mapped[str | None] = mapped_column(Text)
    hints: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    year_hint: Mapped[int | None] = mapped_column(Integer)  # from the title, for coverage
    format: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str | None] = mapped_column(String(40))
    parse_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of its parse, for reports
    parser_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # Where the bytes came from: `live` or `mirror:<dir or URL>` (0005; NULL: before it). Only a
    # crawl of the same origin trusts the row as known and fresh.
    origin: Mapped[str | None] = mapped_column(String(255))
    # Scans read by OCR: the mean per-character confidence (0–1) of the text read (0008).
    ocr_confidence: Mapped[float | None] = mapped_column(Float)


class Revision(Base):
    """A previous version of a report, kept when a newer one replaced it."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)  # the report's revision number it was
    reason: Mapped[str] = mapped_column(String(40))  # why it was replaced
    content_hash: Mapped[str] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())  # when the version was made
    superseded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class Page(Base):
    """A navigation or list page: validators and stored body, to replay a 304."""

    __tablename__ = "pages"
    __table_args__ = (Index(None, "county_code"),)

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    # The crawled county (None for pages stored before 0003 on a host no county claims).
    county_code: Mapped[str | None] = mapped_column(ForeignKey("counties.code"))
    content_type: Mapped[str | None] = mapped_column(String(255))  # as served: its charset
    origin: Mapped[str | None] = mapped_column(String(255))  # as sources.origin (0005)


class CrawlRunRow(Base):
    """One county's crawl (models.records.CrawlRun), kept as history."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index(None, "county_code", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    spider: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    reports_new: Mapped[int] = mapped_column(Integer)
    reports_updated: Mapped[int] = mapped_column(Integer)
    reports_unchanged: Mapped[int] = mapped_column(Integer)
    reports_failed: Mapped[int] = mapped_column(Integer)
    documents_not_report: Mapped[int] = mapped_column(Integer)
    documents_skipped: Mapped[int] = mapped_column(Integer)
    pages_fetched: Mapped[int] = mapped_column(Integer)
    pages_not_modified: Mapped[int] = mapped_column(Integer)
    http_errors: Mapped[dict[str, int]] = mapped_column(JSON)
    alerts: Mapped[list[str]] = mapped_column(JSON)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str | None] = mapped_column(String(255))  # as sources.origin (0005)


class FetchFailureRow(Base):
    """A URL the latest crawl of its county could not fetch (models.records.FetchFailure).

    Each crawl of the county replaces its rows: a URL fetched again leaves the table, one that
    still fails keeps its `first_failed_at` and counts one more in `crawls`.
    """

    __tablename__ = "fetch_failures"
    __table_args__ = (
        CheckConstraint("kind IN ('page', 'document', 'attachment')", name="kind"),
        Index(None, "county_code"),
    )

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    kind: Mapped[str] = mapped_column(String(20))  # page | document | attachment
    reason: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)  # requests of the latest crawl, retries included
    crawls: Mapped[int] = mapped_column(Integer)  # crawls in a row that failed on it
    first_failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_failed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


_RUNNING = "state = 'running'"
_QUEUED = "state = 'queued'"


class CrawlJob(Base):
    """One county's crawl on a Scrapyd node (`scrapy cluster`, docs/deploy.md).

    queued → running (on `node`, as Scrapyd job `scrapyd_job`) → done | failed; a job whose
    node died goes back to queued. The partial unique index on `site` is what keeps per-site
    politeness honest across nodes: never two running jobs for one site, whoever asks.
    """

    __tablename__ = "crawl_jobs"
    __table_args__ = (
        UniqueConstraint("batch", "spider"),
        Index(
            "uq_crawl_jobs_running_site",
            "site",
            unique=True,
            postgresql_where=text(_RUNNING),
            sqlite_where=text(_RUNNING),
        ),
        Index(None, "state"),
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch: Mapped[str] = mapped_column(String(100))  # one `scrapy cluster crawl` run's jobs
    spider: Mapped[str] = mapped_column(String(100))
    county_code: Mapped[str] = mapped_column(String(12))
    site: Mapped[str] = mapped_column(Text)  # the host politeness is kept for
    state: Mapped[str] = mapped_column(String(20))
    node: Mapped[str | None] = mapped_column(Text)  # the Scrapyd URL it runs or ran on
    scrapyd_job: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    crawl_status: Mapped[str | None] = mapped_column(String(20))  # its crawl run's status
    reason: Mapped[str | None] = mapped_column(Text)  # why it failed or was re-queued
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # every attempt: node, times


class ParseJobRow(Base):
    """A stored document to parse by a `scrapy parseworker` (unparsed, stale or a scan to OCR).

    A worker claims a queued job with SELECT … FOR UPDATE SKIP LOCKED and keeps the row locked
    while it parses; it records the document and marks the job done in that one transaction. A
    worker that dies rolls it all back: the job is queued again, nothing half-written. The
    partial unique index makes queuing a document that already waits a no-op.
    """

    __tablename__ = "parse_jobs"
    __table_args__ = (
        Index(
            "uq_parse_jobs_queued_source",
            "source_id",
            unique=True,
            postgresql_where=text(_QUEUED),
            sqlite_where=text(_QUEUED),
        ),
        Index(None, "state"),
        CheckConstraint("state IN ('queued', 'done', 'failed')", name="state"),
        CheckConstraint("purpose IN ('parse', 'reparse', 'ocr')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # parse | reparse | ocr
    state: Mapped[str] = mapped_column(String(20))
    worker: Mapped[str | None] = mapped_column(Text)  # who did it (host:pid)
    queued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    parse_status: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))  # record_document's
    reason: Mapped[str | None] = mapped_column(Text)


metadata: Final = Base.metadata
counties_table: Final = metadata.tables["counties"]
reports_table: Final = metadata.tables["reports"]
figures_table: Final = metadata.tables["figures"]
findings_table: Final = metadata.tables["findings"]
sources_table: Final = metadata.tables["sources"]
revisions_table: Final = metadata.tables["revisions"]
pages_table: Final = metadata.tables["pages"]
crawl_runs_table: Final = metadata.tables["crawl_runs"]
divisions_table: Final = metadata.tables["divisions"]
division_links_table: Final = metadata.tables["division_links"]
fetch_failures_table: Final = metadata.tables["fetch_failures"]
crawl_jobs_table: Final = metadata.tables["crawl_jobs"]
parse_jobs_table: Final = metadata.tables["parse_jobs"]
