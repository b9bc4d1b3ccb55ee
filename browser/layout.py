"""The template's tables as the report prints them: sections 二, 三, 四 with their printed labels.

A report page lays its figures out in these tables, so that a reader compares the page with the
PDF cell by cell. Each value cell carries its canonical key (reportparser.vocabulary); every key
of a template sits in exactly one cell. Labels are the 2019 and 2021 templates' own words
(国办公开办函〔2019〕60号, 〔2021〕30号); legacy reports are laid out in the 2019 tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final

from reportparser.vocabulary import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    OTHER_ROWS,
    REQUEST_COLUMNS,
    OtherForm,
    all_figure_keys,
    outcome_rows,
    request_rows,
)


@dataclass(frozen=True, slots=True)
class Cell:
    """A printed label (`key` None) or the cell of one figure."""

    text: str = ""
    key: str | None = None
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """Rows in HTML order: each row lists only the cells that start in it."""

    caption: str
    rows: tuple[tuple[Cell, ...], ...]

    def figure_keys(self) -> tuple[str, ...]:
        return tuple(cell.key for row in self.rows for cell in row if cell.key is not None)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str  # as printed, e.g. 三、收到和处理政府信息公开申请情况
    tables: tuple[Table, ...]


# -- Section 二 -----------------------------------------------------------------------------------

_ACTIVE_ROW_LABELS: Final[dict[str, dict[str, str]]] = {
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
_DOCS_2019: Final = (
    ("new_made", "本年新制作数量"),
    ("new_published", "本年新公开数量"),
    ("total_published", "对外公开总数量"),
)
_ITEMS_2019: Final = (
    ("prev_year_items", "上一年项目数量"),
    ("change", "本年增/减"),
    ("decisions", "处理决定数量"),
)
_DECISIONS_2021: Final = (("decisions", "本年处理决定数量"),)
# (caption, rows, (column key, printed header) …) of each table of section 二, in template order.
_ACTIVE_GROUPS: Final[
    dict[str, tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...]]
] = {
    "2019": (
        ("第二十条第（一）项", ("rules", "normative_documents"), _DOCS_2019),
        ("第二十条第（五）项", ("licensing", "other_services"), _ITEMS_2019),
        ("第二十条第（六）项", ("penalty", "coercion"), _ITEMS_2019),
        ("第二十条第（八）项", ("fees",), _ITEMS_2019[:2]),
        (
            "第二十条第（九）项",
            ("procurement",),
            (("items", "采购项目数量"), ("amount", "采购总金额")),
        ),
    ),
    "2021": (
        (
            "第二十条第（一）项",
            ("rules", "normative_documents"),
            (
                ("issued", "本年制发件数"),
                ("repealed", "本年废止件数"),
                ("in_force", "现行有效件数"),
            ),
        ),
        ("第二十条第（五）项", ("licensing",), _DECISIONS_2021),
        ("第二十条第（六）项", ("penalty", "coercion"), _DECISIONS_2021),
        ("第二十条第（八）项", ("fees",), (("amount", "本年收费金额（单位：万元）"),)),
    ),
}

# -- Section 三 -----------------------------------------------------------------------------------

_APPLICANT_LABELS: Final = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构",
    "other": "其他",
    "total": "总计",
}
_REQUEST_TOP_LABELS: Final = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "handled_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
_OUTCOME_LABELS: Final = {
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
    "other_handling": "（六）其他处理",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
}
# The group label printed beside the numbered rows that share a row-key prefix.
_OUTCOME_GROUPS: Final = (
    ("withheld_", "（三）不予公开"),
    ("unavailable_", "（四）无法提供"),
    ("not_processed_", "（五）不予处理"),
    ("other_", "（六）其他处理"),
)
_RESULTS_LABEL: Final = "三、本年度办理结果"
BALANCE_NOTE: Final = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# -- Section 四 -----------------------------------------------------------------------------------

_APPEAL_COLUMN_LABELS: Final = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
_APPEAL_ROW_LABELS: Final = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼 未经复议直接起诉",
    "litigation_after_review": "行政诉讼 复议后起诉",
}

HEADINGS: Final = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}


def _table_template(template: str | None) -> str:
    return "2021" if template == "2021" else "2019"


def _active_tables(template: str) -> tuple[Table, ...]:
    labels = _ACTIVE_ROW_LABELS[template]
    tables = []
    for caption, rows, columns in _ACTIVE_GROUPS[template]:
        header = (Cell("信息内容", header=True), *(Cell(h, header=True) for _, h in columns))
        body = tuple(
            (Cell(labels[row]), *(Cell(key=f"active.{row}.{column}") for column, _ in columns))
            for row in rows
        )
        tables.append(Table(caption, (header, *body)))
    return tuple(tables)


def _outcome_group(row: str) -> str | None:
    if row == "other_handling":  # the 2019 form: one row, no numbered sub-rows
        return None
    return next((label for prefix, label in _OUTCOME_GROUPS if row.startswith(prefix)), None)


def _requests_table(template: str, other: OtherForm | None) -> Table:
    outcomes = outcome_rows(template, other)

    def values(row: str) -> tuple[Cell, ...]:
        return tuple(Cell(key=f"requests.{row}.{column}") for column in REQUEST_COLUMNS)

    rows: list[tuple[Cell, ...]] = [
        (
            Cell(BALANCE_NOTE, rowspan=3, colspan=3, header=True),
            Cell("申请人情况", colspan=7, header=True),
        ),
        (
            Cell("自然人", rowspan=2, header=True),
            Cell("法人或其他组织", colspan=5, header=True),
            Cell("总计", rowspan=2, header=True),
        ),
        tuple(Cell(_APPLICANT_LABELS[c], header=True) for c in REQUEST_COLUMNS[1:-1]),
        (Cell(_REQUEST_TOP_LABELS["new"], colspan=3), *values("new")),
        (Cell(_REQUEST_TOP_LABELS["carried_over"], colspan=3), *values("carried_over")),
    ]
    previous_group: str | None = None
    for index, row in enumerate(outcomes):
        cells: list[Cell] = []
        if index == 0:
            cells.append(Cell(_RESULTS_LABEL, rowspan=len(outcomes) + 1))
        group = _outcome_group(row)
        if group is None:
            cells.append(Cell(_OUTCOME_LABELS[row], colspan=2))
        else:
            if group != previous_group:
                size = sum(1 for other in outcomes if _outcome_group(other) == group)
                cells.append(Cell(group, rowspan=size))
            cells.append(Cell(_OUTCOME_LABELS[row]))
        previous_group = group
        rows.append((*cells, *values(row)))
    rows.append((Cell(_REQUEST_TOP_LABELS["handled_total"], colspan=2), *values("handled_total")))
    rows.append(
        (Cell(_REQUEST_TOP_LABELS["carried_forward"], colspan=3), *values("carried_forward"))
    )
    return Table("", tuple(rows))


def _appeals_table() -> Table:
    columns = tuple(_APPEAL_COLUMN_LABELS[c] for c in APPEAL_COLUMNS)
    rows = (
        (Cell("行政复议", colspan=5, header=True), Cell("行政诉讼", colspan=10, header=True)),
        (
            *(Cell(label, rowspan=2, header=True) for label in columns),
            Cell("未经复议直接起诉", colspan=5, header=True),
            Cell("复议后起诉", colspan=5, header=True),
        ),
        tuple(Cell(label, header=True) for _ in range(2) for label in columns),
        tuple(
            Cell(key=f"appeals.{row}.{column}") for row in APPEAL_ROWS for column in APPEAL_COLUMNS
        ),
    )
    return Table("", rows)


def other_form(figures: Iterable[str]) -> OtherForm | None:
    """The form a report printed section 三's (六) in, from its figure keys (None: no sign)."""
    rows = {key.split(".")[1] for key in figures if key.startswith("requests.")}
    forms: tuple[OtherForm, ...] = ("single", "split")
    return next((form for form in forms if rows & set(OTHER_ROWS[form])), None)


@cache
def sections(template: str | None, other: OtherForm | None = None) -> tuple[Section, ...]:
    """Sections 二, 三 and 四 of `template` (2019 tables for legacy or unknown templates), with
    (六) in the form `other` the report printed (None: the template's own)."""
    table_template = _table_template(template)
    return (
        Section(HEADINGS["active"], _active_tables(table_template)),
        Section(HEADINGS["requests"], (_requests_table(table_template, other),)),
        Section(HEADINGS["appeals"], (_appeals_table(),)),
    )


@cache
def _labels(template: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for _caption, rows, columns in _ACTIVE_GROUPS[template]:
        for row in rows:
            for column, header in columns:
                labels[f"active.{row}.{column}"] = f"{_ACTIVE_ROW_LABELS[template][row]} · {header}"
    for row in request_rows(template):
        printed = _REQUEST_TOP_LABELS.get(row) or _OUTCOME_LABELS[row]
        group = _outcome_group(row)
        if group is not None:
            printed = f"{group} {printed}"
        for column in REQUEST_COLUMNS:
            labels[f"requests.{row}.{column}"] = f"{printed} · {_APPLICANT_LABELS[column]}"
    for row in APPEAL_ROWS:
        for column in APPEAL_COLUMNS:
            labels[f"appeals.{row}.{column}"] = (
                f"{_APPEAL_ROW_LABELS[row]} · {_APPEAL_COLUMN_LABELS[column]}"
            )
    return labels


def label(key: str, template: str | None = None) -> str:
    """The printed label of a figure (`一、本年新收政府信息公开申请数量 · 自然人`).

    The given template's words first (2021 by default), else the other template's; a key
    outside the vocabulary is its own label.
    """
    first = _table_template(template) if template else "2021"
    second = "2019" if first == "2021" else "2021"
    return _labels(first).get(key) or _labels(second).get(key) or key


def unit(key: str) -> str:
    """万元 for amounts, 件 for every count (report-fields.md)."""
    return "万元" if key.endswith(".amount") else "件"


def dictionary() -> tuple[tuple[str, str, str, str], ...]:
    """(key, label, unit, templates) of every canonical key, in wide-export order."""
    in_2019 = set(_labels("2019"))
    in_2021 = set(_labels("2021"))
    return tuple(
        (
            key,
            label(key),
            unit(key),
            ", ".join(t for t, keys in (("2019", in_2019), ("2021", in_2021)) if key in keys),
        )
        for key in all_figure_keys()
    )
