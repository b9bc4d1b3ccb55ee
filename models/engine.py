"""Engines for the store: SQLite (WAL, foreign keys, immediate transactions) or PostgreSQL."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import ConnectionPoolEntry

# Execution option: a read-only unit of work on SQLite starts with a plain (deferred) BEGIN so
# that it never waits for, nor blocks, a writer.
READ_ONLY = "ogi_read_only"
# A PostgreSQL session in which every transaction is read-only.
_PG_READ_ONLY = "-c default_transaction_read_only=on"


def _json_dumps(value: Any) -> str:
    # Readable Chinese in the database; floats keep their exact shortest repr.
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        return Path(database[len("file:") :].split("?", 1)[0])
    return Path(database)


def create_store_engine(
    database_url: str, *, busy_timeout: float = 60.0, read_only: bool = False
) -> Engine:
    """An Engine for `database_url` with the store's connection settings applied.

    `read_only`: for the read commands. SQLite opens the file read-only (a file the user may
    not write can be read; nothing is created), PostgreSQL sessions are read-only.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if read_only:
            return _sqlite_reader(url, busy_timeout)
        return _sqlite_engine(url, busy_timeout)
    if url.get_backend_name() == "postgresql":
        if read_only:
            # Added to the URL's own options (a search_path, say), never replacing them.
            given = url.query.get("options")
            options = " ".join(
                part for part in (given if isinstance(given, str) else None, _PG_READ_ONLY) if part
            )
            url = url.update_query_dict({"options": options})
        return create_engine(url, json_serializer=_json_dumps, pool_pre_ping=True)
    raise ValueError(
        f"unsupported database {url.get_backend_name()!r} in OGI_DATABASE_URL: "
        "use sqlite:///path or postgresql+psycopg://…"
    )


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=_json_dumps, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None:
                # WAL: readers never block the writer nor the other way round. NORMAL sync is
                # durable across application crashes; a power cut may lose the last commits,
                # never consistency.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads then writes must upgrade its lock, and SQLite
        # answers SQLITE_BUSY at once (no busy wait) when another writer got there first.
        # BEGIN IMMEDIATE takes the write lock up front, where busy_timeout does wait.
        # On the DBAPI connection itself: exec_driver_sql's machinery costs more than the BEGIN,
        # and every document the crawl stores is a transaction.
        driver = connection.connection.driver_connection
        assert driver is not None
        if connection.get_execution_options().get(READ_ONLY):
            driver.execute("BEGIN")
        else:
            driver.execute("BEGIN IMMEDIATE")

    return engine


def _sqlite_reader(url: URL, busy_timeout: float) -> Engine:
    path = sqlite_path(url)
    if path is None:
        return _sqlite_engine(url, busy_timeout)
    # mode=ro never creates the file nor writes it; a file or directory the user cannot write
    # (a copy shared read-only) is opened immutable: without WAL index or locks, which need a
    # writable -shm beside it.
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    query = "mode=ro" if writable else "mode=ro&immutable=1"
    uri = f"file:{quote(str(path.resolve()))}?{query}"
    engine = create_engine(
        "sqlite://",
        json_serializer=_json_dumps,
        creator=lambda: sqlite3.connect(uri, uri=True, timeout=busy_timeout),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine
