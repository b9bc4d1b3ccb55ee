"""Coverage: which county-years are collected, missing or flagged (the `coverage` view).

Rendered as a terminal grid and as a small self-contained HTML page.
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from sqlalchemy import text

from models.store import ReportStore

# partial: the county's report is stored but partial or metadata only (models.completeness);
# only a complete one counts as collected.
STATUSES: Final = ("collected", "partial", "flagged", "missing")
SYMBOLS: Final = {"collected": "#", "partial": "~", "flagged": "!", "missing": "."}
COLOURS: Final = {
    "collected": "#2e7d32",
    "partial": "#9e9d24",
    "flagged": "#ef8f00",
    "missing": "#e0e0e0",
}


@dataclass(frozen=True, slots=True)
class CoverageCell:
    county_code: str
    county_name: str
    prefecture: str | None
    year: int
    status: str  # collected | partial | flagged | missing
    county_reports: int
    department_reports: int
    hard_findings: int
    failed_documents: int
    # The county report's: complete | partial | metadata_only; failed: only failed documents.
    completeness: str | None = None

    def describe(self) -> str:
        parts = [f"{self.county_name} {self.year}: {self.status}"]
        if self.completeness in ("partial", "metadata_only"):
            parts.append(f"county report {self.completeness.replace('_', ' ')}")
        if self.county_reports:
            parts.append(f"{self.county_reports} county report")
        if self.department_reports:
            parts.append(f"{self.department_reports} department reports")
        if self.hard_findings:
            parts.append(f"{self.hard_findings} hard findings")
        if self.failed_documents:
            parts.append(f"{self.failed_documents} failed documents")
        return ", ".join(parts)


class RegistryCounty(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def prefecture(self) -> str: ...


def coverage(
    store: ReportStore,
    *,
    since: int | None = None,
    until: int | None = None,
    county_code: str | None = None,
    county_codes: Sequence[str] = (),
    registry: Sequence[RegistryCounty] = (),
) -> list[CoverageCell]:
    """The coverage view's rows, by county code then year (of `county_code` / `county_codes`
    only, when given).

    `registry` counties the database does not list yet (never crawled) are shown as missing in
    every year, without writing them to the database (a read never writes).
    """
    cells = _view_cells(store, since=since, until=until, county_code=county_code)
    wanted = set(county_codes) | ({county_code} if county_code else set())
    if wanted:
        cells = [cell for cell in cells if cell.county_code in wanted]
    if not registry:
        return cells
    known = {cell.county_code for cell in cells}
    with store.reader() as conn:
        known |= {code for (code,) in conn.execute(text("SELECT code FROM counties"))}
        first = conn.execute(text("SELECT MIN(year) FROM reports")).scalar()
    last = dt.datetime.now(dt.UTC).year - 1  # as the view: the last complete year
    years = [
        year
        for year in range(min(first or last, last), last + 1)
        if (since is None or year >= since) and (until is None or year <= until)
    ]
    extra = [
        CoverageCell(c.code, c.name, c.prefecture or None, year, "missing", 0, 0, 0, 0)
        for c in registry
        if c.code not in known and (not wanted or c.code in wanted)
        for year in years
    ]
    return sorted([*cells, *extra], key=lambda cell: (cell.county_code, cell.year))


def _view_cells(
    store: ReportStore,
    *,
    since: int | None,
    until: int | None,
    county_code: str | None,
) -> list[CoverageCell]:
    query = "SELECT * FROM coverage WHERE 1 = 1"
    params: dict[str, object] = {}
    if since is not None:
        query += " AND year >= :since"
        params["since"] = since
    if until is not None:
        query += " AND year <= :until"
        params["until"] = until
    if county_code is not None:
        query += " AND county_code = :county_code"
        params["county_code"] = county_code
    query += " ORDER BY county_code, year"
    with store.reader() as conn:
        rows = conn.execute(text(query), params).all()
    return [
        CoverageCell(
            county_code=row.county_code,
            county_name=row.county_name,
            prefecture=row.prefecture,
            year=int(row.year),
            status=row.status,
            county_reports=int(row.county_reports),
            department_reports=int(row.department_reports),
            hard_findings=int(row.hard_findings),
            failed_documents=int(row.failed_documents),
            completeness=row.completeness,
        )
        for row in rows
    ]


Grid = tuple[list[int], list[tuple[str, str]], dict[tuple[str, int], CoverageCell]]


def _grid(cells: Sequence[CoverageCell]) -> Grid:
    """Years, (code, name) of each county, and the cells by (code, year)."""
    years = sorted({cell.year for cell in cells})
    counties = list(dict.fromkeys((cell.county_code, cell.county_name) for cell in cells))
    by_key = {(cell.county_code, cell.year): cell for cell in cells}
    return years, counties, by_key


def _width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in value)


def _pad(value: str, width: int) -> str:
    return value + " " * (width - _width(value))


def totals(cells: Sequence[CoverageCell]) -> dict[str, int]:
    return {status: sum(1 for cell in cells if cell.status == status) for status in STATUSES}


def render_table(cells: Sequence[CoverageCell]) -> str:
    """A county × year grid for the terminal (# collected, ~ partial, ! flagged, . missing)."""
    if not cells:
        return "no counties: run a crawl or `scrapy coverage` after `scrapy db upgrade`\n"
    years, counties, by_key = _grid(cells)
    label_width = max(_width(f"{code} {name}") for code, name in counties)
    lines = [_pad("", label_width) + "  " + " ".join(str(year)[2:] for year in years)]
    for code, name in counties:
        marks = [
            SYMBOLS[by_key[code, year].status] if (code, year) in by_key else " " for year in years
        ]
        lines.append(
            _pad(f"{code} {name}", label_width) + "  " + " ".join(f"{m:>2}" for m in marks)
        )
    counts = totals(cells)
    lines.append("")
    lines.append(
        "# collected {collected}   ~ partial {partial}   ! flagged {flagged}   "
        ". missing {missing}".format(**counts)
    )
    flagged = [cell.describe() for cell in cells if cell.status in ("flagged", "partial")]
    if flagged:
        lines.append("flagged:")
        lines.extend(f"  {line}" for line in flagged)
    return "\n".join(lines) + "\n"


def render_html(cells: Sequence[CoverageCell], *, generated_at: dt.datetime | None = None) -> str:
    """A self-contained HTML page (inline CSS, no scripts): the county × year grid."""
    years, counties, by_key = _grid(cells)
    stamp = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    head = "".join(f"<th>{year}</th>" for year in years)
    body = []
    for code, name in counties:
        row = [f'<th class="county">{html.escape(name)} <small>{code}</small></th>']
        for year in years:
            cell = by_key.get((code, year))
            if cell is None:
                row.append("<td></td>")
                continue
            note = str(cell.department_reports) if cell.department_reports else ""
            row.append(
                f'<td class="{cell.status}" title="{html.escape(cell.describe())}">'
                f"{SYMBOLS[cell.status]}<small>{note}</small></td>"
            )
        body.append("<tr>" + "".join(row) + "</tr>")
    counts = totals(cells)
    legend = " ".join(
        f'<span class="{status}">{SYMBOLS[status]}</span> {status} {counts[status]}'
        for status in STATUSES
    )
    styles = "\n".join(
        f"td.{status}, span.{status} {{ background: {colour}; }}"
        for status, colour in COLOURS.items()
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>OGI annual reports: coverage</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #fff; padding: 0.3em 0.5em; text-align: center; }}
th.county {{ text-align: left; white-space: nowrap; }}
td.collected, td.partial, td.flagged {{ color: #fff; }}
span.collected, span.partial, span.flagged, span.missing {{ padding: 0 0.4em; }}
small {{ font-size: 70%; margin-left: 0.2em; }}
{styles}
</style>
</head>
<body>
<h1>County × year coverage</h1>
<p>Generated {stamp}. Collected: the county government's report is stored, complete. Partial:
it is stored but a section or part of a table was not read, or no figure at all (metadata only).
Flagged: it has hard findings (broken consistency rules), or it is missing and a document of
that year failed to parse. Small numbers: department reports stored. Hover a cell for details.</p>
<p>{legend}</p>
<table>
<thead><tr><th></th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body>
</html>
"""
