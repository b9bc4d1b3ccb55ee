"""The quality gate of OCR'd reports: nothing a scan made doubtful is stored as a number.

Two checks, after the ordinary analysis of the OCR'd text:

1. Doubtful numbers. The reader replaced every number it was not sure of by a tracer (a value
   no report prints, see `reader.Marks`); the figures holding a tracer are set to null, each
   with a `warning.ocr_uncertain` finding saying what was read and how surely. Findings that
   quote a tracer are dropped (they describe a value nobody printed), and a value the rules
   inferred through a doubtful cell is nulled too.
2. The consistency rules. A rule instance that the figures read by OCR break is far more often
   a misread than a printing error, so it is not reported as a broken rule on a plausible
   number: the one cell every broken instance shares is nulled, or, when no single cell
   explains them, every cell of the broken instances. Each gets a `warning.ocr_uncertain`
   finding quoting the rule's message.

Figures that no rule covers (the 二 section's counts, the appeals' columns besides their totals)
are checked by the reader's per-character confidence alone; docs/ocr.md says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from reportparser.ocr.reader import Marks
from reportparser.result import FigureValue, Finding, ParseResult
from reportparser.rules import check
from reportparser.vocabulary import Equation, equations

RULE: Final = "warning.ocr_uncertain"
_TOLERANCE: Final = 1e-6


def _tracer(value: FigureValue, marks: Marks) -> int | None:
    """The tracer a figure holds, as printed or after a unit conversion (元 → 万元) or sign."""
    if value is None:
        return None
    for candidate in (value, -value, value * 10_000, -value * 10_000):
        rounded = round(candidate)
        if abs(candidate - rounded) < 1e-3 and rounded in marks.doubtful:
            return int(rounded)
    return None


def _quotes_tracer(finding: Finding, marks: Marks) -> bool:
    if _tracer(finding.expected, marks) is not None or _tracer(finding.actual, marks) is not None:
        return True
    return any(str(tracer)[:6] in finding.message for tracer in marks.doubtful)


def _broken(figures: dict[str, FigureValue], eqs: tuple[Equation, ...]) -> list[Equation]:
    out: list[Equation] = []
    for eq in eqs:
        left = [figures.get(k) for k in eq.left]
        right = [figures.get(k) for k in eq.right]
        if any(v is None for v in (*left, *right)):
            continue
        if abs(sum(v for v in left if v is not None) - sum(v for v in right if v is not None)) > (
            _TOLERANCE
        ):
            out.append(eq)
    return out


def gate(result: ParseResult, marks: Marks) -> ParseResult:
    """`result` (an analysis of OCR'd text) with every doubtful figure null and explained."""
    if result.status != "report" or result.meta is None:
        return result
    figures = dict(result.figures)
    findings: list[Finding] = []
    doubtful: set[str] = set()
    for key, value in figures.items():
        tracer = _tracer(value, marks)
        if tracer is None:
            continue
        text, confidence = marks.doubtful[tracer]
        figures[key] = None
        doubtful.add(key)
        findings.append(
            Finding(
                RULE,
                f"{key}: OCR read {text!r}, its least sure character at {confidence:.2f}; "
                "left null",
            )
        )
    # A row read "in order" against its header means the scan's grid has a column too many or
    # too few there: which cell is which is a guess, so none is kept.
    for finding in result.findings:
        if finding.rule == "warning.shifted_row" and finding.message.endswith("read in order"):
            row = finding.message.split(":", 1)[0]
            keys = [k for k in figures if k.startswith(f"{row}.") and figures[k] is not None]
            for key in keys:
                figures[key] = None
            if keys:
                findings.append(
                    Finding(RULE, f"{row}: the scan's table grid is shifted there; left null")
                )
    template = result.meta.template
    eqs = equations(template) if template in ("2019", "2021") else ()
    for key in result.inferred:
        through = [eq for eq in eqs if key in (*eq.left, *eq.right)]
        if any(doubtful & {*eq.left, *eq.right} for eq in through) and figures.get(key) is not None:
            figures[key] = None
            findings.append(
                Finding(RULE, f"{key}: inferred through a figure OCR could not read; left null")
            )
    broken = _broken(figures, eqs)
    if broken:
        messages = {f"{f.rule}: {f.message}" for f in check(figures, template or "")}
        shared = set.intersection(*({*eq.left, *eq.right} for eq in broken))
        culprits = (
            shared if len(shared) == 1 else {k for eq in broken for k in (*eq.left, *eq.right)}
        )
        for key in sorted(culprits):
            figures[key] = None
        findings.append(
            Finding(
                RULE,
                f"the figures read by OCR break {len(broken)} consistency rule instance(s) "
                f"({'; '.join(sorted(messages))}); left null: {', '.join(sorted(culprits))}",
            )
        )
    explained = {key for key in figures if any(key in f.message for f in findings)}
    unread = sorted(k for k, v in figures.items() if v is None and k not in explained)
    if unread:
        # A scan cannot tell a cell printed empty from one too faint to read: say so.
        findings.append(
            Finding(
                RULE,
                f"{len(unread)} figure(s) empty in the scan as read (printed empty, or not "
                f"legible): {', '.join(unread)}",
            )
        )
    kept = [f for f in result.findings if f.is_warning and not _quotes_tracer(f, marks)]
    hard = check(figures, template) if template in ("2019", "2021") else []
    return replace(
        result,
        figures=figures,
        findings=(*hard, *findings, *kept),
        inferred=tuple(k for k in result.inferred if figures.get(k) is not None),
    )
