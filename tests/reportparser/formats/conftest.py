"""Real documents for the extractor tests, made with python-docx, openpyxl and LibreOffice."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument

from reportparser.formats.libreoffice import convert

FIXTURES = Path(__file__).parent / "fixtures"


def require_soffice() -> None:
    """Skip without LibreOffice, except in CI (scripts/test), where its absence is a failure."""
    if shutil.which("soffice") is None:
        if os.environ.get("OGI_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice (soffice) is required here but not on PATH")
        pytest.skip("LibreOffice (soffice) is not installed")


def docx_bytes(build: Callable[[DocxDocument], None]) -> bytes:
    document = Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def report_docx(document: DocxDocument) -> None:
    """A small report: a heading, prose, and a ruled table with merges and an empty cell."""
    document.add_paragraph("盐池县2021年政府信息公开工作年度报告")
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=5, cols=4)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(0, 3)).text = "第二十条第（一）项"
    for col, label in enumerate(("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")):
        table.cell(1, col).text = label
    for col, value in enumerate(("规章", "3", "", "17")):
        table.cell(2, col).text = value
    table.cell(3, 0).merge(table.cell(4, 0)).text = "行政许可"
    table.cell(3, 1).merge(table.cell(3, 3)).text = "本年处理决定数量"
    table.cell(4, 1).merge(table.cell(4, 3)).text = "1234"
    document.add_paragraph("三、收到和处理政府信息公开申请情况")


@pytest.fixture(scope="session")
def report_docx_bytes() -> bytes:
    return docx_bytes(report_docx)


@pytest.fixture(scope="session")
def report_pdf_bytes(report_docx_bytes: bytes) -> bytes:
    require_soffice()
    return convert(report_docx_bytes, source_suffix=".docx", target="pdf")


@pytest.fixture(scope="session")
def report_doc_bytes(report_docx_bytes: bytes) -> bytes:
    require_soffice()
    return convert(report_docx_bytes, source_suffix=".docx", target="doc")
