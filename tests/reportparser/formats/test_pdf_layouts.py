"""PDFs whose text order is not the reading order: tables drawn column by column (WPS), with and
without ruling lines.

The documents are LibreOffice's PDFs of the seeds and of all-distinct synthetic reports
(`tests.support.render`), rewritten by `tests.support.pdfedit.columns_first`: the same glyphs at
the same places, drawn one table column after another, so that both pdfium's and poppler's
plain text list a column's cells in turn, labels apart from numbers. Every figure must be read
right, or be null with a finding that says why; a wrong number is never stored.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import pypdfium2 as pdfium
import pytest

from reportparser import ParseResult, parse_bytes
from reportparser.analysis import analyse
from reportparser.document import ExtractedDocument, Paragraph
from reportparser.formats import Limits
from reportparser.formats.pdf import read_pdfium, read_pdftotext
from reportparser.formats.pdflayout import blocks as pdf_blocks
from reportparser.values import squash
from reportparser.vocabulary import REQUEST_COLUMNS
from tests.reportparser.test_roundtrip_formats import (
    figure_mismatches,
    meta_mismatches,
    report_spec,
)
from tests.support.pdfedit import columns_first
from tests.support.render import render
from tests.support.spec import SEED_NAMES

REPORTS: Final = (*SEED_NAMES, "synthetic-2019-1", "synthetic-2021-3")
# Findings that tell a reader why printed cells are null.
_EXPLAINING: Final = (
    "warning.unconfirmed_table",
    "warning.lost_cells",
    "warning.unreadable_row",
    "warning.missing_rows",
    "warning.missing_section",
)


@cache
def column_first_pdf(name: str, rules: bool) -> bytes:
    return columns_first(render(report_spec(name), "pdf"), rules=rules)


def _wrong_values(name: str, result: ParseResult) -> tuple[list[str], list[str]]:
    """(figures stored with a wrong value, printed figures left null or absent)."""
    spec = report_spec(name)
    wrong: list[str] = []
    missing: list[str] = []
    for problem in figure_mismatches(name, spec, result.figures):
        key = problem.split("=", 1)[0]
        got = result.figures.get(key)
        (missing if got is None else wrong).append(problem)
    return wrong, missing


def _explained(key_problem: str, result: ParseResult) -> bool:
    key = key_problem.split("=", 1)[0]
    section, row, _column = key.split(".")
    messages = [f.message for f in result.findings if f.rule in _EXPLAINING]
    words = (f"{section}.{row}", row, f"{section}:", _SECTION_WORDS[section])
    return any(word in message for message in messages for word in words)


_SECTION_WORDS: Final = {"active": "section 二", "requests": "section 三", "appeals": "section 四"}


def _cases() -> list[object]:
    return [
        pytest.param(
            name,
            rules,
            id=f"{'ruled' if rules else 'borderless'}-{name}",
            marks=[pytest.mark.libreoffice, pytest.mark.xdist_group(f"render-{name}")],
        )
        for name in REPORTS
        for rules in (True, False)
    ]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("name", "rules"), _cases())
def test_tables_drawn_column_by_column_never_give_a_wrong_number(name: str, rules: bool) -> None:
    spec = report_spec(name)
    result = parse_bytes(column_first_pdf(name, rules), filename=f"{name}.pdf")

    assert result.status == "report", result.reason
    assert meta_mismatches(spec, result) == []
    wrong, missing = _wrong_values(name, result)
    assert wrong == [], f"{len(wrong)} wrong values stored: {wrong[:8]}"
    if rules or not spec.expected_findings:
        # Ruled tables are read from their grid, borderless ones from the text's positions:
        # either way every cell of a consistent report is read.
        assert missing == []
        assert sorted({f.rule for f in result.hard_findings}) == sorted(spec.expected_findings)
    else:
        # A borderless table the rules reject (helan's printed totals do not add up) cannot
        # be confirmed: its cells are null, and a finding says so.
        assert all(_explained(problem, result) for problem in missing), missing[:8]
        assert "warning.unconfirmed_table" in {f.rule for f in result.findings}
        assert result.hard_findings == ()


def _drawing_order_text(data: bytes) -> list[str]:
    """pdfium's plain text: the characters in the order they were drawn."""
    document = pdfium.PdfDocument(data)
    try:
        return [
            line for page in document for line in page.get_textpage().get_text_range().splitlines()
        ]
    finally:
        document.close()


@pytest.mark.libreoffice
@pytest.mark.xdist_group("render-yanchi-2020-county")
def test_a_layout_guess_the_rules_cannot_confirm_is_left_null() -> None:
    """The text in drawing order pairs labels with the wrong numbers (the shape of the issue:
    zeros read as 5, 3, 8); taken as a layout guess, the rules do not confirm the table."""
    name = "yanchi-2020-county"
    lines = _drawing_order_text(column_first_pdf(name, False))
    blocks = tuple(Paragraph(line) for line in lines if line.strip())

    trusted = analyse(ExtractedDocument(format="pdf", blocks=blocks))
    assert _wrong_values(name, trusted)[0] != []  # what a text order alone gives

    guessed = analyse(ExtractedDocument(format="pdf", blocks=blocks, layout_text=True))
    wrong, missing = _wrong_values(name, guessed)
    assert wrong == []
    assert any(key.startswith("requests.") for key in missing)
    assert all(_explained(problem, guessed) for problem in missing), missing[:8]
    assert "warning.unconfirmed_table" in {f.rule for f in guessed.findings}


def _lines(paragraphs: list[str]) -> list[str]:
    return [squash(text) for text in paragraphs]


@pytest.mark.libreoffice
@pytest.mark.xdist_group("render-synthetic-2021-3")
@pytest.mark.parametrize("engine", ["pdfium", "pdftotext"])
def test_borderless_column_first_table_reads_as_rows_in_both_engines(engine: str) -> None:
    data = column_first_pdf("synthetic-2021-3", False)
    spec = report_spec("synthetic-2021-3")
    limits = Limits()
    result = read_pdfium(data, limits) if engine == "pdfium" else read_pdftotext(data, limits, {})
    lines = _lines([b.text for b in pdf_blocks(result) if isinstance(b, Paragraph)])
    row = next(line for line in lines if line.startswith("一、本年新收"))
    assert row == "一、本年新收政府信息公开申请数量" + "".join(
        spec.cell_text(f"requests.new.{c}") for c in REQUEST_COLUMNS
    )
    licensing = next(line for line in lines if line.startswith("行政许可"))
    assert licensing == "行政许可" + spec.cell_text("active.licensing.decisions")
