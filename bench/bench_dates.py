"""Benchmark: reading publication dates, the fast path against dateparser alone.

    .venv/bin/python bench/bench_dates.py [--repeat 2000]

The values are the forms the crawler and the parser meet (发布日期 fields, PubDate metas, 落款
dates, Chinese numerals). For each, `reportparser.dates.read_date` (fast path, dateparser for
the rest) is timed against the baseline measured in the same run: `dateparser.parse` on the same
value with the same settings. Prints µs per value for both, the ratio, and checks that both
give the same date wherever dateparser reads one (Chinese numerals: the fast path only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

import dateparser  # noqa: E402

from reportparser.dates import _DATEPARSER_SETTINGS, _LANGUAGES, read_date  # noqa: E402

VALUES = (
    "2021-01-28",
    "2021-01-28 10:30:00",
    "2021年1月28日",
    "2021年01月28日 10时30分",
    "2021/1/28",
    "2021.01.28",
    "二〇二一年一月二十八日",
    "Thu, 28 Jan 2021 08:00:00 +0800",
    "28 January 2021",
)


def timed(function: Callable[[str], object], value: str, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        function(value)
    return (time.perf_counter() - start) / repeat * 1e6


def baseline(value: str) -> dt.date | None:
    parsed = dateparser.parse(value, languages=_LANGUAGES, settings=_DATEPARSER_SETTINGS)
    return parsed.date() if parsed is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="calls per value and path")
    args = parser.parse_args()
    read_date("Thu, 28 Jan 2021 08:00:00 +0800")  # warm-up: imports and caches dateparser
    baseline("2021-01-28")
    failures = 0
    total_fast = total_base = 0.0
    print(f"{'value':<34} {'read_date µs':>13} {'dateparser µs':>14} {'ratio':>7}")
    for value in VALUES:
        ours, theirs = read_date(value), baseline(value)
        if theirs is not None and ours != theirs:
            print(f"MISMATCH {value!r}: read_date {ours}, dateparser {theirs}")
            failures += 1
        if ours is None:
            print(f"UNREAD {value!r}")
            failures += 1
        fast = timed(read_date, value, args.repeat)
        base = timed(baseline, value, max(1, args.repeat // 20))
        total_fast += fast
        total_base += base
        print(f"{value!r:<34} {fast:>13.1f} {base:>14.1f} {base / fast:>6.1f}×")
    print(f"{'all':<34} {total_fast:>13.1f} {total_base:>14.1f} {total_base / total_fast:>6.1f}×")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
