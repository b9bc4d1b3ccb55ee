"""Initial schema: counties, reports, figures, findings, sources, revisions, pages, crawl runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of models.types: a migration must not change when the models do. FigureNumber
# is NUMERIC and UtcDateTime a timezone-aware DATETIME / TIMESTAMP WITH TIME ZONE.
Number = sa.Numeric
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "counties",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefecture", sa.String(100), nullable=True),
        sa.Column("province", sa.String(100), nullable=True),
        sa.Column("site", sa.String(255), nullable=True),
        sa.Column("slug", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_counties"),
        sa.UniqueConstraint("slug", name="uq_counties_slug"),
    )
    op.create_table(
        "pages",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("fetched_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_pages"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("spider", sa.String(100), nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reports_new", sa.Integer(), nullable=False),
        sa.Column("reports_updated", sa.Integer(), nullable=False),
        sa.Column("reports_unchanged", sa.Integer(), nullable=False),
        sa.Column("reports_failed", sa.Integer(), nullable=False),
        sa.Column("documents_not_report", sa.Integer(), nullable=False),
        sa.Column("documents_skipped", sa.Integer(), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("pages_not_modified", sa.Integer(), nullable=False),
        sa.Column("http_errors", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["counties.code"], name="fk_crawl_runs_county_code_counties"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_index(
        "ix_crawl_runs_county_code_started_at", "crawl_runs", ["county_code", "started_at"]
    )
    # reports.source_id and sources.report_id reference each other: SQLite accepts the forward
    # reference inline, PostgreSQL gets the constraint once both tables exist.
    report_source_fk = sa.ForeignKeyConstraint(
        ["source_id"], ["sources.id"], name="fk_reports_source_id_sources", ondelete="SET NULL"
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(255), nullable=False),
        sa.Column("county", sa.String(100), nullable=True),
        sa.Column("scope", sa.String(20), nullable=True),
        sa.Column("template", sa.String(10), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("figure_count", sa.Integer(), nullable=False),
        sa.Column("hard_finding_count", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("scope IN ('county', 'department')", name="ck_reports_scope"),
        sa.CheckConstraint("template IN ('2019', '2021', 'legacy')", name="ck_reports_template"),
        sa.ForeignKeyConstraint(
            ["county_code"], ["counties.code"], name="fk_reports_county_code_counties"
        ),
        *([report_source_fk] if sqlite else []),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint(
            "county_code", "year", "agency", name="uq_reports_county_code_year_agency"
        ),
    )
    op.create_index("ix_reports_year", "reports", ["year"])
    op.create_table(
        "figures",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", Number(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_figures_report_id_reports", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("report_id", "key", name="pk_figures"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("parent_url", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", Timestamp, nullable=False),
        sa.Column("checked_at", Timestamp, nullable=False),
        sa.Column("listing_title", sa.Text(), nullable=True),
        sa.Column("listing_date", sa.String(40), nullable=True),
        sa.Column("listing_signature", sa.Text(), nullable=True),
        sa.Column("hints", sa.JSON(), nullable=True),
        sa.Column("year_hint", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("engine", sa.String(40), nullable=True),
        sa.Column("parse_status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["counties.code"], name="fk_sources_county_code_counties"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_sources_report_id_reports", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("url", name="uq_sources_url"),
    )
    op.create_index("ix_sources_county_code", "sources", ["county_code"])
    op.create_index("ix_sources_report_id", "sources", ["report_id"])
    if not sqlite:
        op.create_foreign_key(
            "fk_reports_source_id_sources",
            "reports",
            "sources",
            ["source_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("expected", Number(), nullable=True),
        sa.Column("actual", Number(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("origin IN ('parser', 'store')", name="ck_findings_origin"),
        sa.CheckConstraint("severity IN ('hard', 'warning')", name="ck_findings_severity"),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_findings_report_id_reports", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_findings_source_id_sources", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_report_id", "findings", ["report_id"])
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("superseded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_revisions_report_id_reports",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_revisions_source_id_sources",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_revisions"),
        sa.UniqueConstraint("report_id", "revision", name="uq_revisions_report_id_revision"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_reports_source_id_sources", "reports", type_="foreignkey")
    for table in ("revisions", "findings", "sources", "figures", "reports", "crawl_runs"):
        op.drop_table(table)
    op.drop_table("pages")
    op.drop_table("counties")
