"""The hostile web's small profile: every trap at once but the ten-million-page list, crawled to
the end in bounded time and memory, every lost page listed (tests/fixtureweb/hostile.py; the
full profile is bench/bench_hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extensions import EXIT_DEGRADED
from tests.crawler.crawls import PROJECT_DIR, crawl_env, crawlall_command
from tests.fixtureweb.hostile import (
    COUNTIES,
    PROFILE_SETTINGS,
    Canary,
    Outcome,
    crawl_bounded,
    plant,
)
from tests.fixtureweb.server import served_copy

SECONDS = 300  # the tarpit alone costs 4 × 3 s; the whole crawl takes ~1 min on an idle machine
MEMORY = 1536 * 2**20


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_hostile_web_is_crawled_to_the_end_in_bounded_time_and_memory(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    canary = Canary()
    try:
        with served_copy(tmp_path) as web:
            traps = plant(web.root, canary.url, huge_page_count=False)
            run = crawl_bounded(
                crawlall_command(web.url, only=COUNTIES, **PROFILE_SETTINGS),
                env=crawl_env(data),
                cwd=PROJECT_DIR,
                seconds=SECONDS,
                memory=MEMORY,
            )
    finally:
        canary.close()
    print(f"hostile web (small): {run.seconds:.0f} s, peak RSS {run.peak_rss / 2**20:.0f} MB")
    assert run.killed is None, run.killed
    assert run.returncode == EXIT_DEGRADED, run.stdout + run.stderr[-3000:]
    outcome = Outcome.read(run.stdout, data, canary.requests)
    verdicts = {trap.name: (trap, *trap.verdict(outcome)) for trap in traps}
    for name, (trap, passed, seen) in verdicts.items():
        print(f"  {'pass' if passed else 'FAIL'}  {name} (item {trap.item}): {seen}")
    failed = [name for name, (trap, ok, _) in verdicts.items() if trap.crawl_side and not ok]
    assert not failed, [verdicts[name][2] for name in failed]
    # Nothing lost silently: every trapped page is stored, recorded, or listed under LOST.
    silent = [name for name, (_, _, seen) in verdicts.items() if seen.startswith("not recorded")]
    assert not silent, silent
