"""What the report, county and coverage pages show, built from rows (pure: no I/O, no Datasette).

`browser.queries` reads the rows; `browser.plugin` hands what is built here to the templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from browser.charts import Series
from browser.layout import Cell, label, other_form, sections
from models.coverage import SYMBOLS
from models.export import format_number
from models.types import Number, normalize_number
from reportparser.template_labels import unit
from reportparser.vocabulary import OtherForm, equations

# A canonical key (`requests.new.total`) or a row (`requests.carried_over`) named in a message.
_KEY_IN_TEXT: Final = re.compile(r"\b(?:active|requests|appeals)\.[a-z_]+(?:\.[a-z_]+)?\b")

# The county's state from its latest crawl run; "never" when no run is stored.
CRAWL_STATES: Final = {
    "ok": "crawled",
    "degraded": "degraded (new 403/412/429 answers or parse failures)",
    "site_changed": "site changed (stopped yielding reports)",
    "blocked": "blocked (the site answers with a challenge)",
    "unreachable": "unreachable (DNS, connection or timeouts)",
    "never": "not yet crawled",
}


# -- Report page -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindingView:
    number: int  # 1-based, as cells refer to it
    rule: str
    severity: str
    origin: str
    message: str
    expected: Number | None
    actual: Number | None
    keys: frozenset[str]  # the figures it concerns


@dataclass(frozen=True, slots=True)
class CellView:
    """One cell of a laid-out table, ready for the template."""

    tag: str  # th | td
    text: str
    rowspan: int
    colspan: int
    key: str | None = None
    classes: str = ""
    title: str = ""
    findings: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TableView:
    caption: str
    rows: tuple[tuple[CellView, ...], ...]


@dataclass(frozen=True, slots=True)
class SectionView:
    heading: str
    tables: tuple[TableView, ...]


def _expand(keys: Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """Keys named in full, plus every key of a row named by its prefix."""
    known = tuple(known)
    result: set[str] = set()
    for name in keys:
        if name.count(".") == 2:
            result.add(name)
        else:
            result.update(k for k in known if k.startswith(name + "."))
    return frozenset(result)


def finding_keys(
    rule: str, message: str, template: str | None, known: Iterable[str]
) -> frozenset[str]:
    """The figures a finding concerns: a hard rule's equation, else the keys its message names."""
    known = tuple(known)
    if template is not None:
        where = message.split(":", 1)[0]
        for eq in equations(template, other_form(known)):
            if eq.rule == rule and eq.where == where:
                return frozenset((*eq.left, *eq.right))
    return _expand(_KEY_IN_TEXT.findall(message), known)


def findings_view(
    rows: Sequence[Mapping[str, Any]], template: str | None, keys: Iterable[str]
) -> list[FindingView]:
    known = tuple(keys)
    return [
        FindingView(
            number=index,
            rule=row["rule"],
            severity=row["severity"],
            origin=row["origin"],
            message=row["message"],
            expected=normalize_number(row["expected"]),
            actual=normalize_number(row["actual"]),
            keys=finding_keys(row["rule"], row["message"], template, known),
        )
        for index, row in enumerate(rows, start=1)
    ]


def show_number(value: Number | None) -> str:
    return "" if value is None else format_number(value)


def _value_cell(
    cell: Cell,
    key: str,
    figures: Mapping[str, Number | None],
    findings: Sequence[FindingView],
    template: str | None,
) -> CellView:
    concerned = tuple(f for f in findings if key in f.keys)
    classes = ["figure"]
    if key not in figures:
        classes.append("absent")
        state = "not in the report"
    elif figures[key] is None:
        classes.append("empty")
        state = "printed empty"
    else:
        state = f"{show_number(figures[key])} {unit(key)}"
    if any(f.severity == "hard" for f in concerned):
        classes.append("hard")
    elif concerned:
        classes.append("warning")
    title = f"{key} · {label(key, template)} · {state}"
    title += "".join(f"\n#{f.number} {f.rule}: {f.message}" for f in concerned)
    return CellView(
        tag="td",
        text=show_number(figures.get(key)),
        rowspan=cell.rowspan,
        colspan=cell.colspan,
        key=key,
        classes=" ".join(classes),
        title=title,
        findings=tuple(f.number for f in concerned),
    )


def report_sections(
    template: str | None,
    figures: Mapping[str, Number | None],
    findings: Sequence[FindingView],
) -> tuple[SectionView, ...]:
    """Sections 二, 三, 四 with the report's values in the template's cells."""
    result = []
    for section in sections(template, other_form(figures)):
        tables = []
        for table in section.tables:
            rows = tuple(
                tuple(
                    _value_cell(cell, cell.key, figures, findings, template)
                    if cell.key is not None
                    else CellView(
                        tag="th" if cell.header else "td",
                        text=cell.text,
                        rowspan=cell.rowspan,
                        colspan=cell.colspan,
                        classes="label",
                    )
                    for cell in row
                )
                for row in table.rows
            )
            tables.append(TableView(table.caption, rows))
        result.append(SectionView(section.heading, tuple(tables)))
    return tuple(result)


def laid_out_keys(template: str | None, other: OtherForm | None = None) -> frozenset[str]:
    return frozenset(
        key
        for section in sections(template, other)
        for t in section.tables
        for key in t.figure_keys()
    )


def other_figures(
    template: str | None, figures: Mapping[str, Number | None]
) -> list[tuple[str, str, str]]:
    """(key, label, value) of figures outside the template's tables (e.g. a 2021 report printing
    the 2019 form's 其他处理 row): shown apart, never dropped."""
    placed = laid_out_keys(template, other_form(figures))
    return [
        (key, label(key, template), show_number(value))
        for key, value in figures.items()
        if key not in placed
    ]


def _shown(figures: Mapping[str, Any], key: str) -> str:
    if key not in figures:
        return "absent"
    value = normalize_number(figures[key])
    return "empty" if value is None else show_number(value)


def revision_changes(
    old: Mapping[str, Any], current: Mapping[str, Number | None], *, limit: int = 12
) -> list[str]:
    """`key: old → current` for each figure a revision had differently (at most `limit`)."""
    changed = [
        key
        for key in sorted(set(old) | set(current))
        if key not in old or key not in current or normalize_number(old[key]) != current[key]
    ]
    lines = [f"{key}: {_shown(old, key)} → {_shown(current, key)}" for key in changed[:limit]]
    if len(changed) > limit:
        lines.append(f"… and {len(changed) - limit} more")
    return lines


# -- County page -----------------------------------------------------------------------------------


def county_series(headlines: Sequence[Mapping[str, Any]]) -> tuple[list[Series], list[Series]]:
    """(requests, appeals) series over the years of the county government's own reports.

    Department reports are left out: a county's history is its government's consolidated report.
    """
    rows = sorted(
        (row for row in headlines if row["scope"] == "county"), key=lambda row: row["year"]
    )

    def series(name: str, text: str) -> Series:
        return Series(
            name,
            text,
            tuple((int(row["year"]), normalize_number(row[name])) for row in rows),
        )

    requests = [series("requests_received", "本年新收申请 requests received")]
    appeals = [
        series("appeals", "行政复议 administrative reconsiderations"),
        series("lawsuits", "行政诉讼 lawsuits"),
    ]
    return requests, appeals


# -- Coverage grid ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GridCell:
    year: int
    status: str  # the coverage view's: collected | partial | flagged | missing
    symbol: str
    classes: str
    title: str
    href: str | None


@dataclass(slots=True)
class GridRow:
    code: str
    name: str
    prefecture: str | None
    crawl_state: str  # a key of CRAWL_STATES
    crawl_note: str
    cells: list[GridCell] = field(default_factory=list)


def coverage_grid(
    cells: Sequence[Mapping[str, Any]],
    latest_runs: Mapping[str, Mapping[str, Any]],
    county_reports: Mapping[tuple[str, int], int],
    *,
    report_href: Callable[[int], str],
    county_href: Callable[[str], str],
) -> tuple[list[int], list[GridRow]]:
    """Years and one row per county: each cell links to the county government's report of that
    year when one is stored, else to the county page.

    A county never crawled shows its missing years as `not-crawled`, a county whose latest crawl
    was blocked or unreachable as `missing` in a row marked with that state: three different
    reasons for an empty cell, told apart.
    """
    years = sorted({int(cell["year"]) for cell in cells})
    rows: dict[str, GridRow] = {}
    for cell in cells:
        code = cell["county_code"]
        row = rows.get(code)
        if row is None:
            run = latest_runs.get(code)
            state = run["status"] if run is not None else "never"
            note = CRAWL_STATES.get(state, state)
            if run is not None:
                note += f", last crawl {str(run['started_at'])[:16]} UTC"
            row = rows[code] = GridRow(code, cell["county_name"], cell["prefecture"], state, note)
        year = int(cell["year"])
        status = cell["status"]
        report_id = county_reports.get((code, year))
        classes = [status]
        if status == "missing" and row.crawl_state == "never":
            classes.append("not-crawled")
        parts = [f"{row.name} {year}: {status}"]
        for name, text in (
            ("county_reports", "county report"),
            ("department_reports", "department reports"),
            ("hard_findings", "hard findings"),
            ("failed_documents", "failed documents"),
        ):
            if cell[name]:
                parts.append(f"{cell[name]} {text}")
        if "not-crawled" in classes:
            parts.append("not yet crawled")
        row.cells.append(
            GridCell(
                year=year,
                status=status,
                symbol="?" if "not-crawled" in classes else SYMBOLS.get(status, status[:1]),
                classes=" ".join(classes),
                title=", ".join(parts),
                href=report_href(report_id) if report_id is not None else county_href(code),
            )
        )
    return years, list(rows.values())


def status_counts(rows: Sequence[GridRow]) -> dict[str, int]:
    """Cells per class shown in the legend: collected, partial, flagged, missing, not-crawled."""
    counts = {"collected": 0, "partial": 0, "flagged": 0, "missing": 0, "not-crawled": 0}
    for row in rows:
        for cell in row.cells:
            name = "not-crawled" if "not-crawled" in cell.classes else cell.status
            counts[name] = counts.get(name, 0) + 1
    return counts
