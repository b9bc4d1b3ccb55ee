"""Shared crawl services: freshness decisions, the parser's process pool (crashes, timeouts),
the store's worker thread or process."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from crawler.services import (
    KnownDocuments,
    ParseJob,
    ParsePool,
    StoreService,
    conditional_headers,
    freshness,
    parse_job,
)
from models.records import FetchRecord, Listing, SourceState
from models.store import CorruptBlobError
from reportparser.result import Hints, ParseResult
from tests.crawler.components import county_crawler, open_store, remember, report_result, run
from tests.support.render import render
from tests.support.synth import synthesize

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
MONTH = dt.timedelta(days=30)
LISTING = Listing("盐池县2021年政府信息公开工作年度报告", "2022-01-25")


def state(
    *, checked: dt.datetime | None = None, fetched: dt.datetime | None = None, sha: str = "ab"
) -> SourceState:
    return SourceState(
        url="https://www.yanchi.gov.cn/a.html",
        sha256=sha,
        etag='"e"',
        last_modified="Tue, 25 Jan 2022 00:00:00 GMT",
        fetched_at=fetched,
        checked_at=checked,
        listing_signature=LISTING.signature(),
        status="new",
        report_id=1,
    )


@pytest.mark.parametrize(
    ("known", "listing", "expected"),
    [
        (None, LISTING, "new"),
        (state(checked=NOW - dt.timedelta(days=2)), LISTING, "fresh"),
        (state(checked=NOW - dt.timedelta(days=2)), None, "fresh"),
        (state(checked=(NOW - dt.timedelta(days=2)).replace(tzinfo=None)), LISTING, "fresh"),
        (state(checked=NOW - dt.timedelta(days=31)), LISTING, "stale"),
        (state(fetched=NOW - dt.timedelta(days=40), checked=NOW), LISTING, "fresh"),
        (state(fetched=NOW - dt.timedelta(days=3)), LISTING, "fresh"),
        (state(), LISTING, "stale"),
        (state(checked=NOW), Listing(LISTING.title, "2022-02-24"), "stale"),
        (state(checked=NOW), Listing("盐池县2021年政府信息公开工作年度报告（更正）"), "stale"),
    ],
)
def test_freshness(known: SourceState | None, listing: Listing | None, expected: str) -> None:
    assert freshness(known, listing, NOW, MONTH) == expected


def test_conditional_headers() -> None:
    assert conditional_headers(None) == {}
    assert conditional_headers(state()) == {
        "If-None-Match": '"e"',
        "If-Modified-Since": "Tue, 25 Jan 2022 00:00:00 GMT",
    }


def test_known_documents_load_each_county_once(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    with open_store(tmp_path) as store:
        remember(store, url, b"<html>r</html>", report_result(), listing=LISTING)
    with county_crawler(tmp_path) as crawler:
        known = KnownDocuments.of(crawler)
        assert KnownDocuments.of(crawler) is known

        async def load_twice() -> None:
            first = await known.load("640323")
            assert await known.load("640323") is first

        run(load_twice())
        verdict, found = known.decide("640323", url, LISTING)
        assert verdict == "fresh"
        assert found is not None
        assert found.report_id is not None
        assert known.decide("640323", url + "?x", LISTING) == ("new", None)


def test_one_store_service_per_database(tmp_path: Path) -> None:
    with (
        county_crawler(tmp_path) as first,
        county_crawler(tmp_path, "jingyuan") as second,
        county_crawler(tmp_path / "other") as third,
    ):
        service = StoreService.for_crawler(first)
        assert StoreService.for_crawler(second) is service
        assert StoreService.for_crawler(third) is not service
        digest = run(service.put_blob(b"bytes"))
        assert run(service.get_blob(digest)) == b"bytes"


def exit_code(process: BaseProcess, timeout: float = 60) -> int | None:
    """The exit code of a child that the code under test reaps in a thread of its own.

    Not `join`: two threads joining one child race, and the loser (its waitpid answered ECHILD)
    takes the dead process for a live one.
    """
    deadline = time.monotonic() + timeout
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return process.exitcode


def test_the_store_runs_in_a_process_that_ends_with_the_crawl(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    body = b"<html>r</html>"
    with county_crawler(tmp_path, OGI_STORE_PROCESS=True) as crawler:
        service = StoreService.for_crawler(crawler)
        sha256 = run(service.put_blob(body))
        fetch = FetchRecord(url, "640323", "page", sha256, len(body), NOW)
        stored = run(service.call("record_document", fetch, report_result()))
        (process,) = [p for p in multiprocessing.active_children() if p.name == "ogi-store"]
        assert process.pid != os.getpid()
    assert stored.outcome == "new"
    assert exit_code(process) == 0
    with open_store(tmp_path) as store:
        assert list(store.source_states("640323")) == [url]


# Jobs for the pool's workers: module-level, so a spawned worker can import them.
def test_a_document_whose_blob_is_gone_or_corrupt_is_fetched_whole(tmp_path: Path) -> None:
    url = "https://www.yanchi.gov.cn/xxgk/zfxxgknb/xrmzf/202201/t20220125_3863880.html"
    with open_store(tmp_path) as store:
        remember(store, url, b"<html>r 2020</html>", report_result(), listing=LISTING)
        sha = store.source_states("640323")[url].sha256
        assert sha is not None
        blob = store.blob_path(sha)
        blob.write_bytes(b"<html>r 2021</html>")  # a flipped digit
        with pytest.raises(CorruptBlobError):
            store.get_blob(sha)  # found corrupt (a reparse, a 304, `db verify`): moved aside
    with county_crawler(tmp_path) as crawler:
        known = KnownDocuments.of(crawler)
        run(known.load("640323"))
        # Not "fresh" (it would never be repaired), not "stale" (a 304 would bring nothing).
        assert known.decide("640323", url, LISTING) == ("new", None)


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
    assert crashed.reason == "parser worker died (EOFError)"
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


def test_parse_job_never_raises(tmp_path: Path) -> None:
    missing = parse_job(ParseJob(str(tmp_path / "gone"), "gone.pdf", None, Hints()))
    assert missing.status == "error"
    assert missing.reason is not None
    assert missing.reason.startswith("parser raised FileNotFoundError")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>县政府召开常务会议</p></body></html>", "utf-8")
    result = parse_job(ParseJob(str(page), "page.html", "text/html", Hints(county="盐池县")))
    assert result.status == "not_report"
