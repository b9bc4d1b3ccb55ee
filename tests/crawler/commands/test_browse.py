"""`scrapy browse`: what it refuses, in one line, without creating or migrating anything.

Serving pages is tested in a real browser in tests/browser/test_plugin.py.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from browser.app import BrowseError, check_database
from models import migrate
from models.store import ReportStore
from tests.models.build import run_command


@pytest.fixture
def current_database(tmp_path: Path) -> Path:
    database = tmp_path / "ogi-reports.sqlite3"
    with ReportStore(f"sqlite:///{database}", tmp_path / "blobs") as store:
        store.upgrade()
    return database


def settings_for(database: Path) -> dict[str, str]:
    return {"OGI_DATABASE_URL": f"sqlite:///{database}", "OGI_BLOB_DIR": str(database.parent)}


def test_a_missing_database_is_one_line_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "nothing.sqlite3"
    assert run_command("browse", ["--port", "0"], **settings_for(database)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"no database at {database}: crawl first" in err
    assert not database.exists()


def test_an_older_schema_names_the_fix_and_is_left_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "old.sqlite3"
    with ReportStore(f"sqlite:///{database}", tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0002")
    before = database.read_bytes()

    assert run_command("browse", ["--port", "0"], **settings_for(database)) == 1

    err = capsys.readouterr().err
    assert "is at schema revision 0002" in err and "run `scrapy db upgrade`" in err
    assert database.read_bytes() == before


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    database = tmp_path / "notes.sqlite3"
    database.write_text("not a database")
    said = re.escape(f"{database}: the database cannot be used: ")  # as every command says it
    with pytest.raises(BrowseError, match=f"^{said}"):
        check_database(database)


def test_a_current_database_passes(current_database: Path) -> None:
    check_database(current_database)


def test_postgresql_is_refused_with_the_way_out(tmp_path: Path) -> None:
    settings = {"OGI_DATABASE_URL": "postgresql+psycopg://user@localhost/ogi"}
    with pytest.raises(UsageError, match="reads a SQLite database file, not postgresql"):
        run_command("browse", [], **settings, OGI_BLOB_DIR=str(tmp_path))


def test_a_port_in_use_is_one_line(
    current_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run_command("browse", ["--port", str(port)], **settings_for(current_database)) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_demo_browses_the_demos_own_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scrapy crawlall --demo` ends by printing `scrapy browse --demo`: never the real data."""
    demo = tmp_path / "demo"
    code = run_command(
        "browse", ["--demo"], OGI_DEMO_DIR=str(demo), **settings_for(tmp_path / "real.sqlite3")
    )
    assert code == 1
    assert f"no database at {demo / 'ogi-reports.sqlite3'}" in capsys.readouterr().err
