"""The divisions table in the database: GB/T 2260 rows and their old → new code links.

Loaded from the parser's packaged table (`reportparser.divisions`) by migration 0004, and again
by `scrapy db divisions` after the yearly refresh of that table (reportparser/data/README.md).
The `division_lineage` view follows one place across its code changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete

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


_DIVISION_COLUMNS = (
    "code",
    "since",
    "until",
    "name",
    "level",
    "province",
    "prefecture",
    "parent_code",
)
_LINK_COLUMNS = ("code", "since", "new_code", "year", "kind")


def _insert_many(conn: Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    """One DBAPI executemany of plain tuples: 11 000 rows cost a third of SQLAlchemy's
    parameter handling, and every new database (every test store) loads them."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # Table and column names are constants of this module: no outside input reaches the SQL.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"  # noqa: S608
    )
    conn.exec_driver_sql(sql, [tuple(row[c] for c in columns) for row in rows])


def load_divisions(conn: Connection, rows: tuple[Division, ...] | None = None) -> int:
    """Replace the divisions and their links with `rows` (default: the packaged table), in the
    caller's transaction; return the number of division rows."""
    divisions, links = division_rows(table().rows if rows is None else rows)
    conn.execute(delete(division_links_table))
    conn.execute(delete(divisions_table))
    if divisions:
        _insert_many(conn, "divisions", _DIVISION_COLUMNS, divisions)
    if links:
        _insert_many(conn, "division_links", _LINK_COLUMNS, links)
    return len(divisions)
