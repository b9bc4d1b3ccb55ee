"""Build `ExtractedDocument`s directly (no format layer) for the figure-logic tests.

`layout_document(spec)` turns the official-template layout of `tests.support.layout` into
paragraphs and `Table` blocks with real rowspans/colspans; `table(...)` builds one table from
rows of cells; `text_document(text)` is plain text split into lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportparser.document import Block, Cell, ExtractedDocument, Paragraph, Table
from tests.support.layout import LayoutCell, LayoutTable, report_layout
from tests.support.spec import ReportSpec

CellSpec = str | tuple[str, int, int]  # text, or (text, rowspan, colspan)


def to_table(layout: LayoutTable) -> Table:
    cells = tuple(Cell(c.text, r, col, c.rowspan, c.colspan) for r, col, c in layout.placed())
    return Table(cells=cells, n_rows=len(layout.rows), n_cols=layout.n_cols)


def table(*rows: Sequence[CellSpec]) -> Table:
    """A table from rows listing the cells that start in them (HTML order)."""
    layout_rows: list[tuple[LayoutCell, ...]] = []
    for row in rows:
        cells: list[LayoutCell] = []
        for spec in row:
            if isinstance(spec, str):
                cells.append(LayoutCell(spec))
            else:
                text, rowspan, colspan = spec
                cells.append(LayoutCell(text, rowspan, colspan))
        layout_rows.append(tuple(cells))
    n_cols = max(sum(c.colspan for c in row) for row in layout_rows)
    return to_table(LayoutTable(n_cols, tuple(layout_rows)))


def layout_document(
    spec: ReportSpec,
    transform: Callable[[LayoutTable], LayoutTable] | None = None,
    *,
    fmt: str = "html",
) -> ExtractedDocument:
    """The spec's report as paragraphs and tables; `transform` may rewrite each table."""
    blocks: list[Block] = []
    for block in report_layout(spec):
        if isinstance(block, LayoutTable):
            blocks.append(to_table(transform(block) if transform else block))
        else:
            blocks.append(Paragraph(block.text))
    return ExtractedDocument(format=fmt, blocks=tuple(blocks))


def text_document(text: str, *, title: str | None = None) -> ExtractedDocument:
    return ExtractedDocument(
        format="text", blocks=tuple(Paragraph(line) for line in text.splitlines()), title=title
    )
