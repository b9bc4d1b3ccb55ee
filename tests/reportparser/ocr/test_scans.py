"""The scans suite: seeds and distinct-valued reports as degraded scans, read by OCR.

What must hold for every case (see `scans.CASES`): the document is a report with its metadata
right; every figure is what the report printed, or null with a finding that says why
(`warning.ocr_uncertain`, or a row or section not found); no hard rule finding that the printed
report does not have; and most figures are read (a reader that nulls everything must fail).
"""

from __future__ import annotations

from typing import Final

import pytest

from reportparser import parse_bytes
from reportparser.ocr import OcrOptions
from reportparser.vocabulary import figure_keys
from tests.reportparser.ocr.scans import CASES, SUFFIX, Form, report_spec, scanned

META_KEYS: Final = ("county", "county_code", "year", "agency", "scope", "template")
# Share of the printed figures that must come back exact, over all degradations at once.
MIN_READ: Final = 0.5
_EXPLAINING: Final = ("warning.ocr_uncertain", "warning.missing_rows", "warning.missing_section")


@pytest.mark.libreoffice  # the reports are printed to PDF by LibreOffice before scanning
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("name", "dpi", "form"),
    [pytest.param(*case, id=f"{case[2]}-{case[1]}dpi-{case[0]}") for case in CASES],
)
def test_scan_reads_right_or_null_with_a_finding(name: str, dpi: int, form: Form) -> None:
    spec = report_spec(name)
    data = scanned(name, dpi, form)

    result = parse_bytes(data, filename=f"{name}{SUFFIX[form]}", ocr=OcrOptions())

    assert result.status == "report", result.reason
    assert result.engine is not None and result.engine.startswith("rapidocr")
    assert result.confidence is not None and 0.6 <= result.confidence <= 1
    assert result.meta is not None
    got, want = result.meta.to_json(), spec.meta.to_json()
    assert {k: got[k] for k in META_KEYS} == {k: want[k] for k in META_KEYS}

    wrong = []
    right = 0
    for key in figure_keys(spec.template):
        value = result.figures.get(key)
        expected = spec.figures[key]
        if value is None:
            continue
        if expected is not None and abs(value - expected) < 1e-6:
            right += 1
        elif key not in spec.optional:
            wrong.append(f"{key}={value!r} (printed {expected!r})")
    assert not wrong, f"plausible wrong values passed: {wrong}"
    missing = [k for k in figure_keys(spec.template) if result.figures.get(k) is None]
    if missing:
        assert {f.rule for f in result.findings} & set(_EXPLAINING), "nulls without a finding"
    assert {f.rule for f in result.hard_findings} <= set(spec.expected_findings)
    printed = sum(1 for v in spec.figures.values() if v is not None)
    assert right >= MIN_READ * printed, f"only {right} of {printed} figures read"
