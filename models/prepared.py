"""Statements built once and run cheaply: the store's per-document path (issue 9).

Running a small statement through SQLAlchemy Core (execution context, events, the statement's
cache key, result set-up) costs several times what SQLite spends on it, and the store runs a
dozen per document. A `Prepared` statement is a Core construct built once per dialect. On
SQLite it is also compiled once and run on the transaction's own sqlite3 cursor, with the bind
and result processors of the column types that Core itself would apply, so values go in and
come back exactly as through Core. Elsewhere (PostgreSQL, where the server's work dominates) it
runs through Core, whose compiled cache it hits: the construct is the same object every time.

Rows come back as named tuples on SQLite and as Core `Row`s elsewhere: read them by attribute
or position only.
"""

from __future__ import annotations

import collections
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect

from models.schema import metadata

Processor = Callable[[Any], Any]
Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement compiled for SQLite: its SQL, and how to make its positional parameters."""

    sql: str
    names: tuple[str, ...]  # the parameters to give, by bind name, in positional order
    # A bind with a value of its own (a literal in the statement): its position and its value,
    # already processed, in ascending positions.
    constants: tuple[tuple[int, Any], ...]
    # The positions whose value the column type processes (a datetime, JSON), and how.
    processors: tuple[tuple[int, Processor], ...]
    make_row: Callable[[Iterable[Any]], Any] | None  # the named tuple of a statement's rows
    row_processors: tuple[Processor | None, ...]

    @classmethod
    def of(cls, statement: Any, dialect: Dialect, column_keys: Sequence[str] | None) -> _Compiled:
        compiled = statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        assert compiled.positional, "SQLite's paramstyle is positional"
        names: list[str] = []
        processors: list[tuple[int, Processor]] = []
        constants: list[tuple[int, Any]] = []
        for position, name in enumerate(compiled.positiontup or ()):
            bind = compiled.binds[name]
            if bind.expanding:
                # An IN list expanded at each execution: build it of bindparams instead.
                raise ValueError(f"expanding parameter {name!r} in a prepared statement")
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if not bind.required:
                value = bind.effective_value
                constants.append((position, value if process is None else process(value)))
                continue
            names.append(name)
            if process is not None:
                processors.append((position, process))
        make_row = None
        row_processors: tuple[Processor | None, ...] = ()
        columns = list(statement.exported_columns)  # a SELECT's columns, or RETURNING's
        if columns:
            make_row = collections.namedtuple(  # type: ignore[attr-defined]
                "Row", [column.key for column in columns], rename=True
            )._make
            row_processors = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
        return cls(
            str(compiled),
            tuple(names),
            tuple(constants),
            tuple(processors),
            make_row,
            row_processors,
        )

    def values(self, params: Params) -> list[Any]:
        values = [params[name] for name in self.names]
        for position, value in self.constants:  # ascending: each lands at its position
            values.insert(position, value)
        for position, process in self.processors:
            values[position] = process(values[position])
        return values

    def row(self, raw: Sequence[Any]) -> Any:
        assert self.make_row is not None
        return self.make_row(
            value if process is None else process(value)
            for value, process in zip(raw, self.row_processors, strict=True)
        )


class Prepared:
    """A statement built by `build(dialect)` once per dialect (see the module docstring).

    `column_keys`: for an INSERT without values, the columns its parameters give (as
    `Compiled.compile(column_keys=…)`); every execution must give them all.
    """

    def __init__(
        self, build: Callable[[Dialect], Any], *, column_keys: Sequence[str] | None = None
    ) -> None:
        self._build = build
        self._column_keys = tuple(column_keys) if column_keys is not None else None
        self._statements: weakref.WeakKeyDictionary[Dialect, tuple[Any, _Compiled | None]] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def of(cls, statement: Any, *, column_keys: Sequence[str] | None = None) -> Prepared:
        """A statement that is the same for every dialect."""
        return cls(lambda _dialect: statement, column_keys=column_keys)

    def statement(self, dialect: Dialect) -> Any:
        """The Core construct for `dialect`."""
        return self._entry(dialect)[0]

    def _entry(self, dialect: Dialect) -> tuple[Any, _Compiled | None]:
        entry = self._statements.get(dialect)
        if entry is None:
            statement = self._build(dialect)
            compiled = (
                _Compiled.of(statement, dialect, self._column_keys)
                if dialect.name == "sqlite"
                else None
            )
            entry = self._statements[dialect] = (statement, compiled)
        return entry

    def all(self, conn: Connection, params: Params | None = None) -> list[Any]:
        """Execute; every row."""
        statement, compiled = self._entry(conn.dialect)
        if compiled is None:
            return list(conn.execute(statement, params or {}))
        cursor = _cursor(conn)
        try:
            cursor.execute(compiled.sql, compiled.values(params or {}))
            raws = cursor.fetchall()
        finally:
            cursor.close()
        return [compiled.row(raw) for raw in raws]

    def first(self, conn: Connection, params: Params | None = None) -> Any:
        """Execute; the first row, or None."""
        statement, compiled = self._entry(conn.dialect)
        if compiled is None:
            return conn.execute(statement, params or {}).first()
        cursor = _cursor(conn)
        try:
            cursor.execute(compiled.sql, compiled.values(params or {}))
            raw = cursor.fetchone()
        finally:
            cursor.close()
        return None if raw is None else compiled.row(raw)

    def scalar(self, conn: Connection, params: Params | None = None) -> Any:
        """Execute; the first column of the first row, or None."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def run(self, conn: Connection, params: Params | None = None) -> int:
        """Execute a statement that returns no rows; the number of rows it changed."""
        statement, compiled = self._entry(conn.dialect)
        if compiled is None:
            return int(conn.execute(statement, params or {}).rowcount)
        cursor = _cursor(conn)
        try:
            cursor.execute(compiled.sql, compiled.values(params or {}))
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def run_many(self, conn: Connection, rows: Sequence[Params]) -> None:
        """Execute once per parameter set (an executemany)."""
        if not rows:
            return
        statement, compiled = self._entry(conn.dialect)
        if compiled is None:
            conn.execute(statement, list(rows))
            return
        cursor = _cursor(conn)
        try:
            cursor.executemany(compiled.sql, [compiled.values(row) for row in rows])
        finally:
            cursor.close()


@dataclass(frozen=True, slots=True)
class _BulkInsert:
    sql: str
    columns: tuple[str, ...]  # every column but an autoincrement id, in table order
    positional: bool  # parameters are a tuple in `columns` order, else a dict
    copy: str  # PostgreSQL's COPY of the same columns


_BULK_INSERTS: weakref.WeakKeyDictionary[Dialect, dict[str, _BulkInsert]] = (
    weakref.WeakKeyDictionary()
)


def _bulk_insert(dialect: Dialect, table_name: str) -> _BulkInsert:
    """Core's INSERT INTO `table_name` compiled for `dialect`, once."""
    known = _BULK_INSERTS.setdefault(dialect, {})
    insert = known.get(table_name)
    if insert is None:
        table = metadata.tables[table_name]
        columns = tuple(c.name for c in table.columns if c.name != "id")
        compiled = table.insert().inline().compile(dialect=dialect, column_keys=list(columns))
        if compiled.positional:
            assert tuple(compiled.positiontup or ()) == columns, compiled.positiontup
        copy = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        insert = known[table_name] = _BulkInsert(
            str(compiled), columns, bool(compiled.positional), copy
        )
    return insert


def insert_rows(conn: Connection, table_name: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows of a table (every column but `id`, in table order) straight to the driver, with no
    bind processing: the values must be what the driver takes (~200 figure rows a report).

    SQLite: one executemany of Core's INSERT compiled for the dialect, on the transaction's
    sqlite3 cursor (about twice the rows per CPU second of a Core executemany). PostgreSQL: COPY
    in the same transaction (about four times the reports per second of psycopg's pipelined
    executemany); a float goes as its shortest repr, which NUMERIC reads exactly.
    """
    if not rows:
        return
    insert = _bulk_insert(conn.dialect, table_name)
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(insert.copy) as copy:
            for row in rows:
                copy.write_row(row)
    elif insert.positional:
        cursor = _cursor(conn)
        try:
            cursor.executemany(insert.sql, rows)
        finally:
            cursor.close()
    else:
        conn.exec_driver_sql(
            insert.sql, [dict(zip(insert.columns, row, strict=True)) for row in rows]
        )


def _cursor(conn: Connection) -> Any:
    """A cursor of the transaction's own sqlite3 connection.

    Core begins a transaction at a connection's first statement; one that begins here must be
    begun the same way (the engine's "begin" event: BEGIN or BEGIN IMMEDIATE)."""
    if not conn.in_transaction():
        conn.begin()
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver.cursor()
