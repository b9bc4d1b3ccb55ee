"""Exports: CSV or JSON Lines, wide (one row per report) or long (one row per figure).

Column names are report-fields.md's: the meta keys, the provenance and quality columns
(`PROVENANCE`: where the report was found, the archived document's SHA-256, when it was
fetched, its completeness and hard findings, the parser version), then the canonical figure keys
in `all_figure_keys()` order (stable across releases: new keys are appended). See
docs/database.md for how each format writes an absent figure and a printed-empty one, and
models.dictionary for the data dictionary and Data Package written beside a CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
LONG_META: Final = ("county", "county_code", "level", "year", "agency", "scope", "published_at")
# On every row, wide and long. Lists (source_urls, hard_finding_rules) are JSON arrays in JSON
# Lines and space-separated in CSV (URLs hold no spaces, rule ids neither).
PROVENANCE: Final = (
    "completeness",  # complete | partial | metadata_only (models.completeness)
    "source_url",  # the document the current version was parsed from
    "source_urls",  # every URL the report was found at (page and attachments, mirrors of it)
    "source_sha256",  # the archived copy: <OGI_BLOB_DIR>/ab/cd/<sha256>
    "fetched_at",  # when that document was fetched (UTC)
    "origin",  # live, or mirror:<dir or URL> for data crawled from a mirror
    "hard_findings",  # broken consistency rules (the tables do not add up)
    "hard_finding_rules",
    "parser_version",
)
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
    return [*WIDE_META, *PROVENANCE, *all_figure_keys()]


def long_columns() -> list[str]:
    return [*LONG_META, *PROVENANCE, "key", "value"]


def _meta(report: StoredReport, names: Sequence[str]) -> dict[str, Any]:
    meta = report.meta.to_json()
    return {name: meta[name] for name in names}


def provenance(report: StoredReport) -> dict[str, Any]:
    hard = [f.rule for f in report.findings if not f.rule.startswith("warning.")]
    fetched = report.fetched_at
    return {
        "completeness": report.completeness,
        "source_url": report.source_url,
        "source_urls": list(report.source_urls),
        "source_sha256": report.source_sha256,
        "fetched_at": fetched.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if fetched is not None
        else None,
        "origin": report.origin,
        "hard_findings": len(hard),
        "hard_finding_rules": sorted(set(hard)),
        "parser_version": report.parser_version,
    }


def _ordered_keys(figures: Iterable[str]) -> list[str]:
    order = {key: position for position, key in enumerate(all_figure_keys())}
    return sorted(figures, key=lambda key: (order.get(key, len(order)), key))


def wide_record(report: StoredReport) -> dict[str, Any]:
    """Meta, then every figure the report has (null when printed empty), in column order."""
    record = _meta(report, WIDE_META) | provenance(report)
    for key in _ordered_keys(report.figures):
        record[key] = report.figures[key]
    return record


def long_records(report: StoredReport) -> Iterator[dict[str, Any]]:
    meta = _meta(report, LONG_META) | provenance(report)
    for key in _ordered_keys(report.figures):
        yield {**meta, "key": key, "value": report.figures[key]}


def _csv_cell(value: Any, *, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list):
        return neutralise_formula(" ".join(str(item) for item in value))
    return neutralise_formula(str(value))


def neutralise_formula(text: str) -> str:
    """A CSV text cell a spreadsheet will not run: `=1+1` → `'=1+1` (see FORMULA_STARTS)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_export(
    reports: Iterable[StoredReport],
    out: TextIO,
    *,
    fmt: Format,
    layout: Layout,
    names: Mapping[str, str] | None = None,
) -> ExportSummary:
    """Write `reports` to `out`; CSV with a header row, JSONL one object per line. `names`
    renames columns (e.g. models.dictionary.stata_names) in the header and the JSON keys."""
    known = set(all_figure_keys())
    unknown: set[str] = set()
    count = rows = 0
    columns = wide_columns() if layout == "wide" else long_columns()
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow([names.get(c, c) for c in columns] if names else columns)
    for report in reports:
        count += 1
        unknown.update(key for key in report.figures if key not in known)
        records = [wide_record(report)] if layout == "wide" else long_records(report)
        for record in records:
            rows += 1
            if writer is None:
                named = {names.get(k, k): v for k, v in record.items()} if names else record
                out.write(json.dumps(named, ensure_ascii=False, allow_nan=False) + "\n")
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
    county_codes: Sequence[str] = (),
    years: Sequence[int] = (),
    scope: str | None = None,
    names: Mapping[str, str] | None = None,
    progress: Callable[[Iterable[StoredReport], int | None], Iterable[StoredReport]] | None = None,
) -> ExportSummary:
    """Export the stored reports (filtered) in county code, year, agency order; `progress`
    wraps the reports (a progress bar, given the number of reports when known)."""
    reports: Iterable[StoredReport] = store.reports(
        county_code=county_code, county_codes=county_codes, years=years, scope=scope
    )
    if progress is not None:
        reports = progress(reports, None)
    return write_export(reports, out, fmt=fmt, layout=layout, names=names)
