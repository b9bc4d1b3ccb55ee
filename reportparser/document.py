"""The intermediate representation between format extraction and figure extraction.

Every format (text, HTML, PDF, DOCX, DOC/WPS via LibreOffice) is reduced to an
`ExtractedDocument`: an ordered sequence of paragraphs and tables plus whatever metadata the
container itself carries. Figure extraction only ever sees this, so a format is added by writing
one extractor, never by touching the figure logic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One line or paragraph of running text, in reading order (whitespace as extracted)."""

    text: str


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell at its top-left grid position, with the span it covers."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


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
