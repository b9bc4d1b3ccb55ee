"""Every format of the same report extracts to the same tables, cell for cell.

The reports (the four seeds and synthetic reports whose every cell differs) are rendered by
`tests.support.render` with real tools; each table of the extraction must have the grid of the
layout the renderer printed: same positions, same spans, same text (whitespace aside). This
checks the format layer on its own; `tests/reportparser/test_roundtrip_formats.py` checks the
figures of the whole parse.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

import pytest

from reportparser.document import ExtractedDocument, Paragraph, Table
from reportparser.formats import ExtractionFailure, extract
from tests.reportparser.formats.conftest import require_soffice
from tests.support.layout import LayoutTable, TextBlock, report_layout
from tests.support.render import filename, render
from tests.support.spec import SEED_NAMES, ReportSpec, seed_spec
from tests.support.synth import synthesize

REPORTS: Final = (
    *SEED_NAMES,
    *(f"synthetic-{t}-{seed}" for t in ("2019", "2021") for seed in (1, 2, 3)),
)
_WS: Final = re.compile(r"\s+")


@cache
def report_spec(name: str) -> ReportSpec:
    if name.startswith("synthetic-"):
        _, template, seed = name.split("-")
        return synthesize(template, int(seed))
    return seed_spec(name)


def _extract(spec: ReportSpec, fmt: str) -> ExtractedDocument:
    result = extract(render(spec, fmt), filename=filename(spec, fmt))
    assert not isinstance(result, ExtractionFailure), result
    return result


def _cells(table: Table | LayoutTable) -> dict[tuple[int, int], tuple[str, int, int]]:
    if isinstance(table, LayoutTable):
        placed = [(r, c, cell.text, cell.rowspan, cell.colspan) for r, c, cell in table.placed()]
    else:
        placed = [(c.row, c.col, c.text, c.rowspan, c.colspan) for c in table.cells]
    return {(r, c): (_WS.sub("", text), rs, cs) for r, c, text, rs, cs in placed}


def assert_same_tables(spec: ReportSpec, document: ExtractedDocument) -> None:
    want = [block for block in report_layout(spec) if isinstance(block, LayoutTable)]
    got = [block for block in document.blocks if isinstance(block, Table)]
    assert len(got) == len(want)
    for k, (expected, actual) in enumerate(zip(want, got, strict=True)):
        assert (actual.n_rows, actual.n_cols) == (len(expected.rows), expected.n_cols), k
        assert _cells(actual) == _cells(expected), f"table {k}"


def assert_headings_in_order(spec: ReportSpec, document: ExtractedDocument) -> None:
    text = [_WS.sub("", b.text) for b in document.blocks if isinstance(b, Paragraph)]
    headings = [
        _WS.sub("", b.text)
        for b in report_layout(spec)
        if isinstance(b, TextBlock) and b.kind in {"title", "heading"}
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


@pytest.mark.parametrize("fmt", ["html", "html-gbk", "docx"])
@pytest.mark.parametrize("name", REPORTS)
def test_html_and_docx(name: str, fmt: str) -> None:
    spec = report_spec(name)
    document = _extract(spec, fmt)
    assert_same_tables(spec, document)
    assert_headings_in_order(spec, document)
    assert document.title == spec.title
    if fmt.startswith("html"):
        assert document.published_at == spec.meta.published_at
        assert document.publisher == spec.meta.agency


# A WPS rendering is the DOC's bytes under another name (see render_wps): two reports suffice.
LIBREOFFICE_CASES: Final = [
    *((name, fmt) for name in REPORTS for fmt in ("pdf", "doc")),
    ("jingyuan-2021-county", "wps"),
    ("synthetic-2019-1", "wps"),
]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("name", "fmt"), LIBREOFFICE_CASES)
def test_libreoffice_formats(name: str, fmt: str) -> None:
    require_soffice()
    spec = report_spec(name)
    document = _extract(spec, fmt)
    assert document.format == fmt
    assert_same_tables(spec, document)
    assert_headings_in_order(spec, document)
    assert document.engine == ("pdfium" if fmt == "pdf" else "libreoffice+docx-xml")
