"""What kind of document a readable one is: which report template it follows, and whether it is
an annual report at all (a letter, a notice or an index about reports is not one).

`reportparser.meta` finds the report's title, year, county and agency; these judge the document
as a whole, from its flat text and its signals (`reportparser.analysis` calls both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from reportparser.meta import NOT_A_REPORT_TITLE, REPORT_TITLE, SENTENCE_MARKS
from reportparser.values import squash

TemplateName = Literal["2019", "2021", "legacy"]

# -- Template -------------------------------------------------------------------------------------

_MARKERS_2021: Final = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "逾期不补正",
    "收费通知要求",
    "本年收费金额",
    "〔2021〕30号",
    "[2021]30号",
)
_MARKERS_2019: Final = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "采购总金额",
    "其他对外管理服务事项",
    "〔2019〕60号",
    "[2019]60号",
)


def detect_template(flat: str, year: int | None) -> TemplateName:
    """Content markers first (the 2021 template's new columns and rows, the 2019 template's old
    ones), the year as tie-break; reports for 2008–2018 without template tables are legacy."""
    score_2021 = sum(1 for marker in _MARKERS_2021 if marker in flat)
    score_2019 = sum(1 for marker in _MARKERS_2019 if marker in flat)
    if score_2021 != score_2019:
        return "2021" if score_2021 > score_2019 else "2019"
    if year is not None:
        if year >= 2021:
            return "2021"
        if year >= 2019:
            return "2019"
        return "legacy"
    if "本年新收" in flat:
        return "2021"
    return "legacy"


@dataclass(frozen=True, slots=True)
class ReportSignals:
    """What makes a readable document an annual report."""

    title: bool
    sections: int
    tables: bool


_SECTION_MARKERS: Final = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请",
    "行政复议、行政诉讼",
    "存在的主要问题",
    "其他需要报告的事项",
    "依申请公开",
    "主动公开",
    "收费及减免",
    "年度报告",
)


def section_count(flat: str) -> int:
    return sum(1 for marker in _SECTION_MARKERS if marker in flat)


# -- Not a report -----------------------------------------------------------------------------

# Documents about the annual reports, by their form: whatever they quote (a report's name, its
# sections), a letter is addressed and closed as a letter. (ending of the title, what it is)
_GENRE_ENDINGS: Final = (
    (re.compile(r"关于.*函$"), "a letter (函)"),
    (re.compile(r"关于.*(?:通知|通报|公告)$"), "a notice (通知)"),
    (re.compile(r"(?:工作要点|要点|工作计划|实施方案)$"), "a work plan (工作要点)"),
)
_SALUTATION: Final = re.compile(r"^(?:各|全县|全区|全市|县直|区直|市直)[^。:]{1,60}:$")
_CLOSING: Final = re.compile(r"^(?:特此(?:函告|通知|函复|函达)|此函|此复)。?$")
_CONTENTS_LINE: Final = re.compile(r"(?:…|\.|·|_|-){3,}\d{1,3}$")
_GENRE_HEAD: Final = 6


def document_genre(lines: Sequence[str]) -> str | None:
    """What a document is when it is about the annual reports rather than one: a letter, a
    notice, a work plan (by the ending of its title or a letter's address and closing), or a
    table of contents (lines ending in page numbers, no running text); None otherwise."""
    squashed = [squash(line) for line in lines[:400] if line.strip()]
    head: list[str] = []
    for line in squashed[:_GENRE_HEAD]:
        if SENTENCE_MARKS & set(line) or ":" in line or len(line) > 80:
            break
        head.append(line)
    # A title split over lines (`关于报送2017年政府信息公开工作` / `年度报告的函`).
    candidates = head + ["".join(head[i : i + 2]) for i in range(len(head) - 1)]
    for pattern, genre in _GENRE_ENDINGS:
        if any(pattern.search(candidate) for candidate in candidates):
            return genre
    if any(_SALUTATION.match(line) for line in squashed[: _GENRE_HEAD + 4]) or any(
        _CLOSING.match(line) for line in squashed[-8:]
    ):
        return "a letter or notice"
    contents = sum(1 for line in squashed if _CONTENTS_LINE.search(line))
    sentences = sum(line.count("。") for line in squashed)
    if contents >= 3 and sentences < 3:
        return "a table of contents"
    return None


def not_report_reason(
    signals: ReportSignals,
    title: str | None,
    text_chars: int,
    title_lines: Callable[[], int],
    genre: Callable[[], str | None] = lambda: None,
) -> str | None:
    """None for an annual report, else why the document is not one.

    A document that prints no report table is judged by its form before its words: letters,
    notices, work plans and tables of contents quote the report's name and sections, and an
    index lists several reports' titles."""
    if signals.tables:
        return None
    if text_chars == 0:
        return "no text: the document is empty"
    kind = genre()
    if kind is not None:
        named = f": {title!r}" if title else ""
        return f"not an annual report but a document about one, {kind}{named}"
    titles = title_lines()
    if titles >= 3:
        return f"a list of {titles} report titles (an index or navigation page), not a report"
    if signals.title and signals.sections >= 3:
        return None
    if signals.sections >= 6:
        return None
    if title and REPORT_TITLE.search(squash(title)) and NOT_A_REPORT_TITLE.search(squash(title)):
        return f"not an annual report but a document about one: {title!r}"
    if title and REPORT_TITLE.search(squash(title)):
        return f"titled like an annual report ({title!r}) but has none of its sections or tables"
    return "not an annual report: no report title, none of the report's sections or tables"
