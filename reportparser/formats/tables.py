"""Turning rows of spanning cells into a `Table` with grid positions (the HTML table model).

HTML and spreadsheets describe a table as rows of cells, each with a rowspan and colspan;
a cell lands at the first grid position of its row not yet covered by a rowspan from above.
Word exports and CMS editors produce spans that run past the table's edge and rowspan="0";
both are clipped to the table so that every position is covered at most once.
"""

from __future__ import annotations

import re
from operator import add
from typing import Final

from reportparser.document import Cell, Table, cell_fields, new_cell
from reportparser.formats.limits import LimitExceeded, Limits

_INT: Final = re.compile(r"\d+")
_new_tuple: Final = tuple.__new__


RawCell = tuple[str, int, int]
"""A cell as a row lists it: its text, rowspan and colspan (a tuple: readers make one per cell)."""


def parse_span(value: str | None) -> int:
    """A rowspan/colspan attribute as browsers read it: leading digits, else 1; 0 is kept."""
    if not value:
        return 1
    if value.isdecimal():  # the usual attribute: the regex would take all of it
        return int(value)
    match = _INT.search(value)
    return int(match.group()) if match else 1


def build_table(rows: list[list[RawCell]], limits: Limits) -> Table | None:
    """Place cells on the grid; None for a table without any cell.

    The table is as wide as its widest row that does not end in a colspan: a colspan running
    past that edge (colspan="9" in a four-column table) is an editor's slip, not new columns,
    and is clipped once every cell is placed.
    """
    n_rows = len(rows)
    if n_rows > limits.max_table_rows:
        raise LimitExceeded(f"table has {n_rows} rows (limit {limits.max_table_rows})")
    max_cols = limits.max_table_cols
    # Positions covered by rowspans from the rows above (a row's own cells never look back).
    covered: list[set[int]] = [set() for _ in range(n_rows)]
    reach = [0] * n_rows  # one past each row's rightmost covered position
    cells: list[Cell] = []
    place = cells.append
    plain_width = spanned_width = 0
    for r, row in enumerate(rows):
        col = 0
        taken = covered[r]
        for text, given_rowspan, given_colspan in row:
            if taken:
                while col in taken:
                    col += 1
            if col >= max_cols:
                break
            if given_rowspan == 1 and given_colspan == 1:
                # Nearly every cell: one position, nothing to clip (`new_cell`'s tuple, made
                # here: a call per cell costs as much as the tuple).
                place(_new_tuple(Cell, (text, r, col, 1, 1)))
                col += 1
                continue
            # rowspan="0" means "to the end of the row group"; spans past the edge are clipped.
            rowspan = n_rows - r if given_rowspan <= 0 else min(given_rowspan, n_rows - r)
            colspan = max(1, min(given_colspan, max_cols - col))
            # A rowspan from above can sit inside this cell's colspan: shorten the colspan so
            # that no position is covered twice (browsers overlap them; we keep the cell that
            # came first).
            for offset in range(1, colspan):
                if col + offset in taken:
                    colspan = offset
                    break
            end = col + colspan
            for rr in range(r + 1, r + rowspan):
                covered[rr].update(range(col, end))
                reach[rr] = max(reach[rr], end)
            place(new_cell(text, r, col, rowspan, colspan))
            col = end
        end = max(col, reach[r])
        if row and row[-1][2] > 1:
            spanned_width = max(spanned_width, end)
        else:
            plain_width = max(plain_width, end)
    if not cells:
        return None
    width = plain_width or spanned_width
    if spanned_width > width:
        cells = [
            new_cell(c.text, c.row, c.col, c.rowspan, min(c.colspan, width - c.col))
            for c in cells
            if c.col < width
        ]
    # The widest cell's end, in C loops over the cells.
    n_cols = max(map(add, map(_COL, cells), map(_COLSPAN, cells)))
    return Table(cells=tuple(cells), n_rows=n_rows, n_cols=n_cols)


_COL: Final = cell_fields("col")
_ROW: Final = cell_fields("row")
_COLSPAN: Final = cell_fields("colspan")
_ROWSPAN: Final = cell_fields("rowspan")


def canonical(table: Table) -> Table:
    """Drop grid lines that no cell starts or ends on, so equal tables get equal grids.

    Word's tblGrid, LibreOffice's re-export and a PDF's ruling lines split the same table into
    different numbers of grid columns (a column boundary that only exists in one row of the
    document's widths); a boundary that no cell uses is not part of the table's structure.
    Trailing rows of nothing but empty cells go too (Word's HTML export ends its tables with
    one, to fix the column widths).
    """
    table = _without_empty_tail(table)
    cells = table.cells
    # map() with attribute getters: C loops over every cell of every table of a document.
    cols = list(map(_COL, cells))
    rows = list(map(_ROW, cells))
    col_edges = sorted({0, *cols, *map(add, cols, map(_COLSPAN, cells))})
    row_edges = sorted({0, *rows, *map(add, rows, map(_ROWSPAN, cells))})
    if len(col_edges) == table.n_cols + 1 and len(row_edges) == table.n_rows + 1:
        return table
    col_index = {edge: i for i, edge in enumerate(col_edges)}
    row_index = {edge: i for i, edge in enumerate(row_edges)}
    cells = tuple(
        Cell(
            c.text,
            row_index[c.row],
            col_index[c.col],
            row_index[c.row + c.rowspan] - row_index[c.row],
            col_index[c.col + c.colspan] - col_index[c.col],
        )
        for c in table.cells
    )
    return Table(cells=cells, n_rows=len(row_edges) - 1, n_cols=len(col_edges) - 1)


def _without_empty_tail(table: Table) -> Table:
    n_rows = table.n_rows
    if table.cells and (end := table.cells[-1]).text and end.row + end.rowspan >= n_rows:
        return table  # the usual table: its last cell (readers go row by row) keeps the last row
    while n_rows > 1:
        last = [c for c in table.cells if c.row + c.rowspan >= n_rows]
        if any(c.row < n_rows - 1 or c.text for c in last):
            break
        n_rows -= 1
    if n_rows == table.n_rows:
        return table
    cells = tuple(c for c in table.cells if c.row < n_rows)
    return Table(cells=cells, n_rows=n_rows, n_cols=table.n_cols)
