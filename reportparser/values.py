"""Values as reports print them: numbers, signed changes, amounts, empty markers; text clean-up.

Everything here works on text that went through `fold` (NFKC for the compatibility characters:
full-width digits, brackets, colons and spaces become their ASCII forms), so the patterns
elsewhere only need to spell each character once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from reportparser.result import FigureValue

_SPACE: Final = re.compile(r"\s+")
# Whitespace next to a CJK character (or a full-width punctuation mark) is layout, not content:
# `盐池县 2020 年` is `盐池县2020年`.
_CJK: Final = r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
_SPACE_NEAR_CJK: Final = re.compile(rf"\s+(?={_CJK})|(?<={_CJK})\s+")


# The compatibility characters reports use, folded the way NFKC folds them. Full NFKC costs
# about 0.5 µs per CJK character (4 ms for one report), so the common full-width marks go
# through str.replace and the rest of these blocks through one regex that rarely matches.
_FOLD_BLOCKS: Final = (
    (0x00A0, 0x00A0),  # no-break space
    (0x2002, 0x200B),  # typographic spaces
    (0x2460, 0x24FF),  # ① ⑴ ⒈
    (0x2F00, 0x2FDF),  # Kangxi radicals
    (0x3000, 0x3000),  # ideographic space
    (0x3200, 0x33FF),  # ㈠ ㊀ and squared units
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE6F),  # vertical and small forms
    (0xFF01, 0xFFEE),  # full-width and half-width forms
)
_FOLD_MAP: Final = {
    chr(cp): folded
    for first, last in _FOLD_BLOCKS
    for cp in range(first, last + 1)
    if (folded := unicodedata.normalize("NFKC", chr(cp))) != chr(cp)
}
_FOLD_COMMON: Final = tuple(
    (ch, _FOLD_MAP[ch])
    for ch in "，（）：；。　！？／－＋．％｜０１２３４５６７８９\xa0"
    if ch in _FOLD_MAP
)
_FOLD_RARE: Final = re.compile(
    "[" + "".join(re.escape(ch) for ch in _FOLD_MAP if ch not in dict(_FOLD_COMMON)) + "]"
)


def fold(text: str) -> str:
    """The one normalisation every label pattern is written against: NFC, and full-width
    digits, brackets, colons and spaces (and the other compatibility forms above) to ASCII."""
    if text.isascii():  # most table cells: nothing to fold
        return text
    text = unicodedata.normalize("NFC", text)
    for char, folded in _FOLD_COMMON:
        if char in text:
            text = text.replace(char, folded)
    if _FOLD_RARE.search(text):
        text = _FOLD_RARE.sub(lambda match: _FOLD_MAP[match.group()], text)
    return text


def squash(text: str) -> str:
    """Folded text without any whitespace (labels split over lines or spaced out per character)."""
    return "".join(fold(text).split())  # str.split's whitespace is the regex \s, and cheaper


def tidy(text: str) -> str:
    """Display text (titles): whitespace next to CJK removed, other runs of it made one space."""
    return _SPACE.sub(" ", _SPACE_NEAR_CJK.sub("", text)).strip()


# -- Numbers --------------------------------------------------------------------------------------

_NUMBER: Final = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# One value inside running text or a table line. A number glued to a word (`2020年`, `4万余条`,
# `1.属于`, `100%`) is prose or an enumerator, not a cell; `增加 68` / `减少 4` / `+6` are the
# 2019 template's signed changes; an amount may carry its unit.
TOKEN: Final = re.compile(
    r"(?<![\w.%/+\-(])"
    r"(?:(?P<sign>增加|减少|[+-]) ?)?"
    rf"(?P<num>{_NUMBER})"
    r"(?: ?(?P<unit>万元|元))?"
    r"(?![\w.%、)/])"
    r"|(?<!\S)(?P<null>/|—+|–|-{1,2}|无)(?!\S)"
)

_CELL_VALUE: Final = re.compile(
    r"(?P<sign>增加|减少|增|减|[+-])?"
    rf"(?P<num>{_NUMBER})"
    r"(?P<unit>万元|元|件|项|个|条|次|宗|起|家)?"
)
_NULL_CELL: Final = re.compile(r"/+|—+|–+|-+|无|空|N/?A|\\", re.IGNORECASE)


def number(digits: str, sign: str | None = None, unit: str | None = None) -> int | float:
    """`digits` (as matched by `_NUMBER`) with its sign word or symbol and unit applied.

    Amounts in 元 are converted to the vocabulary's 万元 with decimal arithmetic, so that
    `162805867 元` is exactly 16280.5867.
    """
    plain = digits.replace(",", "")
    negative = sign in ("-", "减少", "减")
    if unit == "元":
        try:
            scaled = Decimal(plain) / Decimal(10000)
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            scaled = Decimal(0)
        value: int | float = int(scaled) if scaled == scaled.to_integral_value() else float(scaled)
    elif "." in plain:
        value = float(plain)
    else:
        value = int(plain)
    return -value if negative else value


CellKind = Literal["number", "empty", "text"]


@dataclass(frozen=True, slots=True)
class CellValue:
    """What one table cell holds: a number, nothing (printed empty, `/`, `—`, `无`), or text."""

    kind: CellKind
    value: FigureValue = None
    unit: str | None = None


_EMPTY_CELL: Final = CellValue("empty")
_TEXT_CELL: Final = CellValue("text")


def cell_value(text: str) -> CellValue:
    """Read one table cell (`+6`, `增加 68`, `16280.5867 万元`, `5件`, ``, `/`, `—`, `无`)."""
    return squashed_cell_value(squash(text))


def squashed_cell_value(squashed: str) -> CellValue:
    """`cell_value` of text that went through `squash` already."""
    if squashed.isdecimal():  # the common cell, as `_CELL_VALUE` and `number` read it
        return CellValue("number", int(squashed))
    if not squashed or _NULL_CELL.fullmatch(squashed):
        return _EMPTY_CELL
    match = _CELL_VALUE.fullmatch(squashed)
    if match is None:
        return _TEXT_CELL
    unit = match["unit"]
    money = unit if unit in ("元", "万元") else None
    return CellValue("number", number(match["num"], match["sign"], money), money)


# -- Dates and Chinese numerals -------------------------------------------------------------------

_CN_DIGITS: Final = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "o": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_number(text: str) -> int | None:
    """`二〇二一` → 2021 (digit by digit), `十二` → 12, `二十八` → 28, `三十一` → 31."""
    if not text:
        return None
    if "十" not in text:
        digits = [_CN_DIGITS.get(ch) for ch in text]
        if any(d is None for d in digits):
            return None
        return int("".join(str(d) for d in digits))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    high = _CN_DIGITS.get(tens, -1) if tens else 1
    low = _CN_DIGITS.get(ones, -1) if ones else 0
    if high < 0 or low < 0:
        return None
    return high * 10 + low
