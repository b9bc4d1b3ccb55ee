"""Printed values no annual report can mean: screened before the rules see them.

A table cell sometimes holds what is not a figure at all: an ID number or a phone number pasted
into a count column (`64032319800101123400`). Taken as a count it breaks every rule through it,
overflows a 64-bit database column, and says nothing true. Such a value is left null with one
`warning.implausible_value` finding that quotes what was printed, so nothing is lost silently
and the rest of the report stands. A negative value outside the signed-change columns is kept as
printed (printed values are never changed) but flagged with `warning.negative_value`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from reportparser.readings import RowReading
from reportparser.result import FigureValue, Finding

# No county, prefecture or province prints ten billion of anything: not documents, requests,
# decisions nor 万元 (10^10 万元 is 10^14 yuan, beyond any government's budget). Phone numbers
# (11 digits) and ID numbers (18) are all at or above it.
IMPLAUSIBLE: Final = 10**10

IMPLAUSIBLE_RULE: Final = "warning.implausible_value"
NEGATIVE_RULE: Final = "warning.negative_value"


def _signed(key: str) -> bool:
    """Columns that print a year-on-year change (`增加 68`, `减少 4`, `-4`)."""
    return key.endswith(".change")


def _implausible(value: FigureValue) -> bool:
    return value is not None and abs(value) >= IMPLAUSIBLE


def _printed(value: FigureValue) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def screen_readings(readings: Sequence[RowReading]) -> tuple[list[RowReading], list[Finding]]:
    """The readings with implausible values left null, and one finding per value screened.

    In a row whose cells are known (`exact`) only the cell goes; in a row read from text, where
    the positions of the numbers are a guess, the whole row's numbers go (the rules may still
    force its cells, each with its own finding).
    """
    screened: list[RowReading] = []
    findings: list[Finding] = []
    for reading in readings:
        numbers = [v for v in reading.values if v is not None]
        if not numbers or (min(numbers) >= 0 and max(numbers) < IMPLAUSIBLE):
            # Nearly every row: nothing negative, nothing too large (the test below, value by
            # value, gives the same for these at several times the cost).
            screened.append(reading)
            continue
        bad = [v for v in reading.values if _implausible(v)]
        if reading.exact:
            for key, value in zip(reading.keys, reading.values, strict=True):
                if value is not None and value < 0 and not _signed(key) and not _implausible(value):
                    findings.append(_negative(key, value))
        if not bad:
            screened.append(reading)
            continue
        if reading.exact:
            values: tuple[FigureValue, ...] = tuple(
                None if _implausible(v) else v for v in reading.values
            )
            for key, value in zip(reading.keys, reading.values, strict=True):
                if _implausible(value):
                    findings.append(_too_large(key, value))
        else:
            values = ()
            findings.append(
                Finding(
                    IMPLAUSIBLE_RULE,
                    f"{reading.name}: printed {', '.join(_printed(v) for v in bad)} among its "
                    f"numbers, beyond any plausible figure (≥ {IMPLAUSIBLE:.0e}); "
                    "the row's numbers are left null",
                )
            )
        screened.append(replace(reading, values=values))
    return screened, findings


def screen_figures(
    figures: dict[str, FigureValue],
) -> tuple[dict[str, FigureValue], list[Finding]]:
    """`screen_readings` for figures read without rows (legacy reports)."""
    findings: list[Finding] = []
    out: dict[str, FigureValue] = {}
    for key, value in figures.items():
        if _implausible(value):
            findings.append(_too_large(key, value))
            out[key] = None
            continue
        if value is not None and value < 0 and not _signed(key):
            findings.append(_negative(key, value))
        out[key] = value
    return out, findings


def _too_large(key: str, value: FigureValue) -> Finding:
    return Finding(
        IMPLAUSIBLE_RULE,
        f"{key}: printed {_printed(value)}, beyond any plausible figure (≥ {IMPLAUSIBLE:.0e}; "
        "an ID or phone number in a figure's cell?); left null",
    )


def _negative(key: str, value: FigureValue) -> Finding:
    return Finding(
        NEGATIVE_RULE,
        f"{key}: printed {_printed(value)}, a negative count; kept as printed",
        actual=value,
    )
