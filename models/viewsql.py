"""The views' SQL, as the migrations that create them froze it.

A migration must not change once released: each definition here is that of the revision noted
beside it, used by that migration and never edited afterwards; a later migration that changes a
view adds a definition of its own. `current_views` gives the newest one of each view, what a
new database made from the models gets (`models.migrate.create_new`);
`tests/models/test_migrations.py` checks it against a database built by every migration. Built
from constants only: no outside input reaches this SQL.
"""

from __future__ import annotations

from typing import Final

# As of 0002 (unchanged by 0005): the figures each headline column adds up, a frozen copy of
# reportparser.vocabulary.HEADLINE_FIGURES at that time.
HEADLINES: Final = {
    "requests_received": ("requests.new.total",),
    "requests_disclosed": ("requests.disclosed.total",),
    "requests_partially_disclosed": ("requests.partially_disclosed.total",),
    "appeals": ("appeals.review.total",),
    "lawsuits": ("appeals.litigation_direct.total", "appeals.litigation_after_review.total"),
}


def quoted(keys: tuple[str, ...]) -> str:
    """SQL string literals, comma-separated."""
    return ", ".join(f"'{key}'" for key in keys)


# division_lineage as of 0004.
LINEAGE_VIEW: Final = """CREATE VIEW division_lineage AS
WITH RECURSIVE later(code, related_code, steps) AS (
    SELECT DISTINCT code, new_code, 1 FROM division_links
    WHERE kind = 'successor' AND new_code <> code
    UNION
    SELECT later.code, l.new_code, later.steps + 1
    FROM later JOIN division_links AS l ON l.code = later.related_code
    WHERE l.kind = 'successor' AND l.new_code <> later.code AND later.steps < 20
)
SELECT code, related_code, 'later' AS direction, MIN(steps) AS steps
FROM later GROUP BY code, related_code
UNION ALL
SELECT related_code AS code, code AS related_code, 'earlier' AS direction, MIN(steps) AS steps
FROM later GROUP BY code, related_code"""


# report_headlines and coverage as of 0005; without completeness, as of 0002 (0002's upgrade
# and 0005's downgrade).
def report_headlines_sql(with_completeness: bool) -> str:
    # A headline that sums several keys counts the non-empty ones; NULL when none is present.
    headline_columns = ",\n".join(
        f"    SUM(CASE WHEN f.key IN ({quoted(keys)}) THEN f.value END) AS {name}"
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
LEFT JOIN figures AS f ON f.report_id = r.id AND f.key IN ({quoted(all_keys)})
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


def current_year_sql(dialect: str) -> str:
    """This year as an SQL integer, on SQLite or PostgreSQL (coverage as of 0005)."""
    if dialect == "sqlite":
        return "CAST(strftime('%Y', 'now') AS INTEGER)"
    return "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)"


def current_views(dialect: str) -> tuple[str, ...]:
    """The CREATE VIEW statements of the schema at the newest migration, on `dialect`."""
    return (
        LINEAGE_VIEW,
        report_headlines_sql(with_completeness=True),
        coverage_sql(current_year_sql(dialect), with_completeness=True),
    )
