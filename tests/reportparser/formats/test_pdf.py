from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from reportparser.document import Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats import ExtractionFailure, Limits, extract
from reportparser.formats.libreoffice import convert
from reportparser.formats.pdf import read_pdfium, read_pdftotext
from reportparser.formats.pdflayout import Segments, cell_text, find_grids, join_lines
from reportparser.formats.pdflayout import blocks as pdf_blocks
from tests.reportparser.formats.conftest import FIXTURES, docx_bytes, require_soffice


def minimal_pdf(pages: list[str], rotate: int = 0) -> bytes:
    """A PDF written by hand: one page per content stream, Helvetica, a correct xref."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page object numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for content in pages:
        stream = content.encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate %d "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (rotate, len(objects))
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _text_page(text: str) -> str:
    return f"BT /F1 12 Tf 72 750 Td ({text}) Tj ET"


def _document(data: bytes, **kwargs: object) -> ExtractedDocument:
    result = extract(data, filename="P020210128.pdf", **kwargs)  # type: ignore[arg-type]
    assert not isinstance(result, ExtractionFailure), result
    return result


def test_libreoffice_pdf_keeps_empty_cells_and_spans(report_pdf_bytes: bytes) -> None:
    document = _document(report_pdf_bytes)
    assert document.engine == "pdfium"
    assert document.blocks[:2] == (
        Paragraph("盐池县 2021 年政府信息公开工作年度报告"),
        Paragraph("二、主动公开政府信息情况"),
    )
    table = document.blocks[2]
    assert isinstance(table, Table)
    assert table.cells == (
        Cell("第二十条第（一）项", 0, 0, 1, 4),
        Cell("信息内容", 1, 0),
        Cell("本年制发件数", 1, 1),
        Cell("本年废止件数", 1, 2),
        Cell("现行有效件数", 1, 3),
        Cell("规章", 2, 0),
        Cell("3", 2, 1),
        Cell("", 2, 2),  # empty, and still its own column: 17 stays under 现行有效件数
        Cell("17", 2, 3),
        Cell("行政许可", 3, 0, 2, 1),
        Cell("本年处理决定数量", 3, 1, 1, 3),
        Cell("1234", 4, 1, 1, 3),
    )
    assert document.blocks[3] == Paragraph("三、收到和处理政府信息公开申请情况")
    assert document.notes[0].startswith("pdfium text quality:")


def test_encrypted_with_empty_user_password_opens(report_docx_bytes: bytes) -> None:
    require_soffice()
    options = (
        '{"EncryptFile":{"type":"boolean","value":"true"},'
        '"PermissionPassword":{"type":"string","value":"owner-secret"},'
        '"RestrictPermissions":{"type":"boolean","value":"true"}}'
    )
    data = convert(report_docx_bytes, source_suffix=".docx", target="pdf", filter_options=options)
    assert b"/Encrypt" in data
    document = _document(data)
    assert document.blocks[1] == Paragraph("二、主动公开政府信息情况")


def test_password_protected_pdf_is_a_clear_failure(report_docx_bytes: bytes) -> None:
    require_soffice()
    options = (
        '{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"user-secret"}}'
    )
    data = convert(report_docx_bytes, source_suffix=".docx", target="pdf", filter_options=options)
    result = extract(data, filename="a.pdf")
    assert result == ExtractionFailure(
        "error", "pdf", "password-protected PDF: cannot be opened", "pdfium"
    )


def test_fonts_without_tounicode_need_ocr() -> None:
    # fixtures/no-tounicode.pdf: LibreOffice 7.4's PDF export of a DOCX (python-docx: the
    # title 盐池县2020年政府信息公开工作年度报告, one sentence, a 2x3 table), then every
    # "/ToUnicode N 0 R" overwritten with as many spaces, which keeps every xref offset valid.
    # Without the map the subset CID fonts decode to glyph ids: control characters in pdfium,
    # "/01 23 4 56" in pdftotext.
    data = (FIXTURES / "no-tounicode.pdf").read_bytes()
    assert b"/ToUnicode" not in data
    result = extract(data, filename="a.pdf")
    assert isinstance(result, ExtractionFailure)
    assert result.status == "needs_ocr"
    assert result.reason.startswith("text layer unreadable in every engine")
    assert "pdfium text quality" in result.reason and "pdftotext text quality" in result.reason


def test_pages_without_text_need_ocr() -> None:
    data = minimal_pdf(["0 0 1 rg 100 100 200 200 re f"] * 3)
    result = extract(data, filename="scan.pdf")
    assert result == ExtractionFailure(
        "needs_ocr", "pdf", "no text layer on 3 page(s): scanned images need OCR", "pdfium"
    )


def test_pages_without_text_among_text_pages_are_noted() -> None:
    pages = [_text_page("Annual report on government information disclosure"), ""]
    document = _document(minimal_pdf(pages * 2))
    assert "2 of 4 pages have no text layer (scanned?)" in document.notes


def test_page_cap_reads_the_first_pages_and_says_so() -> None:
    data = minimal_pdf([_text_page(f"Annual report page {n}") for n in range(2000)])
    started = time.perf_counter()
    document = _document(data, limits=Limits(max_pdf_pages=50))
    assert time.perf_counter() - started < 20
    assert document.blocks[0] == Paragraph("Annual report page 0")
    assert document.blocks[-1] == Paragraph("Annual report page 49")
    assert "only the first 50 of 2000 pages were read" in document.notes
    assert document.cuts == ("only the first 50 of 2000 pages were read",)


def test_text_beyond_the_page_cap_is_not_called_a_scan() -> None:
    # Blank cover pages (a picture each) up to the cap, the report after it: the pages read
    # have no text, but that says nothing about a scan; the message names the cap.
    blank = "0 0 1 rg 100 100 200 200 re f"
    data = minimal_pdf([blank] * 4 + [_text_page(f"Annual report page {n}") for n in range(4)])
    result = extract(data, filename="a.pdf", limits=Limits(max_pdf_pages=3))
    assert isinstance(result, ExtractionFailure)
    assert "scanned" not in result.reason and "OCR" not in result.reason
    assert result.status == "error"
    assert "only the first 3 of 8 pages were read" in result.reason


def test_truncated_pdf_gives_a_clear_result(report_pdf_bytes: bytes) -> None:
    for cut in (0.1, 0.5, 0.9):
        result = extract(report_pdf_bytes[: int(len(report_pdf_bytes) * cut)], filename="a.pdf")
        if isinstance(result, ExtractionFailure):
            assert result.status in {"error", "needs_ocr"} and result.reason
        else:
            assert result.format == "pdf"


def test_not_a_pdf_after_the_header() -> None:
    result = extract(b"%PDF-1.4\n" + bytes(range(256)) * 40, filename="a.pdf")
    assert isinstance(result, ExtractionFailure)
    assert result.status == "error"
    assert result.format == "pdf"


def _grid_cells(segments: Segments) -> list[tuple[int, int, int, int]]:
    (grid,) = find_grids(segments, 0)
    return grid.spans


def test_grid_from_pieces_with_a_merged_cell() -> None:
    segments = Segments()
    # Word draws every cell border separately: a 2x3 table whose first row is one cell.
    for y in (100.0, 120.0, 140.0):
        for x0, x1 in ((50.0, 100.0), (100.0, 150.0), (150.0, 200.0)):
            segments.add_box(x0, y - 0.25, x1, y + 0.25, outline=False)
    for x in (50.0, 100.0, 150.0, 200.0):
        segments.add_box(x - 0.25, 100.0, x + 0.25, 120.0, outline=False)
    for x in (50.0, 200.0):
        segments.add_box(x - 0.25, 120.0, x + 0.25, 140.0, outline=False)
    assert _grid_cells(segments) == [(0, 0, 1, 3), (1, 0, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]


def test_stroked_rectangles_are_cell_borders() -> None:
    segments = Segments()
    for x0 in (50.0, 100.0):
        for y0 in (100.0, 120.0):
            segments.add_box(x0, y0, x0 + 50.0, y0 + 20.0, outline=True)
    assert _grid_cells(segments) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]
    shading = Segments()
    shading.add_box(50.0, 100.0, 150.0, 140.0, outline=False)  # a filled box is no rule
    assert find_grids(shading, 0) == []


def test_cell_text_lines() -> None:
    def char(text: str, x: float, y: float, height: float = 10.0) -> tuple[float, ...]:
        return (y + height / 2, x, y, y + height, text)  # type: ignore[return-value]

    chars = [
        char("-", 10, 104, 1),  # a minus sign: short, in the middle of the digits' height
        char("7", 14, 100),
        char("1", 20, 100),
        char("本", 10, 80),
        char("年", 20, 80),
        char("新", 10, 60),
    ]
    assert cell_text(chars) == "-71 本年新"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (["本年新收政府信息公开申请数", "量"], "本年新收政府信息公开申请数量"),
        (["（一）", "予以公开"], "（一）予以公开"),
        (["合计", "123"], "合计 123"),
        (["12", "345"], "12345"),
        (["2.5", "万元"], "2.5 万元"),
        (["", " a "], "a"),
    ],
)
def test_join_lines(lines: list[str], text: str) -> None:
    assert join_lines(lines) == text


_CELLS = (
    "BT /F1 10 Tf 72 750 Td (Report) Tj ET "
    "BT /F1 10 Tf 60 685 Td (Licences) Tj ET "
    "BT /F1 10 Tf 60 665 Td (Penalties) Tj ET BT /F1 10 Tf 160 665 Td (42) Tj ET "
    "BT /F1 10 Tf 72 600 Td (Closing words of the annual report) Tj ET"
)
_EXPECTED_TABLE = Table(
    cells=(Cell("Licences", 0, 0), Cell("", 0, 1), Cell("Penalties", 1, 0), Cell("42", 1, 1)),
    n_rows=2,
    n_cols=2,
)


@pytest.mark.parametrize(
    "rules",
    [
        # WPS style: the whole grid as one stroked path.
        "1 w 50 700 m 250 700 l 50 680 m 250 680 l 50 660 m 250 660 l "
        "50 700 m 50 660 l 150 700 m 150 660 l 250 700 m 250 660 l S",
        # Thin filled rectangles, all in one path.
        "0 g 50 699.5 200 1 re 50 679.5 200 1 re 50 659.5 200 1 re "
        "49.5 660 1 40 re 149.5 660 1 40 re 249.5 660 1 40 re f",
        # One rectangle per cell, stroked, inside a scaled coordinate system.
        "q 2 0 0 2 0 0 cm 0.5 w 25 340 50 10 re 75 340 50 10 re 25 330 50 10 re "
        "75 330 50 10 re S Q",
    ],
    ids=["one-stroked-path", "filled-rectangles", "stroked-cells-scaled"],
)
def test_rules_drawn_in_any_way_make_the_same_table(rules: str) -> None:
    document = _document(minimal_pdf([f"{rules} {_CELLS}"]))
    assert document.blocks == (
        Paragraph("Report"),
        _EXPECTED_TABLE,
        Paragraph("Closing words of the annual report"),
    )


def test_pdftotext_words_land_on_the_same_grid(report_pdf_bytes: bytes) -> None:
    # The fallback engine's words are placed on pdfium's ruling-line grid: same table.
    primary = read_pdfium(report_pdf_bytes, Limits())
    from_pdfium = pdf_blocks(primary)
    grids = {page.number: page.grids for page in primary.pages}
    from_poppler = pdf_blocks(read_pdftotext(report_pdf_bytes, Limits(), grids))
    assert from_poppler == from_pdfium
    assert isinstance(from_poppler[2], Table)


def test_landscape_page_printed_rotated() -> None:
    # A landscape page as "print to PDF" makes it: portrait user space, content turned by a
    # quarter, /Rotate 90 to show it upright. Rows must still run across.
    shown = (
        "1 w 50 500 m 250 500 l 50 480 m 250 480 l 50 460 m 250 460 l "
        "50 500 m 50 460 l 150 500 m 150 460 l 250 500 m 250 460 l S "
        "BT /F1 10 Tf 72 550 Td (Report) Tj ET "
        "BT /F1 10 Tf 60 485 Td (Licences) Tj ET "
        "BT /F1 10 Tf 60 465 Td (Penalties) Tj ET BT /F1 10 Tf 160 465 Td (42) Tj ET "
        "BT /F1 10 Tf 72 400 Td (Closing words of the annual report) Tj ET"
    )
    document = _document(minimal_pdf([f"q 0 1 -1 0 595 0 cm {shown} Q"], rotate=90))
    assert document.blocks == (
        Paragraph("Report"),
        _EXPECTED_TABLE,
        Paragraph("Closing words of the annual report"),
    )


def test_table_over_a_page_break_with_repeated_header() -> None:
    require_soffice()

    def build(document: DocxDocument) -> None:
        document.add_paragraph("三、收到和处理政府信息公开申请情况")
        table = document.add_table(rows=61, cols=3)
        table.style = "Table Grid"
        header = table.rows[0]._tr.get_or_add_trPr()
        header.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))  # repeat on every page
        for col, label in enumerate(("情况", "自然人", "总计")):
            table.cell(0, col).text = label
        for row in range(1, 61):
            table.cell(row, 0).text = f"第{row}项"
            table.cell(row, 1).text = "" if row == 45 else str(row * 3)
            table.cell(row, 2).text = str(row * 7)
        document.add_paragraph("四、行政复议")

    data = convert(docx_bytes(build), source_suffix=".docx", target="pdf")
    document = _document(data)
    (table,) = [block for block in document.blocks if isinstance(block, Table)]
    assert (table.n_rows, table.n_cols) == (61, 3)
    # pdfium spaces hanzi from digits in another font ("第 1 项"), as pdftotext does.
    grid = [[cell.text.replace(" ", "") if cell else None for cell in row] for row in table.grid()]
    assert grid[0] == ["情况", "自然人", "总计"]
    assert grid[1:] == [
        [f"第{row}项", "" if row == 45 else str(row * 3), str(row * 7)] for row in range(1, 61)
    ]
    assert document.blocks[-1] == Paragraph("四、行政复议")


def test_threads_share_pdfium_safely(report_pdf_bytes: bytes) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: extract(report_pdf_bytes), range(16)))
    assert len({result.blocks for result in results if isinstance(result, ExtractedDocument)}) == 1
