"""The intermediate representation between format extraction and figure extraction.

Every format (text, HTML, PDF, DOCX, DOC/WPS via LibreOffice) is reduced to an
`ExtractedDocument`: an ordered sequence of paragraphs and tables plus whatever metadata the
container itself carries. Figure extraction only ever sees this, so a format is added by writing
one extractor, never by touching the figure logic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Final, NamedTuple


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One line or paragraph of running text, in reading order (whitespace as extracted)."""

    text: str


class Cell(NamedTuple):
    """A table cell at its top-left grid position, with the span it covers.

    A named tuple (immutable, compared and hashed by its fields, like a frozen dataclass):
    readers make one per table cell, and a tuple is made in C, where a frozen dataclass sets
    each field through `object.__setattr__` (0.87 µs a cell against 0.1 with `new_cell`).
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


def new_cell(text: str, row: int, col: int, rowspan: int, colspan: int) -> Cell:
    """`Cell(text, row, col, rowspan, colspan)`, all five given, without the keyword and
    default handling of the named tuple's constructor (hot paths)."""
    return _new_tuple(Cell, (text, row, col, rowspan, colspan))


_new_tuple: Final = tuple.__new__


def cell_fields(*names: str) -> Callable[[Cell], Any]:
    """A getter of these fields of a cell, by their index in the named tuple: cheaper than by
    name in the C loops (`map`) over a table's cells."""
    return itemgetter(*map(Cell._fields.index, names))


@dataclass(frozen=True, slots=True)
class Table:
    """A table with spans resolved to grid positions (HTML rowspan/colspan, DOCX merges)."""

    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int

    def grid(self) -> list[list[Cell | None]]:
        """Dense grid: every position holds the cell covering it (spans repeat the same cell)."""
        grid: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, min(cell.row + cell.rowspan, self.n_rows)):
                for c in range(cell.col, min(cell.col + cell.colspan, self.n_cols)):
                    grid[r][c] = cell
        return grid

    def row_spans(self) -> list[list[tuple[Cell | None, int, int]]]:
        """Each grid row as the cells covering it, left to right, with the first and last grid
        column each covers; a position no cell covers is `(None, c, c)`.

        What walking `grid()` and merging the neighbouring positions of one cell gives, without
        building the grid: readers call this once per table, for every table of a document.
        """
        n_rows, n_cols = self.n_rows, self.n_cols
        by_row: list[list[Cell]] = [[] for _ in range(n_rows)]
        for cell in self.cells:
            top = cell.row
            if top < 0 or cell.col < 0 or cell.col >= n_cols or cell.colspan < 1:
                return _spans_of_grid(self.grid())  # not placeable as is: the grid decides
            if cell.rowspan == 1 and top < n_rows:  # nearly every cell
                by_row[top].append(cell)
                continue
            for r in range(top, min(top + cell.rowspan, n_rows)):
                by_row[r].append(cell)
        spans: list[list[tuple[Cell | None, int, int]]] = []
        for row in by_row:
            row.sort(key=_COLUMN)
            line: list[tuple[Cell | None, int, int]] = []
            add = line.append
            col = 0
            for cell in row:
                start = cell.col
                if start != col:
                    if start < col:
                        # Overlapping cells break the IR's promise; the grid's last-cell-wins
                        # reading is the one every reader has always seen.
                        return _spans_of_grid(self.grid())
                    line += [(None, c, c) for c in range(col, start)]
                end = start + cell.colspan
                col = end if end < n_cols else n_cols  # not min(): a call per cell
                add((cell, start, col - 1))
            if col < n_cols:
                line += [(None, c, c) for c in range(col, n_cols)]
            spans.append(line)
        return spans


_COLUMN: Final = cell_fields("col")


def _spans_of_grid(grid: list[list[Cell | None]]) -> list[list[tuple[Cell | None, int, int]]]:
    spans: list[list[tuple[Cell | None, int, int]]] = []
    for row in grid:
        line: list[tuple[Cell | None, int, int]] = []
        for c, cell in enumerate(row):
            if line and cell is not None and line[-1][0] is cell:
                line[-1] = (cell, line[-1][1], c)
            else:
                line.append((cell, c, c))
        spans.append(line)
    return spans


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    format: str
    blocks: tuple[Block, ...]
    # Metadata the container carries outside the report body (HTML <h1>/<meta>, page header
    # lines such as 发布日期/来源, DOCX core properties). None when absent.
    title: str | None = None
    published_at: dt.date | None = None
    publisher: str | None = None
    engine: str | None = None
    notes: tuple[str, ...] = field(default=())
    # The running text was rebuilt from where its characters sit on a page (PDF), not read in
    # a document order: a table read from it instead of from its ruling lines is a guess at
    # the layout, which the consistency rules must confirm before its numbers are stored.
    layout_text: bool = False
    # What the extractor did not read because a limit stopped it (pages past the page cap,
    # text past the text budget), each as a sentence: the analysis reports every one.
    cuts: tuple[str, ...] = ()

    def text(self) -> str:
        """All running text and table cell text, one block per line, in document order."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
            else:
                for row in block.grid():
                    seen: set[int] = set()
                    parts: list[str] = []
                    for cell in row:
                        if cell is not None and id(cell) not in seen:
                            seen.add(id(cell))
                            parts.append(cell.text)
                    lines.append("\t".join(parts))
        return "\n".join(lines)
