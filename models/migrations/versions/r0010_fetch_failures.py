"""Fetch failures: the URLs the latest crawl of a county could not fetch, and why.

A list page, report page or attachment that failed for good (5xx after the retries, timeouts,
a redirect loop, a body over the size limit) was only a line in the log; now each is a row
(`fetch_failures`), replaced by the county's next crawl, which retries it.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fetch_failures",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("crawls", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", Timestamp, nullable=False),
        sa.Column("last_failed_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "kind IN ('page', 'document', 'attachment')", name="ck_fetch_failures_kind"
        ),
        sa.ForeignKeyConstraint(
            ["county_code"], ["counties.code"], name="fk_fetch_failures_county_code_counties"
        ),
        sa.PrimaryKeyConstraint("url", name="pk_fetch_failures"),
    )
    op.create_index("ix_fetch_failures_county_code", "fetch_failures", ["county_code"])


def downgrade() -> None:
    op.drop_index("ix_fetch_failures_county_code", table_name="fetch_failures")
    op.drop_table("fetch_failures")
