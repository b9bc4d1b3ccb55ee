"""Running real crawls in tests: `scrapy crawlall` in a subprocess against a served fixture web.

A subprocess, because a Twisted reactor runs once per process, and because that is how people
run it: the command line, settings, exit status and printed summary are all under test.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.store import ReportStore

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCRAPY = [sys.executable, "-m", "scrapy"]
# The counties the bundled fixture web holds (ok, found via search, blocked) plus one absent.
FIXTURE_COUNTIES = ("yanchi", "jingyuan", "helan", "pengyang", "tongxin", "haiyuan")
FAST = {
    "DOWNLOAD_DELAY": "0",
    "OGI_RETRY_BACKOFF_BASE": "0",
    "OGI_PARSE_WORKERS": "2",
    "LOG_LEVEL": "WARNING",
}


def crawl_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env["OGI_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(PROJECT_DIR)
    return env


def crawlall_command(
    mirror: str, *, only: tuple[str, ...] = FIXTURE_COUNTIES, **settings: str
) -> list[str]:
    command = [*SCRAPY, "crawlall", "--mirror", mirror]
    if only:
        command += ["--only", ",".join(only)]
    for name, value in {**FAST, **settings}.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawlall(
    data_dir: Path, mirror: str, *, only: tuple[str, ...] = FIXTURE_COUNTIES, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        crawlall_command(mirror, only=only, **settings),
        cwd=PROJECT_DIR,
        env=crawl_env(data_dir),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def open_store(data_dir: Path) -> ReportStore:
    return ReportStore(f"sqlite:///{data_dir / 'ogi-reports.sqlite3'}", data_dir / "blobs")


def summary_statuses(stdout: str) -> dict[str, str]:
    """county → status, from the summary table `crawlall` prints."""
    statuses: dict[str, str] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in FIXTURE_COUNTIES:
            statuses[parts[0]] = parts[1]
    return statuses


@dataclass(frozen=True)
class Snapshot:
    """Every row of the tables a crawl writes documents and reports to (crawl runs aside)."""

    tables: dict[str, list[tuple[Any, ...]]]

    @classmethod
    def of(cls, data_dir: Path) -> Snapshot:
        tables = ("reports", "figures", "findings", "sources", "revisions", "pages")
        with closing(sqlite3.connect(data_dir / "ogi-reports.sqlite3")) as db:
            return cls({t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in tables})


def count_reports(data_dir: Path) -> int:
    database = data_dir / "ogi-reports.sqlite3"
    if not database.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute("SELECT count(*) FROM reports").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet, or busy
        return 0
