"""A database that cannot be used ends every database command with one line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.models.build import run_command

COMMANDS = [("export", []), ("coverage", []), ("reparse", []), ("db", ["upgrade"])]


def garbage(tmp_path: Path) -> str:
    path = tmp_path / "ogi-reports.sqlite3"
    path.write_bytes(b"SQLite format 2\x00" + bytes(range(256)) * 20)  # not a database
    return f"sqlite:///{path}"


def directory(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}"


def refused(tmp_path: Path) -> str:
    return "postgresql+psycopg://ogi:secret@127.0.0.1:1/ogi"  # nothing listens on port 1


@pytest.mark.parametrize(("name", "argv"), COMMANDS)
@pytest.mark.parametrize("database", [garbage, directory, refused])
def test_an_unusable_database_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    argv: list[str],
    database: object,
) -> None:
    assert callable(database)
    url = database(tmp_path)
    code = run_command(name, argv, OGI_DATABASE_URL=url, OGI_BLOB_DIR=str(tmp_path / "blobs"))
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    # One wording whether open_reader or the command's own store met it (crawler.cli).
    assert lines[0].startswith(f"scrapy {name}: "), lines[0]
    assert ": the database cannot be used: " in lines[0], lines[0]
    named = str(tmp_path) if url.startswith("sqlite") else "postgresql+psycopg://ogi:***@"
    assert named in lines[0], lines[0]  # the database is named, as the user gave it
    assert "Traceback" not in captured.err + captured.out
    assert "secret" not in captured.err  # the password is never printed
