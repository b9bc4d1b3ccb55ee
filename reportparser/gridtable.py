"""Reading the template tables from `Table` blocks (HTML, DOCX, XLSX, ruled PDF tables).

Columns are read from the header cells, rows from their label cells, never by position:

- consecutive rows without numbers whose cells are header labels form a *header band*; for each
  grid column, the band's cells stacked top to bottom (spans repeat a cell) give the column's
  key from the lowest cell that names one (`申请人情况 › 法人或其他组织 › 商业企业` → commercial),
  and for the appeals table the group too (`行政诉讼 › 复议后起诉 › 结果维持`);
- the band also tells which table it heads (requests, appeals, active);
- a data row is named by its label cells (the cells in columns no header names), the rightmost
  specific one first (`三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密`);
- the value of a figure is the cell under its column in the row's line: a reordered or extra
  column moves nothing.

A table without any usable header falls back to the official column order for rows whose label
is known. A table whose structure was lost (one cell per line) yields nothing here and is read
as text instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from reportparser.document import Cell, Table
from reportparser.labels import (
    active_columns,
    active_row,
    amount_in_yuan,
    appeal_group,
    appeal_row,
    column_key,
    header_section,
    is_header_cell,
    request_row,
    request_row_of_cells,
)
from reportparser.readings import RowReading
from reportparser.result import FigureValue
from reportparser.values import CellValue, cell_value, squash, squashed_cell_value
from reportparser.vocabulary import APPEAL_COLUMNS, REQUEST_COLUMNS

# Tables beyond this many grid positions are not read (a hostile document can declare any size).
MAX_GRID_POSITIONS: Final = 20_000


@dataclass(frozen=True, slots=True)
class _Column:
    """What a grid column holds under the current header band."""

    section: str
    key: str
    group: str | None  # appeals: the row the column belongs to
    yuan: bool  # an amount column whose header says 元


@dataclass(slots=True)
class _RowCells:
    """One grid row: its distinct cells with their first and last column."""

    cells: list[tuple[Cell | None, int, int]]
    texts: list[str]
    values: list[CellValue]
    has_number: bool


_NO_CELL: Final = ("", cell_value(""))


@functools.lru_cache(maxsize=8192)
def _read_cell(text: str) -> tuple[str, CellValue]:
    """A cell's squashed text and value. Cached: labels are the same words in every report
    and numbers repeat; bounded so that a hostile document cannot grow it without end."""
    squashed = squash(text)
    return squashed, squashed_cell_value(squashed)


def _rows(table: Table) -> list[_RowCells]:
    rows: list[_RowCells] = []
    read = _read_cell
    for cells in table.row_spans():
        read_cells = [_NO_CELL if cell is None else read(cell.text) for cell, _, _ in cells]
        values = [value for _, value in read_cells]
        has_number = any(value.kind == "number" for value in values)
        rows.append(_RowCells(cells, [text for text, _ in read_cells], values, has_number))
    return rows


def _is_header(row: _RowCells) -> bool:
    if row.has_number:
        return False
    return any(text and is_header_cell(text) for text in row.texts)


def _band_columns(table: Table, rows: list[_RowCells], band: list[int]) -> dict[int, _Column]:
    texts = [text for r in band for text in rows[r].texts if text]
    section = header_section(texts)
    if section is None:
        return {}
    stacks: list[list[str]] = [[] for _ in range(table.n_cols)]
    for r in band:
        for (_cell, first, last), text in zip(rows[r].cells, rows[r].texts, strict=True):
            for c in range(first, last + 1):
                if text and (not stacks[c] or stacks[c][-1] != text):
                    stacks[c].append(text)
    columns: dict[int, _Column] = {}
    for c, stack in enumerate(stacks):
        key = next((k for text in reversed(stack) if (k := column_key(section, text))), None)
        if key is None:
            continue
        group = appeal_group(stack) if section == "appeals" else None
        yuan = section == "active" and key == "amount" and amount_in_yuan("".join(stack))
        columns[c] = _Column(section, key, group, yuan)
    return columns


class _Collector:
    """Values per row, first printed value of a key wins (a row printed twice keeps its first)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, FigureValue]] = {}
        self.order: list[str] = []
        self.notes: list[str] = []
        self.partial: list[RowReading] = []

    def put(self, name: str, key: str, value: FigureValue) -> None:
        row = self.rows.get(name)
        if row is None:
            row = self.rows[name] = {}
            self.order.append(name)
        if key not in row or (row[key] is None and value is not None):
            row[key] = value

    def readings(self) -> list[RowReading]:
        result: list[RowReading] = []
        for name in self.order:
            values = self.rows[name]
            keys = tuple(values)
            result.append(RowReading(name, keys, tuple(values[k] for k in keys), True, "table"))
        return result + [r for r in self.partial if r.name not in self.rows]


def _amount(value: CellValue, yuan: bool) -> FigureValue:
    if yuan and value.unit is None and value.value is not None:
        return float(Decimal(str(value.value)) / Decimal(10000))
    return value.value


def _headed(columns: dict[int, _Column], first: int, last: int) -> _Column | None:
    """The column of the first headed grid column among `first`..`last` (one cell's span)."""
    if first == last:
        return columns.get(first)
    for c in range(first, last + 1):
        if c in columns:
            return columns[c]
    return None


def _label_cells(row: _RowCells, headed: list[_Column | None]) -> list[int]:
    """Indices of the row's label cells: text in columns no header names, or text before the
    row's first number (a label pushed under a headed column by a shifted row).

    `headed[i]` is the headed column under the row's cell `i`, if any."""
    kinds = [value.kind for value in row.values]
    first_number = kinds.index("number") if row.has_number else len(kinds)
    # A "text" value is never an empty cell nor a position no cell covers.
    return [
        i
        for i, kind in enumerate(kinds)
        if kind == "text" and (i < first_number or headed[i] is None)
    ]


def _read_mapped_row(
    row: _RowCells, columns: dict[int, _Column], template: str, out: _Collector
) -> None:
    column_at = columns.get
    headed = [
        column_at(first) if first == last else _headed(columns, first, last)
        for _cell, first, last in row.cells
    ]
    label_indices = _label_cells(row, headed)
    labels = [row.texts[i] for i in label_indices]
    section = next(iter(columns.values())).section
    row_name: str | None = None
    if section == "requests":
        row_name = request_row_of_cells(labels)
    elif section == "active":
        row_name = next(
            (r for label in reversed(labels) if (r := active_row(label, template))), None
        )
    elif labels:
        row_name = next((r for label in reversed(labels) if (r := appeal_row(label))), None)
    labelled = set(label_indices)
    slots = [None if i in labelled else column for i, column in enumerate(headed)]
    pairs: list[tuple[_Column, CellValue]]
    if any(v.kind == "number" and slot is None for slot, v in zip(slots, row.values, strict=True)):
        # A number outside every headed column: the row is shifted against its header. Its
        # cells after the label are read in the header's column order when they are exactly
        # as many as the header's columns; otherwise the row is not read at all.
        order: list[_Column] = []
        for c in sorted(columns):
            if not order or order[-1] != columns[c]:
                order.append(columns[c])
        cells = row.values[max(label_indices, default=-1) + 1 :]
        while cells and cells[-1].kind == "empty":
            cells = cells[:-1]
        name = row_name or "appeals"
        if len(cells) != len(order):
            # Positions unknown: the printed numbers go to the rules as a lost-cells row.
            columns_of_row = _row_columns(section, row_name, template)
            if columns_of_row and all(v.kind != "text" for v in cells):
                printed = tuple(v.value for v in cells if v.kind == "number")
                keys = tuple(f"{section}.{name}.{c}" for c in columns_of_row)
                out.partial.append(RowReading(f"{section}.{name}", keys, printed, False, "table"))
            out.notes.append(f"{section}.{name}: a row shifted against its header was not read")
            return
        out.notes.append(f"{section}.{name}: a row shifted against its header, read in order")
        pairs = list(zip(order, cells, strict=True))
    else:
        pairs = [(slot, v) for slot, v in zip(slots, row.values, strict=True) if slot is not None]
    if section == "requests":  # the big table: one row name, every column its own key
        if row_name is not None:
            name = f"requests.{row_name}"
            put = out.put
            for mapped, value in pairs:
                put(name, f"{name}.{mapped.key}", value.value)  # no amounts in this table
        return
    for mapped, value in pairs:
        target = mapped.group if section == "appeals" and mapped.group else row_name
        if target is None:
            continue
        if section == "active" and mapped.key not in active_columns(template, target):
            continue
        out.put(
            f"{section}.{target}", f"{section}.{target}.{mapped.key}", _amount(value, mapped.yuan)
        )


def _row_columns(section: str, row: str | None, template: str) -> tuple[str, ...]:
    if row is None:
        return ()
    if section == "requests":
        return REQUEST_COLUMNS
    if section == "active":
        return active_columns(template, row)
    return APPEAL_COLUMNS


def _read_unmapped_row(row: _RowCells, template: str, out: _Collector) -> None:
    """A row under no header: its label names the row, its cells follow the official order."""
    last_label = max(
        (
            i
            for i, (text, value) in enumerate(zip(row.texts, row.values, strict=True))
            if text and value.kind == "text"
        ),
        default=-1,
    )
    if last_label < 0:
        return
    label = row.texts[last_label]
    section: str
    name: str | None
    columns: tuple[str, ...]
    if (name := request_row(label)) is not None:
        section, columns = "requests", REQUEST_COLUMNS
    elif (name := active_row(label, template)) is not None:
        section, columns = "active", active_columns(template, name)
    elif (name := appeal_row(label)) is not None:
        section, columns = "appeals", APPEAL_COLUMNS
    else:
        return
    cells = row.values[last_label + 1 :]
    if not any(v.kind == "number" for v in cells):
        return
    while cells and cells[-1].kind == "empty":
        cells = cells[:-1]
    if len(cells) > len(columns):
        cells = cells[len(cells) - len(columns) :]
    if len(cells) == len(columns):
        for column, value in zip(columns, cells, strict=True):
            out.put(f"{section}.{name}", f"{section}.{name}.{column}", value.value)


@dataclass(frozen=True, slots=True)
class TableReading:
    readings: list[RowReading]
    notes: list[str]  # rows read in an unusual way, for warnings


def read_table(table: Table, template: str) -> TableReading:
    """Every template row this table prints, exact (positions known from the grid)."""
    if table.n_rows * table.n_cols > MAX_GRID_POSITIONS or table.n_cols < 2:
        return TableReading([], [])
    rows = _rows(table)
    out = _Collector()
    band: list[int] = []
    columns: dict[int, _Column] | None = None
    after_header = False
    for r, row in enumerate(rows):
        if _is_header(row):
            if not after_header:
                band = []
            band.append(r)
            columns = None
            after_header = True
            continue
        after_header = False
        if band and columns is None:
            columns = _band_columns(table, rows, band)
        if columns:
            _read_mapped_row(row, columns, template, out)
        else:
            _read_unmapped_row(row, template, out)
    return TableReading(out.readings(), out.notes)
