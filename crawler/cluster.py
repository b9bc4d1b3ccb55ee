"""The coordinator of `scrapy cluster crawl`: county crawls from the job table onto Scrapyd nodes.

A loop, one step every `poll` seconds:

1. follow: ask every node what it runs (`daemonstatus.json`, `listjobs.json`); a running job
   whose Scrapyd job finished is closed with its crawl run's status (the crawl recorded it in
   the database); a job whose node has not answered for `dead_after` seconds, or which its node
   does not know, is re-queued (after `max_attempts`, failed with the reason);
2. schedule: while a reachable node has a free slot (its `slots` minus what it runs and has
   pending), claim the next job whose site is idle (models.jobs.CrawlJobs.claim) and start it
   there (`schedule.json` with the job id written in the claim).

The database is the only state: several coordinators may run (they claim with SKIP LOCKED), one
that is restarted picks up where the last one was, and the job table is the record of who
crawled what where.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from crawler.scrapyd import NodeJob, ScrapydError, ScrapydNode
from models.jobs import CrawlJob, CrawlJobs
from models.schema import crawl_runs_table

# A crawl run recorded by the node this long before the claim is an older run, not this one
# (the node's clock may be a little behind the coordinator's).
_CLOCK_SKEW = dt.timedelta(seconds=60)


@dataclass
class _Node:
    scrapyd: ScrapydNode
    slots: int
    last_seen: float
    reachable: bool = True
    busy: int = 0  # running + pending, as daemonstatus.json last said
    jobs: dict[str, NodeJob] = field(default_factory=dict)


@dataclass
class Progress:
    """What the loop did, for the log and the tests."""

    scheduled: list[tuple[str, str]] = field(default_factory=list)  # (spider, node)
    requeued: list[tuple[str, str]] = field(default_factory=list)  # (spider, reason)
    finished: list[tuple[str, str]] = field(default_factory=list)  # (spider, state)


class Coordinator:
    def __init__(
        self,
        engine: Engine,
        nodes: Sequence[ScrapydNode],
        *,
        batch: str,
        slots: int = 2,
        crawl_settings: dict[str, str] | None = None,
        poll: float = 2.0,
        dead_after: float = 30.0,
        lost_after: float = 60.0,
        max_attempts: int = 3,
        log: Callable[[str], None] = print,
    ) -> None:
        self.engine = engine
        self.jobs = CrawlJobs(engine)
        started = time.monotonic()
        self.nodes = {n.url: _Node(n, slots, started) for n in nodes}
        self.batch = batch
        self.crawl_settings = dict(crawl_settings or {})
        self.poll = poll
        self.dead_after = dead_after
        self.lost_after = lost_after
        self.max_attempts = max_attempts
        self.log = log
        self.progress = Progress()

    def run(self, timeout: float | None = None) -> dict[str, int]:
        """Step until every job of the batch is done or failed; the final counts by state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.step()
            counts = self.jobs.counts(self.batch)
            if counts["queued"] == 0 and counts["running"] == 0:
                return counts
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"batch {self.batch} not finished in {timeout:g} s: {counts}")
            time.sleep(self.poll)

    def step(self) -> None:
        self._look()
        self._follow()
        self._schedule()

    def _look(self) -> None:
        now = time.monotonic()
        for node in self.nodes.values():
            try:
                status = node.scrapyd.status()
                node.jobs = node.scrapyd.jobs()
            except ScrapydError as exc:
                if node.reachable:
                    self.log(f"node {node.scrapyd.url} unreachable: {exc}")
                node.reachable = False
                continue
            if not node.reachable:
                self.log(f"node {node.scrapyd.url} is back")
            node.reachable, node.last_seen = True, now
            node.busy = status.running + status.pending

    def _follow(self) -> None:
        now = time.monotonic()
        for job in self.jobs.running(self.batch):
            node = self.nodes.get(job.node or "")
            if node is None:
                continue  # another coordinator's node: it follows its own
            if not node.reachable:
                if now - node.last_seen >= self.dead_after:
                    self._requeue(
                        job, f"node {node.scrapyd.url} unreachable for {now - node.last_seen:.0f} s"
                    )
                continue
            seen = node.jobs.get(job.scrapyd_job or "")
            if seen is None:
                started = as_aware(job.started_at) if job.started_at else _utcnow()
                age = (_utcnow() - started).total_seconds()
                if age >= self.lost_after:
                    self._requeue(
                        job, f"node {node.scrapyd.url} does not know job {job.scrapyd_job}"
                    )
                continue
            if seen.state == "finished":
                self._close(job, seen)

    def _close(self, job: CrawlJob, seen: NodeJob) -> None:
        crawl_status = self._crawl_status(job)
        if crawl_status is None:
            state, reason = "failed", f"the crawl recorded no run (log: {seen.log_url})"
        else:
            state, reason = "done", None
        if self.jobs.finish(job, state=state, crawl_status=crawl_status, reason=reason):
            self.progress.finished.append((job.spider, state))
            self.log(f"{job.spider}: {state} on {job.node} ({crawl_status or reason})")

    def _crawl_status(self, job: CrawlJob) -> str | None:
        """The status of the crawl run this job's crawl recorded, if it did."""
        r = crawl_runs_table.c
        since = (job.started_at or _utcnow()) - _CLOCK_SKEW
        query = (
            select(r.status)
            .where(r.spider == job.spider, r.started_at >= since)
            .order_by(r.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            status = conn.execute(query).scalar_one_or_none()
        return None if status is None else str(status)

    def _requeue(self, job: CrawlJob, reason: str) -> None:
        state = self.jobs.requeue(job, reason, max_attempts=self.max_attempts)
        if not state:
            return
        self.progress.requeued.append((job.spider, reason))
        self.log(f"{job.spider}: {reason}: {state}")
        node = self.nodes.get(job.node or "")
        if node is not None and job.scrapyd_job:
            # A node that was only cut off must not go on crawling a site someone else now
            # crawls: ask it to stop (it usually cannot hear us; docs/deploy.md says what
            # to do with a node that comes back).
            with contextlib.suppress(ScrapydError):
                node.scrapyd.cancel(job.scrapyd_job)

    def _schedule(self) -> None:
        for node in sorted(self.nodes.values(), key=lambda n: n.busy):
            while node.reachable and node.busy < node.slots:
                job_id = uuid.uuid4().hex
                job = self.jobs.claim(self.batch, node.scrapyd.url, job_id)
                if job is None:
                    return  # nothing can start now, on any node
                try:
                    node.scrapyd.schedule(job.spider, job_id, self.crawl_settings, {})
                except ScrapydError as exc:
                    if exc.unreachable:
                        # No answer is not a no: the node may have queued it. The job stays
                        # running there; following it re-queues it once the node is known to
                        # have died or not to know the job (never two crawls of one site).
                        self.log(f"{job.spider}: no answer from {node.scrapyd.url}: {exc}")
                        node.reachable = False
                    else:
                        self._requeue(job, f"{node.scrapyd.url} refused it: {exc}")
                    break
                node.busy += 1
                self.progress.scheduled.append((job.spider, node.scrapyd.url))
                self.log(f"{job.spider}: scheduled on {node.scrapyd.url} (job {job_id})")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
