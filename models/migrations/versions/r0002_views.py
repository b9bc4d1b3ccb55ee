"""Views: report_headlines (one row per report) and coverage (county × year).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from models.viewsql import coverage_sql, current_year_sql, report_headlines_sql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The views as of this revision (without completeness, which 0005 adds): models.viewsql.
    op.execute(report_headlines_sql(with_completeness=False))
    op.execute(coverage_sql(current_year_sql(op.get_bind().dialect.name), with_completeness=False))


def downgrade() -> None:
    op.execute("DROP VIEW coverage")
    op.execute("DROP VIEW report_headlines")
