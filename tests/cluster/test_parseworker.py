"""`scrapy parseworker` processes draining one queue on PostgreSQL, documents in moto's S3:
each document parsed once, none skipped, scans read by OCR, a worker SIGKILLed mid-document
leaving its job to the others."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from models.records import FetchRecord
from models.schema import parse_jobs_table, sources_table
from models.store import ReportStore
from reportparser import parse_bytes
from reportparser.result import ParseResult
from tests.cluster.support import SCRAPY, command_env, scrapy
from tests.conftest import PROJECT_DIR
from tests.fixtureweb.build import FIXTURE_WEB
from tests.models.conftest import fresh_schema
from tests.reportparser.ocr.scans import scanned

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.libreoffice,  # the scans are rendered reports
    pytest.mark.slow,
    pytest.mark.xdist_group("cluster"),
    pytest.mark.timeout(1500),
]

SCANS = (("synthetic-2021-1", 150, "pdf"), ("helan-2020-county", 150, "pdf"))
COUNTIES = {"640323": "www.yanchi.gov.cn", "640122": "www.nxhl.gov.cn"}


@pytest.fixture
def queue_store(
    postgres_url: str, bucket: str, s3_endpoint: str
) -> Iterator[tuple[ReportStore, dict[str, str]]]:
    with fresh_schema(postgres_url, "c") as url:
        env = command_env(url, bucket, s3_endpoint)
        with ReportStore(url, bucket, s3_endpoint_url=s3_endpoint) as store:
            store.upgrade()
            yield store, env


def _documents() -> Iterator[tuple[str, str, bytes]]:
    """(county code, URL, bytes) of the fixture web's report documents of two counties."""
    manifest = json.loads((FIXTURE_WEB / "manifest.json").read_text("utf-8"))
    for report in manifest["reports"]:
        for source in report["sources"]:
            parts = urlsplit(source["url"])
            if parts.netloc in COUNTIES.values():
                code = next(c for c, host in COUNTIES.items() if host == parts.netloc)
                path = FIXTURE_WEB / parts.netloc / parts.path.lstrip("/")
                yield code, source["url"], path.read_bytes()


def _store(store: ReportStore, code: str, url: str, data: bytes, result: ParseResult) -> None:
    fetch = FetchRecord(
        url=url,
        county_code=code,
        kind="attachment" if "/P0" in url else "page",
        sha256=store.put_blob(data),
        size=len(data),
        fetched_at=dt.datetime(2025, 1, 21, tzinfo=dt.UTC),
    )
    store.record_document(fetch, result)


def _job_in_hand(store: ReportStore) -> int | None:
    """The job the only running worker holds: its claim's transaction is open (it parses), and
    it claims in id order, so it holds the lowest queued job. Asked without taking any lock (a
    lock would hide jobs from the worker's SKIP LOCKED)."""
    with store.engine.connect() as conn:
        busy = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                "AND query LIKE '%FROM parse_jobs JOIN sources%SKIP LOCKED%'"
            )
        ).scalar_one()
        if not busy:
            return None
        held: int | None = conn.execute(
            text("SELECT min(id) FROM parse_jobs WHERE state = 'queued'")
        ).scalar_one()
    return held


def _worker(name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*SCRAPY, "parseworker", "--drain", "--name", name, "-s", "LOG_LEVEL=WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group: the kill takes its parser process too
    )


def test_two_workers_drain_the_queue_after_one_is_killed(
    queue_store: tuple[ReportStore, dict[str, str]],
) -> None:
    store, env = queue_store
    unparsed = ParseResult(status="error", format="unknown", reason="handed to a parse worker")
    documents = list(_documents())
    for code, url, data in documents:
        _store(store, code, url, data, unparsed)
    for i, case in enumerate(SCANS):
        data = scanned(*case)
        deferred = parse_bytes(data, filename=f"scan{i}.pdf")  # what a crawl stores
        assert deferred.status == "needs_ocr"
        _store(store, "640323", f"https://www.yanchi.gov.cn/xxgk/P0scan{i}.pdf", data, deferred)
    total = len(documents) + len(SCANS)

    # Scans first, as OCR jobs; then everything else (a scan already queued is not queued twice).
    queued = scrapy(["cluster", "queue-parse", "--ocr"], env)
    assert f"{len(SCANS)} documents queued for ocr" in queued.stdout, queued.stderr[-3000:]
    queued = scrapy(["cluster", "queue-parse", "--all"], env)
    assert f"{len(documents)} documents queued for reparse" in queued.stdout, queued.stderr

    # Worker a takes the first scan; it is killed while reading it.
    a = _worker("a", env)
    try:
        deadline = time.monotonic() + 600
        while (held := _job_in_hand(store)) is None:
            assert a.poll() is None, a.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "worker a took no job"
            time.sleep(0.1)
        time.sleep(2)  # well inside the OCR of a scan: seconds per page
        os.killpg(a.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(a.pid, signal.SIGKILL)
        a.communicate(timeout=30)  # reaps it and closes its pipe
    with store.reader() as conn:
        states = dict(conn.execute(select(parse_jobs_table.c.id, parse_jobs_table.c.state)).all())
    assert states[held] == "queued"  # killed mid-job: its job is back in the queue

    workers = [_worker(name, env) for name in ("b", "c")]
    outputs = [w.communicate(timeout=1200)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    with store.reader() as conn:
        jobs = conn.execute(select(parse_jobs_table)).all()
        sources = conn.execute(select(sources_table)).all()
    assert {j.state for j in jobs} == {"done"}
    assert len(jobs) == total
    assert Counter(j.source_id for j in jobs) == Counter({s.id: 1 for s in sources})
    by_worker = Counter(j.worker for j in jobs)
    assert by_worker["b"] > 0 and by_worker["c"] > 0
    assert {j.worker for j in jobs if j.id == held} <= {"b", "c"}
    assert not [s.url for s in sources if s.parse_status in ("error", "needs_ocr")]
    scans = [s for s in sources if "P0scan" in s.url]
    assert all(s.engine.startswith("rapidocr") and s.parse_status == "report" for s in scans)


def test_parseworker_needs_a_queue(tmp_path: Path) -> None:
    env = command_env(f"sqlite:///{tmp_path / 'ogi.sqlite3'}", str(tmp_path / "blobs"), None)
    drained = scrapy(["parseworker", "--drain"], env)
    assert drained.returncode == 0, drained.stderr[-3000:]
    assert "0 documents parsed, 0 failed" in drained.stdout
