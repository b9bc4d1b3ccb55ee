"""The words the official templates print (国办公开办函〔2019〕60号 and 〔2021〕30号), as data.

Section headings, the row labels of sections 二, 三 and 四, their column headers and the group
labels printed over or beside them, keyed by reportparser.vocabulary's keys and templates and
spelled exactly as the templates print them (full-width brackets, `1.` without a space, curly
quotes); and the grids of sections 三 and 四, where those labels stand (`requests_grid`,
`appeals_grid`). The data browser's tables (browser/layout.py), the data dictionary of exports
(models/dictionary.py) and the test-document generators (tests/support/layout.py) all take their
labels from here, so that what a reader sees, what a codebook says and what the parser is
tested on are one text.

These are not the parser's patterns: reportparser/labels.py recognises labels tolerantly (the
variants real reports print, fragments that survive a broken line), which is other data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    OTHER_ROWS,
    REQUEST_COLUMNS,
)


@dataclass(frozen=True, slots=True)
class TemplateCell:
    """One cell of a template table: a printed label (`key` None) or the cell of one figure."""

    text: str = ""
    key: str | None = None
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


# A table's rows in HTML order, each listing only the cells that start in it.
Grid = tuple[tuple[TemplateCell, ...], ...]

# -- Section headings ------------------------------------------------------------------------------

# The six numbered headings; the 2021 template names section 五's subject in full.
_HEADINGS_COMMON: Final = {
    "overview": "一、总体情况",
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
    "other": "六、其他需要报告的事项",
}
SECTION_HEADINGS: Final[dict[str, dict[str, str]]] = {
    "2019": {**_HEADINGS_COMMON, "problems": "五、存在的主要问题及改进情况"},
    "2021": {**_HEADINGS_COMMON, "problems": "五、政府信息公开工作存在的主要问题及改进情况"},
}
# The headings of the three sections that hold figures (the same in both templates), keyed
# by the first part of a figure key.
FIGURE_SECTION_HEADINGS: Final[dict[str, str]] = {
    section: _HEADINGS_COMMON[section] for section in ("active", "requests", "appeals")
}

# -- Section 二 主动公开政府信息情况 ---------------------------------------------------------------

ACTIVE_ROW_HEADER: Final = "信息内容"  # the header over the row labels of every table

ACTIVE_ROW_LABELS: Final[dict[str, dict[str, str]]] = {
    "2019": {
        "rules": "规章",
        "normative_documents": "规范性文件",
        "licensing": "行政许可",
        "other_services": "其他对外管理服务事项",
        "penalty": "行政处罚",
        "coercion": "行政强制",
        "fees": "行政事业性收费",
        "procurement": "政府集中采购",
    },
    "2021": {
        "rules": "规章",
        "normative_documents": "行政规范性文件",
        "licensing": "行政许可",
        "penalty": "行政处罚",
        "coercion": "行政强制",
        "fees": "行政事业性收费",
    },
}

# A column key has one header within a template; the two templates word `decisions` and
# `amount` differently (the 2021 `amount` is the fee, with its unit in the header).
ACTIVE_COLUMN_LABELS: Final[dict[str, dict[str, str]]] = {
    "2019": {
        "new_made": "本年新制作数量",
        "new_published": "本年新公开数量",
        "total_published": "对外公开总数量",
        "prev_year_items": "上一年项目数量",
        "change": "本年增/减",
        "decisions": "处理决定数量",
        "items": "采购项目数量",
        "amount": "采购总金额",
    },
    "2021": {
        "issued": "本年制发件数",
        "repealed": "本年废止件数",
        "in_force": "现行有效件数",
        "decisions": "本年处理决定数量",
        "amount": "本年收费金额（单位：万元）",
    },
}

# Section 二 is printed as one small table per item of 《条例》第二十条, each under its article
# label: (article label, its rows), in template order. A table's columns are its rows' columns
# (vocabulary.ACTIVE_ROWS), the same for every row of one table.
ACTIVE_ARTICLES: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "2019": (
        ("第二十条第（一）项", ("rules", "normative_documents")),
        ("第二十条第（五）项", ("licensing", "other_services")),
        ("第二十条第（六）项", ("penalty", "coercion")),
        ("第二十条第（八）项", ("fees",)),
        ("第二十条第（九）项", ("procurement",)),
    ),
    "2021": (
        ("第二十条第（一）项", ("rules", "normative_documents")),
        ("第二十条第（五）项", ("licensing",)),
        ("第二十条第（六）项", ("penalty", "coercion")),
        ("第二十条第（八）项", ("fees",)),
    ),
}


# Units as the templates count: documents and requests in 件, service items in 项, money in 万元.
_ITEM_COLUMNS: Final = frozenset({"prev_year_items", "change", "items"})


def unit(key: str) -> str:
    """The unit a figure counts in (`active.licensing.prev_year_items` → 项)."""
    section, _row, column = key.split(".")
    if column == "amount":
        return "万元"
    if section == "active" and column in _ITEM_COLUMNS:
        return "项"
    return "件"


def active_column_headers(template: str, row: str) -> tuple[tuple[str, str], ...]:
    """(column key, printed header) of each column of `row`'s table in section 二."""
    columns = dict(ACTIVE_ROWS[template])[row]
    return tuple((column, ACTIVE_COLUMN_LABELS[template][column]) for column in columns)


# -- Section 三 收到和处理政府信息公开申请情况 -----------------------------------------------------

BALANCE_NOTE: Final = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS_HEADER: Final = "申请人情况"  # over all seven columns
LEGAL_PERSONS_HEADER: Final = "法人或其他组织"  # over the five columns after 自然人
LEGAL_PERSON_COLUMNS: Final = APPLICANT_COLUMNS[1:]

REQUEST_COLUMN_LABELS: Final[dict[str, str]] = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构",
    "other": "其他",
    "total": "总计",
}

RESULTS_LABEL: Final = "三、本年度办理结果"  # printed beside every outcome row and （七）总计
OTHER_HANDLING_LABEL: Final = "（六）其他处理"

# Each row's own label, the same in both templates. The numbered rows (`1.属于国家秘密`) are
# printed beside their group's label (`outcome_group`).
REQUEST_ROW_LABELS: Final[dict[str, str]] = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "disclosed": "（一）予以公开",
    "partially_disclosed": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld_state_secret": "1.属于国家秘密",
    "withheld_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "withheld_three_securities_one_stability": "3.危及“三安全一稳定”",
    "withheld_third_party_rights": "4.保护第三方合法权益",
    "withheld_internal_affairs": "5.属于三类内部事务信息",
    "withheld_process_information": "6.属于四类过程性信息",
    "withheld_enforcement_case_files": "7.属于行政执法案卷",
    "withheld_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear_after_correction": "3.补正后申请内容仍不明确",
    "not_processed_complaint": "1.信访举报投诉类申请",
    "not_processed_duplicate": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_handling": OTHER_HANDLING_LABEL,
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
    "handled_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}

# The vocabulary names a group's numbered rows with one prefix; (六)'s are the split form's.
_OUTCOME_GROUPS: Final = (
    ("withheld_", "（三）不予公开"),
    ("unavailable_", "（四）无法提供"),
    ("not_processed_", "（五）不予处理"),
)


def outcome_group(row: str) -> str | None:
    """The group label printed beside a numbered outcome row (`（三）不予公开` beside
    `1.属于国家秘密`), None for a row that stands alone: （一）, （二）, and （六） printed as
    the single `other_handling` row."""
    if row in OTHER_ROWS["split"]:
        return OTHER_HANDLING_LABEL
    return next((label for prefix, label in _OUTCOME_GROUPS if row.startswith(prefix)), None)


# -- Section 四 政府信息公开行政复议、行政诉讼情况 ---------------------------------------------

APPEAL_COLUMN_LABELS: Final[dict[str, str]] = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
REVIEW_HEADER: Final = "行政复议"
LITIGATION_HEADER: Final = "行政诉讼"
# Each row's headers, top to bottom, over its five columns.
APPEAL_ROW_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "review": (REVIEW_HEADER,),
    "litigation_direct": (LITIGATION_HEADER, "未经复议直接起诉"),
    "litigation_after_review": (LITIGATION_HEADER, "复议后起诉"),
}


# -- The grids of sections 三 and 四 ---------------------------------------------------------------


def requests_grid(outcomes: Sequence[str]) -> Grid:
    """Section 三 as the template prints it, with the outcome rows `outcomes` (in template
    order): 3 label columns, then the 7 applicant columns under a 3-row header."""

    def values(row: str) -> tuple[TemplateCell, ...]:
        return tuple(TemplateCell(key=f"requests.{row}.{column}") for column in REQUEST_COLUMNS)

    def whole_row(row: str, colspan: int) -> tuple[TemplateCell, ...]:
        return (TemplateCell(REQUEST_ROW_LABELS[row], colspan=colspan), *values(row))

    rows: list[tuple[TemplateCell, ...]] = [
        (
            TemplateCell(BALANCE_NOTE, rowspan=3, colspan=3, header=True),
            TemplateCell(APPLICANTS_HEADER, colspan=7, header=True),
        ),
        (
            TemplateCell(REQUEST_COLUMN_LABELS["natural_person"], rowspan=2, header=True),
            TemplateCell(LEGAL_PERSONS_HEADER, colspan=5, header=True),
            TemplateCell(REQUEST_COLUMN_LABELS["total"], rowspan=2, header=True),
        ),
        tuple(TemplateCell(REQUEST_COLUMN_LABELS[c], header=True) for c in LEGAL_PERSON_COLUMNS),
        whole_row("new", 3),
        whole_row("carried_over", 3),
    ]
    previous_group: str | None = None
    for index, row in enumerate(outcomes):
        cells: list[TemplateCell] = []
        if index == 0:  # beside every outcome row and （七）总计
            cells.append(TemplateCell(RESULTS_LABEL, rowspan=len(outcomes) + 1))
        group = outcome_group(row)
        if group is None:
            cells.append(TemplateCell(REQUEST_ROW_LABELS[row], colspan=2))
        else:
            if group != previous_group:
                size = sum(1 for other in outcomes if outcome_group(other) == group)
                cells.append(TemplateCell(group, rowspan=size))
            cells.append(TemplateCell(REQUEST_ROW_LABELS[row]))
        previous_group = group
        rows.append((*cells, *values(row)))
    rows.append(whole_row("handled_total", 2))
    rows.append(whole_row("carried_forward", 3))
    return tuple(rows)


def appeals_grid() -> Grid:
    """Section 四: 行政复议 (5 columns) and 行政诉讼 (2 × 5 columns), then one row of figures."""
    columns = tuple(APPEAL_COLUMN_LABELS[column] for column in APPEAL_COLUMNS)
    litigation = tuple(row for row in APPEAL_ROWS if APPEAL_ROW_LABELS[row][0] == LITIGATION_HEADER)
    return (
        (
            TemplateCell(REVIEW_HEADER, colspan=5, header=True),
            TemplateCell(LITIGATION_HEADER, colspan=5 * len(litigation), header=True),
        ),
        (
            *(TemplateCell(label, rowspan=2, header=True) for label in columns),
            *(
                TemplateCell(APPEAL_ROW_LABELS[row][-1], colspan=5, header=True)
                for row in litigation
            ),
        ),
        tuple(TemplateCell(label, header=True) for _ in litigation for label in columns),
        tuple(
            TemplateCell(key=f"appeals.{row}.{column}")
            for row in APPEAL_ROWS
            for column in APPEAL_COLUMNS
        ),
    )
