"""`scrapy export`: the stored reports as CSV or JSON Lines, wide or long (docs/database.md)."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import reports_unusable_database
from crawler.commands.coverage import open_store, parse_years, resolve_county
from models.export import export


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "--format csv|jsonl [--layout wide|long] [--county C] [--year Y] [-o FILE]"

    def short_desc(self) -> str:
        return "Export the stored reports (CSV or JSON Lines, one row per report or per figure)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", dest="fmt")
        parser.add_argument(
            "--layout",
            choices=("wide", "long"),
            default="wide",
            help="wide: one row per report, a column per figure; long: one row per figure",
        )
        parser.add_argument("--county", help="county code or slug (e.g. 640323 or yanchi)")
        parser.add_argument(
            "--year",
            action="append",
            default=[],
            help="year or range (2020, 2019-2021); repeatable",
        )
        parser.add_argument("--scope", choices=("county", "department"))
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help="output encoding (utf-8-sig lets Excel read a CSV's Chinese)",
        )

    @reports_unusable_database
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        years = parse_years(opts.year)
        assert self.settings is not None
        store = open_store(self.settings)
        try:
            county_code = resolve_county(store, opts.county)
            target: nullcontext[TextIO] | TextIO
            if opts.output:
                path = Path(opts.output)
                path.parent.mkdir(parents=True, exist_ok=True)
                target = path.open("w", encoding=opts.encoding, newline="")
            else:
                target = nullcontext(sys.stdout)
            with target as out:
                summary = export(
                    store,
                    out,
                    fmt=opts.fmt,
                    layout=opts.layout,
                    county_code=county_code,
                    years=years,
                    scope=opts.scope,
                )
        finally:
            store.close()
        where = f" to {opts.output}" if opts.output else ""
        print(f"exported {summary.reports} reports, {summary.rows} rows{where}", file=sys.stderr)
        if summary.unknown_keys and opts.fmt == "csv" and opts.layout == "wide":
            print(
                "warning: keys outside the vocabulary are not in the wide CSV (use --layout "
                f"long): {', '.join(summary.unknown_keys)}",
                file=sys.stderr,
            )
