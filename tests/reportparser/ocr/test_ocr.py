"""OCR without the extra, deferred, bounded, offline; the gate on crafted readings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reportparser import parse_bytes
from reportparser.ocr import INSTALL_COMMAND, REPARSE_COMMAND, OcrOptions
from reportparser.ocr.engine import Reading
from reportparser.ocr.gate import RULE, gate
from reportparser.ocr.reader import TRACER_BASE, Marks
from reportparser.result import ParseResult, ReportMeta
from tests.reportparser.ocr.scans import scanned

PROJECT = Path(__file__).resolve().parents[3]
SCAN = ("synthetic-2021-2", 200, "png")


def test_a_scan_is_deferred_without_ocr_options() -> None:
    result = parse_bytes(scanned(*SCAN), filename="report.png")

    assert result.status == "needs_ocr"
    assert result.reason is not None and REPARSE_COMMAND in result.reason


def test_without_the_extra_the_reason_names_the_install_command(tmp_path: Path) -> None:
    scan = tmp_path / "report.png"
    scan.write_bytes(scanned(*SCAN))
    # The extra's packages made unimportable, as on an installation without it.
    code = (
        "import sys\n"
        "for name in ('rapidocr', 'onnxruntime', 'cv2'): sys.modules[name] = None\n"
        "import importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n in sys.modules and "
        "sys.modules[n] is None else real(n, *a)\n"
        "from reportparser import parse_file\n"
        "from reportparser.ocr import OcrOptions\n"
        f"r = parse_file({str(scan)!r}, ocr=OcrOptions())\n"
        "print(r.status); print(r.reason)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[0] == "needs_ocr"
    assert INSTALL_COMMAND in out


@pytest.mark.timeout(900)
def test_ocr_gives_up_past_its_time_budget() -> None:
    result = parse_bytes(scanned(*SCAN), filename="report.png", ocr=OcrOptions(timeout=0.0))

    assert result.status == "needs_ocr"
    assert result.reason is not None and "OCR stopped" in result.reason


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_the_engine_runs_with_no_network_at_all(tmp_path: Path) -> None:
    """The models are in the wheel: the engine loads and reads inside a network namespace with
    no interface up (as root, which CI is; elsewhere user namespaces give the same)."""
    line = tmp_path / "line.png"
    code = (
        "import cv2, numpy as np\n"
        "from reportparser.ocr.engine import Engine\n"
        "img = np.full((40, 160, 3), 255, np.uint8)\n"
        "cv2.putText(img, '4270', (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 2)\n"
        "print(Engine().recognise(img).text)\n"
    )
    prefix = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("network namespaces are not available here")
    out = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    ).stdout
    assert out.strip() == "4270"
    assert not line.exists()


def _report(figures: dict[str, int | float | None]) -> ParseResult:
    meta = ReportMeta("盐池县", "640323", 2021, "盐池县人民政府", "county", "2021", "t", None)
    return ParseResult("report", "pdf", meta=meta, figures=figures)


def test_the_gate_nulls_doubtful_numbers_with_what_was_read() -> None:
    marks = Marks()
    traced = marks.apply(Reading("1204", (0.99, 0.42, 0.99, 0.99)))
    assert traced == str(TRACER_BASE)

    result = gate(_report({"active.licensing.decisions": int(traced)}), marks)

    assert result.figures == {"active.licensing.decisions": None}
    [finding] = [f for f in result.findings if f.rule == RULE]
    assert "'1204'" in finding.message and "0.42" in finding.message


def test_the_gate_nulls_what_the_rules_reject() -> None:
    """One broken instance: any of its cells may be the misread one, so none is kept; the
    other rows stay."""
    row = {f"appeals.review.{c}": 1 for c in ("upheld", "corrected", "other", "pending")}
    row["appeals.review.total"] = 9  # misread: the four cells add up to 4
    other = {f"appeals.litigation_direct.{c}": 1 for c in ("upheld", "corrected", "other")}
    other |= {"appeals.litigation_direct.pending": 0, "appeals.litigation_direct.total": 3}
    figures: dict[str, int | float | None] = {**row, **other}

    result = gate(_report(figures), Marks())

    assert all(result.figures[k] is None for k in row)
    assert all(result.figures[k] == v for k, v in other.items())
    assert not result.hard_findings
    assert any("appeals.total" in f.message for f in result.findings if f.rule == RULE)


def test_a_sure_number_passes_and_a_split_one_does_not() -> None:
    marks = Marks()
    assert marks.cell([Reading("862", (0.99, 0.99, 0.99))]) == ["862"]
    [traced] = marks.cell([Reading("862 677", (0.99,) * 7)])
    assert int(traced) >= TRACER_BASE
    assert marks.cell([Reading("1.属于国家秘密", (0.9,) * 8)]) == ["1.属于国家秘密"]
