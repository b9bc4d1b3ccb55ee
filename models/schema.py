"""The database schema: SQLAlchemy Core tables.

This is what users query for years: see docs/database.md. Every change goes through an Alembic
migration in `models/migrations/versions/` (the tests check that the migrations produce exactly
these tables). The store writes through them with SQLAlchemy Core; `models.orm` maps classes on
them for readers who prefer the ORM.

Core tables, not declarative classes: every crawl and command imports this module at its start,
and the ORM's import and the classes' mapping cost 0.15 CPU-s more there than these tables
(importing `models.store`: 0.45–0.50 CPU-s, now 0.30–0.32; issue 9), for nothing the store
uses.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from models.types import FigureNumber, UtcDateTime

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
# of `SELECT *` sees the same row either way. A new column goes at the end of its table.
# The views created by the migrations (their SQL in models/viewsql.py).
VIEW_NAMES: Final = ("report_headlines", "coverage", "division_lineage")
LEVELS: Final = ("county", "prefecture", "province")

metadata: Final = MetaData(naming_convention=NAMING_CONVENTION)

_RUNNING = "state = 'running'"
_QUEUED = "state = 'queued'"


# A division reports are filed under: every county of the crawl registry, plus any other
# division a report names (a prefecture or province for their own reports, `level`).
counties_table: Final = Table(
    "counties",
    metadata,
    Column("code", String(6), primary_key=True),  # GB/T 2260
    Column("name", String(100), nullable=False),
    Column("prefecture", String(100)),
    Column("province", String(100)),
    Column("site", String(255)),  # None: not in the crawl registry
    Column("slug", String(40), unique=True),
    Column("level", String(20)),  # None: a code the divisions lack
    Column("family", String(40)),  # the site's platform family
    Column("site_verified", Boolean),  # None: not in the registry
)


# One row of the GB/T 2260 table (reportparser/data): a division under one name and
# parent for the years `since` ≤ year < `until` (NULL: in force today).
divisions_table: Final = Table(
    "divisions",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("since", Integer, primary_key=True),
    Column("until", Integer),
    Column("name", String(100), nullable=False),
    Column("level", String(20), nullable=False),
    Column("province", String(100), nullable=False),
    Column("prefecture", String(100)),
    Column("parent_code", String(6)),
    CheckConstraint(f"level IN {LEVELS}", name="level"),
    Index(None, "name"),
)


# A code that replaced a division row (`successor`) or took part of its land (`transfer`)
# in `year`: the old → new links the `division_lineage` view follows.
division_links_table: Final = Table(
    "division_links",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("since", Integer, primary_key=True),  # of the old row
    Column("new_code", String(6), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    CheckConstraint("kind IN ('successor', 'transfer')", name="kind"),
    Index(None, "new_code"),
)


# One annual report, deduplicated by (county_code, year, agency).
#
# Its meta, figures and findings are the current version, produced by `parser_version` from
# the document at `source_id`; earlier versions are rows of `revisions`.
reports_table: Final = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_code", ForeignKey("counties.code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("agency", String(255), nullable=False),
    Column("county", String(100)),  # as named in the report
    Column("scope", String(20)),
    Column("template", String(10)),
    Column("title", Text),
    Column("published_at", Date),
    Column("content_hash", String(64), nullable=False),  # sha256 of the canonical parse
    Column("parser_version", String(40), nullable=False),
    Column("revision", Integer, default=1, nullable=False),  # 1 for the first version
    Column("figure_count", Integer, nullable=False),  # figures with a value (not NULL)
    Column("hard_finding_count", Integer, nullable=False),
    # The source whose parse is the current version. The cycle with sources.report_id is
    # broken with ALTER TABLE on PostgreSQL; SQLite accepts forward references.
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL", use_alter=True)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),  # last content change
    Column("level", String(20)),  # county | prefecture | province
    # complete | partial | metadata_only (models.completeness, 0005); only complete reports count
    # as collected. NULL never written by the store.
    Column("completeness", String(20)),
    UniqueConstraint("county_code", "year", "agency"),
    CheckConstraint("scope IN ('county', 'department')", name="scope"),
    CheckConstraint("template IN ('2019', '2021', 'legacy')", name="template"),
    Index(None, "year"),
)


# One canonical figure of a report. An absent figure has no row; an empty cell is NULL.
figures_table: Final = Table(
    "figures",
    metadata,
    # Clustered by (report_id, key) on SQLite: a report's figures fill a few adjacent pages.
    # No index on `key` alone: it would dirty ~200 scattered pages per report stored (10× slower
    # writes); queries by key scan, or join from reports (see docs/database.md).
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", FigureNumber()),
    sqlite_with_rowid=False,
)


# A broken consistency rule (`severity` hard) or a `warning.*` observation.
#
# `origin` is `parser` for the parse's own findings (replaced with each new version) or `store`
# for what the store observed, e.g. `warning.sources_disagree` about the source `source_id`.
findings_table: Final = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("origin", String(10), nullable=False),
    Column("position", Integer, nullable=False),  # order within its origin
    Column("rule", String(100), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("expected", FigureNumber()),
    Column("actual", FigureNumber()),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL")),
    CheckConstraint("severity IN ('hard', 'warning')", name="severity"),
    CheckConstraint("origin IN ('parser', 'store')", name="origin"),
    Index(None, "report_id"),
)


# A fetched document (report page or attachment), keyed by the URL it was linked at.
#
# Every source is recorded, reports or not: `parse_status` / `reason` say what the parser made
# of it, `outcome` what storing it last did. The body is the blob `sha256` in the blob store;
# `content_type`, `url` and `hints` are what a re-parse needs.
sources_table: Final = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, unique=True, nullable=False),
    Column("county_code", ForeignKey("counties.code"), nullable=False),  # the crawled county
    Column("kind", String(20), nullable=False),  # page | attachment
    Column("report_id", ForeignKey("reports.id", ondelete="SET NULL")),
    Column("final_url", Text),
    Column("parent_url", Text),
    Column("http_status", Integer, nullable=False),
    Column("content_type", String(255)),
    Column("etag", Text),
    Column("last_modified", String(100)),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("fetched_at", UtcDateTime(), nullable=False),
    Column("checked_at", UtcDateTime(), nullable=False),
    Column("listing_title", Text),
    Column("listing_date", String(40)),
    Column("listing_signature", Text),
    Column("hints", JSON(none_as_null=True)),
    Column("year_hint", Integer),  # from the title, for coverage
    Column("format", String(20), nullable=False),
    Column("engine", String(40)),
    Column("parse_status", String(20), nullable=False),
    Column("reason", Text),
    Column("outcome", String(20), nullable=False),
    Column("content_hash", String(64)),  # of its parse, for reports
    Column("parser_version", String(40), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Where the bytes came from: `live` or `mirror:<dir or URL>` (0005; NULL: before it). Only a
    # crawl of the same origin trusts the row as known and fresh.
    Column("origin", String(255)),
    # Scans read by OCR: the mean per-character confidence (0–1) of the text read (0008).
    Column("ocr_confidence", Float),
    Index(None, "county_code"),
    Index(None, "report_id"),
)


# A previous version of a report, kept when a newer one replaced it.
revisions_table: Final = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),  # the report's revision number it was
    Column("reason", String(40), nullable=False),  # why it was replaced
    Column("content_hash", String(64), nullable=False),
    Column("parser_version", String(40), nullable=False),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL")),
    Column("meta", JSON, nullable=False),
    Column("figures", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),  # when the version was made
    Column("superseded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("report_id", "revision"),
)


# A navigation or list page: validators and stored body, to replay a 304.
pages_table: Final = Table(
    "pages",
    metadata,
    Column("url", Text, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("etag", Text),
    Column("last_modified", String(100)),
    Column("fetched_at", UtcDateTime(), nullable=False),
    # The crawled county (None for pages stored before 0003 on a host no county claims).
    Column("county_code", ForeignKey("counties.code")),
    Column("content_type", String(255)),  # as served: its charset
    Column("origin", String(255)),  # as sources.origin (0005)
    Index(None, "county_code"),
)


# One county's crawl (models.records.CrawlRun), kept as history.
crawl_runs_table: Final = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("county_code", ForeignKey("counties.code"), nullable=False),
    Column("spider", String(100), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(20), nullable=False),
    Column("reports_new", Integer, nullable=False),
    Column("reports_updated", Integer, nullable=False),
    Column("reports_unchanged", Integer, nullable=False),
    Column("reports_failed", Integer, nullable=False),
    Column("documents_not_report", Integer, nullable=False),
    Column("documents_skipped", Integer, nullable=False),
    Column("pages_fetched", Integer, nullable=False),
    Column("pages_not_modified", Integer, nullable=False),
    Column("http_errors", JSON, nullable=False),
    Column("alerts", JSON, nullable=False),
    Column("stats", JSON, nullable=False),
    Column("origin", String(255)),  # as sources.origin (0005)
    Index(None, "county_code", "started_at"),
)


# A URL the latest crawl of its county could not fetch (models.records.FetchFailure).
#
# Each crawl of the county replaces its rows: a URL fetched again leaves the table, one that
# still fails keeps its `first_failed_at` and counts one more in `crawls`.
fetch_failures_table: Final = Table(
    "fetch_failures",
    metadata,
    Column("url", Text, primary_key=True),
    Column("county_code", ForeignKey("counties.code"), nullable=False),
    Column("kind", String(20), nullable=False),  # page | document | attachment
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),  # requests of the latest crawl, retries included
    Column("crawls", Integer, nullable=False),  # crawls in a row that failed on it
    Column("first_failed_at", UtcDateTime(), nullable=False),
    Column("last_failed_at", UtcDateTime(), nullable=False),
    CheckConstraint("kind IN ('page', 'document', 'attachment')", name="kind"),
    Index(None, "county_code"),
)


# One county's crawl on a Scrapyd node (`scrapy cluster`, docs/deploy.md).
#
# queued → running (on `node`, as Scrapyd job `scrapyd_job`) → done | failed; a job whose
# node died goes back to queued. The partial unique index on `site` is what keeps per-site
# politeness honest across nodes: never two running jobs for one site, whoever asks.
crawl_jobs_table: Final = Table(
    "crawl_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch", String(100), nullable=False),  # one `scrapy cluster crawl` run's jobs
    Column("spider", String(100), nullable=False),
    Column("county_code", String(12), nullable=False),
    Column("site", Text, nullable=False),  # the host politeness is kept for
    Column("state", String(20), nullable=False),
    Column("node", Text),  # the Scrapyd URL it runs or ran on
    Column("scrapyd_job", String(64)),
    Column("attempts", Integer, nullable=False),
    Column("queued_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("crawl_status", String(20)),  # its crawl run's status
    Column("reason", Text),  # why it failed or was re-queued
    Column("history", JSON, nullable=False),  # every attempt: node, times
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


# A stored document to parse by a `scrapy parseworker` (unparsed, stale or a scan to OCR).
#
# A worker claims a queued job with SELECT … FOR UPDATE SKIP LOCKED and keeps the row locked
# while it parses; it records the document and marks the job done in that one transaction. A
# worker that dies rolls it all back: the job is queued again, nothing half-written. The
# partial unique index makes queuing a document that already waits a no-op.
parse_jobs_table: Final = Table(
    "parse_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(20), nullable=False),  # parse | reparse | ocr
    Column("state", String(20), nullable=False),
    Column("worker", Text),  # who did it (host:pid)
    Column("queued_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("parse_status", String(20)),
    Column("outcome", String(20)),  # record_document's
    Column("reason", Text),
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
