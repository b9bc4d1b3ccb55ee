"""`extract()` on hostile input: a clear result for each, in bounded time and memory."""

from __future__ import annotations

import os
import resource
import shutil
import time
from collections.abc import Iterator
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportparser.analysis import MAX_LINES, analyse
from reportparser.document import ExtractedDocument, Paragraph
from reportparser.formats import DEFAULT_LIMITS, ExtractionFailure, Limits, extract
from reportparser.formats.limits import TextBudget
from reportparser.formats.sniff import OLE_MAGIC
from tests.support.hostile import hostile_case
from tests.support.render import chrome_for, render, render_article, report_body_html
from tests.support.synth import synthesize

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "empty document"),
        ("binary-noise", "not a PDF file: no PDF signature"),
        ("docx-zip-bomb", "limit exceeded: zip declares 1089.0 MB uncompressed (limit 512.0 MB)"),
        (
            "docx-zip-bomb-lying-size",
            "broken docx document: BadZipFile: Bad CRC-32 for file 'word/document.xml'",
        ),
        (
            "pdf-50mb",
            "broken PDF: pdfium: Failed to load document (PDFium: Data format error); "
            "pdftotext: Syntax Error: Couldn't read xref table",
        ),
    ],
)
def test_broken_inputs_fail_with_a_reason(name: str, reason: str) -> None:
    case = hostile_case(name)
    started = time.perf_counter()
    result = extract(case.data, filename=case.filename)
    assert time.perf_counter() - started < 30
    assert isinstance(result, ExtractionFailure)
    assert (result.status, result.reason) == ("error", reason)


def test_zip_bomb_memory_stays_flat() -> None:
    data = hostile_case("docx-zip-bomb-lying-size").data
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    extract(data, filename="bomb.docx")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) * 1024 < 200 * MB  # ru_maxrss is in KiB on Linux


@pytest.mark.slow
def test_fifty_megabyte_page_is_read_in_linear_time() -> None:
    case = hostile_case("html-50mb")
    started = time.perf_counter()
    result = extract(case.data, filename=case.filename)
    assert time.perf_counter() - started < 30
    assert isinstance(result, ExtractedDocument)
    # 400 000 paragraphs on the page; the figure logic reads 1 000 000 characters of them.
    assert 10_000 < len(result.blocks) <= MAX_LINES
    assert TextBudget(DEFAULT_LIMITS).note() in result.notes


_UNLIMITED: Final = Limits(max_text_lines=10**9, max_text_chars=10**12)


@pytest.mark.parametrize("fmt", ["html", "txt"])
def test_text_past_the_analysis_caps_is_cut_without_changing_the_result(fmt: str) -> None:
    spec = synthesize("2021", 1)
    filler = [f"附{n}：本段为补充说明。" for n in range(MAX_LINES + 500)]
    if fmt == "html":
        body = report_body_html(spec) + "".join(f"<p>{line}</p>" for line in filler)
        data = render_article(spec.title, body, chrome_for(spec))
    else:
        data = render(spec, "txt") + "\n".join(filler).encode()
    name = f"report.{fmt}"
    cut, whole = extract(data, filename=name), extract(data, filename=name, limits=_UNLIMITED)
    assert isinstance(cut, ExtractedDocument) and isinstance(whole, ExtractedDocument)
    # Cut exactly where the analysis stops reading (the filler is short: the line cap binds).
    lines = [b.text for b in cut.blocks if isinstance(b, Paragraph) and not b.text.isspace()]
    assert len([line for line in lines if line]) == MAX_LINES
    assert len(cut.blocks) < len(whole.blocks)
    assert TextBudget(DEFAULT_LIMITS).note() in cut.notes
    assert cut.cuts == (TextBudget(DEFAULT_LIMITS).note(),)
    assert not any(note.startswith("text cut") for note in whole.notes)
    assert whole.cuts == ()
    result, unlimited = analyse(cut), analyse(whole)
    assert result.status == "report" and result.figures == spec.figures
    assert unlimited.figures == result.figures
    # Either way the reader is told that text was left unread: by the extractor or the analysis.
    assert [f.rule for f in result.findings if f.rule == "warning.truncated"] == [
        "warning.truncated"
    ]
    assert [f.rule for f in unlimited.findings if f.rule == "warning.truncated"] == [
        "warning.truncated"
    ]


def test_too_large_is_refused_before_reading() -> None:
    data = b"%PDF-1.4\n" + bytes(65 * MB)
    started = time.perf_counter()
    result = extract(data, filename="big.pdf")
    assert time.perf_counter() - started < 1
    assert result == ExtractionFailure("error", "unknown", "too large: 65.0 MB (limit 64.0 MB)")
    small = extract(b"x" * 2048, filename="a.txt", limits=Limits(max_bytes=1024))
    assert small == ExtractionFailure(
        "error", "unknown", "too large: 2048 bytes (limit 1024 bytes)"
    )


def test_double_encoded_page_is_repaired() -> None:
    case = hostile_case("double-encoded-utf8")
    result = extract(case.data, filename=case.filename)
    assert isinstance(result, ExtractedDocument)
    assert "mojibake repaired: UTF-8 text had been decoded as latin-1/cp1252" in result.notes
    assert case.spec is not None and result.title == case.spec.title


def test_gbk_page_declared_utf8_is_read() -> None:
    case = hostile_case("gbk-declared-utf8")
    result = extract(case.data, filename=case.filename, content_type="text/html")
    assert isinstance(result, ExtractedDocument)
    assert result.notes[0] == "encoding: gb18030"
    assert case.spec is not None and result.title == case.spec.title


_PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    OLE_MAGIC,
    b"<html><body>",
    b"{\\rtf1",
    b"\xef\xbb\xbf",
]


@pytest.fixture(scope="module")
def path_without_soffice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis finds the RTF and OLE markers in the sniffer's source and would start
    LibreOffice (seconds) for many examples: here only pdftotext stays on PATH."""
    bin_dir = tmp_path_factory.mktemp("bin")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        (bin_dir / "pdftotext").symlink_to(pdftotext)
    saved = os.environ["PATH"]
    os.environ["PATH"] = str(bin_dir)
    try:
        yield
    finally:
        os.environ["PATH"] = saved


@pytest.mark.usefixtures("path_without_soffice")
@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=2048))
def test_never_raises(prefix: bytes, body: bytes) -> None:
    result = extract(prefix + body)
    assert isinstance(result, ExtractedDocument | ExtractionFailure)
    if isinstance(result, ExtractionFailure):
        assert result.reason
