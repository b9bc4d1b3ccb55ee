"""Cluster jobs: county crawls on Scrapyd nodes, documents for parse workers.

`crawl_jobs`: one county's crawl per row, claimed by `scrapy cluster` with FOR UPDATE SKIP
LOCKED; a partial unique index forbids two running jobs for one site. `parse_jobs`: stored
documents waiting for a `scrapy parseworker`; a partial unique index keeps one queued job per
document. Both live in the one database every node writes to (PostgreSQL in a cluster).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen copy of models.types.UtcDateTime.
Timestamp = sa.DateTime(timezone=True)
_RUNNING = sa.text("state = 'running'")
_QUEUED = sa.text("state = 'queued'")


def upgrade() -> None:
    op.create_table(
        "crawl_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(100), nullable=False),
        sa.Column("spider", sa.String(100), nullable=False),
        sa.Column("county_code", sa.String(12), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("node", sa.Text(), nullable=True),
        sa.Column("scrapyd_job", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("crawl_status", sa.String(20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="ck_crawl_jobs_state"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_jobs"),
        sa.UniqueConstraint("batch", "spider", name="uq_crawl_jobs_batch_spider"),
    )
    op.create_index("ix_crawl_jobs_state", "crawl_jobs", ["state"])
    op.create_index(
        "uq_crawl_jobs_running_site",
        "crawl_jobs",
        ["site"],
        unique=True,
        postgresql_where=_RUNNING,
        sqlite_where=_RUNNING,
    )
    op.create_table(
        "parse_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("queued_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("parse_status", sa.String(20), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'done', 'failed')", name="ck_parse_jobs_state"),
        sa.CheckConstraint("purpose IN ('parse', 'reparse', 'ocr')", name="ck_parse_jobs_purpose"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_parse_jobs_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_parse_jobs"),
    )
    op.create_index("ix_parse_jobs_state", "parse_jobs", ["state"])
    op.create_index(
        "uq_parse_jobs_queued_source",
        "parse_jobs",
        ["source_id"],
        unique=True,
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )


def downgrade() -> None:
    op.drop_index("uq_parse_jobs_queued_source", "parse_jobs")
    op.drop_index("ix_parse_jobs_state", "parse_jobs")
    op.drop_table("parse_jobs")
    op.drop_index("uq_crawl_jobs_running_site", "crawl_jobs")
    op.drop_index("ix_crawl_jobs_state", "crawl_jobs")
    op.drop_table("crawl_jobs")
