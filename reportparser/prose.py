"""Numbers stated in the running text: checks against the tables, and legacy reports' figures.

Only sentences whose shape leaves no doubt are read (`受理政府信息公开申请 56 件`,
`行政复议案件1件`, `未发生…行政复议、行政诉讼`). The text is squashed (no whitespace), so a
sentence broken over PDF lines reads whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from reportparser.result import FigureValue, Finding

_RECEIVED_WORDS: Final = ("受理", "收到", "接收", "接到", "新收")
_RECEIVED: Final = f"(?:{'|'.join(_RECEIVED_WORDS)})"
# `政府信息公开申请`, `有关政府信息公开的申请`, `依申请公开事项`: what is counted is requests.
_REQUEST: Final = r"(?:政府信息公开|依申请公开|信息公开)(?:的)?(?:申请|事项)"
_COUNT: Final = r"(?:共计|共|合计|总计)?(\d+)(?:件|条|个|份|宗)"
_RECEIVED_OR_HANDLED: Final = rf"(?:{_RECEIVED}|办理)"
_REQUESTS_RECEIVED: Final = re.compile(rf"{_RECEIVED}[^。;]{{0,30}}?{_REQUEST}{_COUNT}")
_REQUESTS_RECEIVED_OR_HANDLED: Final = re.compile(
    rf"{_RECEIVED_OR_HANDLED}[^。;]{{0,30}}?{_REQUEST}{_COUNT}"
)
# Where the two patterns above (and `_REQUESTS_COMPLETED`) can start: at their first word. A
# bare alternation of words, so that the regex engine skips in C to the characters they start
# with; a pattern that starts with a group, as those do, is tried at every character.
_RECEIVED_AT: Final = re.compile("|".join(_RECEIVED_WORDS))
_RECEIVED_OR_HANDLED_AT: Final = re.compile("|".join((*_RECEIVED_WORDS, "办理")))
_NO_REQUESTS: Final = re.compile(
    rf"(?:未|没有)(?:收到|受理|接到)(?:任何)?(?:有关|关于)?(?:的)?{_REQUEST}"
)
# `办结…件` counts requests only in the sentence that counts them received: hotline tickets
# and mailbox letters are `办结` too.
_REQUESTS_COMPLETED: Final = re.compile(
    rf"{_RECEIVED}[^。;]{{0,30}}?{_REQUEST}{_COUNT}[^。;]{{0,30}}?办结(?:了)?(\d+)(?:件|条)"
)
_ANSWERED: Final = r"(?:件|条)"
_DISCLOSED: Final = re.compile(rf"(?<![不分])(?:同意|予以)公开(?:答复)?(?:共)?(\d+){_ANSWERED}")
_PARTIALLY: Final = re.compile(rf"(?:同意|予以)?部分公开(?:答复)?(?:共)?(\d+){_ANSWERED}")
# Where the three patterns above can start (see `_RECEIVED_AT`).
_NO_REQUESTS_AT: Final = re.compile("未|没有")
_DISCLOSED_AT: Final = re.compile("同意|予以")
_PARTIALLY_AT: Final = re.compile("同意|予以|部分")
_REVIEWS: Final = re.compile(r"行政复议(?:案件|申请)?(?:共计|共|合计)?(\d+)(?:件|起|宗)")
_LAWSUITS: Final = re.compile(r"行政诉讼(?:案件)?(?:共计|共|合计)?(\d+)(?:件|起|宗)")
_NO_APPEALS: Final = re.compile(
    r"未(?:发生|收到|出现|有)[^。;]{0,30}?(行政复议|行政诉讼)(?:[、和及或与]{1,2}(?:提起)?(行政复议|行政诉讼))?"
)

REVIEW_TOTAL: Final = "appeals.review.total"
LAWSUIT_TOTALS: Final = ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")
REQUESTS_TOTAL: Final = "requests.new.total"


def _numbers(
    pattern: re.Pattern[str], text: str, start: re.Pattern[str] | None = None
) -> list[int]:
    return [int(match.group(1)) for match in _matches(pattern, text, start)]


def _matches(
    pattern: re.Pattern[str], text: str, start: re.Pattern[str] | None = None
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`; `start` matches what every match of `pattern` starts with,
    and `pattern` is tried only where it does. The regex engine tries a pattern that starts
    with a group or a lookbehind at every character of the text (the requests-received ones
    with a gap of up to 30 characters each time); a bare alternation of words it skips to in
    C, and those words stand a few times in a report."""
    if start is None:
        yield from pattern.finditer(text)
        return
    pos = 0
    while (found := start.search(text, pos)) is not None:
        match = pattern.match(text, found.start())
        if match is None:
            pos = found.start() + 1
        else:
            yield match
            pos = match.end()  # never empty: a start word is part of it


def prose_findings(prose: str, figures: dict[str, FigureValue]) -> list[Finding]:
    """`warning.prose_mismatch` where every number the text states for a table figure differs
    from the table."""
    findings: list[Finding] = []
    new_total = figures.get(REQUESTS_TOTAL)
    handled = figures.get("requests.handled_total.total")
    stated = _numbers(_REQUESTS_RECEIVED_OR_HANDLED, prose, _RECEIVED_OR_HANDLED_AT)
    if stated and new_total is not None and not any(n in (new_total, handled) for n in stated):
        carried = figures.get("requests.carried_over.total")
        note = ""
        if carried is not None and stated[0] == new_total + carried:
            note = f" (the text's number is new + carried_over = {new_total} + {carried})"
        findings.append(
            Finding(
                "warning.prose_mismatch",
                f"the text states {stated[0]} requests received or handled; the table has "
                f"new {new_total}, handled {handled}{note}",
                expected=new_total,
                actual=stated[0],
            )
        )
    review = figures.get(REVIEW_TOTAL)
    stated = _numbers(_REVIEWS, prose)
    if stated and review is not None and review not in stated:
        findings.append(
            Finding(
                "warning.prose_mismatch",
                f"the text states {stated[0]} administrative reviews (行政复议); "
                f"the table has {review}",
                expected=review,
                actual=stated[0],
            )
        )
    lawsuits = [figures.get(key) for key in LAWSUIT_TOTALS]
    stated = _numbers(_LAWSUITS, prose)
    if stated and all(v is not None for v in lawsuits):
        total = sum(v for v in lawsuits if v is not None)
        if total not in stated:
            findings.append(
                Finding(
                    "warning.prose_mismatch",
                    f"the text states {stated[0]} lawsuits (行政诉讼); the table has {total}",
                    expected=total,
                    actual=stated[0],
                )
            )
    return findings


def legacy_figures(prose: str) -> dict[str, FigureValue]:
    """What a free-form (2008–2018) report's prose states unambiguously: requests received
    (when every sentence that counts them says the same number), completed (in that sentence),
    disclosed and partially disclosed, reviews, and lawsuits when there were none (a number of
    lawsuits does not say which kind)."""
    figures: dict[str, FigureValue] = {}
    received = set(_numbers(_REQUESTS_RECEIVED, prose, _RECEIVED_AT))
    if len(received) == 1:
        figures[REQUESTS_TOTAL] = received.pop()
    elif not received and next(_matches(_NO_REQUESTS, prose, _NO_REQUESTS_AT), None):
        figures[REQUESTS_TOTAL] = 0
    completed = {
        int(match.group(2)) for match in _matches(_REQUESTS_COMPLETED, prose, _RECEIVED_AT)
    }
    for key, values in (
        ("requests.handled_total.total", completed),
        ("requests.disclosed.total", set(_numbers(_DISCLOSED, prose, _DISCLOSED_AT))),
        ("requests.partially_disclosed.total", set(_numbers(_PARTIALLY, prose, _PARTIALLY_AT))),
    ):
        if len(values) == 1 and REQUESTS_TOTAL in figures:
            figures[key] = values.pop()
    none_of = {kind for match in _NO_APPEALS.finditer(prose) for kind in match.groups() if kind}
    reviews = set(_numbers(_REVIEWS, prose))
    if "行政复议" in none_of:
        reviews.add(0)
    if len(reviews) == 1:
        figures[REVIEW_TOTAL] = reviews.pop()
    lawsuits = set(_numbers(_LAWSUITS, prose))
    if "行政诉讼" in none_of:
        lawsuits.add(0)
    if lawsuits == {0}:
        for key in LAWSUIT_TOTALS:
            figures[key] = 0
    return figures
