"""`scrapy coverage [--html FILE]`: which county-years are collected, partial, missing or flagged.

A read command: the database is opened read-only and never created nor migrated
(crawler.cli.open_reader).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.cli import (
    CommandError,
    ReportsCommand,
    county_codes,
    fail,
    open_reader,
    parse_years,
    reports_unusable_database,
)
from crawler.counties import COUNTIES
from models.coverage import coverage, render_html, render_table


def print_coverage(settings: Any, *, counties: Sequence[str] | None = None, **filters: Any) -> None:
    """Print the terminal grid (for other commands, e.g. `scrapy crawlall --demo`), of the
    `counties` codes only when given."""
    store = open_reader(settings)
    try:
        cells = coverage(store, county_codes=counties or (), registry=COUNTIES, **filters)
        print(render_table(cells), end="", flush=True)
    finally:
        store.close()


class Command(ReportsCommand):
    def syntax(self) -> str:
        return "[--html FILE] [--county C]... [--year Y]... [--demo]"

    def short_desc(self) -> str:
        return "Show which county-years are collected, partial, missing or flagged"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--html", metavar="FILE", help="also write the grid as an HTML page")
        parser.add_argument("--since", type=int, metavar="Y", help="first year shown")
        parser.add_argument("--until", type=int, metavar="Y", help="last year shown")

    @reports_unusable_database("coverage")
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        years = parse_years(opts.year)
        since = min(years) if years else opts.since
        until = max(years) if years else opts.until
        codes = county_codes(opts.county)
        try:
            store = open_reader(self.settings)
        except CommandError as exc:
            fail(self, "coverage", exc)
            return
        try:
            cells = coverage(store, since=since, until=until, county_codes=codes, registry=COUNTIES)
        finally:
            store.close()
        if years:
            cells = [cell for cell in cells if cell.year in years]
        print(render_table(cells), end="")
        if opts.html:
            path = Path(opts.html)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_html(cells), encoding="utf-8")
            print(f"wrote {path}")
