"""The hostile-web profile: every trap of issue 11 at once, crawled to the end in bounded time and
memory, every lost page listed.

    .venv/bin/python bench/bench_hostile.py [--seconds 600] [--memory-mb 2048] [--no-huge]

A copy of the bundled fixture web (yanchi, jingyuan, helan) with the traps of
`tests/fixtureweb/hostile.py` planted: a 503 report page, a 500 list page, a tarpit, a redirect
loop, a gzip bomb, a body over the size limit, a list page announcing 10 000 000 pages, an
oversized number, a GBK page declared ISO-8859-1, a 12 MB inline image, a document linking an
image on a canary server, and (second crawl) a stored blob with one digit flipped.

Baseline, same run: the same crawl of the clean copy. Printed: wall time and peak RSS of the
crawl's whole process tree (crawl, store process, parser workers) for both, their ratios, and
for each trap whether it passes (its page stored, or listed under LOST with its reason; bounded)
and what the crawl made of it. A crawl past `--seconds` or `--memory-mb` is killed and says so
(the bound it broke). Exit status 0 when every trap passes. Figures on a loaded machine are
noisy: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.crawler.crawls import crawl_env, crawlall_command  # noqa: E402
from tests.fixtureweb.hostile import (  # noqa: E402
    COUNTIES,
    PROFILE_SETTINGS,
    Canary,
    Outcome,
    Run,
    blob_is_whole,
    corrupt_a_blob,
    crawl_bounded,
    plant,
)
from tests.fixtureweb.server import served_copy  # noqa: E402


def crawl(url: str, data: Path, seconds: float, memory: int) -> Run:
    return crawl_bounded(
        crawlall_command(url, only=COUNTIES, **PROFILE_SETTINGS),
        env=crawl_env(data),
        cwd=PROJECT_DIR,
        seconds=seconds,
        memory=memory,
    )


def describe(label: str, run: Run) -> str:
    end = f"killed at the bound ({run.killed})" if run.killed else f"exit {run.returncode}"
    return f"{label:<28} {run.seconds:7.1f} s  {run.peak_rss / 2**20:7.0f} MB  {end}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="time bound of one crawl")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory bound (tree RSS)")
    parser.add_argument(
        "--no-huge", action="store_true", help="leave out the ten-million-page list page"
    )
    options = parser.parse_args()
    memory = options.memory_mb * 2**20
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="ogi-hostile-") as tmp:
        root = Path(tmp)
        with served_copy(root / "clean") as web:
            baseline = crawl(web.url, root / "clean-data", options.seconds, memory)
        canary = Canary()
        try:
            with served_copy(root / "hostile") as web:
                traps = plant(web.root, canary.url, huge_page_count=not options.no_huge)
                data = root / "hostile-data"
                first = crawl(web.url, data, options.seconds, memory)
                second: Run | None = None
                corrupted: Path | None = None
                if first.killed is None:
                    corrupt = next(t for t in traps if t.name.startswith("corrupt blob"))
                    corrupted = corrupt_a_blob(data, corrupt.url)
                    second = crawl(web.url, data, options.seconds, memory)
        finally:
            canary.close()

        print()
        print(f"{'crawl':<28} {'wall':>9}  {'peak RSS':>10}")
        print(describe("clean fixture web", baseline))
        print(describe("hostile web", first))
        if second is not None:
            print(describe("hostile web, second crawl", second))
        print(
            f"ratios hostile ÷ clean: time {first.seconds / baseline.seconds:.2f}, "
            f"memory {first.peak_rss / max(baseline.peak_rss, 1):.2f}"
        )
        if first.killed is not None:
            print(f"\nThe hostile crawl did not end within its bounds: {first.killed}.")
        outcome = Outcome.read(first.stdout, data, canary.requests) if first.stdout else None
        if outcome is not None and second is not None and corrupted is not None:
            outcome.blob_repaired = blob_is_whole(corrupted)
        print()
        print(f"{'trap':<30} {'item':>4}  verdict  what the crawl made of it")
        passed = 0
        for trap in traps:
            if outcome is None:
                ok, seen = False, "no summary (the crawl was killed)"
            else:
                ok, seen = trap.verdict(outcome)
            passed += ok
            print(f"{trap.name:<30} {trap.item:>4}  {'pass' if ok else 'FAIL':<7}  {seen[:110]}")
        print(f"\n{passed} of {len(traps)} traps pass")
        if outcome is not None:
            print(f"{len(outcome.lost)} URLs listed under LOST in the summary")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return 0 if passed == len(traps) and first.killed is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
