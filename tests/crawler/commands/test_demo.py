"""`scrapy crawlall --demo` (what scripts/demo runs) writes to the demo's own database and blob
store, records that its bytes came from the fixture web, and ends with the browse command."""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from tests.crawler.crawls import FAST, PROJECT_DIR, SCRAPY, crawl_env


def test_the_demo_never_writes_the_real_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = [arg for name, value in FAST.items() for arg in ("-s", f"{name}={value}")]

    done = subprocess.run(
        [*SCRAPY, "crawlall", "--demo", "--only", "yanchi", *settings],
        cwd=PROJECT_DIR,
        env=crawl_env(data),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert not (data / "ogi-reports.sqlite3").exists()
    assert not (data / "blobs").exists()
    demo = data / "demo" / "ogi-reports.sqlite3"
    assert demo.is_file()
    assert any((data / "demo" / "blobs").rglob("*"))
    assert done.stdout.rstrip().splitlines()[-1].endswith("scrapy browse --demo")
    web = (PROJECT_DIR / "tests" / "fixtures" / "web").resolve()
    with closing(sqlite3.connect(demo)) as conn:
        origins = {row[0] for row in conn.execute("SELECT origin FROM sources")}
        origins |= {row[0] for row in conn.execute("SELECT origin FROM pages")}
        origins |= {row[0] for row in conn.execute("SELECT origin FROM crawl_runs")}
        reports = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    assert origins == {f"mirror:{web}"}
    assert reports > 0
