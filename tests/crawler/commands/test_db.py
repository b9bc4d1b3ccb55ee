"""`scrapy db`: migrate, inspect and check the database of the project settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError
from sqlalchemy import text

from models import migrate
from models.store import ReportStore
from reportparser import divisions
from tests.conftest import PROJECT_DIR
from tests.models.build import make_fetch, make_result, run_command


def settings_for(tmp_path: Path) -> dict[str, str]:
    return {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }


def test_current_upgrade_status_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    head = migrate.head_revision()

    # Reading never creates the database: a missing one is one line naming the fix.
    assert run_command("db", ["current"], **settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("scrapy db: no database at ") and "`scrapy db upgrade`" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "db").exists()

    assert run_command("db", ["upgrade"], **settings) == 0
    assert f"<empty> -> {head}" in capsys.readouterr().out

    assert run_command("db", ["current"], **settings) == 0
    assert f"{head} (newest {head}: up to date)" in capsys.readouterr().out

    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.record_document(make_fetch(), make_result())
    assert run_command("db", ["status"], **settings) == 0
    status = capsys.readouterr().out
    assert f"revision {head}" in status
    assert "reports      1" in status
    assert "figures      198" in status

    assert run_command("db", ["check"], **settings) == 0
    assert "matches the models" in capsys.readouterr().out


def test_older_database_is_upgraded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        migrate.upgrade(store.engine, "0001")

    assert run_command("db", ["upgrade"], **settings) == 0

    assert f"0001 -> {migrate.head_revision()}" in capsys.readouterr().out


def test_check_reports_a_schema_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    run_command("db", ["upgrade"], **settings)
    with (
        ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store,
        store.engine.begin() as conn,
    ):
        conn.exec_driver_sql("ALTER TABLE counties ADD COLUMN nickname TEXT")
    capsys.readouterr()

    assert run_command("db", ["check"], **settings) == 1

    out = capsys.readouterr().out
    assert "differs from the models" in out
    assert "nickname" in out


def test_history_lists_migrations(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("db", ["history"]) == 0

    out = capsys.readouterr().out
    assert "<base> -> 0001: Initial schema" in out
    assert "0001 -> 0002: Views" in out


@pytest.mark.parametrize("argv", [[], ["sideways"], ["upgrade", "current"], ["revision"]])
def test_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    with pytest.raises(UsageError):
        run_command("db", argv, **settings_for(tmp_path))


@pytest.mark.slow
def test_scrapy_db_upgrade_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "OGI_DATA_DIR": str(tmp_path / "data")}
    env.pop("OGI_DATABASE_URL", None)
    env.pop("OGI_BLOB_DIR", None)

    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "db", "upgrade"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert f"-> {migrate.head_revision()}" in done.stdout
    assert (tmp_path / "data" / "ogi-reports.sqlite3").is_file()


def test_divisions_are_reloaded_from_the_packaged_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path)
    assert run_command("db", ["upgrade"], **settings) == 0
    store = ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs")
    with store, store.engine.begin() as conn:
        conn.execute(text("DELETE FROM division_links"))
        conn.execute(text("DELETE FROM divisions WHERE code LIKE '32%'"))
    capsys.readouterr()

    assert run_command("db", ["divisions"], **settings) == 0

    assert f"{len(divisions.table())} division rows loaded" in capsys.readouterr().out
    store = ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs")
    with store, store.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM divisions")).scalar_one()
        hongze = conn.execute(
            text("SELECT related_code FROM division_lineage WHERE code = '320829'")
        ).scalars()
        assert sorted(hongze) == ["320813", "322230"]
    assert rows == len(divisions.table())


def test_verify_names_each_bad_blob_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path)
    run_command("db", ["upgrade"], **settings)
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        for n in range(3):
            body = f"<html>report {n} of 2020</html>".encode()
            store.put_blob(body)
            url = f"https://www.yanchi.gov.cn/{n}.html"
            store.record_document(make_fetch(url, body=body), make_result(year=2020 + n))
        corrupt = store.source_states("640323")["https://www.yanchi.gov.cn/1.html"].sha256
        assert corrupt is not None
        store.blob_path(corrupt).write_bytes(b"<html>report 1 of 2021</html>")
    capsys.readouterr()

    assert run_command("db", ["verify"], **settings) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"corrupt {corrupt}: blob {corrupt} is corrupt (its content")
    assert lines[0].endswith("← https://www.yanchi.gov.cn/1.html")
    assert lines[1] == f"{tmp_path / 'blobs'}: 1 bad blobs; 2 blob files intact"
    # Moved aside: until a crawl fetches it again, it is missing.
    assert run_command("db", ["verify"], **settings) == 1
    assert capsys.readouterr().out.startswith(f"missing {corrupt}: ")
