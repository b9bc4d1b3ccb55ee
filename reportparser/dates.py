"""Dates of pages and documents: one function, `read_date`, for a value that states a date
(发布日期, PubDate, a header line, the 落款 date), and `find_date` for the first date inside a
longer text.

The common exact forms are read by a fast path of two regular expressions: `2021-01-28`,
`2021年1月28日`, `2021/1/28 10:30`, `2021.01.28`, and Chinese numerals (`二〇二一年一月二十八日`,
which dateparser does not read). Anything else a date value may hold (`Thu, 28 Jan 2021
08:00:00 +0800`, `28 January 2021`, `2021年01月28日10时30分` already fast) goes to `dateparser`,
the project's declared date library, with Chinese and English, year-month-day order and every
part required (a month alone is no publication date). bench/bench_dates.py measures both paths.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from reportparser.values import chinese_number, squash

_DATE: Final = re.compile(r"((?:19|20)\d{2})(?:年|[-./])(\d{1,2})(?:月|[-./])(\d{1,2})日?")
_CN_DATE: Final = re.compile(
    r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日"
)
# What dateparser is given: no guessing of missing parts, no relative dates ("yesterday").
_DATEPARSER_SETTINGS: Final[dict[str, Any]] = {
    "DATE_ORDER": "YMD",
    "REQUIRE_PARTS": ["year", "month", "day"],
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["timestamp", "absolute-time"],
}
_LANGUAGES: Final = ["zh", "en"]
# A publication date outside these years is a misreading.
FIRST_YEAR: Final = 1990
LAST_YEAR: Final = 2100
# Longer values are text, not a date value: dateparser is not given them.
_MAX_VALUE_LENGTH: Final = 64


def find_date(text: str) -> tuple[dt.date | None, int]:
    """The first date in squashed `text` in one of the exact forms (fast path only), and the
    length of its printed form (0 when none)."""
    match = _DATE.search(text)
    if match:
        parts: tuple[int | None, ...] = tuple(int(g) for g in match.groups())
        length = len(match.group())
    else:
        cn = _CN_DATE.search(text)
        if cn is None:
            return None, 0
        parts = tuple(chinese_number(g) for g in cn.groups())
        length = len(cn.group())
    year, month, day = parts
    if year is None or month is None or day is None:
        return None, 0
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None, 0
    return (date, length) if FIRST_YEAR <= date.year <= LAST_YEAR else (None, 0)


def read_date(value: str | None) -> dt.date | None:
    """The date a value states (a PubDate meta, a 发布日期 field, a signature line): the fast
    path first, dateparser for the other forms; None when it states no full date."""
    if not value:
        return None
    date, _length = find_date(squash(value))
    if date is not None:
        return date
    value = value.strip()
    if len(value) > _MAX_VALUE_LENGTH:
        return None
    return _dateparser_date(value)


def _dateparser_date(value: str) -> dt.date | None:
    import dateparser  # noqa: PLC0415 - ~0.6 s to import: only when the fast path fails

    parsed = dateparser.parse(value, languages=_LANGUAGES, settings=_DATEPARSER_SETTINGS)
    if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        return None
    date: dt.date = parsed.date()
    return date
