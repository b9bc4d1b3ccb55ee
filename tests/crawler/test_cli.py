"""crawler.cli and the read commands: reading never creates, migrates nor writes a database;
a read-only one can be read; an unusable one is one line naming the fix; one flag vocabulary."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from crawler import services
from crawler.cli import (
    CommandError,
    ProgressLog,
    county_codes,
    freeze_heap,
    open_reader,
    parse_years,
    preflight_store,
    progress,
)
from models import migrate
from models.store import BlobStore, ReportStore
from tests.conftest import PROJECT_DIR
from tests.models.build import make_fetch, make_result, run_command

READ_COMMANDS = [
    ("export", ["--layout", "long"]),
    ("coverage", []),
    ("reparse", ["--dry-run"]),
    ("db", ["current"]),
]


def settings_for(directory: Path) -> dict[str, str]:
    return {
        "OGI_DATABASE_URL": f"sqlite:///{directory / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(directory / "blobs"),
    }


def make_database(directory: Path, revision: str = "head") -> Path:
    settings = settings_for(directory)
    with ReportStore(settings["OGI_DATABASE_URL"], directory / "blobs") as store:
        if revision != "head":
            migrate.upgrade(store.engine, revision)
            return directory / "ogi.sqlite3"
        store.upgrade()
        fetch = make_fetch()
        store.put_blob(fetch.url.encode())
        store.record_document(fetch, make_result())
    return directory / "ogi.sqlite3"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scrapy(
    args: list[str], env: dict[str, str], **options: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        **options,
    )


@pytest.mark.parametrize(("name", "argv"), READ_COMMANDS)
def test_a_missing_database_is_one_line_and_never_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, argv: list[str]
) -> None:
    settings = settings_for(tmp_path / "nowhere")

    assert run_command(name, argv, **settings) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"scrapy {name}: no database at ")
    assert "`scrapy db upgrade`" in err
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(("name", "argv"), READ_COMMANDS[:3])
def test_an_older_database_is_refused_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, argv: list[str]
) -> None:
    path = make_database(tmp_path, "0008")
    before = digest(path)

    assert run_command(name, argv, **settings_for(tmp_path)) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "at revision 0008" in err and "run `scrapy db upgrade`" in err
    assert digest(path) == before
    with ReportStore(settings_for(tmp_path)["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        assert migrate.current_revision(store.engine) == "0008"


@pytest.mark.parametrize(("name", "argv"), READ_COMMANDS)
def test_read_commands_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, argv: list[str]
) -> None:
    path = make_database(tmp_path)
    before = digest(path)

    assert run_command(name, argv, **settings_for(tmp_path)) == 0

    assert digest(path) == before
    capsys.readouterr()


def read_only_runner(directory: Path) -> list[str] | None:
    """A command prefix under which `directory` cannot be written: a private read-only bind
    mount for root (who ignores file modes), else the file modes themselves."""
    if os.geteuid() != 0:
        for path in [directory, *directory.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    script = f'mount --bind "{directory}" "{directory}" && mount -o remount,bind,ro "{directory}"'
    probe = subprocess.run(
        [unshare, "--mount", "sh", "-c", f'{script} && ! touch "{directory}/probe"'],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return None
    return [unshare, "--mount", "sh", "-c", f'{script} && exec "$0" "$@"']


def test_a_read_only_database_can_be_read(tmp_path: Path) -> None:
    """Issue 11.8: export, coverage and reparse --dry-run read a database nobody may write."""
    directory = tmp_path / "shared"
    path = make_database(directory)
    before = digest(path)
    prefix = read_only_runner(directory)
    if prefix is None:
        pytest.skip("no way to make a directory read-only here (unshare --mount refused)")
    env = {
        "OGI_DATABASE_URL": f"sqlite:///{path}",
        "OGI_BLOB_DIR": str(directory / "blobs"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    for args in (["export", "--layout", "long"], ["coverage"], ["reparse", "--dry-run"]):
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "scrapy", *args],
            cwd=PROJECT_DIR,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
        if args[0] == "export":
            assert "requests.new.total" in done.stdout
        if args[0] == "reparse":
            assert "dry run, nothing written: 1 documents re-parsed" in done.stdout
            assert "errors 0" in done.stdout
    assert digest(path) == before


def test_open_reader_refuses_writes(tmp_path: Path) -> None:
    make_database(tmp_path)
    settings = Settings(settings_for(tmp_path))

    store = open_reader(settings)
    try:
        with pytest.raises(Exception, match=r"readonly|read-only|attempt to write"):
            store.record_document(make_fetch("https://y/2"), make_result(year=2021))
    finally:
        store.close()


def test_an_unreachable_database_stops_a_crawl_before_it_starts(tmp_path: Path) -> None:
    # Port 1 of 127.0.0.1: nothing listens there, the connection is refused at once.
    env = {
        "OGI_DATABASE_URL": "postgresql+psycopg://ogi@127.0.0.1:1/ogi?connect_timeout=5",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }

    for args in (["crawl", "yanchi"], ["crawlall", "--only", "yanchi"]):
        done = scrapy([*args, "--mirror", str(PROJECT_DIR / "tests" / "fixtures" / "web")], env)

        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"scrapy {args[0]}: ")
        assert "127.0.0.1" in lines[0]
        assert done.stdout == ""


def test_crawl_of_an_unknown_county_is_one_line(tmp_path: Path) -> None:
    done = scrapy(["crawl", "nowhere"], settings_for(tmp_path))

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "scrapy crawl: no county 'nowhere': `scrapy list` shows them"
    ]


def test_export_honours_encoding_on_stdout(tmp_path: Path) -> None:
    make_database(tmp_path)

    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "export", "--encoding", "gb18030"],
        cwd=PROJECT_DIR,
        env={**os.environ, **settings_for(tmp_path)},
        capture_output=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "盐池县人民政府".encode("gb18030") in done.stdout
    assert "盐池县人民政府".encode() not in done.stdout


def test_one_flag_vocabulary() -> None:
    assert county_codes(["640323", "jingyuan", "盐池县", "贺兰"]) == ["640323", "640424", "640122"]
    assert county_codes(["640300"]) == ["640300"]  # a code outside the registry passes
    with pytest.raises(UsageError, match="no county 'atlantis'"):
        county_codes(["atlantis"])
    assert parse_years(["2019,2021", "2017-2018"]) == [2017, 2018, 2019, 2021]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_in_a_log_and_on_a_terminal() -> None:
    log = io.StringIO()
    assert list(progress(range(5), 5, "reparse: documents", stream=log, interval=0)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    lines = log.getvalue().splitlines()
    assert lines[0] == "reparse: documents: 1/5"
    assert lines[-1] == "reparse: documents: 5/5 done"

    terminal = Terminal()
    assert list(progress(range(3), 3, "export: reports", stream=terminal)) == [0, 1, 2]


def test_progress_log_for_crawlall() -> None:
    log = io.StringIO()
    counter = ProgressLog(3, "crawlall: counties done", stream=log, interval=3600)

    for _ in range(3):
        counter.advance(run=None)

    # The interval had not passed: only the last one is told.
    assert log.getvalue().splitlines() == ["crawlall: counties done: 3/3"]


def test_freeze_heap_takes_the_objects_alive_out_of_the_collectors_passes() -> None:
    # The crawl commands call it after their start-up, when the engine starts, and at their end.
    kept = [[object()] for _ in range(100)]
    try:
        freeze_heap()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_the_preflight_leaves_the_blob_store_to_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Walking every blob directory is the crawl's store's work, once (test_services).
    def walk(self: BlobStore, *args: Any, **kwargs: Any) -> list[Path]:
        raise AssertionError("the preflight walked the blob store")

    monkeypatch.setattr(BlobStore, "clean_temporary", walk)
    preflight_store(Settings(settings_for(tmp_path)))


def test_the_preflight_forks_the_store_process_the_crawl_takes(tmp_path: Path) -> None:
    # The store process is forked by the preflight (the store already imported here), opens
    # and migrates the database, and the crawl's store service takes that process, open.
    settings = Settings({**settings_for(tmp_path), "OGI_STORE_PROCESS": True})
    started: list[int] = []
    try:
        preflight_store(settings, meanwhile=lambda: started.append(1))
        assert started == [1]
        (early,) = services._EARLY.values()
        assert early.process.is_alive()
        with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
            assert migrate.current_revision(store.engine) == migrate.HEAD
        service = services.StoreService(settings)
        try:
            service._open()
            assert service._store is early
            assert not services._EARLY
        finally:
            service._close()
        assert early.process.exitcode == 0
    finally:
        services.close_early_stores()


def test_a_store_process_no_crawl_took_is_closed(tmp_path: Path) -> None:
    settings = Settings({**settings_for(tmp_path), "OGI_STORE_PROCESS": True})
    preflight_store(settings)
    (early,) = services._EARLY.values()
    services.close_early_stores()
    assert not services._EARLY
    assert early.process.exitcode == 0


def test_the_forked_preflight_says_an_unusable_database_in_one_line(tmp_path: Path) -> None:
    garbage = tmp_path / "ogi.sqlite3"
    garbage.write_bytes(b"SQLite format 2\x00" + bytes(range(256)) * 20)  # not a database
    settings = Settings({**settings_for(tmp_path), "OGI_STORE_PROCESS": True})
    try:
        with pytest.raises(CommandError, match="the database cannot be used") as raised:
            preflight_store(settings)
        assert str(tmp_path) in str(raised.value)
    finally:
        services.close_early_stores()


def test_with_a_thread_running_the_store_process_is_not_forked_from_this_one(
    tmp_path: Path,
) -> None:
    # A fork copies the locks other threads hold: only a single-threaded caller forks.
    settings = Settings({**settings_for(tmp_path), "OGI_STORE_PROCESS": True})
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        preflight_store(settings)
        (early,) = services._EARLY.values()
        assert early.call("counts")["reports"] == 0
        assert type(early.process).__name__ == "ForkServerProcess"
    finally:
        release.set()
        other.join()
        services.close_early_stores()
