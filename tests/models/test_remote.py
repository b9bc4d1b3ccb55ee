"""StoreProcess: a ReportStore in a child process, called over a pipe (both engines)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.remote import StoreProcess
from models.store import ReportStore, StoreConfigError, StoreError
from tests.models.build import make_fetch, make_result
from tests.models.conftest import ENGINES


def sqlite_settings(tmp_path: Path) -> dict[str, str]:
    return {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }


@pytest.fixture(params=ENGINES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        return sqlite_settings(tmp_path)
    url = request.getfixturevalue("postgres_schema_url")
    return {"OGI_DATABASE_URL": url, "OGI_BLOB_DIR": str(tmp_path / "blobs")}


def test_calls_run_in_the_child_and_results_come_back(settings: dict[str, str]) -> None:
    remote = StoreProcess(settings)
    try:
        assert remote.process.pid != os.getpid()
        first = remote.call("record_document", make_fetch(), make_result())
        again = remote.call("record_document", make_fetch(), make_result())
        states = remote.call("source_states", "640323")
    finally:
        remote.close()
    assert (first.outcome, again.outcome) == ("new", "unchanged")
    assert list(states) == [make_fetch().url]
    assert remote.process.exitcode == 0
    with ReportStore(settings["OGI_DATABASE_URL"], Path(settings["OGI_BLOB_DIR"])) as store:
        report = store.report("640323", 2020, "盐池县人民政府")
    assert report is not None
    assert report.figures == make_result().figures


def test_a_batchs_errors_come_back_each_with_its_call(tmp_path: Path) -> None:
    remote = StoreProcess(sqlite_settings(tmp_path))
    unknown_county = make_fetch("https://x/1.html", county_code="999999")
    try:
        results = remote.call(
            "write_batch",
            [
                ("record_document", (make_fetch(), make_result()), {}),
                ("mark_not_modified", ("https://x/0.html", "not a datetime"), {}),
                ("record_document", (unknown_county, make_result(county_code="999999")), {}),
            ],
        )
    finally:
        remote.close()
    assert results[0].outcome == "new"
    assert isinstance(results[1], Exception)
    assert any("in the store process" in note for note in results[1].__notes__)
    assert results[2].outcome == "new"


def test_the_stores_errors_are_raised_in_the_caller(tmp_path: Path) -> None:
    remote = StoreProcess(sqlite_settings(tmp_path))
    try:
        with pytest.raises(LookupError, match="unknown county 'atlantis'") as raised:
            remote.call("resolve_county", "atlantis")
        assert any("in the store process" in note for note in raised.value.__notes__)
        with pytest.raises(AttributeError, match="not public"):
            remote.call("_insert", None)
        assert remote.call("counts")["reports"] == 0  # still serving
    finally:
        remote.close()


def test_a_store_that_cannot_open_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigError, match="OGI_DATABASE_URL setting must be set"):
        StoreProcess({"OGI_BLOB_DIR": str(tmp_path / "blobs")})


def test_ctrl_c_leaves_it_serving_and_its_death_is_an_error(tmp_path: Path) -> None:
    remote = StoreProcess(sqlite_settings(tmp_path))
    try:
        pid = remote.process.pid
        assert pid is not None
        os.kill(pid, signal.SIGINT)  # what a terminal's Ctrl-C sends the whole process group
        assert remote.call("counts")["reports"] == 0
        remote.process.kill()
        remote.process.join(10)
        with pytest.raises(StoreError, match="the store process died"):
            remote.call("counts")
    finally:
        remote.close()


# A subprocess that forks its store process (as the crawl commands do), says the store's pid and
# waits to be killed.
_FORKS_ITS_STORE = """
import multiprocessing, sys, time
from models.remote import StoreProcess
remote = StoreProcess(
    {"OGI_DATABASE_URL": sys.argv[1], "OGI_BLOB_DIR": sys.argv[2]},
    multiprocessing.get_context("fork"),
    wait=False,
)
remote.wait_open()
print(remote.process.pid, flush=True)
time.sleep(120)
"""


def test_a_forked_store_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    # The fork holds a copy of the parent's end of the pipe: it must close it, or a crawl
    # killed with SIGKILL would leave its store process running for ever.
    settings = sqlite_settings(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-c", _FORKS_ITS_STORE, *settings.values()],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            store_pid = int(parent.stdout.readline())
            parent.kill()
            parent.wait(30)
            deadline = time.monotonic() + 30
            while _alive(store_pid):
                assert time.monotonic() < deadline, "the forked store outlived its parent"
                time.sleep(0.05)
        finally:
            parent.kill()


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def test_a_forked_store_opens_beside_its_caller(tmp_path: Path) -> None:
    remote = StoreProcess(
        sqlite_settings(tmp_path), multiprocessing.get_context("fork"), wait=False
    )
    try:
        remote.wait_open()
        remote.wait_open()  # once is enough: the second returns at once
        remote.call("ping")
        assert remote.call("counts")["reports"] == 0
    finally:
        remote.close()
    assert remote.process.exitcode == 0


def test_a_forked_store_that_cannot_open_says_why_and_stays_closed(tmp_path: Path) -> None:
    remote = StoreProcess(
        {"OGI_BLOB_DIR": str(tmp_path / "blobs")}, multiprocessing.get_context("fork"), wait=False
    )
    with pytest.raises(StoreConfigError, match="OGI_DATABASE_URL setting must be set"):
        remote.wait_open()
    with pytest.raises(StoreError, match="could not open"):
        remote.call("counts")


def division_count(settings: dict[str, str]) -> int:
    store = ReportStore(settings["OGI_DATABASE_URL"], Path(settings["OGI_BLOB_DIR"]))
    with store, store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM divisions").scalar_one())


def test_a_new_databases_divisions_are_loaded_beside_the_calls(
    settings: dict[str, str],
) -> None:
    # They cost the store's first answer 0.15 s (a crawl's first request waited for it).
    remote = StoreProcess(settings, multiprocessing.get_context("fork"))
    try:
        remote.call("ping")
        deadline = time.monotonic() + 30
        while division_count(settings) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert division_count(settings) > 5_000
        assert remote.call("load_pending_divisions") == 0  # done already
    finally:
        remote.close()


def test_a_store_closed_at_once_loads_them_before_it_ends(settings: dict[str, str]) -> None:
    remote = StoreProcess(settings, multiprocessing.get_context("fork"))
    remote.close()
    assert remote.process.exitcode == 0
    assert division_count(settings) > 5_000


def test_the_store_process_opens_a_new_database_before_its_divisions(
    settings: dict[str, str],
) -> None:
    # What the store process does (`divisions_later`): the store is open, the table empty.
    store = ReportStore.from_settings(settings, divisions_later=True)
    try:
        assert (store.divisions_pending, division_count(settings)) == (True, 0)
        assert store.load_pending_divisions() > 5_000
        assert (store.divisions_pending, store.load_pending_divisions()) == (False, 0)
    finally:
        store.close()
