"""Build the browser: Datasette over one SQLite database opened read-only, with the plugin."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Final

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from browser import plugin
from browser.metadata import DATABASE, metadata
from crawler.cli import unusable_database
from models import migrate

PACKAGE_DIR: Final = Path(__file__).resolve().parent
TEMPLATES_DIR: Final = PACKAGE_DIR / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "static"

# A national database has millions of figures: no facet suggestions (each is a query), and
# room for the canned queries that scan figures.
SETTINGS: Final = {
    "suggest_facets": False,
    "sql_time_limit_ms": 10_000,
    "facet_time_limit_ms": 1_000,
    "default_page_size": 100,
    "max_returned_rows": 5_000,
}


class BrowseError(RuntimeError):
    """The database cannot be browsed; the message says why and what to run."""


def check_database(path: Path) -> None:
    """Fail with a one-line reason unless `path` is a database at the current schema.

    Read-only (`mode=ro`): browsing never creates, migrates or writes a database.
    """
    if not path.is_file():
        raise BrowseError(
            f"no database at {path}: crawl first (scrapy crawlall, or scrapy crawlall --demo)"
        )
    head = migrate.HEAD  # as crawler.cli.open_reader checks it, without reading the scripts
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(f"SELECT version_num FROM {migrate.VERSION_TABLE}").fetchone()  # noqa: S608
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        # Said as every command says it (a file that is not a database, a broken one).
        raise BrowseError(str(unusable_database(f"sqlite:///{path}", exc))) from None
    current = row[0] if row else None
    if current != head:
        raise BrowseError(
            f"{path} is at schema revision {current or '<empty>'}, the browser needs {head}: "
            "run `scrapy db upgrade`"
        )


def register_plugin() -> None:
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN_NAME)


def make_datasette(database: Path, blob_dir: Path, **settings: Any) -> Datasette:
    """Datasette serving `database` read-only as /ogi, with the metadata and the pages."""
    register_plugin()
    datasette = Datasette(
        metadata=metadata(
            plugin_config={"database": DATABASE, "blob_dir": str(Path(blob_dir).resolve())}
        ),
        template_dir=str(TEMPLATES_DIR),
        static_mounts=[(plugin.STATIC_MOUNT, str(STATIC_DIR))],
        settings={**SETTINGS, **settings},
    )
    # Datasette adds an empty in-memory database when given no files: only ours is shown.
    datasette.remove_database("_memory")
    # Mutable: opened `?mode=ro` (not immutable=1), so a crawl may write while people browse.
    datasette.add_database(
        Database(datasette, path=str(Path(database).resolve()), is_mutable=True), name=DATABASE
    )
    return datasette
