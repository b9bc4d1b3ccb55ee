"""Pages: the county a page belongs to, and the Content-Type it was served with.

`county_code` lets a crawl load every page of a county in one query instead of one per
request; `content_type` lets a 304 be replayed with the page's charset when only the HTTP
header gave it. Existing pages get the county whose site (or whose documents' hosts) their
host belongs to; their Content-Type stays unknown until they are fetched again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("county_code", sa.String(6), nullable=True))
        batch.add_column(sa.Column("content_type", sa.String(255), nullable=True))
        batch.create_foreign_key(
            "fk_pages_county_code_counties", "counties", ["county_code"], ["code"]
        )
        batch.create_index("ix_pages_county_code", ["county_code"])
    _assign_counties(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_index("ix_pages_county_code")
        batch.drop_constraint("fk_pages_county_code_counties", type_="foreignkey")
        batch.drop_column("content_type")
        batch.drop_column("county_code")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _assign_counties(conn: sa.Connection) -> None:
    hosts: dict[str, str] = {}
    domains: dict[str, str] = {}
    for code, url in conn.execute(sa.text("SELECT county_code, url FROM sources")):
        hosts.setdefault(_host(url), code)
    for code, site in conn.execute(sa.text("SELECT code, site FROM counties")):
        if site:
            hosts.setdefault(site.lower(), code)
            domains[site.lower().removeprefix("www.")] = code
    assigned = []
    for (url,) in conn.execute(sa.text("SELECT url FROM pages")):
        host = _host(url)
        code = (
            hosts.get(host)
            or domains.get(host)
            or next((c for domain, c in domains.items() if host.endswith("." + domain)), None)
        )
        if code is not None:
            assigned.append({"url": url, "code": code})
    if assigned:
        conn.execute(sa.text("UPDATE pages SET county_code = :code WHERE url = :url"), assigned)
