"""The divisions table in the database: GB/T 2260 rows and their old → new code links.

Loaded from the parser's packaged table (`reportparser.divisions`) by migration 0004, and again
by `scrapy db divisions` after the yearly refresh of that table (reportparser/data/README.md).
The `division_lineage` view follows one place across its code changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert

from models.schema import division_links_table, divisions_table
from reportparser.divisions import Division, table


def division_rows(rows: tuple[Division, ...]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `divisions` and `division_links` rows of a division table."""
    divisions = [
        {
            "code": d.code,
            "since": d.since,
            "until": d.until,
            "name": d.name,
            "level": d.level,
            "province": d.province,
            "prefecture": d.prefecture,
            "parent_code": d.parent,
        }
        for d in rows
    ]
    links = [
        {"code": d.code, "since": d.since, "new_code": l.code, "year": l.year, "kind": l.kind}
        for d in rows
        for l in d.links  # noqa: E741
    ]
    return divisions, links


def load_divisions(conn: Connection, rows: tuple[Division, ...] | None = None) -> int:
    """Replace the divisions and their links with `rows` (default: the packaged table), in the
    caller's transaction; return the number of division rows."""
    divisions, links = division_rows(table().rows if rows is None else rows)
    conn.execute(delete(division_links_table))
    conn.execute(delete(divisions_table))
    if divisions:
        conn.execute(insert(divisions_table), divisions)
    if links:
        conn.execute(insert(division_links_table), links)
    return len(divisions)
