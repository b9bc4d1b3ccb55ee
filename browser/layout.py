"""The template's tables as the report prints them: sections 二, 三, 四 with their printed labels.

A report page lays its figures out in these tables, so that a reader compares the page with the
PDF cell by cell. Each value cell carries its canonical key (reportparser.vocabulary); every key
of a template sits in exactly one cell. Labels are the 2019 and 2021 templates' own words
(国办公开办函〔2019〕60号, 〔2021〕30号); legacy reports are laid out in the 2019 tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from reportparser.template_labels import (
    ACTIVE_ARTICLES,
    ACTIVE_ROW_HEADER,
    ACTIVE_ROW_LABELS,
    APPEAL_COLUMN_LABELS,
    APPEAL_ROW_LABELS,
    FIGURE_SECTION_HEADINGS,
    REQUEST_COLUMN_LABELS,
    REQUEST_ROW_LABELS,
    Grid,
    TemplateCell,
    active_column_headers,
    appeals_grid,
    outcome_group,
    requests_grid,
    unit,
)
from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    OTHER_ROWS,
    REQUEST_COLUMNS,
    OtherForm,
    all_figure_keys,
    outcome_rows,
    request_rows,
)

# A report page prints the template's own cells.
Cell = TemplateCell


@dataclass(frozen=True, slots=True)
class Table:
    """Rows in HTML order: each row lists only the cells that start in it."""

    caption: str
    rows: Grid

    def figure_keys(self) -> tuple[str, ...]:
        return tuple(cell.key for row in self.rows for cell in row if cell.key is not None)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str  # as printed, e.g. 三、收到和处理政府信息公开申请情况
    tables: tuple[Table, ...]


def _table_template(template: str | None) -> str:
    return "2021" if template == "2021" else "2019"


def _active_tables(template: str) -> tuple[Table, ...]:
    labels = ACTIVE_ROW_LABELS[template]
    tables = []
    for caption, rows in ACTIVE_ARTICLES[template]:
        columns = active_column_headers(template, rows[0])
        header = (Cell(ACTIVE_ROW_HEADER, header=True), *(Cell(h, header=True) for _, h in columns))
        body = tuple(
            (Cell(labels[row]), *(Cell(key=f"active.{row}.{column}") for column, _ in columns))
            for row in rows
        )
        tables.append(Table(caption, (header, *body)))
    return tuple(tables)


def other_form(figures: Iterable[str]) -> OtherForm | None:
    """The form a report printed section 三's (六) in, from its figure keys (None: no sign)."""
    rows = {key.split(".")[1] for key in figures if key.startswith("requests.")}
    forms: tuple[OtherForm, ...] = ("single", "split")
    return next((form for form in forms if rows & set(OTHER_ROWS[form])), None)


@cache
def sections(template: str | None, other: OtherForm | None = None) -> tuple[Section, ...]:
    """Sections 二, 三 and 四 of `template` (2019 tables for legacy or unknown templates), with
    (六) in the form `other` the report printed (None: the template's own)."""
    table_template = _table_template(template)
    return (
        Section(FIGURE_SECTION_HEADINGS["active"], _active_tables(table_template)),
        Section(
            FIGURE_SECTION_HEADINGS["requests"],
            (Table("", requests_grid(outcome_rows(table_template, other))),),
        ),
        Section(FIGURE_SECTION_HEADINGS["appeals"], (Table("", appeals_grid()),)),
    )


@cache
def _labels(template: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for row, _columns in ACTIVE_ROWS[template]:
        for column, header in active_column_headers(template, row):
            labels[f"active.{row}.{column}"] = f"{ACTIVE_ROW_LABELS[template][row]} · {header}"
    for row in request_rows(template):
        printed = REQUEST_ROW_LABELS[row]
        group = outcome_group(row)
        if group is not None:
            printed = f"{group} {printed}"
        for column in REQUEST_COLUMNS:
            labels[f"requests.{row}.{column}"] = f"{printed} · {REQUEST_COLUMN_LABELS[column]}"
    for row in APPEAL_ROWS:
        for column in APPEAL_COLUMNS:
            labels[f"appeals.{row}.{column}"] = (
                f"{' '.join(APPEAL_ROW_LABELS[row])} · {APPEAL_COLUMN_LABELS[column]}"
            )
    return labels


def label(key: str, template: str | None = None) -> str:
    """The printed label of a figure (`一、本年新收政府信息公开申请数量 · 自然人`).

    The given template's words first (2021 by default), else the other template's; a key
    outside the vocabulary is its own label.
    """
    first = _table_template(template) if template else "2021"
    second = "2019" if first == "2021" else "2021"
    return _labels(first).get(key) or _labels(second).get(key) or key


def dictionary() -> tuple[tuple[str, str, str, str], ...]:
    """(key, label, unit, templates) of every canonical key, in wide-export order."""
    in_2019 = set(_labels("2019"))
    in_2021 = set(_labels("2021"))
    return tuple(
        (
            key,
            label(key),
            unit(key),
            ", ".join(t for t, keys in (("2019", in_2019), ("2021", in_2021)) if key in keys),
        )
        for key in all_figure_keys()
    )
