"""The printed labels of the template tables, and how to recognise them.

Rows and columns are found by what they say, never by where they sit. Every pattern is written
against `values.squash`ed text (NFKC, no whitespace), because PDF extraction splits labels over
lines and spaces headers out one character per line. The label variants seen in real reports
(`社会组织` for 社会公益组织, `商业机构` for 商业企业, `无正当原因` for 无正当理由, `按通知要求`
for 按收费通知要求) are part of the patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Final

from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    RECOGNISED_REQUEST_ROWS,
    REQUEST_COLUMNS,
)

# -- Section 三: request rows ----------------------------------------------------------------------

# Searched (not full-matched) in a row's label text. Each pattern names the earliest distinctive
# words of its label, so that a label broken by a page or a line of numbers is still found by
# its beginning. Order matters where one label contains another's words: a label is the first
# row of the template order whose pattern it contains.
# Labels are the template's words: the same few hundred strings in every report. A bounded
# cache per classifier turns the regex scans into one lookup (a table row costs a few of them);
# the bound keeps a hostile document's made-up labels from growing it without end.
_labels_cache: Final = functools.lru_cache(maxsize=4096)

_REQUEST_ROW_PATTERNS: Final[dict[str, str]] = {
    "new": r"本年新收",
    "carried_over": r"上年结转",
    "disclosed": r"予以公开",
    "partially_disclosed": r"部分公开",
    "withheld_state_secret": r"国家秘密",
    "withheld_prohibited_by_law": r"其他法律|法规禁止|禁止公开",
    "withheld_three_securities_one_stability": r"三安全|一稳定",
    "withheld_third_party_rights": r"第三方",
    "withheld_internal_affairs": r"内部事务",
    "withheld_process_information": r"过程性",
    "withheld_enforcement_case_files": r"执法案卷|行政执法",
    "withheld_administrative_query": r"行政查询|查询事项",
    "unavailable_not_held": r"不掌握",
    "unavailable_needs_creation": r"没有现成|另行制作",
    "unavailable_unclear_after_correction": r"补正后|仍不明确",
    "not_processed_complaint": r"信访|举报投诉",
    "not_processed_duplicate": r"重复申请",
    "not_processed_publication": r"公开出版|出版物",
    "not_processed_excessive": r"大量反复|理由大量|原因大量",
    "not_processed_confirmation": r"要求行政机关|确认或重新|重新出具",
    "other_handling": r"其他处理",
    "other_no_correction": r"不补正|逾期不",
    "other_unpaid_fee": r"逾期未按|缴纳费|未按收费|未按通知",
    # `3.其他` under (六); never the `不计其他情形` of 部分公开 nor the 其他处理 group label.
    "other_misc": r"(?:^|\d[.、])其他(?!处理|情形|法律)",
    "handled_total": r"总计|合计",
    "carried_forward": r"结转下年",
}

REQUEST_ROW_SEARCH: Final[dict[str, re.Pattern[str]]] = {
    row: re.compile(pattern) for row, pattern in _REQUEST_ROW_PATTERNS.items()
}


@_labels_cache
def request_row(label: str) -> str | None:
    """The request row whose printed label is `label` (one cell's squashed text), or None.

    Rows are recognised whichever template their label comes from: a 2021 report may print
    the 2019 template's `（六）其他处理` row."""
    for row in RECOGNISED_REQUEST_ROWS:
        if REQUEST_ROW_SEARCH[row].search(label):
            return row
    return None


def request_row_of_cells(labels: Sequence[str]) -> str | None:
    """A grid row's key from its label cells (left to right), the most specific cell first.

    `三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密`: the rightmost cell names the row; a
    group cell (`（三）不予公开`) names none.
    """
    for label in reversed(labels):
        row = request_row(label)
        if row is not None:
            return row
    return None


# -- Section 二: active rows -----------------------------------------------------------------------

_ACTIVE_ROW_PATTERNS: Final[dict[str, str]] = {
    "rules": r"规章",
    "normative_documents": r"(?:行政)?规范性文件",
    "licensing": r"行政许可",
    "other_services": r"其他对外管理服务事项",
    "penalty": r"行政处罚",
    "coercion": r"行政强制",
    "fees": r"行政事业性收费",
    "procurement": r"政府集中采购",
}
_ACTIVE_ROW_FULL: Final[dict[str, re.Pattern[str]]] = {
    row: re.compile(pattern) for row, pattern in _ACTIVE_ROW_PATTERNS.items()
}
_ENUMERATOR: Final = re.compile(
    r"^(?:\(?[一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十\d]{1,3}[.、])"
)
_TRAILING_NOTE: Final = re.compile(r"(?:\([^()]*\))+:?$|:$")


def bare_label(label: str) -> str:
    """A squashed label without its enumerator (`（一）`, `1.`, `一、`) or a trailing `(单位)`."""
    return _TRAILING_NOTE.sub("", _ENUMERATOR.sub("", label))


@_labels_cache
def active_row(label: str, template: str) -> str | None:
    """The section 二 row whose label this is (full match on the bare label), or None."""
    bare = bare_label(label)
    for row, _columns in ACTIVE_ROWS[template]:
        if _ACTIVE_ROW_FULL[row].fullmatch(bare):
            return row
    return None


_ACTIVE_COLUMNS: Final = {template: dict(rows) for template, rows in ACTIVE_ROWS.items()}


def active_columns(template: str, row: str) -> tuple[str, ...]:
    return _ACTIVE_COLUMNS[template].get(row, ())


# -- Column headers ------------------------------------------------------------------------------

_REQUEST_COLUMN_PATTERNS: Final[dict[str, str]] = {
    "natural_person": r"自然人",
    "commercial": r"商业企业|商业机构|企业",
    "research": r"科研机构",
    "social_welfare": r"社会公益组织|社会组织|公益组织|社会团体",
    "legal_service": r"法律服务机构",
    "other": r"其他(?:组织)?",
    "total": r"总计|合计",
}
_ACTIVE_COLUMN_PATTERNS: Final[dict[str, str]] = {
    "new_made": r"(?:本年)?新制作(?:数量|件数)?",
    "new_published": r"(?:本年)?新公开(?:数量|件数)?",
    "total_published": r"对外公开总数量?|公开总数量?",
    "issued": r"(?:本年)?制发(?:件数|数量)?",
    "repealed": r"(?:本年)?废止(?:件数|数量)?",
    "in_force": r"现行有效(?:件数|数量)?",
    "prev_year_items": r"上一?年(?:度)?(?:项目)?数量",
    "change": r"(?:本年)?增/?减(?:数量|情况)?",
    "decisions": r"(?:本年)?处理决定(?:数量|件数)?",
    "items": r"(?:采购)?项目数量?",
    "amount": r"(?:采购)?总?金额|(?:本年)?收费金额|采购总额",
}
_APPEAL_COLUMN_PATTERNS: Final[dict[str, str]] = {
    "upheld": r"(?:结果)?维持",
    "corrected": r"(?:结果)?纠正",
    "other": r"其他结果",
    "pending": r"尚未审结|未审结",
    "total": r"总计|合计",
}
_APPEAL_GROUP_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("litigation_after_review", re.compile(r"复议后起诉")),
    ("litigation_direct", re.compile(r"直接起诉|未经复议")),
    ("review", re.compile(r"^行政复议")),
)

COLUMN_PATTERNS: Final[dict[str, dict[str, re.Pattern[str]]]] = {
    "requests": {k: re.compile(v) for k, v in _REQUEST_COLUMN_PATTERNS.items()},
    "active": {k: re.compile(v) for k, v in _ACTIVE_COLUMN_PATTERNS.items()},
    "appeals": {k: re.compile(v) for k, v in _APPEAL_COLUMN_PATTERNS.items()},
}
assert set(COLUMN_PATTERNS["requests"]) == set(REQUEST_COLUMNS)
assert set(COLUMN_PATTERNS["appeals"]) == set(APPEAL_COLUMNS)

# Header cells that name no column themselves but belong to a header band.
_HEADER_WORDS: Final = re.compile(
    r"申请人情况|法人或其他组织|信息内容|行政诉讼|行政复议|第二十条.*|单位.*|项目|数量"
)

# Words that tell which table a header band belongs to.
_REQUESTS_HEADER: Final = re.compile(r"自然人|申请人|商业企业|商业机构|科研机构|法律服务机构")
_APPEALS_HEADER: Final = re.compile(
    r"结果维持|结果纠正|尚未审结|复议后起诉|直接起诉|行政复议|行政诉讼"
)
_ACTIVE_HEADER: Final = re.compile(
    r"信息内容|新制作|新公开|制发|废止|现行有效|项目数量|增/?减|处理决定|采购|收费金额"
)


def header_section(texts: Sequence[str]) -> str | None:
    """Which table a band of header cells heads: "requests", "appeals", "active" or None."""
    joined = "|".join(texts)
    if _REQUESTS_HEADER.search(joined):
        return "requests"
    if _APPEALS_HEADER.search(joined):
        return "appeals"
    if _ACTIVE_HEADER.search(joined):
        return "active"
    return None


def _strip_note(label: str) -> str:
    return _TRAILING_NOTE.sub("", label)


@_labels_cache
def column_key(section: str, label: str) -> str | None:
    """The column a header cell names in `section` (full match, enumerators not stripped)."""
    bare = _strip_note(label)
    if not bare:
        return None
    for key, pattern in COLUMN_PATTERNS[section].items():
        if pattern.fullmatch(bare):
            return key
    return None


@_labels_cache
def is_header_cell(label: str) -> bool:
    """A header cell of any of the three tables (column or group label)."""
    bare = _strip_note(label)
    if not bare:
        return False
    if _HEADER_WORDS.fullmatch(bare):
        return True
    return any(column_key(section, label) for section in COLUMN_PATTERNS) or any(
        pattern.search(bare) for _, pattern in _APPEAL_GROUP_PATTERNS
    )


def appeal_group(stack: Sequence[str]) -> str | None:
    """The appeals row a column belongs to, from its stacked header cells (top to bottom)."""
    for row, pattern in _APPEAL_GROUP_PATTERNS:
        if any(pattern.search(text) for text in stack):
            return row
    return None


@_labels_cache
def appeal_row(label: str) -> str | None:
    """An appeals row named by a row label (tables printed with one row per appeal kind)."""
    bare = bare_label(label)
    for row, pattern in _APPEAL_GROUP_PATTERNS:
        if pattern.search(bare):
            return row
    return None


def amount_in_yuan(header: str) -> bool:
    """True when an amount column's header says its unit is 元 (not 万元)."""
    return bool(re.search(r"(?<!万)元", header)) and "万元" not in header


assert set(APPEAL_ROWS) == {row for row, _ in _APPEAL_GROUP_PATTERNS}
