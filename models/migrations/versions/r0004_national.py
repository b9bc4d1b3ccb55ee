"""National divisions: report levels, the GB/T 2260 table and its code links, county facts.

`reports.level` (county | prefecture | province) and `counties.level`, existing rows derived
from their codes (`…0000` a province, `…00` a prefecture). `counties.family` and
`counties.site_verified` come from the registry (synced by every crawl). The `divisions` and
`division_links` tables are loaded from the packaged table; the `division_lineage` view follows
one place across its code changes (docs/database.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.divisions import load_divisions
from models.viewsql import LINEAGE_VIEW  # frozen as of this revision
from reportparser.divisions import table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LEVELS = "level IN ('county', 'prefecture', 'province')"
_LEVEL_OF_CODE = (
    "CASE WHEN {c} LIKE '%0000' THEN 'province' WHEN {c} LIKE '%00' THEN 'prefecture' "
    "ELSE 'county' END"
)


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite would rebuild a table to add a CHECK, and rebuilding a table
    # that others reference cascades deletes into them (the parser only writes these levels).
    op.add_column("reports", sa.Column("level", sa.String(20), nullable=True))
    op.add_column("counties", sa.Column("level", sa.String(20), nullable=True))
    op.add_column("counties", sa.Column("family", sa.String(40), nullable=True))
    op.add_column("counties", sa.Column("site_verified", sa.Boolean(), nullable=True))
    op.execute(f"UPDATE reports SET level = {_LEVEL_OF_CODE.format(c='county_code')}")  # noqa: S608
    op.execute(f"UPDATE counties SET level = {_LEVEL_OF_CODE.format(c='code')}")  # noqa: S608
    op.create_table(
        "divisions",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("since", sa.Integer(), nullable=False),
        sa.Column("until", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("province", sa.String(100), nullable=False),
        sa.Column("prefecture", sa.String(100), nullable=True),
        sa.Column("parent_code", sa.String(6), nullable=True),
        sa.CheckConstraint(_LEVELS, name="ck_divisions_level"),
        sa.PrimaryKeyConstraint("code", "since", name="pk_divisions"),
    )
    op.create_index("ix_divisions_name", "divisions", ["name"])
    op.create_table(
        "division_links",
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("since", sa.Integer(), nullable=False),
        sa.Column("new_code", sa.String(6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.CheckConstraint("kind IN ('successor', 'transfer')", name="ck_division_links_kind"),
        sa.PrimaryKeyConstraint("code", "since", "new_code", "year", name="pk_division_links"),
    )
    op.create_index("ix_division_links_new_code", "division_links", ["new_code"])
    load_divisions(op.get_bind(), table().rows)
    op.execute(LINEAGE_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW division_lineage")
    op.drop_index("ix_division_links_new_code", "division_links")
    op.drop_table("division_links")
    op.drop_index("ix_divisions_name", "divisions")
    op.drop_table("divisions")
    op.drop_column("counties", "site_verified")
    op.drop_column("counties", "family")
    op.drop_column("counties", "level")
    op.drop_column("reports", "level")
