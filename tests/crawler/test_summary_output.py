"""The summary reaches its reader whole: every county the crawl was asked for is listed, with its
status, or named as not summarized / not started, even through a pipe someone made non-blocking.

Bench (d) at 2 836 sites printed a table of 2 320 counties, no total line and exit status 3:
`print` to a non-blocking pipe writes what the pipe takes at once and drops the rest silently.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

from crawler.extensions import format_unsummarized, unsummarized
from models.records import CrawlRun
from tests.crawler.crawls import PROJECT_DIR

LINES = 20_000  # ≈ 1.4 MB: many times a pipe's 64 KiB

WRITER = """
import os, sys
sys.path.insert(0, {project!r})
from crawler.cli import print_whole
os.set_blocking(1, False)  # as a library or a child sharing the descriptor may do
text = "\\n".join(f"{{i:06d}} " + "x" * 60 for i in range({lines}))
{call}
sys.exit(3)
"""


def slowly_read(call: str) -> tuple[int, str]:
    """Run a writer whose stdout pipe is non-blocking and read it only after a while."""
    code = WRITER.format(project=str(PROJECT_DIR), lines=LINES, call=call)
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(1.0)  # the writer has filled the pipe by now
    stdout, stderr = process.communicate(timeout=60)
    assert stderr == ""
    return process.returncode, stdout


def test_a_summary_through_a_non_blocking_pipe_arrives_whole() -> None:
    returncode, stdout = slowly_read("print_whole(text)")
    lines = stdout.splitlines()
    assert returncode == 3
    assert len(lines) == LINES
    assert lines[-1].startswith(f"{LINES - 1:06d} ")


def test_print_alone_loses_the_end_silently() -> None:
    """What the test above guards against: same exit status, no error, lines missing."""
    returncode, stdout = slowly_read("print(text, flush=True)")
    assert returncode == 3
    assert len(stdout.splitlines()) < LINES


def run(spider: str) -> CrawlRun:
    return CrawlRun(county_code="640323", spider=spider, started_at=dt.datetime.now(dt.UTC))


def test_counties_without_a_run_are_named_after_the_table() -> None:
    asked = ["yanchi", "helan", "jingyuan", "tongxin"]
    lost, not_started = unsummarized(asked, [run("yanchi")], not_started=["tongxin"])
    assert (lost, not_started) == (["helan", "jingyuan"], ["tongxin"])
    lines = format_unsummarized(lost, not_started)
    assert "NOT SUMMARIZED (2 started, no crawl run judged; see the log):" in lines
    assert "  - jingyuan" in lines
    assert "NOT STARTED (1: the crawl ended before them):" in lines
    assert unsummarized(asked, [run(name) for name in asked]) == ([], [])
    assert format_unsummarized([], []) == []
