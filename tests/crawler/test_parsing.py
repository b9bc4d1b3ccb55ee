"""The parser's process pool (crawler/parsing.py): crashes, timeouts, corrupt blobs, and what a
worker imports."""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from crawler import parsing
from crawler.parsing import ParseJob, ParsePool, parse_job
from reportparser.formats import libreoffice
from reportparser.result import Hints, ParseResult
from tests.crawler.components import exit_code, run
from tests.support.render import render
from tests.support.synth import synthesize


def test_parse_job_never_parses_a_corrupt_blob(tmp_path: Path) -> None:
    page = tmp_path / "ab" / "cd" / ("abcd" + "0" * 60)
    page.parent.mkdir(parents=True)
    page.write_text("<html><body><p>盐池县2020年政府信息公开工作年度报告</p></body></html>")

    result = parse_job(ParseJob(str(page), "a.html", "text/html", Hints(), sha256=page.name))

    assert result.status == "error"
    assert result.reason is not None
    assert result.reason.startswith(f"blob {page.name} is corrupt (its content hashes to ")
    assert not page.exists()
    assert (page.parent / f".corrupt-{page.name}").exists()


def _soffice_using(directory: Path) -> list[int]:
    """Pids of the processes whose command line names `directory` (LibreOffice's profile)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(directory).encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


@pytest.mark.libreoffice
def test_a_worker_killed_in_a_conversion_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool's timeout used to SIGKILL the worker: soffice.bin (in a session of its own)
    # ran on, and its ogi-soffice-* directory stayed.
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the workers' temporary directory
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # and this process's
    document = tmp_path / "report.doc"
    document.write_bytes(render(synthesize("2021", 5), "doc"))
    pool = ParsePool(workers=1, timeout=1.0)
    try:
        result = run(pool.parse(ParseJob(str(document), "report.doc", None, Hints())))
    finally:
        pool.close()
    assert result.status == "error"
    assert result.reason == "parsing took longer than 1 s"
    deadline = time.monotonic() + 10
    while _soffice_using(scratch) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _soffice_using(scratch) == []
    assert list(scratch.glob("ogi-soffice-*")) == []


def crash(job: object) -> ParseResult:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def stall(job: object) -> ParseResult:
    time.sleep(float(str(job)))
    return ParseResult("not_report", "text", reason=f"slept {job}")


def echo(job: object) -> ParseResult:
    if job == "crash":
        return crash(job)
    return ParseResult("not_report", "text", reason=f"pid {os.getpid()} got {job}")


def parse_workers() -> list[multiprocessing.Process]:
    return [p for p in multiprocessing.active_children() if p.name == "ogi-parse"]


def test_workers_start_with_the_first_document_and_stop_without_blocking() -> None:
    pool = ParsePool(workers=2, timeout=30, target=echo)
    time.sleep(0.5)
    assert parse_workers() == []  # nothing to parse yet: no process
    try:
        assert run(pool.parse("a")).status == "not_report"
        deadline = time.monotonic() + 60
        while len(parse_workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = parse_workers()
        assert len(workers) == 2  # the second one started beside the first job
    finally:
        started = time.monotonic()
        pool.close()
        assert time.monotonic() - started < 0.5
    # Told to stop (SIGTERM), an idle worker ends at once, as SystemExit.
    assert [exit_code(worker) for worker in workers] == [128 + signal.SIGTERM] * 2


def test_a_crashed_worker_fails_its_document_and_is_replaced() -> None:
    pool = ParsePool(workers=1, timeout=30, target=echo)
    try:
        first = run(pool.parse("a"))
        crashed = run(pool.parse("crash"))
        after = run(pool.parse("b"))
    finally:
        pool.close()
    assert crashed.status == "error"
    assert crashed.reason == "parser worker died (SIGKILL)"
    assert first.reason is not None
    assert after.reason is not None
    assert after.reason.endswith("got b")
    assert first.reason.split()[1] != after.reason.split()[1]  # a new worker process


def test_a_stalled_worker_is_killed_at_the_timeout() -> None:
    pool = ParsePool(workers=1, timeout=0.5, target=stall)
    try:
        started = time.monotonic()
        slow = run(pool.parse("30"))
        elapsed = time.monotonic() - started
        quick = run(pool.parse("0"))
    finally:
        pool.close()
    assert slow.status == "error"
    assert slow.reason == "parsing took longer than 0.5 s"
    assert elapsed < 20
    assert quick.reason == "slept 0"


def _all_at_once(pool: ParsePool, jobs: list[str]) -> list[ParseResult]:
    """Results of jobs given to the pool together (a crawl's many items in the parse step), in
    this order: given from threads, they reached the queue in any order, and a job meant to wait
    behind the crash was sometimes parsed before it."""
    futures = [pool._submit(job) for job in jobs]
    return [future.result() for future in futures]


def test_a_crash_fails_the_job_being_parsed_and_the_queued_ones_go_to_the_next_worker() -> None:
    # With one worker, the jobs after the crash were already in its pipe when it died.
    pool = ParsePool(workers=1, timeout=30, target=echo)
    try:
        results = _all_at_once(pool, ["a", "crash", "b", "c", "d"])
    finally:
        pool.close()
    reasons = [result.reason or "" for result in results]
    assert reasons[1] == "parser worker died (SIGKILL)"
    assert [reason.split()[-1] for reason in reasons[:1] + reasons[2:]] == ["a", "b", "c", "d"]
    assert len({reason.split()[1] for reason in reasons[2:]}) == 1  # the replacement, alone


def test_the_timeout_runs_for_the_job_being_parsed_alone() -> None:
    # "0" waits in the stalled worker's pipe meanwhile: it is parsed by the next worker, in time.
    pool = ParsePool(workers=1, timeout=1.0, target=stall)
    try:
        started = time.monotonic()
        slow, quick, also_quick = _all_at_once(pool, ["30", "0", "0.1"])
        elapsed = time.monotonic() - started
    finally:
        pool.close()
    assert slow.reason == "parsing took longer than 1 s"
    assert quick.reason == "slept 0"
    assert also_quick.reason == "slept 0.1"
    assert elapsed < 20


def nap(job: object) -> ParseResult:
    time.sleep(float(str(job)))
    return ParseResult("not_report", "text", reason=f"pid {os.getpid()}")


def test_jobs_queue_behind_a_worker_only_when_no_other_is_free() -> None:
    # Two slow documents given at once (as `scrapy reparse` gives them) run side by side.
    pool = ParsePool(workers=2, timeout=30, target=nap)
    try:
        # Both workers ready first: on a loaded machine the second one took longer to start
        # than the first took to parse its document, and then rightly took the next one itself.
        pool.run("0")
        deadline = time.monotonic() + 60
        while len(pool._workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        results = _all_at_once(pool, ["2", "2"])
    finally:
        pool.close()
    assert len({result.reason for result in results}) == 2


def test_parse_job_never_raises(tmp_path: Path) -> None:
    missing = parse_job(ParseJob(str(tmp_path / "gone"), "gone.pdf", None, Hints()))
    assert missing.status == "error"
    assert missing.reason is not None
    assert missing.reason.startswith("parser raised FileNotFoundError")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>县政府召开常务会议</p></body></html>", "utf-8")
    result = parse_job(ParseJob(str(page), "page.html", "text/html", Hints(county="盐池县")))
    assert result.status == "not_report"


def test_a_worker_imports_the_parser_and_nothing_of_the_crawl() -> None:
    """A spawned worker imports its target's module: Scrapy, Twisted, SQLAlchemy or the county
    registry there would cost every worker over a second of CPU at start-up (issue 9)."""
    probe = (
        "import sys, crawler.parsing; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'scrapy', 'twisted', 'sqlalchemy', 'alembic'} "
        "| {m for m in sys.modules if m in ('crawler.counties', 'models.store')})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_the_pool_looks_for_conversions_by_libreoffices_own_names() -> None:
    # The pool imports the extractors to clean conversions up only when some are there; a
    # directory of their prefix that names no owner (an older version's) is none of them.
    owned = f"{libreoffice._PREFIX}{os.getpid()}-x1y2"
    assert fnmatch.fnmatch(owned, parsing._CONVERSIONS)
    assert libreoffice._OWNED.match(owned)
    foreign = f"{libreoffice._PREFIX}cweeep45"
    assert not fnmatch.fnmatch(foreign, parsing._CONVERSIONS)
    assert not libreoffice._OWNED.match(foreign)
