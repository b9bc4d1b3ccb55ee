"""Running the cluster's commands in tests, and comparing what two databases hold."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from models.objectstore import s3_client
from models.schema import (
    figures_table,
    findings_table,
    pages_table,
    reports_table,
    revisions_table,
    sources_table,
)
from tests.conftest import PROJECT_DIR
from tests.crawler.crawls import FAST

SCRAPY = [sys.executable, "-m", "scrapy"]
# Crawlable (ok, found via search) and blocked counties of the bundled fixture web.
COUNTIES = ("yanchi", "helan", "jingyuan", "pengyang", "tongxin")
CRAWL_SETTINGS = {**FAST, "OGI_PARSE_WORKERS": "1"}
# What differs between two crawls of the same web by construction: row ids, clocks.
VOLATILE = {"id", "report_id", "source_id", "created_at", "updated_at", "fetched_at"}
VOLATILE |= {"checked_at", "superseded_at"}


def command_env(database_url: str, blob_dir: str, s3_endpoint: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env |= {"OGI_DATABASE_URL": database_url, "OGI_BLOB_DIR": blob_dir}
    if s3_endpoint:
        env["OGI_S3_ENDPOINT_URL"] = s3_endpoint
    env["PYTHONPATH"] = str(PROJECT_DIR)
    return env


def scrapy(
    args: list[str], env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SCRAPY, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def single_machine_crawl(database_url: str, blob_dir: Path, mirror: str) -> None:
    """The reference: `scrapy crawl <county>` for each county, one after the other."""
    env = command_env(database_url, str(blob_dir), None)
    for county in COUNTIES:
        settings = [f"{name}={value}" for name, value in CRAWL_SETTINGS.items()]
        done = scrapy(
            ["crawl", county, "--mirror", mirror, *(a for s in settings for a in ("-s", s))], env
        )
        assert done.returncode in (0, 3, 4), done.stdout + done.stderr[-3000:]


def cluster_command(nodes: list[str], mirror: str, batch: str, **options: str) -> list[str]:
    command = ["cluster", "crawl", "--batch", batch, "--mirror", mirror, "--poll", "0.5"]
    command += ["--only", ",".join(COUNTIES)]
    for node in nodes:
        command += ["--node", node]
    for name, value in CRAWL_SETTINGS.items():
        command += ["--set", f"{name}={value}"]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", value]
    return command


def snapshot(database_url: str, *, also_volatile: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every row a crawl writes (crawl runs and jobs aside), ids replaced by natural keys."""
    engine = create_engine(database_url)
    skip = VOLATILE | also_volatile
    try:
        with engine.connect() as conn:
            reports = {
                r.id: (r.county_code, r.year, r.agency) for r in conn.execute(select(reports_table))
            }
            sources = {s.id: s.url for s in conn.execute(select(sources_table))}
            tables: dict[str, Any] = {}
            for table in (
                reports_table,
                figures_table,
                findings_table,
                sources_table,
                revisions_table,
                pages_table,
            ):
                rows = []
                for row in conn.execute(select(table)):
                    values = dict(row._mapping)
                    key = (
                        reports.get(values.get("report_id")),
                        sources.get(values.get("source_id")),
                    )
                    kept = {
                        name: value
                        for name, value in values.items()
                        if name not in skip and not isinstance(value, dt.datetime)
                    }
                    rows.append(repr((key, sorted(kept.items()))))
                tables[table.name] = sorted(rows)
    finally:
        engine.dispose()
    return tables


def differing_rows(got: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    """Per table, the rows one snapshot holds more often than the other (a duplicate counts):
    a failure names them, instead of pytest's diff of two long lists cut short."""
    differing = {}
    for table in sorted(got.keys() | want.keys()):
        ours, theirs = Counter(got.get(table, ())), Counter(want.get(table, ()))
        if ours != theirs:
            differing[table] = {
                "only_got": sorted((ours - theirs).elements()),
                "only_want": sorted((theirs - ours).elements()),
            }
    return differing


def stored_hashes(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            hashes = set(conn.execute(select(sources_table.c.sha256)).scalars())
            hashes |= set(conn.execute(select(pages_table.c.sha256)).scalars())
    finally:
        engine.dispose()
    return hashes


def bucket_hashes(bucket: str, endpoint: str) -> set[str]:
    name = bucket.removeprefix("s3://").split("/", 1)[0]
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=name)
    return {o["Key"].rsplit("/", 1)[1] for page in pages for o in page.get("Contents", [])}
