"""XLSX (and XLS/ET after LibreOffice): each sheet becomes its name and one table.

openpyxl's read-only mode streams rows without building the workbook in memory, but it does
not expose merged ranges, so those come from the sheet XML's `<mergeCells>`.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, Final

from lxml import etree

from reportparser.document import Block, Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats.limits import LimitExceeded, Limits, check_zip, read_member
from reportparser.formats.text import clean_line

_SHEET_NS: Final = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARSER: Final = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def cell_value(value: Any) -> str:
    """A cell as printed: integral floats without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return "\n".join(clean_line(line) for line in str(value).splitlines() if line.strip())


def _merged_ranges(archive: zipfile.ZipFile, limits: Limits) -> dict[str, list[str]]:
    """Sheet title -> merged ranges such as "A1:C2", read from each sheet part's XML."""
    workbook = etree.fromstring(read_member(archive, "xl/workbook.xml", limits), _PARSER)
    rels = etree.fromstring(read_member(archive, "xl/_rels/workbook.xml.rels", limits), _PARSER)
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship")
    }
    merged: dict[str, list[str]] = {}
    for sheet in workbook.iter(f"{{{_SHEET_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if part not in archive.namelist():
            continue
        ranges: list[str] = []
        # iterparse keeps memory flat on big sheets; merge cells come after the sheet data.
        stream = io.BytesIO(read_member(archive, part, limits))
        for _, element in etree.iterparse(
            stream, tag=f"{{{_SHEET_NS}}}mergeCell", resolve_entities=False
        ):
            ref = element.get("ref")
            if ref:
                ranges.append(ref)
            element.clear()
        merged[sheet.get("name", "")] = ranges
    return merged


def extract_xlsx(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        # openpyxl (read-only) inflates the XML parts, never the pictures.
        check_zip(archive, limits, reads=lambda name: name.lower().endswith((".xml", ".rels")))
        merged = _merged_ranges(archive, limits)
    # Imported here, not at the top: openpyxl pulls in numpy, ≈ 0.35 CPU-s in every process
    # that imports the parser (crawl, store, each worker), while few reports are spreadsheets.
    import openpyxl  # noqa: PLC0415 - see above
    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    blocks: list[Block] = []
    total_cells = 0
    try:
        for sheet in workbook.worksheets:
            covered: dict[tuple[int, int], tuple[int, int]] = {}
            spans: dict[tuple[int, int], tuple[int, int]] = {}
            for ref in merged.get(sheet.title, []):
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                spans[(min_row - 1, min_col - 1)] = (max_row - min_row + 1, max_col - min_col + 1)
                for r in range(min_row - 1, max_row):
                    for c in range(min_col - 1, max_col):
                        if (r, c) != (min_row - 1, min_col - 1):
                            covered[(r, c)] = (min_row - 1, min_col - 1)
            cells: list[Cell] = []
            n_rows = n_cols = 0
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                if r >= limits.max_table_rows:
                    raise LimitExceeded(f"sheet has more than {limits.max_table_rows} rows")
                for c, value in enumerate(row[: limits.max_table_cols]):
                    text = cell_value(value)
                    if (r, c) in covered or (not text and (r, c) not in spans):
                        continue
                    rowspan, colspan = spans.get((r, c), (1, 1))
                    cells.append(Cell(text, r, c, rowspan, colspan))
                    n_rows = max(n_rows, r + rowspan)
                    n_cols = max(n_cols, c + colspan)
                total_cells += len(row)
                if total_cells > limits.max_cells * 10:
                    raise LimitExceeded(f"workbook has more than {limits.max_cells * 10} cells")
            if not cells:
                continue
            if n_rows * n_cols <= limits.max_cells:
                # Empty cells as empty text, like the other formats, so a grid position that
                # holds nothing still reads as a printed empty cell.
                taken = set(covered) | {(cell.row, cell.col) for cell in cells}
                cells += [
                    Cell("", r, c)
                    for r in range(n_rows)
                    for c in range(n_cols)
                    if (r, c) not in taken
                ]
                cells.sort(key=lambda cell: (cell.row, cell.col))
            blocks.append(Paragraph(clean_line(sheet.title)))
            blocks.append(Table(cells=tuple(cells), n_rows=n_rows, n_cols=n_cols))
    finally:
        workbook.close()
    return ExtractedDocument(format="xlsx", blocks=tuple(blocks), engine="openpyxl")
