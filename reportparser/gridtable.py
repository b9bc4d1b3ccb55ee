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

What a table gives depends on its cells' positions and on the text of every cell that is not a
number, never on which number a cell holds: the reading is worked out once per *shape* (those,
with each number replaced by a mark) as a *plan* naming the cell of every value, and replayed
with each table's numbers. Reports print the same few templates, so most tables find their
plan made already.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Final

from reportparser.document import Cell, Table, cell_fields, new_cell
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
from reportparser.readings import RowReading, new_reading
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
    """One grid row: its distinct cells with their first and last column, and each one's index
    in the table's cells (-1: a position no cell covers)."""

    cells: list[tuple[Cell | None, int, int]]
    texts: list[str]
    values: list[CellValue]
    has_number: bool
    refs: list[int]


_NO_CELL: Final = ("", cell_value(""))


@functools.lru_cache(maxsize=8192)
def _read_cell(text: str) -> tuple[str, CellValue, str | None, FigureValue]:
    """A cell's squashed text and value, what its shape holds (the squashed text, or None for
    a number) and the figure it gives (the value's). Cached: labels are the same words in
    every report and numbers repeat; bounded so that a hostile document cannot grow it
    without end."""
    squashed = squash(text)
    value = squashed_cell_value(squashed)
    return squashed, value, None if value.kind == "number" else squashed, value.value


Shape = tuple[str, int, int, tuple[tuple[int, int, int, int], ...], tuple[str | None, ...]]
"""The template, the grid's size, each cell's row, column and spans, each cell's squashed text
(None for a number): everything a table's reading depends on but its numbers."""

_POSITION: Final = cell_fields("row", "col", "rowspan", "colspan")
_TEXT: Final = cell_fields("text")
_LABEL: Final = itemgetter(2)
_FIGURE: Final = itemgetter(3)
# Any number stands for the numbers of a shape: the reading only asks whether a cell holds one.
_SOME_NUMBER: Final = ("0", squashed_cell_value("0"))


def _rows(shape: Shape) -> tuple[Table, list[_RowCells]]:
    """The grid rows of the table a shape describes (its numbers all the same)."""
    _template, n_rows, n_cols, positions, labels = shape
    texts: list[tuple[str, CellValue]] = [
        _SOME_NUMBER if label is None else (label, squashed_cell_value(label)) for label in labels
    ]
    cells = tuple(
        new_cell(text, *position) for (text, _), position in zip(texts, positions, strict=True)
    )
    table = Table(cells=cells, n_rows=n_rows, n_cols=n_cols)
    index = {id(cell): k for k, cell in enumerate(cells)}
    rows: list[_RowCells] = []
    for spans in table.row_spans():
        refs = [-1 if cell is None else index[id(cell)] for cell, _, _ in spans]
        read_cells = [_NO_CELL if ref < 0 else texts[ref] for ref in refs]
        values = [value for _, value in read_cells]
        has_number = any(value.kind == "number" for value in values)
        rows.append(_RowCells(spans, [text for text, _ in read_cells], values, has_number, refs))
    return table, rows


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


_Ref = tuple[int, bool]
"""Where a value comes from: the index of its cell in the table's cells (-1: none, printed
empty) and whether it is an amount in 元 to be given in 万元."""


@dataclass(frozen=True, slots=True)
class _PlannedRow:
    name: str
    keys: tuple[str, ...]
    refs: tuple[_Ref, ...]
    exact: bool
    # The refs' cells when none is an amount in 元 (nearly every row): replayed without a
    # conversion per value.
    cells: tuple[int, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        plain = not any(yuan for _, yuan in self.refs)
        cells = tuple(ref for ref, _ in self.refs) if plain else None
        object.__setattr__(self, "cells", cells)


@dataclass(frozen=True, slots=True)
class _Plan:
    rows: tuple[_PlannedRow, ...]
    notes: tuple[str, ...]


class _Collector:
    """The cell of each value per row, first printed value of a key wins (a row printed twice
    keeps its first; a key printed empty takes a later number)."""

    def __init__(self) -> None:
        # Per row, per key: the value's cell and whether it is printed empty.
        self.rows: dict[str, dict[str, tuple[_Ref, bool]]] = {}
        self.order: list[str] = []
        self.notes: list[str] = []
        self.partial: list[_PlannedRow] = []

    def put(self, name: str, key: str, ref: int, value: CellValue, yuan: bool = False) -> None:
        row = self.rows.get(name)
        if row is None:
            row = self.rows[name] = {}
            self.order.append(name)
        empty = value.value is None
        if key not in row or (row[key][1] and not empty):
            row[key] = ((ref, yuan), empty)

    def plan(self) -> _Plan:
        rows: list[_PlannedRow] = []
        for name in self.order:
            cells = self.rows[name]
            keys = tuple(cells)
            rows.append(_PlannedRow(name, keys, tuple(cells[k][0] for k in keys), True))
        rows += [r for r in self.partial if r.name not in self.rows]
        return _Plan(tuple(rows), tuple(self.notes))


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
    pairs: list[tuple[_Column, int]]  # a headed column and the index of its cell in the row
    if any(v.kind == "number" and slot is None for slot, v in zip(slots, row.values, strict=True)):
        # A number outside every headed column: the row is shifted against its header. Its
        # cells after the label are read in the header's column order when they are exactly
        # as many as the header's columns; otherwise the row is not read at all.
        order: list[_Column] = []
        for c in sorted(columns):
            if not order or order[-1] != columns[c]:
                order.append(columns[c])
        first = max(label_indices, default=-1) + 1
        end = len(row.values)
        while end > first and row.values[end - 1].kind == "empty":
            end -= 1
        cells = row.values[first:end]
        name = row_name or "appeals"
        if len(cells) != len(order):
            # Positions unknown: the printed numbers go to the rules as a lost-cells row.
            columns_of_row = _row_columns(section, row_name, template)
            if columns_of_row and all(v.kind != "text" for v in cells):
                printed = tuple(
                    (row.refs[i], False)
                    for i in range(first, end)
                    if row.values[i].kind == "number"
                )
                keys = tuple(f"{section}.{name}.{c}" for c in columns_of_row)
                out.partial.append(_PlannedRow(f"{section}.{name}", keys, printed, False))
            out.notes.append(f"{section}.{name}: a row shifted against its header was not read")
            return
        out.notes.append(f"{section}.{name}: a row shifted against its header, read in order")
        pairs = list(zip(order, range(first, end), strict=True))
    else:
        pairs = [(slot, i) for i, slot in enumerate(slots) if slot is not None]
    refs, values = row.refs, row.values
    if section == "requests":  # the big table: one row name, every column its own key
        if row_name is not None:
            name = f"requests.{row_name}"
            put = out.put
            for mapped, i in pairs:
                put(name, f"{name}.{mapped.key}", refs[i], values[i])  # no amounts in this table
        return
    for mapped, i in pairs:
        target = mapped.group if section == "appeals" and mapped.group else row_name
        if target is None:
            continue
        if section == "active" and mapped.key not in active_columns(template, target):
            continue
        out.put(
            f"{section}.{target}",
            f"{section}.{target}.{mapped.key}",
            refs[i],
            values[i],
            mapped.yuan,
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
    values = row.values
    first, end = last_label + 1, len(values)
    if not any(v.kind == "number" for v in values[first:end]):
        return
    while end > first and values[end - 1].kind == "empty":
        end -= 1
    first = max(first, end - len(columns))
    if end - first == len(columns):
        for column, i in zip(columns, range(first, end), strict=True):
            out.put(f"{section}.{name}", f"{section}.{name}.{column}", row.refs[i], values[i])


@dataclass(frozen=True, slots=True)
class TableReading:
    readings: list[RowReading]
    notes: list[str]  # rows read in an unusual way, for warnings


# Shapes of tables this large are not kept (a template table has some 300 cells): a hostile
# document's made-up tables would fill the cache with big keys (at most 128 plans of 1 000 cells,
# some 12 MB).
_MAX_PLANNED_CELLS: Final = 1_000


def read_table(table: Table, template: str) -> TableReading:
    """Every template row this table prints, exact (positions known from the grid)."""
    if table.n_rows * table.n_cols > MAX_GRID_POSITIONS or table.n_cols < 2:
        return TableReading([], [])
    cells = table.cells
    # map(): C loops over every cell of every table of a document.
    reads = list(map(_read_cell, map(_TEXT, cells)))
    shape: Shape = (
        template,
        table.n_rows,
        table.n_cols,
        tuple(map(_POSITION, cells)),
        tuple(map(_LABEL, reads)),
    )
    plan = _plan(shape) if len(cells) <= _MAX_PLANNED_CELLS else _plan.__wrapped__(shape)
    # Each cell's figure, and None last: the ref -1 (no cell) picks it.
    figures = list(map(_FIGURE, reads))
    figures.append(None)
    figure_at = figures.__getitem__
    readings: list[RowReading] = []
    for row in plan.rows:
        if row.cells is not None:  # no amount in 元: each value is its cell's
            values = tuple(map(figure_at, row.cells))
        else:
            values = tuple(
                [None if ref < 0 else _amount(reads[ref][1], yuan) for ref, yuan in row.refs]
            )
        readings.append(new_reading(row.name, row.keys, values, row.exact, "table"))
    return TableReading(readings, list(plan.notes))


@functools.lru_cache(maxsize=128)
def _plan(shape: Shape) -> _Plan:
    """How to read a table of this shape. Pure in `shape`, hence cached: a report's tables
    repeat the templates' shapes (bounded: a hostile document cannot grow it without end)."""
    template = shape[0]
    table, rows = _rows(shape)
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
    return out.plan()
