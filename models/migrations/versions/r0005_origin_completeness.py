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

from models.viewsql import coverage_sql, current_year_sql, quoted, report_headlines_sql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# A frozen copy, at the time of this migration, of models.completeness (the rules that mark a
# report partial): a later change to it must not change this revision. The views' SQL, as of
# this revision and of 0002 (for the downgrade), is frozen in models.viewsql.
PARTIAL_RULES = (
    "warning.missing_section",
    "warning.missing_rows",
    "warning.truncated",
    "warning.lost_cells",
    "warning.unconfirmed_table",
)
SECTIONS = ("active", "requests", "appeals")


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
                 AND g.rule IN ({quoted(PARTIAL_RULES)})) THEN 'partial'
    WHEN {sections_missing} THEN 'partial'
    ELSE 'complete'
END"""  # noqa: S608


def _replace_views(with_completeness: bool) -> None:
    op.execute("DROP VIEW coverage")
    op.execute("DROP VIEW report_headlines")
    op.execute(report_headlines_sql(with_completeness))
    op.execute(coverage_sql(current_year_sql(op.get_bind().dialect.name), with_completeness))


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
