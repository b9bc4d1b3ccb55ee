"""Exports: CSV or JSON Lines, wide (one row per report) or long (one row per figure).

Column names are report-fields.md's: the meta keys, then the canonical figure keys in
`all_figure_keys()` order (stable across releases: new keys are appended). See
docs/database.md for how each format writes an absent figure and a printed-empty one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, TextIO

from models.canonical import META_KEYS
from models.records import StoredReport
from models.store import ReportStore
from models.types import Number
from reportparser.vocabulary import all_figure_keys

Format = Literal["csv", "jsonl"]
Layout = Literal["wide", "long"]

WIDE_META: Final = META_KEYS
LONG_META: Final = ("county", "county_code", "level", "year", "agency", "scope")
# Wide CSV only: the cell of a figure the report printed empty. An absent figure (the report's
# template has no such cell) is an empty cell. Both read as missing in pandas and R.
PRINTED_EMPTY: Final = "NA"
# A text cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (`=HYPERLINK(…)` in a title scraped from a site): CSV cells get a `'` in front (OWASP's advice;
# spreadsheets show the text as printed). Tab and carriage return start formulas too in some of
# them. Numbers are never text cells, so `-4` stays a number; JSON Lines are written exact.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportSummary:
    reports: int
    rows: int
    unknown_keys: tuple[str, ...]  # stored keys outside the vocabulary: not in wide CSV


def format_number(value: Number) -> str:
    """Plain decimal notation, exact: `16280.5867`, never `1.62805867e4`."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else f"{text}.0"


def parse_number(text: str) -> Number:
    """The inverse of format_number: `5` → 5, `16280.5867` → 16280.5867."""
    return float(text) if "." in text else int(text)


def wide_columns() -> list[str]:
    return [*WIDE_META, *all_figure_keys()]


def _meta(report: StoredReport, names: Sequence[str]) -> dict[str, Any]:
    meta = report.meta.to_json()
    return {name: meta[name] for name in names}


def _ordered_keys(figures: Iterable[str]) -> list[str]:
    order = {key: position for position, key in enumerate(all_figure_keys())}
    return sorted(figures, key=lambda key: (order.get(key, len(order)), key))


def wide_record(report: StoredReport) -> dict[str, Any]:
    """Meta, then every figure the report has (null when printed empty), in column order."""
    record = _meta(report, WIDE_META)
    for key in _ordered_keys(report.figures):
        record[key] = report.figures[key]
    return record


def long_records(report: StoredReport) -> Iterator[dict[str, Any]]:
    meta = _meta(report, LONG_META)
    for key in _ordered_keys(report.figures):
        yield {**meta, "key": key, "value": report.figures[key]}


def _csv_cell(value: Any, *, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int | float):
        return format_number(value)
    return neutralise_formula(str(value))


def neutralise_formula(text: str) -> str:
    """A CSV text cell a spreadsheet will not run: `=1+1` → `'=1+1` (see FORMULA_STARTS)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_export(
    reports: Iterable[StoredReport], out: TextIO, *, fmt: Format, layout: Layout
) -> ExportSummary:
    """Write `reports` to `out`; CSV with a header row, JSONL one object per line."""
    known = set(all_figure_keys())
    unknown: set[str] = set()
    count = rows = 0
    columns = wide_columns() if layout == "wide" else [*LONG_META, "key", "value"]
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(columns)
    for report in reports:
        count += 1
        unknown.update(key for key in report.figures if key not in known)
        records = [wide_record(report)] if layout == "wide" else long_records(report)
        for record in records:
            rows += 1
            if writer is None:
                out.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
            elif layout == "wide":
                # Absent: no key in the record → empty cell; printed empty: None → NA.
                writer.writerow(
                    [
                        _csv_cell(record[name], null="")
                        if name in WIDE_META
                        else (
                            ""
                            if name not in record
                            else _csv_cell(record[name], null=PRINTED_EMPTY)
                        )
                        for name in columns
                    ]
                )
            else:
                writer.writerow([_csv_cell(record[name], null="") for name in columns])
    return ExportSummary(count, rows, tuple(sorted(unknown)))


def export(
    store: ReportStore,
    out: TextIO,
    *,
    fmt: Format = "csv",
    layout: Layout = "wide",
    county_code: str | None = None,
    years: Sequence[int] = (),
    scope: str | None = None,
) -> ExportSummary:
    """Export the stored reports (filtered) in county code, year, agency order."""
    reports = store.reports(county_code=county_code, years=years, scope=scope)
    return write_export(reports, out, fmt=fmt, layout=layout)
