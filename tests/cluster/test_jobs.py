"""The job tables on PostgreSQL: claims with SKIP LOCKED, one running job per site, parse jobs
done in one transaction each (models.jobs)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from models.jobs import CrawlJobs, CrawlJobSpec, ParseQueue
from models.objectstore import read_blob
from models.records import FetchRecord
from models.schema import crawl_jobs_table, parse_jobs_table
from models.store import ReportStore
from reportparser.api import parse_bytes
from reportparser.result import Hints, ParseResult

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("cluster")]

HTML = (
    "<html><head><meta charset='utf-8'><title>盐池县2022年政府信息公开工作年度报告</title></head>"
    "<body><h1>盐池县2022年政府信息公开工作年度报告</h1><p>本年度主动公开信息{n}条。</p></body></html>"
)


@pytest.fixture
def pg_store(postgres_schema_url: str, tmp_path: Path) -> Iterator[ReportStore]:
    with ReportStore(postgres_schema_url, tmp_path / "blobs") as store:
        store.upgrade()
        yield store


def test_claims_never_start_two_jobs_for_one_site(pg_store: ReportStore) -> None:
    jobs = CrawlJobs(pg_store.engine)
    specs = [
        CrawlJobSpec("yanchi", "640323", "www.yanchi.gov.cn"),
        CrawlJobSpec("yanchi-dept", "640323", "www.yanchi.gov.cn"),  # same site
        CrawlJobSpec("helan", "640122", "www.nxhl.gov.cn"),
    ]
    assert jobs.enqueue("b1", specs) == 3
    assert jobs.enqueue("b1", specs) == 0  # queuing a batch again changes nothing

    first = jobs.claim("b1", "http://n1", "j1")
    second = jobs.claim("b1", "http://n2", "j2")
    assert first is not None and second is not None
    assert (first.spider, second.spider) == ("yanchi", "helan")  # yanchi's site is busy
    assert jobs.claim("b1", "http://n1", "j3") is None

    # Whoever tries, the database refuses a second running job for a site.
    with pytest.raises(IntegrityError), pg_store.engine.begin() as conn:
        conn.execute(
            update(crawl_jobs_table)
            .where(crawl_jobs_table.c.spider == "yanchi-dept")
            .values(state="running")
        )

    assert jobs.finish(first, state="done", crawl_status="ok")
    third = jobs.claim("b1", "http://n1", "j4")
    assert third is not None and third.spider == "yanchi-dept"
    assert jobs.requeue(third, "node died", max_attempts=2) == "queued"
    fourth = jobs.claim("b1", "http://n2", "j5")
    assert fourth is not None and fourth.spider == "yanchi-dept" and fourth.attempts == 2
    assert [h["node"] for h in fourth.history] == ["http://n1", "http://n2"]
    assert jobs.requeue(fourth, "node died again", max_attempts=2) == "failed"
    assert not jobs.finish(fourth, state="done", crawl_status="ok")  # no longer running


def test_concurrent_claims_take_each_job_once(pg_store: ReportStore) -> None:
    jobs = CrawlJobs(pg_store.engine)
    specs = [CrawlJobSpec(f"c{i}", "640323", f"site{i}.gov.cn") for i in range(40)]
    jobs.enqueue("b", specs)
    claimed: list[str] = []
    lock = threading.Lock()

    def coordinator(name: str) -> None:
        while True:
            job = jobs.claim("b", name, f"{name}-{len(claimed)}-{threading.get_ident()}")
            if job is None:
                if not jobs.counts("b")["queued"]:
                    return
                continue
            with lock:
                claimed.append(job.spider)

    threads = [threading.Thread(target=coordinator, args=(f"n{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claimed) == sorted(s.spider for s in specs)


def _store_documents(store: ReportStore, n: int) -> list[int]:
    ids = []
    for i in range(n):
        data = HTML.format(n=100 + i).encode()
        fetch = FetchRecord(
            url=f"https://www.yanchi.gov.cn/xxgk/{i}.html",
            county_code="640323",
            kind="page",
            sha256=store.put_blob(data),
            size=len(data),
            fetched_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
            content_type="text/html; charset=utf-8",
        )
        store.record_document(fetch, ParseResult(status="error", format="html", reason="later"))
    with store.reader() as conn:
        ids = list(conn.execute(text("SELECT id FROM sources ORDER BY id")).scalars())
    return ids


def _parse(location: str, *, ocr: bool, **kwargs: object) -> ParseResult:
    hints = kwargs.pop("hints")
    assert isinstance(hints, Hints)
    return parse_bytes(read_blob(location), hints=hints, **kwargs)  # type: ignore[arg-type]


def test_parse_jobs_are_queued_once_and_worked_once(pg_store: ReportStore) -> None:
    ids = _store_documents(pg_store, 12)
    queue = ParseQueue(pg_store)
    assert queue.enqueue(ids, "reparse") == 12
    assert queue.enqueue(ids, "reparse") == 0  # already waiting

    results: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (outcome := queue.work_one(_parse, worker=name)) is not None:
            with lock:
                results.append(outcome.source_id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(results) == ids  # each exactly once
    assert queue.counts() == {"queued": 0, "done": 12, "failed": 0}
    with pg_store.reader() as conn:
        statuses = set(conn.execute(text("SELECT parse_status FROM sources")).scalars())
    assert statuses != {"error"}  # re-parsed for real
    assert queue.enqueue(ids[:3], "reparse") == 3  # done jobs do not block a new round


def test_a_parse_that_fails_leaves_nothing_half_written(pg_store: ReportStore) -> None:
    [source_id] = _store_documents(pg_store, 1)
    queue = ParseQueue(pg_store)
    queue.enqueue([source_id], "reparse")

    class Died(BaseException):
        pass

    def die(location: str, **kwargs: object) -> ParseResult:
        raise Died  # the worker's end, as far as its transaction can tell

    with pytest.raises(Died):
        queue.work_one(die)
    assert queue.counts()["queued"] == 1  # the job is back, the source untouched

    def crash(location: str, **kwargs: object) -> ParseResult:
        raise ValueError("a parser bug")

    failed = queue.work_one(crash)  # a parser crash fails the job, with the reason
    assert failed is not None and failed.state == "failed" and "a parser bug" in str(failed.reason)
    queue.enqueue([source_id], "reparse")
    outcome = queue.work_one(_parse)
    assert outcome is not None and outcome.state == "done"
    with pg_store.reader() as conn:
        rows = conn.execute(select(parse_jobs_table).order_by(parse_jobs_table.c.id)).all()
    assert [r.state for r in rows] == ["failed", "done"]
    assert rows[1].outcome in ("new", "not_report", "failed")
