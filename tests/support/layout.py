"""The report laid out once in the official national template's shape: title, headings,
paragraphs and tables with the rowspans and colspans that Word exports and the CMS editor
produce (`report_layout`). Every format `tests.support.render` writes prints this one layout,
so a figure sits in the same grid cell in all of them; the parser's tests compare extractions
with it (`LayoutTable.grid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from reportparser.vocabulary import ACTIVE_ROWS, REQUEST_COLUMNS
from tests.support.spec import ReportSpec


@dataclass(frozen=True, slots=True)
class LayoutCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True, slots=True)
class LayoutTable:
    """Rows in HTML order: each row lists only the cells that start in it."""

    n_cols: int
    rows: tuple[tuple[LayoutCell, ...], ...]
    widths: tuple[float, ...] = ()  # column widths in cm (DOCX); empty = equal

    def placed(self) -> list[tuple[int, int, LayoutCell]]:
        """(row, col, cell) for every cell, resolving spans the way browsers do."""
        taken: set[tuple[int, int]] = set()
        result: list[tuple[int, int, LayoutCell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                result.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return result

    def grid(self) -> list[list[str]]:
        """Dense text grid; positions covered by a span (other than its top-left) are empty."""
        grid = [[""] * self.n_cols for _ in self.rows]
        for r, c, cell in self.placed():
            grid[r][c] = cell.text
        return grid


BlockKind = Literal["title", "heading", "paragraph", "label"]


@dataclass(frozen=True, slots=True)
class TextBlock:
    kind: BlockKind
    text: str


Block = TextBlock | LayoutTable

HEADINGS: Final[dict[str, dict[str, str]]] = {
    "2019": {
        "overview": "一、总体情况",
        "active": "二、主动公开政府信息情况",
        "requests": "三、收到和处理政府信息公开申请情况",
        "appeals": "四、政府信息公开行政复议、行政诉讼情况",
        "problems": "五、存在的主要问题及改进情况",
        "other": "六、其他需要报告的事项",
    },
    "2021": {
        "overview": "一、总体情况",
        "active": "二、主动公开政府信息情况",
        "requests": "三、收到和处理政府信息公开申请情况",
        "appeals": "四、政府信息公开行政复议、行政诉讼情况",
        "problems": "五、政府信息公开工作存在的主要问题及改进情况",
        "other": "六、其他需要报告的事项",
    },
}

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

COLUMN_LABELS: Final[dict[str, str]] = {
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "prev_year_items": "上一年项目数量",
    "change": "本年增/减",
    "items": "采购项目数量",
}

# (article label, rows, column labels) of each block of section 二, in template order.
ACTIVE_GROUPS: Final[dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]]] = {
    "2019": (
        (
            "第二十条第（一）项",
            ("rules", "normative_documents"),
            ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        ),
        (
            "第二十条第（五）项",
            ("licensing", "other_services"),
            ("上一年项目数量", "本年增/减", "处理决定数量"),
        ),
        (
            "第二十条第（六）项",
            ("penalty", "coercion"),
            ("上一年项目数量", "本年增/减", "处理决定数量"),
        ),
        ("第二十条第（八）项", ("fees",), ("上一年项目数量", "本年增/减")),
        ("第二十条第（九）项", ("procurement",), ("采购项目数量", "采购总金额")),
    ),
    "2021": (
        (
            "第二十条第（一）项",
            ("rules", "normative_documents"),
            ("本年制发件数", "本年废止件数", "现行有效件数"),
        ),
        ("第二十条第（五）项", ("licensing",), ("本年处理决定数量",)),
        ("第二十条第（六）项", ("penalty", "coercion"), ("本年处理决定数量",)),
        ("第二十条第（八）项", ("fees",), ("本年收费金额（单位：万元）",)),
    ),
}

REQUEST_COLUMN_LABELS: Final = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
BALANCE_NOTE: Final = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# Outcome rows: (group label or None, group size, row label). A group label spans its rows.
OUTCOME_LABELS: Final[dict[str, str]] = {
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
_OUTCOME_GROUPS: Final[dict[str, str]] = {
    "withheld_state_secret": "（三）不予公开",
    "unavailable_not_held": "（四）无法提供",
    "not_processed_complaint": "（五）不予处理",
    "other_no_correction": "（六）其他处理",
}
_GROUP_PREFIX: Final = ("withheld_", "unavailable_", "not_processed_", "other_")


def _group_size(outcomes: tuple[str, ...], first: str) -> int:
    prefix = next(p for p in _GROUP_PREFIX if first.startswith(p))
    return sum(1 for row in outcomes if row.startswith(prefix))


def report_layout(spec: ReportSpec) -> list[Block]:
    """The whole report, in reading order, as title, headings, paragraphs and tables."""
    template = spec.template
    headings = HEADINGS[template]
    blocks: list[Block] = [TextBlock("title", spec.title)]

    def paragraphs(section: str) -> None:
        blocks.extend(TextBlock("paragraph", p) for p in spec.prose.get(section, ()))

    paragraphs("intro")
    blocks.append(TextBlock("heading", headings["overview"]))
    paragraphs("overview")
    blocks.append(TextBlock("heading", headings["active"]))
    blocks.extend(active_tables(spec))
    blocks.append(TextBlock("heading", headings["requests"]))
    blocks.append(requests_table(spec))
    blocks.append(TextBlock("heading", headings["appeals"]))
    blocks.append(appeals_table(spec))
    blocks.append(TextBlock("heading", headings["problems"]))
    paragraphs("problems")
    blocks.append(TextBlock("heading", headings["other"]))
    paragraphs("other")
    return blocks


def active_tables(spec: ReportSpec) -> list[Block]:
    """Section 二: one small table per 第二十条 item, or all of them in one 4-column table."""
    template = spec.template
    columns_of = dict(ACTIVE_ROWS[template])
    labels = ACTIVE_ROW_LABELS[template]
    one_table = spec.active_layout == "one_table"
    blocks: list[Block] = []
    rows: list[tuple[LayoutCell, ...]] = []
    for article, row_keys, headers in ACTIVE_GROUPS[template]:
        width = 4 if one_table else 1 + len(headers)
        # In one 4-column table a block with fewer columns either leaves its last cells empty
        # (2019, as Word keeps the grid) or stretches its one value column (2021 template).
        pad = 4 - 1 - len(headers) if one_table else 0
        stretch = template == "2021" and len(headers) == 1 and one_table
        span = 1 + pad if stretch else 1
        group: list[tuple[LayoutCell, ...]] = []
        if one_table:
            group.append((LayoutCell(article, colspan=4, header=True),))
        header = [LayoutCell("信息内容", header=True)]
        header += [LayoutCell(h, colspan=span, header=True) for h in headers]
        if pad and not stretch:
            header += [LayoutCell("", header=True)] * pad
        group.append(tuple(header))
        for row in row_keys:
            cells = [LayoutCell(labels[row])]
            cells += [
                LayoutCell(spec.cell_text(f"active.{row}.{column}"), colspan=span)
                for column in columns_of[row]
            ]
            if pad and not stretch:
                cells += [LayoutCell("")] * pad
            group.append(tuple(cells))
        if one_table:
            rows.extend(group)
        else:
            blocks.append(TextBlock("label", article))
            widths = (4.5,) + (12.5 / (width - 1),) * (width - 1)
            blocks.append(LayoutTable(width, tuple(group), widths))
    if one_table:
        blocks.append(LayoutTable(4, tuple(rows), (5.0, 4.0, 4.0, 4.0)))
    return blocks


def requests_table(spec: ReportSpec) -> LayoutTable:
    """Section 三 as the template prints it: 3 label columns, then the 7 applicant columns."""
    outcomes = spec.outcome_rows

    def values(row: str) -> list[LayoutCell]:
        return [LayoutCell(spec.cell_text(f"requests.{row}.{c}")) for c in REQUEST_COLUMNS]

    rows: list[tuple[LayoutCell, ...]] = [
        (
            LayoutCell(BALANCE_NOTE, rowspan=3, colspan=3, header=True),
            LayoutCell("申请人情况", colspan=7, header=True),
        ),
        (
            LayoutCell("自然人", rowspan=2, header=True),
            LayoutCell("法人或其他组织", colspan=5, header=True),
            LayoutCell("总计", rowspan=2, header=True),
        ),
        tuple(LayoutCell(label, header=True) for label in REQUEST_COLUMN_LABELS),
        (LayoutCell("一、本年新收政府信息公开申请数量", colspan=3), *values("new")),
        (LayoutCell("二、上年结转政府信息公开申请数量", colspan=3), *values("carried_over")),
    ]
    result_span = len(outcomes) + 1  # every outcome row plus （七）总计
    for index, row in enumerate(outcomes):
        cells: list[LayoutCell] = []
        if index == 0:
            cells.append(LayoutCell("三、本年度办理结果", rowspan=result_span))
        if row in _OUTCOME_GROUPS:
            cells.append(LayoutCell(_OUTCOME_GROUPS[row], rowspan=_group_size(outcomes, row)))
            cells.append(LayoutCell(OUTCOME_LABELS[row]))
        elif row.startswith(_GROUP_PREFIX) and row != "other_handling":
            cells.append(LayoutCell(OUTCOME_LABELS[row]))
        else:
            cells.append(LayoutCell(OUTCOME_LABELS[row], colspan=2))
        rows.append((*cells, *values(row)))
    rows.append((LayoutCell("（七）总计", colspan=2), *values("handled_total")))
    rows.append((LayoutCell("四、结转下年度继续办理", colspan=3), *values("carried_forward")))
    widths = (1.3, 1.5, 3.9) + (1.45,) * 7
    return LayoutTable(10, tuple(rows), widths)


def appeals_table(spec: ReportSpec) -> LayoutTable:
    """Section 四: 行政复议 (5 columns) and 行政诉讼 (2 × 5 columns), then one row of values."""
    outcomes = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows: list[tuple[LayoutCell, ...]] = [
        (
            LayoutCell("行政复议", colspan=5, header=True),
            LayoutCell("行政诉讼", colspan=10, header=True),
        ),
        (
            *(LayoutCell(label, rowspan=2, header=True) for label in outcomes),
            LayoutCell("未经复议直接起诉", colspan=5, header=True),
            LayoutCell("复议后起诉", colspan=5, header=True),
        ),
        tuple(LayoutCell(label, header=True) for _ in range(2) for label in outcomes),
    ]
    keys = [
        f"appeals.{row}.{column}"
        for row in ("review", "litigation_direct", "litigation_after_review")
        for column in ("upheld", "corrected", "other", "pending", "total")
    ]
    rows.append(tuple(LayoutCell(spec.cell_text(key)) for key in keys))
    return LayoutTable(15, tuple(rows), (17.0 / 15,) * 15)
