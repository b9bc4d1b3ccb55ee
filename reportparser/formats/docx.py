"""DOCX: body-order paragraphs and tables from `word/document.xml`, merged cells as spans.

Read with lxml rather than python-docx: the reader needs content controls (`w:sdt`), nested
tables, text boxes and tracked changes handled in document order, and a guarded read of the
XML part (a DOCX is a zip: the bomb checks of `limits` run before anything is inflated).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Final

from lxml import etree

from reportparser.document import Block, Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats.limits import LimitExceeded, Limits, check_zip, read_member
from reportparser.formats.text import clean_line, measure

W: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC: Final = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT, _CUSTOM_XML = (
    f"{{{W}}}{name}" for name in ("p", "tbl", "tr", "tc", "sdt", "sdtContent", "customXml")
)
_T, _TAB, _BR, _CR, _NB_HYPHEN = (
    f"{{{W}}}{name}" for name in ("t", "tab", "br", "cr", "noBreakHyphen")
)
_TXBX = f"{{{W}}}txbxContent"
# Subtrees whose text is not part of what the document shows: deleted revisions, field codes,
# properties, and the VML fallback that duplicates every text box.
_SKIP: Final = frozenset(
    {
        f"{{{W}}}del",
        f"{{{W}}}instrText",
        f"{{{W}}}delText",
        f"{{{W}}}rPr",
        f"{{{W}}}pPr",
        f"{{{W}}}footnoteReference",
        f"{{{W}}}endnoteReference",
        f"{{{MC}}}Fallback",
    }
)
# The timestamp python-docx's default template carries: not a date of the report.
_TEMPLATE_DATES: Final = frozenset({dt.date(2013, 12, 23)})

_SLIVER_TWIPS: Final = 30  # 1.5 pt

_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


@dataclass(slots=True)
class _Cell:
    blocks: list[Block]
    row: int
    col: int
    rowspan: int
    colspan: int


class _Reader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cells = 0

    def blocks(self, container: etree._Element) -> list[Block]:
        """Body-level content of `container` (body, cell, text box, content control)."""
        out: list[Block] = []
        for child in container:
            tag = child.tag
            if tag == _P:
                out.extend(self.paragraph(child))
            elif tag == _TBL:
                out.extend(self.table(child))
            elif tag in (_SDT, _CUSTOM_XML):
                content = child.find(_SDT_CONTENT) if tag == _SDT else child
                if content is not None:
                    out.extend(self.blocks(content))
        return out

    def paragraph(self, p: etree._Element) -> list[Block]:
        parts: list[str] = []
        boxes: list[Block] = []
        walker = etree.iterwalk(p, events=("start",))
        for _, element in walker:
            tag = element.tag
            if tag in _SKIP:
                walker.skip_subtree()
            elif tag == _T:
                parts.append(element.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _NB_HYPHEN:
                parts.append("-")
            elif tag == _TXBX:
                boxes.extend(self.blocks(element))
                walker.skip_subtree()
        lines = [clean_line(line) for line in "".join(parts).split("\n")]
        out: list[Block] = [Paragraph(line) for line in lines if line]
        return out + boxes

    def table(self, tbl: etree._Element) -> list[Block]:
        rows = _children(tbl, _TR)
        row_cells = [_children(row, _TC) for row in rows]
        if len(rows) > self.limits.max_table_rows:
            raise LimitExceeded(f"table has {len(rows)} rows (limit {self.limits.max_table_rows})")
        # A table whose cells hold tables is a layout frame: read its cells as containers.
        nested = any(tc.find(f".//{_TBL}") is not None for cells in row_cells for tc in cells)
        if nested or sum(len(cells) for cells in row_cells) <= 1:
            return [block for cells in row_cells for tc in cells for block in self.blocks(tc)]
        placed: list[_Cell] = []
        owner: dict[int, _Cell] = {}  # grid column -> the cell covering it in the previous row
        max_cols = self.limits.max_table_cols
        for r, (row, cells) in enumerate(zip(rows, row_cells, strict=True)):
            col = _int_val(row.find(f"{{{W}}}trPr/{{{W}}}gridBefore"), 0)
            current: dict[int, _Cell] = {}
            for tc in cells:
                if col >= max_cols:
                    break
                props = tc.find(f"{{{W}}}tcPr")
                span = _int_val(_find(props, "gridSpan"), 1)
                span = max(1, min(span, max_cols - col))
                v_merge = _find(props, "vMerge")
                above = owner.get(col)
                if (
                    v_merge is not None
                    and v_merge.get(f"{{{W}}}val", "continue") == "continue"
                    and above is not None
                    and above.col == col
                ):
                    above.rowspan = r - above.row + 1
                    cell = above
                else:
                    cell = _Cell(self.cell_blocks(tc), r, col, 1, span)
                    placed.append(cell)
                for c in range(col, col + span):
                    current[c] = cell
                col += span
            owner = current
        self.cells += len(placed)
        if self.cells > self.limits.max_cells:
            raise LimitExceeded(f"more than {self.limits.max_cells} table cells")
        if not placed:
            return []
        edge = _grid_edges(tbl, max(cell.col + cell.colspan for cell in placed))
        for cell in placed:
            start, stop = edge[cell.col], edge[cell.col + cell.colspan]
            cell.col, cell.colspan = start, max(stop - start, 1)
        n_cols = max(cell.col + cell.colspan for cell in placed)
        table = Table(
            cells=tuple(
                Cell(_cell_text(c.blocks), c.row, c.col, c.rowspan, c.colspan) for c in placed
            ),
            n_rows=len(rows),
            n_cols=n_cols,
        )
        return [table]

    def cell_blocks(self, tc: etree._Element) -> list[Block]:
        return self.blocks(tc)


def _grid_edges(tbl: etree._Element, n_cols: int) -> list[int]:
    """Grid column edge -> table column edge, folding sliver columns into their neighbours.

    Word and LibreOffice add grid columns a few twips wide where the rows' cell borders almost
    line up; such a sliver is not a column of the printed table (w:gridCol widths, in twips).
    """
    widths: list[int] = []
    for column in tbl.iterfind(f"{{{W}}}tblGrid/{{{W}}}gridCol"):
        match = re.match(r"\d+", column.get(f"{{{W}}}w") or "")
        widths.append(int(match.group()) if match else 0)
    if len(widths) < n_cols or not all(widths[:n_cols]):
        return list(range(n_cols + 1))
    positions = [0]
    for width in widths[:n_cols]:
        positions.append(positions[-1] + width)
    edges = [0]
    for k in range(1, n_cols + 1):
        close = positions[k] - positions[k - 1] < _SLIVER_TWIPS and 1 < k < n_cols
        edges.append(edges[-1] if close else edges[-1] + 1)
    return edges


def _cell_text(blocks: list[Block]) -> str:
    return "\n".join(block.text for block in blocks if isinstance(block, Paragraph))


def _children(element: etree._Element, tag: str) -> list[etree._Element]:
    """Direct children with `tag`, looking through content controls and custom XML."""
    out: list[etree._Element] = []
    for child in element:
        if child.tag == tag:
            out.append(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                out.extend(_children(content, tag))
        elif child.tag == _CUSTOM_XML:
            out.extend(_children(child, tag))
    return out


def _find(props: etree._Element | None, name: str) -> etree._Element | None:
    return None if props is None else props.find(f"{{{W}}}{name}")


def _int_val(element: etree._Element | None, default: int) -> int:
    if element is None:
        return default
    match = re.match(r"\d+", element.get(f"{{{W}}}val") or "")
    return int(match.group()) if match else default


_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_PLACEHOLDER_TITLES: Final = re.compile(r"^(?:文档|新建|document|untitled|microsoft word)", re.I)


def core_properties(
    archive: zipfile.ZipFile, limits: Limits
) -> tuple[str | None, dt.date | None, list[str]]:
    """Title and creation date from docProps/core.xml, when they look like the report's own."""
    if "docProps/core.xml" not in archive.namelist():
        return None, None, []
    root = etree.fromstring(read_member(archive, "docProps/core.xml", limits), _PARSER)
    notes: list[str] = []
    title = clean_line(root.findtext(f"{{{_DC}}}title") or "")
    if title:
        notes.append(f"core title: {title}")
    if not title or measure(title).hanzi < 4 or _PLACEHOLDER_TITLES.match(title):
        title = ""
    created: dt.date | None = None
    for name in ("created", "modified"):
        value = (root.findtext(f"{{{_DCTERMS}}}{name}") or "").strip()
        if not value:
            continue
        notes.append(f"core {name}: {value}")
        try:
            date = dt.date.fromisoformat(value[:10])
        except ValueError:
            continue
        if (
            name == "created"
            and date not in _TEMPLATE_DATES
            and date.year >= 2000
            and date <= dt.date.today()
        ):
            created = date
    return title or None, created, notes


# The only parts inflated (lower case): media, styles, headers are never read.
_READ_PARTS: Final = frozenset({"word/document.xml", "docprops/core.xml"})


def extract_docx(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_zip(archive, limits, reads=lambda name: name.lower() in _READ_PARTS)
        names = {name.lower(): name for name in archive.namelist()}
        body_xml = read_member(archive, names["word/document.xml"], limits)
        title, created, notes = core_properties(archive, limits)
    root = etree.fromstring(body_xml, _PARSER)
    body = root.find(f"{{{W}}}body")
    reader = _Reader(limits)
    blocks = reader.blocks(body) if body is not None else []
    quality = measure("\n".join(b.text for b in blocks if isinstance(b, Paragraph)))
    return ExtractedDocument(
        format="docx",
        blocks=tuple(blocks),
        title=title,
        published_at=created,
        engine="docx-xml",
        notes=(quality.note(), *notes),
    )
