"""Where each crawl's bytes came from, and how complete each report is.

`origin` on sources, pages and crawl_runs: `live` (the sites themselves) or `mirror:<dir or URL>`
(a saved mirror, the demo's fixture web). A crawl trusts a stored document or page as known and
fresh only when it was fetched from the same origin, so rows a mirror wrote are never taken for
the sites' own. NULL: stored before this revision, origin unknown (never trusted as fresh: the
next crawl of each origin fetches it once more, conditionally where the site allows).

`completeness` on reports (models.completeness): `complete`, `partial` (a section of the
template has no figure, or the parser lost part of a table) or `metadata_only` (no figure at
all). Only complete reports count as collected: the coverage view gains the status `partial`
and a `completeness` column, report_headlines a `completeness` column.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies, at the time of this migration, of models.completeness (the rules that mark a
# report partial) and of r0002's views: a later change to either must not change this revision.
PARTIAL_RULES = (
    "warning.missing_section",
    "warning.missing_rows",
    "warning.truncated",
    "warning.lost_cells",
    "warning.unconfirmed_table",
)
SECTIONS = ("active", "requests", "appeals")
HEADLINES = {
    "requests_received": ("requests.new.total",),
    "requests_disclosed": ("requests.disclosed.total",),
    "requests_partially_disclosed": ("requests.partially_disclosed.total",),
    "appeals": ("appeals.review.total",),
    "lawsuits": ("appeals.litigation_direct.total", "appeals.litigation_after_review.total"),
}


def _quoted(keys: tuple[str, ...]) -> str:
    return ", ".join(f"'{key}'" for key in keys)


def backfill_sql() -> str:
    # The same verdict as models.completeness.completeness, in SQL, for the reports stored
    # before this revision (the store computes it for every report it writes from now on).
    # Built from the constants above only: no outside input reaches this SQL.
    sections_missing = " OR ".join(
        "NOT EXISTS (SELECT 1 FROM figures AS f WHERE f.report_id = reports.id "  # noqa: S608
        f"AND f.value IS NOT NULL AND f.key LIKE '{section}.%')"
        for section in SECTIONS
    )
    return f"""UPDATE reports SET completeness = CASE
    WHEN figure_count = 0 THEN 'metadata_only'
    WHEN EXISTS (SELECT 1 FROM findings AS g WHERE g.report_id = reports.id
                 AND g.rule IN ({_quoted(PARTIAL_RULES)})) THEN 'partial'
    WHEN {sections_missing} THEN 'partial'
    ELSE 'complete'
END"""  # noqa: S608


def report_headlines_sql(with_completeness: bool) -> str:
    headline_columns = ",\n".join(
        f"    SUM(CASE WHEN f.key IN ({_quoted(keys)}) THEN f.value END) AS {name}"
        for name, keys in HEADLINES.items()
    )
    all_keys = tuple(key for keys in HEADLINES.values() for key in keys)
    completeness = "    r.completeness,\n" if with_completeness else ""
    return f"""CREATE VIEW report_headlines AS
SELECT
    r.id AS report_id,
    r.county_code,
    c.name AS county_name,
    r.county,
    r.year,
    r.agency,
    r.scope,
    r.template,
    r.title,
    r.published_at,
{headline_columns},
    r.figure_count,
    r.hard_finding_count,
{completeness}    r.parser_version,
    r.updated_at
FROM reports AS r
JOIN counties AS c ON c.code = r.county_code
LEFT JOIN figures AS f ON f.report_id = r.id AND f.key IN ({_quoted(all_keys)})
GROUP BY r.id, c.code"""  # noqa: S608


def coverage_sql(current_year: str, with_completeness: bool) -> str:
    # Collected: the county government's report is stored, complete and without hard findings.
    # Flagged: it has hard findings, or there is none and a document of that year failed.
    # Partial: it is stored but partial or metadata only (its figures cannot be trusted whole).
    if with_completeness:
        stats_extra = """,
        MIN(CASE WHEN scope = 'county' THEN
            CASE completeness WHEN 'complete' THEN 3 WHEN 'partial' THEN 2
                              WHEN 'metadata_only' THEN 1 ELSE 3 END END) AS best"""
        status = """CASE
        WHEN COALESCE(rs.hard_findings, 0) > 0 THEN 'flagged'
        WHEN COALESCE(rs.county_reports, 0) > 0 AND rs.best = 3 THEN 'collected'
        WHEN COALESCE(rs.county_reports, 0) > 0 THEN 'partial'
        WHEN COALESCE(fl.failed_documents, 0) > 0 THEN 'flagged'
        ELSE 'missing'
    END AS status"""
        completeness = """,
    CASE
        WHEN COALESCE(rs.county_reports, 0) > 0 THEN
            CASE rs.best WHEN 3 THEN 'complete' WHEN 2 THEN 'partial' ELSE 'metadata_only' END
        WHEN COALESCE(fl.failed_documents, 0) > 0 THEN 'failed'
    END AS completeness"""
    else:
        stats_extra = completeness = ""
        status = """CASE
        WHEN COALESCE(rs.hard_findings, 0) > 0 THEN 'flagged'
        WHEN COALESCE(rs.county_reports, 0) > 0 THEN 'collected'
        WHEN COALESCE(fl.failed_documents, 0) > 0 THEN 'flagged'
        ELSE 'missing'
    END AS status"""
    return f"""CREATE VIEW coverage AS
WITH RECURSIVE
bounds AS (
    SELECT MIN(y) AS first_year, MAX(y) AS last_year
    FROM (
        SELECT year AS y FROM reports
        UNION ALL
        SELECT {current_year} - 1
    ) AS known_years
),
years (year) AS (
    SELECT first_year FROM bounds
    UNION ALL
    SELECT years.year + 1 FROM years, bounds WHERE years.year < bounds.last_year
),
report_stats AS (
    SELECT
        county_code,
        year,
        SUM(CASE WHEN scope = 'county' THEN 1 ELSE 0 END) AS county_reports,
        SUM(CASE WHEN scope = 'county' THEN 0 ELSE 1 END) AS department_reports,
        SUM(CASE WHEN scope = 'county' THEN hard_finding_count ELSE 0 END) AS hard_findings{
        stats_extra
    }
    FROM reports
    GROUP BY county_code, year
),
failures AS (
    SELECT county_code, year_hint AS year, COUNT(*) AS failed_documents
    FROM sources
    WHERE outcome = 'failed' AND year_hint IS NOT NULL
    GROUP BY county_code, year_hint
)
SELECT
    c.code AS county_code,
    c.name AS county_name,
    c.prefecture,
    y.year,
    {status},
    COALESCE(rs.county_reports, 0) AS county_reports,
    COALESCE(rs.department_reports, 0) AS department_reports,
    COALESCE(rs.hard_findings, 0) AS hard_findings,
    COALESCE(fl.failed_documents, 0) AS failed_documents{completeness}
FROM counties AS c
CROSS JOIN years AS y
LEFT JOIN report_stats AS rs ON rs.county_code = c.code AND rs.year = y.year
LEFT JOIN failures AS fl ON fl.county_code = c.code AND fl.year = y.year
WHERE c.site IS NOT NULL OR EXISTS (SELECT 1 FROM reports AS r WHERE r.county_code = c.code)"""  # noqa: S608


def _current_year() -> str:
    if op.get_bind().dialect.name == "sqlite":
        return "CAST(strftime('%Y', 'now') AS INTEGER)"
    return "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)"


def _replace_views(with_completeness: bool) -> None:
    op.execute("DROP VIEW coverage")
    op.execute("DROP VIEW report_headlines")
    op.execute(report_headlines_sql(with_completeness))
    op.execute(coverage_sql(_current_year(), with_completeness))


def upgrade() -> None:
    # Plain ADD COLUMN on both engines (see 0008: no batch rebuild under the views).
    for table in ("sources", "pages", "crawl_runs"):
        op.add_column(table, sa.Column("origin", sa.String(length=255), nullable=True))
    op.add_column("reports", sa.Column("completeness", sa.String(length=20), nullable=True))
    op.execute(backfill_sql())
    _replace_views(with_completeness=True)


def downgrade() -> None:
    # The views read reports.completeness: back to their 0002 form first.
    _replace_views(with_completeness=False)
    op.drop_column("reports", "completeness")
    for table in ("crawl_runs", "pages", "sources"):
        op.drop_column(table, "origin")
