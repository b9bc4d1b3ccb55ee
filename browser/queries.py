"""The browser's reads: plain SQL on Datasette's read-only connections to the crawl's database.

Each function is one page's worth of queries and returns plain dicts (column → value); the pages
are built from them by `browser.pages`. The tables and views are those of docs/database.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

Row = dict[str, Any]

_REPORT = """
SELECT r.*, c.name AS county_name, c.slug, c.prefecture, c.province
FROM reports AS r JOIN counties AS c ON c.code = r.county_code
WHERE r.id = :id
"""
_FIGURES = "SELECT key, value FROM figures WHERE report_id = :id"
_FINDINGS = """
SELECT origin, position, rule, severity, message, expected, actual, source_id
FROM findings WHERE report_id = :id
ORDER BY origin = 'store', position
"""
_SOURCES = """
SELECT id, url, final_url, parent_url, kind, format, engine, content_type, sha256, size,
       fetched_at, checked_at, listing_title, listing_date, parse_status, reason, outcome,
       parser_version
FROM sources WHERE report_id = :id
ORDER BY id
"""
_REVISIONS = """
SELECT rv.revision, rv.reason, rv.parser_version, rv.created_at, rv.superseded_at,
       rv.figures, s.url AS source_url
FROM revisions AS rv LEFT JOIN sources AS s ON s.id = rv.source_id
WHERE rv.report_id = :id
ORDER BY rv.revision DESC
"""
_SIBLINGS = """
SELECT id, year, agency, scope FROM reports
WHERE county_code = :code AND id != :id AND (year = :year OR agency = :agency)
ORDER BY year, scope, agency
"""
_COUNTY = "SELECT * FROM counties WHERE code = :code"
_COUNTY_REPORTS = """
SELECT h.report_id AS id, h.year, h.agency, h.scope, h.template, h.title, h.published_at,
       h.requests_received, h.appeals, h.lawsuits, h.figure_count, h.hard_finding_count,
       r.revision
FROM report_headlines AS h JOIN reports AS r ON r.id = h.report_id
WHERE h.county_code = :code
ORDER BY h.year DESC, h.scope, h.agency
"""
_CRAWL_RUNS = """
SELECT id, spider, started_at, finished_at, status, reports_new, reports_updated,
       reports_unchanged, reports_failed, documents_not_report, documents_skipped,
       pages_fetched, pages_not_modified, http_errors, alerts
FROM crawl_runs WHERE county_code = :code
ORDER BY started_at DESC, id DESC
LIMIT 100
"""
_COUNTY_REVISIONS = """
SELECT rv.report_id, r.year, r.agency, rv.revision, rv.reason, rv.parser_version,
       rv.created_at, rv.superseded_at
FROM revisions AS rv JOIN reports AS r ON r.id = rv.report_id
WHERE r.county_code = :code
ORDER BY rv.superseded_at DESC, rv.id DESC
"""
_FAILED_SOURCES = """
SELECT url, kind, format, parse_status, reason, http_status, year_hint, fetched_at, sha256
FROM sources WHERE county_code = :code AND outcome = 'failed'
ORDER BY year_hint DESC, url
"""
_COVERAGE = """
SELECT cv.*, c.province FROM coverage AS cv JOIN counties AS c ON c.code = cv.county_code
WHERE (:province = '' OR c.province = :province)
  AND (:prefecture = '' OR cv.prefecture = :prefecture)
ORDER BY cv.county_code, cv.year
"""
# The latest run of each county (the index on (county_code, started_at) serves the probe).
_LATEST_RUNS = """
SELECT r.county_code, r.status, r.started_at, r.alerts
FROM crawl_runs AS r
WHERE NOT EXISTS (
    SELECT 1 FROM crawl_runs AS later
    WHERE later.county_code = r.county_code
      AND (later.started_at > r.started_at
           OR (later.started_at = r.started_at AND later.id > r.id))
)
"""
_COUNTY_REPORT_IDS = """
SELECT county_code, year, MIN(id) AS id FROM reports WHERE scope = 'county'
GROUP BY county_code, year
"""
_PROVINCES = """
SELECT DISTINCT province FROM counties WHERE province IS NOT NULL ORDER BY province
"""
_ARCHIVED = """
SELECT url, content_type FROM sources WHERE sha256 = :sha256 ORDER BY id LIMIT 1
"""


class Database(Protocol):
    """What is needed of Datasette's `Database`: read queries with named parameters."""

    async def execute(self, sql: str, params: Mapping[str, Any]) -> Any: ...


async def _rows(db: Database, sql: str, **params: Any) -> list[Row]:
    results = await db.execute(sql, params)
    return [dict(row) for row in results.rows]


async def _row(db: Database, sql: str, **params: Any) -> Row | None:
    rows = await _rows(db, sql, **params)
    return rows[0] if rows else None


@dataclass(frozen=True, slots=True)
class ReportData:
    report: Row
    figures: dict[str, Any]
    findings: list[Row]
    sources: list[Row]
    revisions: list[Row]
    siblings: list[Row]


async def report(db: Database, report_id: int) -> ReportData | None:
    row = await _row(db, _REPORT, id=report_id)
    if row is None:
        return None
    return ReportData(
        report=row,
        figures={r["key"]: r["value"] for r in await _rows(db, _FIGURES, id=report_id)},
        findings=await _rows(db, _FINDINGS, id=report_id),
        sources=await _rows(db, _SOURCES, id=report_id),
        revisions=await _rows(db, _REVISIONS, id=report_id),
        siblings=await _rows(
            db,
            _SIBLINGS,
            id=report_id,
            code=row["county_code"],
            year=row["year"],
            agency=row["agency"],
        ),
    )


@dataclass(frozen=True, slots=True)
class CountyData:
    county: Row
    reports: list[Row]
    crawl_runs: list[Row]
    revisions: list[Row]
    failed: list[Row]


async def county(db: Database, code: str) -> CountyData | None:
    row = await _row(db, _COUNTY, code=code)
    if row is None:
        return None
    return CountyData(
        county=row,
        reports=await _rows(db, _COUNTY_REPORTS, code=code),
        crawl_runs=await _rows(db, _CRAWL_RUNS, code=code),
        revisions=await _rows(db, _COUNTY_REVISIONS, code=code),
        failed=await _rows(db, _FAILED_SOURCES, code=code),
    )


@dataclass(frozen=True, slots=True)
class CoverageData:
    cells: list[Row]
    latest_runs: dict[str, Row]
    county_reports: dict[tuple[str, int], int]
    provinces: list[str]


async def coverage(db: Database, *, province: str = "", prefecture: str = "") -> CoverageData:
    return CoverageData(
        cells=await _rows(db, _COVERAGE, province=province, prefecture=prefecture),
        latest_runs={r["county_code"]: r for r in await _rows(db, _LATEST_RUNS)},
        county_reports={
            (r["county_code"], int(r["year"])): int(r["id"])
            for r in await _rows(db, _COUNTY_REPORT_IDS)
        },
        provinces=[r["province"] for r in await _rows(db, _PROVINCES)],
    )


async def archived(db: Database, sha256: str) -> Row | None:
    """The first source whose body is this blob: its URL and Content-Type as served."""
    return await _row(db, _ARCHIVED, sha256=sha256)
