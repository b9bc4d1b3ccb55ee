"""`scrapy export`: the stored reports as CSV or JSON Lines, wide or long (docs/database.md),
with provenance and quality on every row; beside a CSV file, its data dictionary and a
Frictionless Data Package (models.datapackage).

A read command: the database is opened read-only and never created nor migrated.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from scrapy.exceptions import UsageError

from crawler.cli import (
    CommandError,
    ReportsCommand,
    county_codes,
    fail,
    open_reader,
    parse_years,
    progress,
    reports_unusable_database,
)
from models.datapackage import write_data_package
from models.dictionary import stata_names
from models.export import export, long_columns, wide_columns


class Command(ReportsCommand):
    demo_help = "export the demo's database (data/demo)"

    def syntax(self) -> str:
        return (
            "[--format csv|jsonl] [--layout wide|long] [--county C]... [--year Y]... "
            "[--scope county|department] [--stata-names] [-o FILE]"
        )

    def short_desc(self) -> str:
        return "Export the stored reports with their provenance (CSV or JSON Lines)"

    def long_desc(self) -> str:
        return (
            "One row per report (wide) or per figure (long), each with where the report was "
            "found (source URLs, the archived document's SHA-256, fetched and published dates), "
            "its completeness, hard findings and parser version. With --format csv -o FILE, "
            "dictionary.csv (every key's Chinese label, section, unit, templates) and a "
            "Frictionless datapackage.json are written beside FILE. For county-level analysis "
            "use --scope county: department reports are separate rows."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", dest="fmt")
        parser.add_argument(
            "--layout",
            choices=("wide", "long"),
            default="wide",
            help="one row per report and a column per figure (wide), or one row per figure (long)",
        )
        parser.add_argument(
            "--scope",
            choices=("county", "department"),
            help="county for the governments' own reports (county-level analysis)",
        )
        parser.add_argument(
            "--stata-names",
            action="store_true",
            help="column names Stata and SPSS accept (at most 32 characters, no dots; "
            "dictionary.csv maps them to the keys)",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help="output encoding, of FILE or of stdout (utf-8-sig lets Excel read a CSV's "
            "Chinese)",
        )

    @reports_unusable_database("export")
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            "".encode(opts.encoding)
        except LookupError:
            raise UsageError(f"unknown --encoding {opts.encoding!r}", print_help=False) from None
        years = parse_years(opts.year)
        codes = county_codes(opts.county)
        columns = wide_columns() if opts.layout == "wide" else long_columns()
        names = stata_names(columns) if opts.stata_names else None
        assert self.settings is not None
        try:
            store = open_reader(self.settings)
        except CommandError as exc:
            fail(self, "export", exc)
            return
        try:
            target: Any
            if opts.output:
                path = Path(opts.output)
                path.parent.mkdir(parents=True, exist_ok=True)
                target = path.open("w", encoding=opts.encoding, newline="")
            else:
                target = _stdout(opts.encoding)
            with target as out, _quiet_broken_pipe():
                summary = export(
                    store,
                    out,
                    fmt=opts.fmt,
                    layout=opts.layout,
                    county_codes=codes,
                    years=years,
                    scope=opts.scope,
                    names=names,
                    progress=lambda reports, total: progress(reports, total, "export: reports"),
                )
                out.flush()
        finally:
            store.close()
        where = f" to {opts.output}" if opts.output else ""
        print(f"exported {summary.reports} reports, {summary.rows} rows{where}", file=sys.stderr)
        if opts.output and opts.fmt == "csv":
            package = write_data_package(
                Path(opts.output), layout=opts.layout, names=names, encoding=opts.encoding
            )
            print(f"wrote {package} and its dictionary.csv", file=sys.stderr)
        if summary.unknown_keys and opts.fmt == "csv" and opts.layout == "wide":
            print(
                "warning: keys outside the vocabulary are not in the wide CSV (use --layout "
                f"long): {', '.join(summary.unknown_keys)}",
                file=sys.stderr,
            )


@contextmanager
def _quiet_broken_pipe() -> Iterator[None]:
    """`scrapy export | head`: the reader left, which is no error (Python's documented way:
    point stdout at devnull so that the interpreter's final flush fails no more)."""
    try:
        yield
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None


@contextmanager
def _stdout(encoding: str) -> Iterator[TextIO]:
    """stdout in `encoding` (--encoding is honoured on a pipe or a terminal too)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # replaced by a test harness: text only
        yield sys.stdout
        return
    sys.stdout.flush()
    wrapper = io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=True)
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()  # leave sys.stdout's buffer open
