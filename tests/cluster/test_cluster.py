"""End to end on 127.0.0.1: two Scrapyd nodes, PostgreSQL and moto's S3, all started by the
project's scripts, crawling the bundled fixture web (served like a real site).

The reference is a single-machine crawl of the same counties (`scrapy crawl <county>`, one after
the other, local blob directory); a cluster run must store exactly the same rows, with every
document in the object store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from crawler.scrapyd import ScrapydNode
from models.jobs import CrawlJob, CrawlJobs
from tests.cluster.conftest import restart_nodes
from tests.cluster.support import (
    COUNTIES,
    SCRAPY,
    bucket_hashes,
    cluster_command,
    command_env,
    differing_rows,
    single_machine_crawl,
    snapshot,
    stored_hashes,
)
from tests.conftest import PROJECT_DIR
from tests.fixtureweb.server import ServedWeb, served_copy
from tests.models.conftest import fresh_schema

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.xdist_group("cluster"),
    pytest.mark.timeout(900),
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedWeb]:
    with served_copy(tmp_path_factory.mktemp("cluster-web")) as served:
        yield served


@pytest.fixture(scope="module")
def reference(
    web: ServedWeb, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The database of a single machine's crawl of the counties, one `scrapy crawl` after
    another (its URL)."""
    with fresh_schema(postgres_url, "c") as url:
        single_machine_crawl(url, tmp_path_factory.mktemp("reference") / "blobs", web.url)
        yield url


@dataclass(frozen=True)
class Parts:
    web: ServedWeb
    reference: str
    postgres_url: str
    nodes: list[str]
    bucket: str
    s3_endpoint: str


@pytest.fixture
def parts(
    *,
    web: ServedWeb,
    reference: str,
    postgres_url: str,
    scrapyd_nodes: list[str],
    bucket: str,
    s3_endpoint: str,
) -> Parts:
    return Parts(web, reference, postgres_url, scrapyd_nodes, bucket, s3_endpoint)


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*SCRAPY, *command],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finished_jobs_since(nodes: list[str], since: float) -> list[tuple[str, str, str, str]]:
    """(spider, node, start, end) of every crawl the nodes ran since `since` (epoch seconds)."""
    runs = []
    for url in nodes:
        for job in ScrapydNode(url).jobs().values():
            if job.state == "finished" and job.start_time and _epoch(job.start_time) >= since:
                runs.append((job.spider, url, job.start_time, job.end_time or ""))
    return runs


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp).timestamp()


def test_a_cluster_crawl_stores_what_one_machine_stores(parts: Parts) -> None:
    web, reference, postgres_url = parts.web, parts.reference, parts.postgres_url
    scrapyd_nodes, bucket, s3_endpoint = parts.nodes, parts.bucket, parts.s3_endpoint
    began = time.time() - 1
    with fresh_schema(postgres_url, "c") as url:
        env = command_env(url, bucket, s3_endpoint)
        # Two coordinators on one batch: claims must still give each county to one of them.
        # The second starts once the first has created the schema (two migrations at once
        # would race on Alembic's version table).
        first = start(cluster_command(scrapyd_nodes, web.url, "b1"), env)
        _wait_for(lambda: bool(_jobs(url, "b1")), first)
        second = start(cluster_command(scrapyd_nodes, web.url, "b1"), env)
        outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
        for process, output in zip((first, second), outputs, strict=True):
            # 4: tongxin is blocked (its data is missing), as it is on one machine.
            assert process.returncode == 4, output[-4000:]

        jobs = _jobs(url, "b1")
        assert sorted(j.spider for j in jobs) == sorted(COUNTIES)
        assert all(j.state == "done" and j.attempts == 1 for j in jobs), jobs
        assert {j.spider: j.crawl_status for j in jobs}["tongxin"] == "blocked"
        assert {j.node for j in jobs} == set(scrapyd_nodes)  # both nodes worked

        # Each county crawled exactly once, as the nodes themselves saw it.
        runs = finished_jobs_since(scrapyd_nodes, began)
        assert Counter(spider for spider, *_ in runs) == Counter(COUNTIES)
        _assert_no_site_overlap(jobs)

        assert differing_rows(snapshot(url), snapshot(reference)) == {}
        hashes = stored_hashes(url)
        assert hashes and hashes <= bucket_hashes(bucket, s3_endpoint)


@pytest.mark.timeout(1200)
def test_a_node_killed_mid_crawl_has_its_job_rerun_elsewhere(parts: Parts) -> None:
    web, reference, postgres_url = parts.web, parts.reference, parts.postgres_url
    scrapyd_nodes, bucket, s3_endpoint = parts.nodes, parts.bucket, parts.s3_endpoint
    victim, survivor = scrapyd_nodes
    pgid = int(Path(f"/tmp/ogi-reports-scrapyd/{victim.rsplit(':', 1)[1]}/pgid").read_text())
    with fresh_schema(postgres_url, "c") as url:
        env = command_env(url, bucket, s3_endpoint)
        # Slower crawls (a polite delay) so that the kill lands while the victim crawls.
        command = cluster_command(scrapyd_nodes, web.url, "k1", dead_after="3")
        command += ["--set", "DOWNLOAD_DELAY=0.4"]
        coordinator = start(command, env)
        try:
            killed = _wait_for(lambda: _running_on(url, victim), coordinator, timeout=300)
            # Let it store a part of its county first, then the machine dies.
            time.sleep(4)
            os.killpg(pgid, signal.SIGKILL)
            output = coordinator.communicate(timeout=600)[0]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(coordinator.pid, signal.SIGKILL)
            restart_nodes()
        assert coordinator.returncode == 4, output[-4000:]
        assert "unreachable" in output

        jobs = {j.spider: j for j in _jobs(url, "k1")}
        assert all(j.state == "done" for j in jobs.values()), jobs
        rerun = jobs[killed.spider]
        assert rerun.attempts == 2
        assert [h["node"] for h in rerun.history] == [victim, survivor]
        assert rerun.history[0]["end"] == "queued" and "unreachable" in rerun.history[0]["reason"]
        _assert_no_site_overlap(list(jobs.values()))

        # Nothing duplicated (unique keys would refuse it anyway), nothing lost: the same rows
        # as one machine's crawl, but for which crawl first stored a document.
        unordered = frozenset({"outcome"})
        got = snapshot(url, also_volatile=unordered)
        assert differing_rows(got, snapshot(reference, also_volatile=unordered)) == {}
        assert stored_hashes(url) <= bucket_hashes(bucket, s3_endpoint)


def _jobs(url: str, batch: str) -> list[CrawlJob]:
    engine = create_engine(url)
    try:
        return CrawlJobs(engine).jobs(batch)
    except Exception:  # the schema is not created yet
        return []
    finally:
        engine.dispose()


def _running_on(url: str, node: str) -> CrawlJob | None:
    running = [
        j for j in _jobs(url, "k1") if j.state == "running" and j.node == node and j.scrapyd_job
    ]
    for job in running:
        state = ScrapydNode(node).jobs().get(job.scrapyd_job or "")
        if state is not None and state.state == "running":
            return job
    return None


def _wait_for(probe: Any, process: subprocess.Popen[str], timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert process.poll() is None, process.communicate()[0][-4000:]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _assert_no_site_overlap(jobs: list[CrawlJob]) -> None:
    """No two attempts' run times (as the job table recorded them) overlap for one site."""
    by_site: dict[str, list[tuple[str, str]]] = {}
    for job in jobs:
        for attempt in job.history:
            by_site.setdefault(job.site, []).append(
                (attempt["started_at"], attempt.get("ended_at", "9999"))
            )
    for site, spans in by_site.items():
        spans.sort()
        for (_, end), (start_next, _) in itertools.pairwise(spans):
            assert end <= start_next, f"{site}: two crawls at once {spans}"
