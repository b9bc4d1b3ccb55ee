"""Alembic, configured in code: `upgrade`, `current`, `history`, `check` on a store's engine.

Alembic (with mako and pygments under it) costs a crawl's processes a quarter to half a CPU-second
to import, and every crawl opens the store twice (the command's preflight, the store process):
so it is imported only when there is something to migrate. `HEAD` names the newest migration
without reading the scripts (tests/models/test_migrations.py checks it against them), and
`current_revision` reads the version table with a plain query; a database already at `HEAD`
is left alone without alembic being imported at all (issue 9).

A database with nothing in it is made at `HEAD` without the migrations (`create_new`): the
models' tables, the views' newest SQL (`models.viewsql`), the division table (or later:
`load_missing_divisions`) and the version stamp, in one transaction. Running the 13 migrations
cost 0.3 s of every new database (a crawl of a new data directory waited for it before its
first request; every test store paid it); `tests/models/test_migrations.py` checks that both
ways make the same database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

from models.divisions import load_divisions
from models.schema import metadata
from models.viewsql import current_views

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision id: the one `upgrade` brings a database to. A new migration
# changes it (test_head_constant_is_the_scripts_head fails until it does).
HEAD: Final = "0013"
# Alembic's version table (its default name: env.py does not change it).
VERSION_TABLE: Final = "alembic_version"
# Any constant: serialises concurrent upgrades (and `create_new`) on one PostgreSQL database.
MIGRATION_LOCK: Final = 0x0061_6C65
# The version table as alembic creates it (DefaultImpl.version_table_impl), for `create_new`.
_VERSION: Final = Table(
    VERSION_TABLE,
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)


def alembic_config(engine: Engine, **attributes: Any) -> Config:
    """A Config that runs `models/migrations` on `engine` (no alembic.ini needed)."""
    from alembic.config import Config  # noqa: PLC0415  (see the top)

    # stdout named now: alembic's default is the sys.stdout of when alembic was imported, a
    # stream that may be closed by now (imported on use here: see the top).
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes.update(attributes)
    return config


def head_revision() -> str:
    """The newest migration's id, as the scripts say (alembic reads them; `HEAD` is the same)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never migrated.

    What alembic's `MigrationContext.get_current_revision` answers, read with one query: the
    migrations are one line (no branches), so the table holds at most one row.
    """
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()  # noqa: S608
    if len(rows) > 1:
        raise RuntimeError(f"{VERSION_TABLE} holds {len(rows)} revisions: the migrations branch")
    return str(rows[0][0]) if rows else None


def upgrade(
    engine: Engine, revision: str = "head", *, by_scripts: bool = False, divisions: bool = True
) -> None:
    """Migrate to `revision`; to the head, only when the database is not there already, and a
    database with nothing in it is made at the head at once (`create_new`) unless `by_scripts`
    (every migration run, as for a database made before them: the tests of the migrations).

    At the head, a database without the division table's rows gets them
    (`load_missing_divisions`), unless `divisions` is False: then a new database is made
    without them too, for the caller to load when it has time (the crawl's store process)."""
    to_head = revision in ("head", HEAD)
    current = current_revision(engine) if to_head else None
    if to_head and current is None and not by_scripts and create_new(engine, divisions=divisions):
        return
    if current != HEAD:  # else alembic would find nothing to do, after a second of imports
        from alembic import command  # noqa: PLC0415

        with engine.connect() as connection:
            command.upgrade(alembic_config(engine, connection=connection), revision)
            connection.commit()
    if to_head and divisions:
        load_missing_divisions(engine)


def create_new(engine: Engine, *, divisions: bool = True) -> bool:
    """Make an empty database the schema at `HEAD`, as the migrations would; False (nothing
    done) when it holds any table or view: that one is the migrations' to upgrade.

    The models' tables (alembic's check keeps them equal to the migrations'), the newest SQL of
    each view, the division table migration 0004 loads, and `HEAD` in alembic's version table.
    Two processes at once: on SQLite the store's transactions begin IMMEDIATE, on PostgreSQL
    the migrations' lock is taken; either way the second finds the first's tables, and stops.
    Tables that migrations extended have their columns in the models' order, not appended.
    Without `divisions`, the division table is left empty (`load_missing_divisions`).
    """
    with engine.begin() as conn:
        lock_migrations(conn)
        if not _is_empty(conn):
            return False
        _as_migrated().create_all(conn)
        for view in current_views(conn.dialect.name):
            conn.exec_driver_sql(view)
        if divisions:
            load_divisions(conn)
        _VERSION.create(conn)
        conn.execute(_VERSION.insert().values(version_num=HEAD))
    return True


def load_missing_divisions(engine: Engine) -> int:
    """Load the division table into a database at `HEAD` that holds none of its rows; the
    number of rows loaded (0: it had them).

    A new database is made without them when its maker has better things to do first
    (`create_new(divisions=False)`: the crawl's store process answers the crawl first and
    loads them beside its calls); a maker stopped before then leaves them to the next
    `upgrade`.
    Nothing outside the `division_lineage` view reads them. One query when they are there.
    """
    with engine.connect() as conn:
        if _has_divisions(conn):
            return 0
    with engine.begin() as conn:
        lock_migrations(conn)
        if _has_divisions(conn):
            return 0  # another process loaded them meanwhile
        return load_divisions(conn)


def _has_divisions(conn: Connection) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM divisions LIMIT 1").first() is not None


def lock_migrations(conn: Connection) -> None:
    """On PostgreSQL, hold `MIGRATION_LOCK` until the transaction ends: the migrations (env.py),
    `create_new` and `load_missing_divisions` of concurrent processes take turns."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))


def _as_migrated() -> MetaData:
    """The models' tables with their CHECK constraints named as the migrations named them.

    The migrations gave each CHECK its full name (`ck_reports_scope`) and the naming convention
    (`ck_%(table_name)s_%(constraint_name)s`) prefixed it once more: a migrated database holds
    `ck_reports_ck_reports_scope`. A new database must hold the same names, or a later
    migration that drops or changes a CHECK by name would work on one and not the other.
    """
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    for table in copy.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and isinstance(constraint.name, str):
                constraint.name = f"ck_{table.name}_{constraint.name}"
    return copy


def _is_empty(conn: Connection) -> bool:
    found = inspect(conn)
    return not found.get_table_names() and not found.get_view_names()


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command  # noqa: PLC0415

    with engine.connect() as connection:
        command.downgrade(alembic_config(engine, connection=connection), revision)
        connection.commit()


def stamp(engine: Engine, revision: str) -> None:
    from alembic import command  # noqa: PLC0415

    with engine.connect() as connection:
        command.stamp(alembic_config(engine, connection=connection), revision)
        connection.commit()


def history() -> list[tuple[str, str | None, str]]:
    """(revision, down_revision, message) from the oldest migration to the newest."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    rows = [
        (rev.revision, rev.down_revision if isinstance(rev.down_revision, str) else None, rev.doc)
        for rev in script.walk_revisions()
    ]
    return rows[::-1]


def check(engine: Engine) -> None:
    """Raise alembic.util.AutogenerateDiffsDetected if the database differs from the models."""
    from alembic import command  # noqa: PLC0415

    with engine.connect() as connection:
        command.check(alembic_config(engine, connection=connection))


def revision(engine: Engine, message: str) -> None:
    """Write a new migration autogenerated from the models (for developers)."""
    from alembic import command  # noqa: PLC0415

    with engine.connect() as connection:
        command.revision(
            alembic_config(engine, connection=connection), message=message, autogenerate=True
        )
