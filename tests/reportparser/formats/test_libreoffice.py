from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from reportparser.document import Table
from reportparser.formats import ExtractionFailure, extract
from reportparser.formats.libreoffice import ConversionFailed, convert
from tests.reportparser.formats.conftest import require_soffice
from tests.reportparser.formats.test_spreadsheet import XLSX_TABLE, report_xlsx

pytestmark = pytest.mark.libreoffice


def _table(data: bytes, filename: str) -> tuple[str, str | None, Table]:
    result = extract(data, filename=filename)
    assert not isinstance(result, ExtractionFailure), result
    tables = [block for block in result.blocks if isinstance(block, Table)]
    return result.format, result.engine, tables[0]


@pytest.mark.parametrize(("filename", "fmt"), [("report.doc", "doc"), ("report.wps", "wps")])
def test_doc_and_wps_read_like_the_docx(
    report_doc_bytes: bytes, report_docx_bytes: bytes, filename: str, fmt: str
) -> None:
    expected = _table(report_docx_bytes, "report.docx")[2]
    assert _table(report_doc_bytes, filename) == (fmt, "libreoffice+docx-xml", expected)


@pytest.fixture(scope="module")
def report_xls_bytes() -> bytes:
    require_soffice()
    return convert(report_xlsx(), source_suffix=".xlsx", target="xls")


@pytest.mark.parametrize(("filename", "fmt"), [("table.xls", "xls"), ("table.et", "et")])
def test_xls_and_et_read_like_the_xlsx(report_xls_bytes: bytes, filename: str, fmt: str) -> None:
    assert report_xls_bytes.startswith(b"\xd0\xcf\x11\xe0")
    assert _table(report_xls_bytes, filename) == (fmt, "libreoffice+openpyxl", XLSX_TABLE)


def test_garbage_named_doc_never_reaches_libreoffice() -> None:
    started = time.perf_counter()
    result = extract(bytes(range(256)) * 100, filename="report.doc")
    assert time.perf_counter() - started < 1  # no soffice start-up
    assert result == ExtractionFailure("error", "unknown", "not a DOC file: no DOC signature")


def test_without_libreoffice_a_clear_result(report_doc_bytes: bytes, tmp_path: object) -> None:
    script = (
        "import sys\n"
        "from reportparser.formats import extract\n"
        "print(repr(extract(sys.stdin.buffer.read(), filename='report.wps')))\n"
    )
    env = {**os.environ, "PATH": "/nonexistent"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=report_doc_bytes,
        capture_output=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert completed.stdout.decode().strip() == repr(
        ExtractionFailure(
            "needs_libreoffice",
            "wps",
            "needs LibreOffice: install it (soffice) to read this format",
            "libreoffice",
        )
    )


def test_parallel_conversions_do_not_collide(report_docx_bytes: bytes) -> None:
    require_soffice()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda _: convert(report_docx_bytes, source_suffix=".docx", target="doc"),
                range(2),
            )
        )
    assert all(result.startswith(b"\xd0\xcf\x11\xe0") for result in results)


def test_timeout_kills_the_conversion(report_docx_bytes: bytes) -> None:
    require_soffice()
    with pytest.raises(ConversionFailed, match="timed out"):
        convert(report_docx_bytes, source_suffix=".docx", target="pdf", timeout=0.05)
