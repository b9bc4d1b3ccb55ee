from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx.document import Document as DocxDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import _Cell
from PIL import Image

from reportparser.document import Cell, ExtractedDocument, Paragraph, Table
from reportparser.formats import ExtractionFailure, extract
from tests.reportparser.formats.conftest import docx_bytes


def _document(data: bytes) -> ExtractedDocument:
    result = extract(data, filename="report.docx")
    assert not isinstance(result, ExtractionFailure), result
    return result


def test_report_docx(report_docx_bytes: bytes) -> None:
    document = _document(report_docx_bytes)
    assert (document.format, document.engine) == ("docx", "docx-xml")
    assert document.blocks[:2] == (
        Paragraph("盐池县2021年政府信息公开工作年度报告"),
        Paragraph("二、主动公开政府信息情况"),
    )
    assert document.blocks[2] == Table(
        cells=(
            Cell("第二十条第（一）项", 0, 0, 1, 4),
            Cell("信息内容", 1, 0),
            Cell("本年制发件数", 1, 1),
            Cell("本年废止件数", 1, 2),
            Cell("现行有效件数", 1, 3),
            Cell("规章", 2, 0),
            Cell("3", 2, 1),
            Cell("", 2, 2),
            Cell("17", 2, 3),
            Cell("行政许可", 3, 0, 2, 1),
            Cell("本年处理决定数量", 3, 1, 1, 3),
            Cell("1234", 4, 1, 1, 3),
        ),
        n_rows=5,
        n_cols=4,
    )
    # python-docx's template carries a 2013 creation date: not the report's.
    assert document.published_at is None
    assert any(note.startswith("core created: 2013-12-23") for note in document.notes)


def _body_xml(document: DocxDocument, xml: str) -> None:
    document.element.body.insert(0, parse_xml(xml))


def test_content_controls_breaks_deletions_and_fields() -> None:
    def build(document: DocxDocument) -> None:
        _body_xml(
            document,
            f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent>"
            "<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p></w:sdtContent></w:sdt>",
        )
        paragraph = document.add_paragraph("第一行")
        run = paragraph.add_run()
        run.add_break()
        paragraph.add_run("第二行")
        paragraph._p.append(
            parse_xml(
                f"<w:del {nsdecls('w')} w:id='1' w:author='a' w:date='2021-01-01T00:00:00Z'>"
                "<w:r><w:delText>删掉的</w:delText></w:r></w:del>"
            )
        )
        paragraph._p.append(
            parse_xml(f"<w:r {nsdecls('w')}><w:instrText> PAGE </w:instrText></w:r>")
        )

    document = _document(docx_bytes(build))
    assert document.blocks == (
        Paragraph("一、总体情况"),
        Paragraph("第一行"),
        Paragraph("第二行"),
    )


def test_nested_table_in_a_layout_frame() -> None:
    def build(document: DocxDocument) -> None:
        frame = document.add_table(rows=1, cols=1)
        cell = frame.cell(0, 0)
        cell.paragraphs[0].text = "（三）行政复议"
        inner = cell.add_table(rows=2, cols=2)
        inner.cell(0, 0).text = "结果维持"
        inner.cell(0, 1).text = "总计"
        inner.cell(1, 0).text = "0"
        inner.cell(1, 1).text = "1"

    document = _document(docx_bytes(build))
    assert document.blocks[0] == Paragraph("（三）行政复议")
    table = document.blocks[1]
    assert isinstance(table, Table)
    assert [c.text for c in table.cells] == ["结果维持", "总计", "0", "1"]


def test_cell_paragraphs_and_grid_before() -> None:
    def build(document: DocxDocument) -> None:
        table = document.add_table(rows=2, cols=3)
        table.cell(0, 0).text = "信息内容"
        table.cell(0, 0).add_paragraph("（单位：件）")
        table.cell(0, 1).text = "a"
        table.cell(0, 2).text = "b"
        row = table.rows[1]._tr
        # The second row starts one grid column in (w:gridBefore) and has two cells.
        row.insert(0, parse_xml(f"<w:trPr {nsdecls('w')}><w:gridBefore w:val='1'/></w:trPr>"))
        row.remove(row.tc_lst[0])
        _Cell(row.tc_lst[0], table).text = "5"

    table = _document(docx_bytes(build)).blocks[0]
    assert isinstance(table, Table)
    assert table.cells[0] == Cell("信息内容\n（单位：件）", 0, 0)
    assert [(c.text, c.row, c.col) for c in table.cells[3:]] == [("5", 1, 1), ("", 1, 2)]


def test_core_properties_when_plausible() -> None:
    def build(document: DocxDocument) -> None:
        document.add_paragraph("正文")
        document.core_properties.title = "泾源县2021年政府信息公开工作年度报告"
        document.core_properties.created = dt.datetime(2022, 1, 20, 8, 0)

    document = _document(docx_bytes(build))
    assert document.title == "泾源县2021年政府信息公开工作年度报告"
    assert document.published_at == dt.date(2022, 1, 20)

    def placeholder(document: DocxDocument) -> None:
        document.add_paragraph("正文")
        document.core_properties.title = "Microsoft Word - 文档1"

    assert _document(docx_bytes(placeholder)).title is None


def test_zip_bomb_is_refused_from_the_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (64 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    result = extract(data, filename="bomb.docx")
    assert isinstance(result, ExtractionFailure)
    assert result.reason.startswith("limit exceeded: zip member 'word/document.xml' expands")
    assert "a zip bomb" in result.reason


def blank_bitmap(width: int = 3000, height: int = 3000) -> bytes:
    """A white 24-bit BMP (27 MB, deflating some 1000-fold), as scanners and Word paste them."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="BMP")
    return out.getvalue()


def test_a_large_blank_image_is_no_zip_bomb() -> None:
    # The whole archive was judged: the bitmap's ratio refused a real report as "a zip bomb".
    picture = blank_bitmap()

    def with_picture(document: DocxDocument) -> None:
        document.add_paragraph("盐池县2022年政府信息公开工作年度报告")
        document.add_picture(io.BytesIO(picture))
        document.add_paragraph("一、总体情况")

    data = docx_bytes(with_picture)
    media = [i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if "media" in i.filename]
    assert media and media[0].file_size / media[0].compress_size > 200

    document = _document(data)

    assert [b.text for b in document.blocks if isinstance(b, Paragraph)] == [
        "盐池县2022年政府信息公开工作年度报告",
        "一、总体情况",
    ]
