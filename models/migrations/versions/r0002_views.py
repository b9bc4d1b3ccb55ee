"""Views: report_headlines (one row per report) and coverage (county × year).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copy of reportparser.vocabulary.HEADLINE_FIGURES at the time of this migration.
HEADLINES = {
    "requests_received": ("requests.new.total",),
    "requests_disclosed": ("requests.disclosed.total",),
    "requests_partially_disclosed": ("requests.partially_disclosed.total",),
    "appeals": ("appeals.review.total",),
    "lawsuits": ("appeals.litigation_direct.total", "appeals.litigation_after_review.total"),
}


def _quoted(keys: tuple[str, ...]) -> str:
    return ", ".join(f"'{key}'" for key in keys)


def report_headlines_sql() -> str:
    # A headline that sums several keys counts the non-empty ones; NULL when none is present.
    headline_columns = ",\n".join(
        f"    SUM(CASE WHEN f.key IN ({_quoted(keys)}) THEN f.value END) AS {name}"
        for name, keys in HEADLINES.items()
    )
    all_keys = tuple(key for keys in HEADLINES.values() for key in keys)
    # Built from the constants above only: no outside input reaches this SQL.
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
    r.parser_version,
    r.updated_at
FROM reports AS r
JOIN counties AS c ON c.code = r.county_code
LEFT JOIN figures AS f ON f.report_id = r.id AND f.key IN ({_quoted(all_keys)})
GROUP BY r.id, c.code"""  # noqa: S608


def coverage_sql(current_year: str) -> str:
    # Years run from the oldest report to the last complete year (reports for year Y appear
    # in early Y+1). Flagged: the county report has hard findings, or there is none and a
    # document of that year (by its title) failed to parse.
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
        SUM(CASE WHEN scope = 'county' THEN hard_finding_count ELSE 0 END) AS hard_findings
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
    CASE
        WHEN COALESCE(rs.hard_findings, 0) > 0 THEN 'flagged'
        WHEN COALESCE(rs.county_reports, 0) > 0 THEN 'collected'
        WHEN COALESCE(fl.failed_documents, 0) > 0 THEN 'flagged'
        ELSE 'missing'
    END AS status,
    COALESCE(rs.county_reports, 0) AS county_reports,
    COALESCE(rs.department_reports, 0) AS department_reports,
    COALESCE(rs.hard_findings, 0) AS hard_findings,
    COALESCE(fl.failed_documents, 0) AS failed_documents
FROM counties AS c
CROSS JOIN years AS y
LEFT JOIN report_stats AS rs ON rs.county_code = c.code AND rs.year = y.year
LEFT JOIN failures AS fl ON fl.county_code = c.code AND fl.year = y.year
WHERE c.site IS NOT NULL OR EXISTS (SELECT 1 FROM reports AS r WHERE r.county_code = c.code)"""  # noqa: S608


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        current_year = "CAST(strftime('%Y', 'now') AS INTEGER)"
    else:
        current_year = "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)"
    op.execute(report_headlines_sql())
    op.execute(coverage_sql(current_year))


def downgrade() -> None:
    op.execute("DROP VIEW coverage")
    op.execute("DROP VIEW report_headlines")
