"""`scrapy coverage [--html FILE]`: which county-years are collected, missing or flagged."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import reports_unusable_database
from crawler.counties import COUNTIES
from models.coverage import coverage, render_html, render_table
from models.store import ReportStore

_YEARS = re.compile(r"(\d{4})(?:\s*[-–]\s*(\d{4}))?")


def open_store(settings: Any) -> ReportStore:
    """The store of the project settings, migrated, with the county registry synced."""
    store = ReportStore.from_settings(settings)
    store.sync_counties(COUNTIES)
    return store


def parse_years(values: Sequence[str]) -> list[int]:
    """`--year 2020 --year 2017-2019` → [2017, 2018, 2019, 2020]."""
    years: set[int] = set()
    for value in values:
        for part in value.split(","):
            match = _YEARS.fullmatch(part.strip())
            if match is None:
                raise UsageError(f"--year takes a year or a range like 2019-2021, not {part!r}")
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if last < first:
                raise UsageError(f"--year range {part!r} runs backwards")
            years.update(range(first, last + 1))
    return sorted(years)


def resolve_county(store: ReportStore, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return store.resolve_county(value)
    except LookupError as exc:
        raise UsageError(str(exc)) from None


def print_coverage(settings: Any, *, counties: Sequence[str] | None = None, **filters: Any) -> None:
    """Print the terminal grid (for other commands, e.g. `scrapy crawlall --demo`), of the
    `counties` codes only when given."""
    store = open_store(settings)
    try:
        cells = coverage(store, **filters)
        if counties is not None:
            cells = [cell for cell in cells if cell.county_code in set(counties)]
        print(render_table(cells), end="", flush=True)
    finally:
        store.close()


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--html FILE] [--county C] [--since Y] [--until Y]"

    def short_desc(self) -> str:
        return "Show which county-years are collected, missing or flagged"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--html", metavar="FILE", help="also write the grid as an HTML page")
        parser.add_argument("--county", help="county code or slug")
        parser.add_argument("--since", type=int, help="first year shown")
        parser.add_argument("--until", type=int, help="last year shown")

    @reports_unusable_database
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        store = open_store(self.settings)
        try:
            cells = coverage(
                store,
                since=opts.since,
                until=opts.until,
                county_code=resolve_county(store, opts.county),
            )
        finally:
            store.close()
        print(render_table(cells), end="")
        if opts.html:
            path = Path(opts.html)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_html(cells), encoding="utf-8")
            print(f"wrote {path}")
