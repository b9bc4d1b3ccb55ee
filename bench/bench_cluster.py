"""Benchmark the cluster: county crawls on one Scrapyd node vs two, re-parse with 1 vs 2 workers.

    .venv/bin/python bench/bench_cluster.py [--scale 4] [--counties 8] [--delay 0.5]
                                            [--slots 2] [--documents 400] [--only crawl,reparse]

Starts its parts with the project's scripts (scripts/pg-test-server, scripts/s3-test-server,
scripts/scrapyd-nodes: all on 127.0.0.1), so it measures the same deployment the tests run.

(a) crawl: `scrapy cluster crawl` over `--counties` counties of the generated web (bench/,
    `--scale` reports each, cached as bench_crawl.py caches it), every site at a polite
    `--delay` s per request, into an empty PostgreSQL schema and bucket: once with one node,
    once with two (`--slots` crawls at once per node). Figures: wall time, counties per minute,
    and two ÷ one. Checked: every job done, both runs stored the same reports.
(b) reparse: `--documents` synthetic report pages stored in the object store (as a crawl
    hands them over), queued with `scrapy cluster queue-parse --all` and drained by one
    `scrapy parseworker`, then by two at once (each worker's start-up included: that is what a
    worker costs). Figures: documents/s and two ÷ one. Checked: every job done once, every
    document parsed as a report.

The ratios are the point; on a shared machine the absolute figures are noisy (the load average
is printed before and after: say so when quoting them). Two workers can only beat one where
there are two idle cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from crawler.counties import select  # noqa: E402
from crawler.mirror import MirrorServer  # noqa: E402
from models.objectstore import s3_client  # noqa: E402
from models.records import FetchRecord  # noqa: E402
from models.store import ReportStore  # noqa: E402
from reportparser.result import ParseResult  # noqa: E402
from tests.fixtureweb.build import build  # noqa: E402
from tests.support.render import render  # noqa: E402
from tests.support.synth import synthesize  # noqa: E402

AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
AWS |= {"AWS_DEFAULT_REGION": "us-east-1"}


def script(name: str, *args: str) -> list[str]:
    done = subprocess.run(
        [str(PROJECT_DIR / "scripts" / name), "start", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **AWS},
    )
    return done.stdout.split()


def web(scale: int) -> Path:
    # Its own cache (bench_crawl.py's may be rebuilt under another layout meanwhile).
    root = Path(tempfile.gettempdir()) / f"ogi-bench-cluster-web-{scale}"
    if not (root / "manifest.json").is_file():
        started = time.perf_counter()
        build(root, scale=scale)
        print(f"  built {root} in {time.perf_counter() - started:.0f} s", flush=True)
    return root


@contextmanager
def schema(postgres_url: str) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


def bucket(endpoint: str) -> str:
    name = f"bench-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return f"s3://{name}/blobs"


def env_for(database_url: str, blob_dir: str, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")} | AWS
    env |= {"OGI_DATABASE_URL": database_url, "OGI_BLOB_DIR": blob_dir}
    env |= {"OGI_S3_ENDPOINT_URL": endpoint, "PYTHONPATH": str(PROJECT_DIR)}
    return env


def scrapy(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def cluster_crawl(
    nodes: list[str],
    mirror: str,
    counties: list[str],
    env: dict[str, str],
    args: argparse.Namespace,
) -> float:
    command = ["cluster", "crawl", "--mirror", mirror, "--only", ",".join(counties)]
    command += ["--slots", str(args.slots), "--poll", "0.5"]
    for node in nodes:
        command += ["--node", node]
    for setting in (
        f"DOWNLOAD_DELAY={args.delay}",
        "OGI_RETRY_BACKOFF_BASE=0",
        "OGI_PARSE_WORKERS=1",
        "LOG_LEVEL=WARNING",
    ):
        command += ["--set", setting]
    started = time.perf_counter()
    process = scrapy(*command, env=env)
    output = process.communicate()[0]
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 3):
        raise SystemExit(f"cluster crawl failed ({process.returncode}):\n{output[-4000:]}")
    return seconds


def drain(workers: int, env: dict[str, str]) -> float:
    started = time.perf_counter()
    processes = [
        scrapy("parseworker", "--drain", "--name", f"w{i}", "-s", "LOG_LEVEL=WARNING", env=env)
        for i in range(workers)
    ]
    outputs = [p.communicate()[0] for p in processes]
    seconds = time.perf_counter() - started
    for process, output in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise SystemExit(f"parseworker failed:\n{output[-4000:]}")
    return seconds


def reparse_bench(postgres_url: str, endpoint: str, documents: int) -> None:
    """(b): `documents` synthetic reports (CMS article pages, every figure different), stored
    in the object store as a crawl would have handed them over, then drained by 1 and 2
    workers (each round re-parses all of them)."""
    specs = [synthesize(("2019", "2021")[i % 2], 500 + i) for i in range(documents)]
    with schema(postgres_url) as db:
        blobs = bucket(endpoint)
        env = env_for(db, blobs, endpoint)
        with ReportStore(db, blobs, s3_endpoint_url=endpoint) as store:
            store.upgrade()
            unparsed = ParseResult(status="error", format="unknown", reason="for the workers")
            for i, spec in enumerate(specs):
                data = render(spec, "html")
                fetch = FetchRecord(
                    url=f"https://www.yanchi.gov.cn/xxgk/bench/{i}.html",
                    county_code="640323",
                    kind="page",
                    sha256=store.put_blob(data),
                    size=len(data),
                    fetched_at=dt.datetime.now(dt.UTC),
                    content_type="text/html; charset=utf-8",
                )
                store.record_document(fetch, unparsed)
        print(f"(b) reparse: {documents} stored documents (synthetic report pages)", flush=True)
        figures = {}
        for workers in (1, 2):
            scrapy("cluster", "queue-parse", "--all", env=env).communicate()
            seconds = drain(workers, env)
            done = count(db, "SELECT count(*) FROM parse_jobs WHERE state = 'done'")
            assert done == documents * workers, f"{done} jobs done, not {documents * workers}"
            reports = count(db, "SELECT count(*) FROM sources WHERE parse_status = 'report'")
            assert reports == documents, f"{reports} of {documents} parsed as reports"
            figures[workers] = seconds
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '} {seconds:6.1f} s  "
                f"{documents / seconds:5.1f} documents/s",
                flush=True,
            )
        print(f"  two ÷ one: {figures[1] / figures[2]:.2f}× the throughput")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=4, help="reports per county")
    parser.add_argument("--counties", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.5, help="DOWNLOAD_DELAY per site")
    parser.add_argument("--slots", type=int, default=2, help="crawls at once per node")
    parser.add_argument("--documents", type=int, default=400, help="(b): documents")
    parser.add_argument("--only", default="crawl,reparse")
    args = parser.parse_args()
    os.environ.update(AWS)  # moto takes any credentials; boto3 wants some
    print(f"load average before: {os.getloadavg()}", flush=True)
    [postgres_url] = script("pg-test-server")
    [endpoint] = script("s3-test-server")
    nodes = script("scrapyd-nodes", "2")
    if "crawl" in args.only:
        counties = [c.slug for c in select(province=["宁夏回族自治区"])][: args.counties]
        root = web(args.scale)
        with (
            MirrorServer(root) as server,
            schema(postgres_url) as one_db,
            schema(postgres_url) as two_db,
        ):
            one_env = env_for(one_db, bucket(endpoint), endpoint)
            two_env = env_for(two_db, bucket(endpoint), endpoint)
            print(
                f"(a) crawl: {len(counties)} counties × {args.scale} reports, "
                f"DOWNLOAD_DELAY={args.delay} s, {args.slots} slots per node",
                flush=True,
            )
            one = cluster_crawl(nodes[:1], server.url, counties, one_env, args)
            two = cluster_crawl(nodes, server.url, counties, two_env, args)
            reports = [count(db, "SELECT count(*) FROM reports") for db in (one_db, two_db)]
            assert reports[0] == reports[1] > 0, f"the runs stored different reports: {reports}"
            ok = "SELECT count(*) FROM crawl_jobs WHERE state = 'done' AND crawl_status = 'ok'"
            assert count(one_db, ok) == count(two_db, ok) == len(counties), "a county failed"
            for name, seconds in (("one node", one), ("two nodes", two)):
                rate = len(counties) / seconds * 60
                print(f"  {name:<10} {seconds:6.1f} s  {rate:5.1f} counties/min", flush=True)
            print(f"  two ÷ one: {one / two:.2f}× the throughput ({reports[0]} reports each)")
    if "reparse" in args.only:
        reparse_bench(postgres_url, endpoint, args.documents)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
