"""The cluster's job tables: county crawls for Scrapyd nodes, stored documents for parse workers.

Both queues live in the one database every node writes to (tables `crawl_jobs`, `parse_jobs`,
migration 0013) and are claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so any number of
coordinators and workers share them without a broker and without taking the same job twice.
PostgreSQL is what a cluster runs on; on SQLite (one machine) the same code works because
every writing transaction there is BEGIN IMMEDIATE: claims are serialised, not skipped.

Crawl jobs are claimed for a moment (the crawl runs in a Scrapyd process elsewhere): the claim
commits `running` with the node and the Scrapyd job id *before* the job is scheduled, so a
coordinator that dies in between leaves a job the next one recognises (`running` on a node
that does not know it) and re-queues. The partial unique index on running jobs' `site` makes
two simultaneous crawls of one site impossible, whichever coordinator asks.

Parse jobs hold their row lock for the whole parse: the worker records the document and marks
the job done in that one transaction (`ParseQueue.work_one`). A worker that dies (SIGKILL, lost
machine) has its transaction rolled back by PostgreSQL when its connection drops: the job is
queued again and nothing of the half-done parse was written. So no document is parsed into the
database twice, and none is skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from models.reparse import filename_of, hints_of
from models.schema import crawl_jobs_table, parse_jobs_table, sources_table
from models.store import _ATTEMPTS, _RETRYABLE_SQLSTATES, ReportStore, _fetch_of, _sqlstate
from reportparser.result import ParseResult
from reportparser.version import PARSER_VERSION

CRAWL_STATES = ("queued", "running", "done", "failed")
PURPOSES = ("parse", "reparse", "ocr")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_name() -> str:
    """host:pid, what a job records as the worker that did it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _insert(engine: Engine, table: Any) -> Any:
    return postgresql.insert(table) if engine.dialect.name == "postgresql" else sqlite.insert(table)


# -- Crawl jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrawlJobSpec:
    """What to crawl: a spider (`scrapy crawl <spider>`), its county and the site it visits."""

    spider: str
    county_code: str
    site: str


@dataclass(frozen=True, slots=True)
class CrawlJob:
    id: int
    batch: str
    spider: str
    county_code: str
    site: str
    state: str
    node: str | None
    scrapyd_job: str | None
    attempts: int
    started_at: dt.datetime | None
    crawl_status: str | None
    reason: str | None
    history: list[dict[str, Any]] = field(default_factory=list)


def _crawl_job(row: Any) -> CrawlJob:
    return CrawlJob(
        id=row.id,
        batch=row.batch,
        spider=row.spider,
        county_code=row.county_code,
        site=row.site,
        state=row.state,
        node=row.node,
        scrapyd_job=row.scrapyd_job,
        attempts=row.attempts,
        started_at=row.started_at,
        crawl_status=row.crawl_status,
        reason=row.reason,
        history=list(row.history or []),
    )


class CrawlJobs:
    """The `crawl_jobs` table: enqueue a batch, claim, finish, re-queue."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def enqueue(self, batch: str, specs: Iterable[CrawlJobSpec]) -> int:
        """Queue one job per spider in `batch` (again: nothing happens); how many were new."""
        rows = [
            {
                "batch": batch,
                "spider": s.spider,
                "county_code": s.county_code,
                "site": s.site,
                "state": "queued",
                "attempts": 0,
                "queued_at": now(),
                "history": [],
            }
            for s in specs
        ]
        if not rows:
            return 0
        statement = (
            _insert(self.engine, crawl_jobs_table)
            .on_conflict_do_nothing(index_elements=["batch", "spider"])
            .returning(crawl_jobs_table.c.id)
        )
        with self.engine.begin() as conn:
            # RETURNING counts what was inserted (executemany's rowcount is -1 on psycopg).
            return len(conn.execute(statement, rows).all())

    def claim(self, batch: str, node: str, scrapyd_job: str) -> CrawlJob | None:
        """Mark the oldest queued job of `batch` whose site is idle as running on `node`.

        None when nothing can start now (all queued jobs' sites are busy, or none queued).
        """
        j = crawl_jobs_table.c
        busy = crawl_jobs_table.alias("busy")
        candidate = (
            select(crawl_jobs_table)
            .where(j.batch == batch, j.state == "queued")
            .where(~exists().where(busy.c.site == j.site, busy.c.state == "running"))
            .order_by(j.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=crawl_jobs_table)
        )
        try:
            with self.engine.begin() as conn:
                row = conn.execute(candidate).first()
                if row is None:
                    return None
                started = now()
                attempt = {"node": node, "scrapyd_job": scrapyd_job, "started_at": _iso(started)}
                conn.execute(
                    update(crawl_jobs_table)
                    .where(j.id == row.id)
                    .values(
                        state="running",
                        node=node,
                        scrapyd_job=scrapyd_job,
                        attempts=j.attempts + 1,
                        started_at=started,
                        history=[*(row.history or []), attempt],
                    )
                )
                claimed = conn.execute(select(crawl_jobs_table).where(j.id == row.id)).one()
        except IntegrityError:
            # Another coordinator started a job for this site between our SELECT and UPDATE:
            # the unique index refused ours. Nothing was written; the caller tries again.
            return None
        return _crawl_job(claimed)

    def running(self, batch: str | None = None) -> list[CrawlJob]:
        return self.jobs(batch, state="running")

    def jobs(self, batch: str | None = None, *, state: str | None = None) -> list[CrawlJob]:
        j = crawl_jobs_table.c
        query = select(crawl_jobs_table).order_by(j.id)
        if batch is not None:
            query = query.where(j.batch == batch)
        if state is not None:
            query = query.where(j.state == state)
        with self.engine.connect() as conn:
            return [_crawl_job(row) for row in conn.execute(query)]

    def counts(self, batch: str) -> dict[str, int]:
        j = crawl_jobs_table.c
        query = select(j.state, func.count()).where(j.batch == batch).group_by(j.state)
        with self.engine.connect() as conn:
            found = {state: int(n) for state, n in conn.execute(query)}
        return {state: found.get(state, 0) for state in CRAWL_STATES}

    def finish(
        self, job: CrawlJob, *, state: str, crawl_status: str | None, reason: str | None = None
    ) -> bool:
        """Close a running attempt (`done` or `failed`); False when it was no longer running
        (another coordinator closed or re-queued it)."""
        return self._leave_running(
            job, state=state, crawl_status=crawl_status, reason=reason, finished_at=now()
        )

    def requeue(self, job: CrawlJob, reason: str, *, max_attempts: int) -> str:
        """Put back a job whose node died or lost it: `queued`, or `failed` after
        `max_attempts`. Returns the new state ('' when it was no longer running)."""
        state = "failed" if job.attempts >= max_attempts else "queued"
        changed = self._leave_running(
            job,
            state=state,
            crawl_status=None,
            reason=reason,
            finished_at=now() if state == "failed" else None,
            clear_node=state == "queued",
        )
        return state if changed else ""

    def _leave_running(
        self,
        job: CrawlJob,
        *,
        state: str,
        crawl_status: str | None,
        reason: str | None,
        finished_at: dt.datetime | None,
        clear_node: bool = False,
    ) -> bool:
        j = crawl_jobs_table.c
        history = list(job.history)
        if history:
            history[-1] = {**history[-1], "ended_at": _iso(now()), "end": state, "reason": reason}
        values: dict[str, Any] = {
            "state": state,
            "crawl_status": crawl_status,
            "reason": reason,
            "finished_at": finished_at,
            "history": history,
        }
        if clear_node:
            values |= {"node": None, "scrapyd_job": None}
        with self.engine.begin() as conn:
            result = conn.execute(
                update(crawl_jobs_table)
                .where(j.id == job.id, j.state == "running", j.scrapyd_job == job.scrapyd_job)
                .values(values)
            )
        return bool(result.rowcount)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


# -- Parse jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    job_id: int
    source_id: int
    url: str
    state: str  # done | failed
    parse_status: str | None
    outcome: str | None
    reason: str | None = None


# parse(location, filename=…, content_type=…, hints=…, ocr=bool) → ParseResult, where location
# is the blob's path or s3:// URL (models.objectstore.read_blob): the parse may run in another
# process, which reads the bytes itself. Never raises for bad input (a crash fails the job).
ParseFunction = Callable[..., ParseResult]


class ParseQueue:
    """The `parse_jobs` table: queue stored documents, work them one transaction each."""

    def __init__(self, store: ReportStore) -> None:
        self.store = store
        self.engine = store.engine

    def enqueue(self, source_ids: Sequence[int], purpose: str) -> int:
        """Queue documents by source id; one already waiting is not queued twice."""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}, not {purpose!r}")
        rows = [
            {"source_id": i, "purpose": purpose, "state": "queued", "queued_at": now()}
            for i in source_ids
        ]
        if not rows:
            return 0
        statement = (
            _insert(self.engine, parse_jobs_table)
            .on_conflict_do_nothing(
                index_elements=["source_id"], index_where=text("state = 'queued'")
            )
            .returning(parse_jobs_table.c.id)
        )
        with self.engine.begin() as conn:
            return len(conn.execute(statement, rows).all())

    def enqueue_urls(self, urls: Sequence[str], purpose: str) -> int:
        """Queue the stored documents with these URLs (what a crawl hands over)."""
        s = sources_table.c
        with self.engine.connect() as conn:
            ids = [row.id for row in conn.execute(select(s.id).where(s.url.in_(list(urls))))]
        return self.enqueue(ids, purpose)

    def enqueue_stored(
        self,
        *,
        purpose: str,
        county_code: str | None = None,
        years: Sequence[int] = (),
        stale_only: bool = False,
    ) -> int:
        """Queue stored documents as `scrapy reparse` selects them; purpose `ocr`: the scans
        left at needs_ocr."""
        sources = self.store.stored_sources(
            county_code=county_code, years=years, stale_only=stale_only
        )
        if purpose == "ocr":
            sources = [s for s in sources if s.parse_status == "needs_ocr"]
        return self.enqueue([s.id for s in sources], purpose)

    def counts(self) -> dict[str, int]:
        p = parse_jobs_table.c
        with self.engine.connect() as conn:
            found = {
                state: int(n)
                for state, n in conn.execute(select(p.state, func.count()).group_by(p.state))
            }
        return {state: found.get(state, 0) for state in ("queued", "done", "failed")}

    def work_one(
        self,
        parse: ParseFunction,
        *,
        worker: str | None = None,
        parser_version: str = PARSER_VERSION,
    ) -> ParseOutcome | None:
        """Claim one queued job, parse its document, record it and close the job: one
        transaction. None when no job is waiting (or all waiting ones are being worked)."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return self._work_one(parse, worker, parser_version)
            except DBAPIError as exc:
                # Two workers' reports may deadlock on PostgreSQL: the victim's transaction
                # was rolled back whole (its job is queued again), so doing it again is safe.
                if attempt == _ATTEMPTS or _sqlstate(exc) not in _RETRYABLE_SQLSTATES:
                    raise
        return None  # not reached: the last attempt returns or raises

    def _work_one(
        self, parse: ParseFunction, worker: str | None, parser_version: str
    ) -> ParseOutcome | None:
        p = parse_jobs_table.c
        s = sources_table.c
        claim = (
            select(parse_jobs_table.c.id, p.purpose, sources_table)
            .join(sources_table, s.id == p.source_id)
            .where(p.state == "queued")
            .order_by(p.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=parse_jobs_table)
        )
        with self.engine.begin() as conn:
            row = conn.execute(claim).first()
            if row is None:
                return None
            job_id, purpose = row[0], row.purpose
            fetch = _fetch_of(row)
            state, reason, parse_status, outcome = "done", None, None, None
            if not self.store.has_blob(fetch.sha256):
                state, reason = "failed", f"blob {fetch.sha256} is not in the blob store"
            else:
                try:
                    result = parse(
                        self.store.blob_location(fetch.sha256),
                        filename=filename_of(fetch),
                        content_type=fetch.content_type,
                        hints=hints_of(fetch),
                        ocr=purpose == "ocr",
                    )
                except Exception as exc:
                    state, reason = "failed", f"parser crashed: {type(exc).__name__}: {exc}"
                else:
                    stored = self.store.record_document_in(
                        conn, fetch, result, parser_version=parser_version
                    )
                    parse_status, outcome = result.status, stored.outcome
                    reason = stored.detail if stored.outcome == "failed" else None
            conn.execute(
                update(parse_jobs_table)
                .where(p.id == job_id)
                .values(
                    state=state,
                    worker=worker or worker_name(),
                    finished_at=now(),
                    parse_status=parse_status,
                    outcome=outcome,
                    reason=reason,
                )
            )
        return ParseOutcome(job_id, row.id, fetch.url, state, parse_status, outcome, reason)

    def done(self) -> list[dict[str, Any]]:
        """Every closed job (tests, `scrapy cluster status`)."""
        p = parse_jobs_table.c
        query = select(parse_jobs_table).where(p.state != "queued").order_by(p.id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
