"""`columns_first` makes the shape it promises: text listed column by column, glyphs unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tests.support.pdfedit import columns_first
from tests.support.render import render
from tests.support.synth import synthesize

pytestmark = [pytest.mark.libreoffice, pytest.mark.xdist_group("render-synthetic-2021-3")]


def _pdfium_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _poppler_text(data: bytes, tmp_path: Path) -> str:
    source = tmp_path / "in.pdf"
    source.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


@pytest.mark.parametrize("rules", [True, False])
def test_each_column_of_the_requests_table_is_listed_in_turn(rules: bool, tmp_path: Path) -> None:
    spec = synthesize("2021", 3)
    original = render(spec, "pdf")
    data = columns_first(original, rules=rules)
    column = [spec.cell_text(f"requests.{row}.natural_person") for row in ("new", "carried_over")]
    row = [spec.cell_text(f"requests.new.{c}") for c in ("natural_person", "commercial")]
    texts = [_pdfium_text(data)]
    if not rules:
        texts.append(_poppler_text(data, tmp_path))  # poppler orders ruled tables itself
    for text in texts:
        lines = text.split()
        # The first column's cells follow each other; the first row's do not.
        assert lines[lines.index(column[0]) + 1] == column[1]
        assert lines[lines.index(row[0]) + 1] != row[1]
    # Only the order changed: the same characters are drawn.
    assert sorted("".join(_pdfium_text(data).split())) == sorted(
        "".join(_pdfium_text(original).split())
    )
    # In LibreOffice's own order the first row's cells follow each other.
    lines = _pdfium_text(original).split()
    assert lines[lines.index(row[0]) + 1] == row[1]


def test_without_rules_no_ruling_line_is_left() -> None:
    data = columns_first(render(synthesize("2021", 3), "pdf"), rules=False)
    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            kinds = {obj.type for obj in page.get_objects()}
            assert pdfium.raw.FPDF_PAGEOBJ_PATH not in kinds
    finally:
        document.close()
