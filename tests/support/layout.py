"""The report laid out once in the official national template's shape: title, headings,
paragraphs and tables with the rowspans and colspans that Word exports and the CMS editor
produce (`report_layout`). Every format `tests.support.render` writes prints this one layout,
so a figure sits in the same grid cell in all of them; the parser's tests compare extractions
with it (`LayoutTable.grid`). Its labels, and the grids of sections 三 and 四, are those of
reportparser.template_labels, which the data browser prints too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportparser.template_labels import (
    ACTIVE_ARTICLES,
    ACTIVE_ROW_HEADER,
    ACTIVE_ROW_LABELS,
    SECTION_HEADINGS,
    Grid,
    active_column_headers,
    appeals_grid,
    requests_grid,
)
from tests.support.spec import ReportSpec


@dataclass(frozen=True, slots=True)
class LayoutCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True, slots=True)
class LayoutTable:
    """Rows in HTML order: each row lists only the cells that start in it."""

    n_cols: int
    rows: tuple[tuple[LayoutCell, ...], ...]
    widths: tuple[float, ...] = ()  # column widths in cm (DOCX); empty = equal

    def placed(self) -> list[tuple[int, int, LayoutCell]]:
        """(row, col, cell) for every cell, resolving spans the way browsers do."""
        taken: set[tuple[int, int]] = set()
        result: list[tuple[int, int, LayoutCell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                result.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return result

    def grid(self) -> list[list[str]]:
        """Dense text grid; positions covered by a span (other than its top-left) are empty."""
        grid = [[""] * self.n_cols for _ in self.rows]
        for r, c, cell in self.placed():
            grid[r][c] = cell.text
        return grid


BlockKind = Literal["title", "heading", "paragraph", "label"]


@dataclass(frozen=True, slots=True)
class TextBlock:
    kind: BlockKind
    text: str


Block = TextBlock | LayoutTable


def report_layout(spec: ReportSpec) -> list[Block]:
    """The whole report, in reading order, as title, headings, paragraphs and tables."""
    template = spec.template
    headings = SECTION_HEADINGS[template]
    blocks: list[Block] = [TextBlock("title", spec.title)]

    def paragraphs(section: str) -> None:
        blocks.extend(TextBlock("paragraph", p) for p in spec.prose.get(section, ()))

    paragraphs("intro")
    blocks.append(TextBlock("heading", headings["overview"]))
    paragraphs("overview")
    blocks.append(TextBlock("heading", headings["active"]))
    blocks.extend(active_tables(spec))
    blocks.append(TextBlock("heading", headings["requests"]))
    blocks.append(requests_table(spec))
    blocks.append(TextBlock("heading", headings["appeals"]))
    blocks.append(appeals_table(spec))
    blocks.append(TextBlock("heading", headings["problems"]))
    paragraphs("problems")
    blocks.append(TextBlock("heading", headings["other"]))
    paragraphs("other")
    return blocks


def active_tables(spec: ReportSpec) -> list[Block]:
    """Section 二: one small table per 第二十条 item, or all of them in one 4-column table."""
    template = spec.template
    labels = ACTIVE_ROW_LABELS[template]
    one_table = spec.active_layout == "one_table"
    blocks: list[Block] = []
    rows: list[tuple[LayoutCell, ...]] = []
    for article, row_keys in ACTIVE_ARTICLES[template]:
        columns = active_column_headers(template, row_keys[0])
        headers = [header for _column, header in columns]
        width = 4 if one_table else 1 + len(headers)
        # In one 4-column table a block with fewer columns either leaves its last cells empty
        # (2019, as Word keeps the grid) or stretches its one value column (2021 template).
        pad = 4 - 1 - len(headers) if one_table else 0
        stretch = template == "2021" and len(headers) == 1 and one_table
        span = 1 + pad if stretch else 1
        group: list[tuple[LayoutCell, ...]] = []
        if one_table:
            group.append((LayoutCell(article, colspan=4, header=True),))
        header = [LayoutCell(ACTIVE_ROW_HEADER, header=True)]
        header += [LayoutCell(h, colspan=span, header=True) for h in headers]
        if pad and not stretch:
            header += [LayoutCell("", header=True)] * pad
        group.append(tuple(header))
        for row in row_keys:
            cells = [LayoutCell(labels[row])]
            cells += [
                LayoutCell(spec.cell_text(f"active.{row}.{column}"), colspan=span)
                for column, _header in columns
            ]
            if pad and not stretch:
                cells += [LayoutCell("")] * pad
            group.append(tuple(cells))
        if one_table:
            rows.extend(group)
        else:
            blocks.append(TextBlock("label", article))
            widths = (4.5,) + (12.5 / (width - 1),) * (width - 1)
            blocks.append(LayoutTable(width, tuple(group), widths))
    if one_table:
        blocks.append(LayoutTable(4, tuple(rows), (5.0, 4.0, 4.0, 4.0)))
    return blocks


def _filled(grid: Grid, spec: ReportSpec) -> tuple[tuple[LayoutCell, ...], ...]:
    """The template's grid with each figure's cell printing the spec's value."""
    return tuple(
        tuple(
            LayoutCell(
                spec.cell_text(cell.key) if cell.key is not None else cell.text,
                rowspan=cell.rowspan,
                colspan=cell.colspan,
                header=cell.header,
            )
            for cell in row
        )
        for row in grid
    )


def requests_table(spec: ReportSpec) -> LayoutTable:
    """Section 三 as the template prints it: 3 label columns, then the 7 applicant columns."""
    widths = (1.3, 1.5, 3.9) + (1.45,) * 7
    return LayoutTable(10, _filled(requests_grid(spec.outcome_rows), spec), widths)


def appeals_table(spec: ReportSpec) -> LayoutTable:
    """Section 四: 行政复议 (5 columns) and 行政诉讼 (2 × 5 columns), then one row of values."""
    return LayoutTable(15, _filled(appeals_grid(), spec), (17.0 / 15,) * 15)
