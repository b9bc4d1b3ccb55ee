"""Tables as `Table` blocks (HTML, DOCX, PDF): read by header and row labels, never by position.

The synthetic reports hold a different number in every cell, so a figure read from the wrong
column or row shows as a mismatch.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import pytest

from reportparser.analysis import analyse
from reportparser.document import Table
from reportparser.gridtable import _plan, read_table
from reportparser.result import FigureValue, ParseResult
from tests.reportparser.documents import layout_document, table, text_document
from tests.support.layout import LayoutCell, LayoutTable
from tests.support.spec import ReportSpec
from tests.support.synth import synthesize

SYNTHETIC: Final = [(t, seed) for t in ("2019", "2021") for seed in (1, 2, 3, 4)]


def _spec(template: str, seed: int) -> ReportSpec:
    return synthesize(template, seed)


def _assert_figures(result: ParseResult, spec: ReportSpec) -> None:
    assert result.status == "report", result.reason
    wrong = {
        key: (result.figures.get(key, "<absent>"), want)
        for key, want in spec.figures.items()
        if result.figures.get(key, "<absent>") != want
    }
    assert not wrong, list(wrong.items())[:6]
    assert set(result.figures) == set(spec.figures)
    assert not result.hard_findings


def _is_requests(layout: LayoutTable) -> bool:
    return layout.rows[0][0].text.startswith("（本列数据")


def _is_appeals(layout: LayoutTable) -> bool:
    return layout.rows[0][0].text == "行政复议"


def _swap(cells: tuple[LayoutCell, ...], i: int, j: int) -> tuple[LayoutCell, ...]:
    items = list(cells)
    items[i], items[j] = items[j], items[i]
    return tuple(items)


@pytest.mark.parametrize(("template", "seed"), SYNTHETIC)
def test_official_layout_reads_every_cell(template: str, seed: int) -> None:
    spec = _spec(template, seed)
    _assert_figures(analyse(layout_document(spec)), spec)


@pytest.mark.parametrize(("template", "seed"), SYNTHETIC[:2] + SYNTHETIC[4:6])
def test_reordered_request_columns_follow_their_headers(template: str, seed: int) -> None:
    """总计 printed first and 自然人 last, 科研机构 before 商业企业: figures stay put."""

    def reorder(layout: LayoutTable) -> LayoutTable:
        if not _is_requests(layout):
            return layout
        rows = list(layout.rows)
        rows[1] = _swap(rows[1], 0, 2)  # 自然人 | 法人或其他组织 | 总计
        rows[2] = _swap(rows[2], 0, 1)  # 商业企业 | 科研机构
        for r in range(3, len(rows)):
            rows[r] = _swap(_swap(rows[r], -7, -1), -6, -5)
        return replace(layout, rows=tuple(rows))

    spec = _spec(template, seed)
    _assert_figures(analyse(layout_document(spec, reorder)), spec)


@pytest.mark.parametrize(("template", "seed"), SYNTHETIC[:1] + SYNTHETIC[4:5])
def test_swapped_lawsuit_groups_follow_their_headers(template: str, seed: int) -> None:
    def swap_groups(layout: LayoutTable) -> LayoutTable:
        if not _is_appeals(layout):
            return layout
        rows = list(layout.rows)
        rows[1] = _swap(rows[1], 5, 6)  # 未经复议直接起诉 | 复议后起诉
        values = list(rows[3])
        values[5:10], values[10:15] = values[10:15], values[5:10]
        rows[3] = tuple(values)
        return replace(layout, rows=tuple(rows))

    spec = _spec(template, seed)
    _assert_figures(analyse(layout_document(spec, swap_groups)), spec)


@pytest.mark.parametrize(("template", "seed"), SYNTHETIC[:1] + SYNTHETIC[4:5])
def test_an_extra_column_moves_nothing(template: str, seed: int) -> None:
    def add_remarks(layout: LayoutTable) -> LayoutTable:
        if not _is_requests(layout):
            return layout
        rows = [(*layout.rows[0], LayoutCell("备注", rowspan=3))]
        rows += [(*row, LayoutCell("")) for row in layout.rows[3:]]
        return replace(
            layout, n_cols=layout.n_cols + 1, rows=(rows[0], *layout.rows[1:3], *rows[1:])
        )

    spec = _spec(template, seed)
    _assert_figures(analyse(layout_document(spec, add_remarks)), spec)


def test_appeals_printed_one_row_per_kind() -> None:
    grid = table(
        [("", 1, 2), "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
        [("行政复议", 1, 2), "1", "2", "3", "4", "10"],
        [("行政诉讼", 2, 1), "未经复议直接起诉", "5", "6", "7", "8", "26"],
        ["复议后起诉", "9", "11", "12", "13", "45"],
    )
    figures = {
        r.name: dict(zip(r.keys, r.values, strict=True)) for r in read_table(grid, "2021").readings
    }
    assert figures["appeals.review"]["appeals.review.total"] == 10
    assert figures["appeals.litigation_direct"] == {
        "appeals.litigation_direct.upheld": 5,
        "appeals.litigation_direct.corrected": 6,
        "appeals.litigation_direct.other": 7,
        "appeals.litigation_direct.pending": 8,
        "appeals.litigation_direct.total": 26,
    }
    assert figures["appeals.litigation_after_review"]["appeals.litigation_after_review.upheld"] == 9


def _values(
    grid_rows: list[list[str | tuple[str, int, int]]], template: str = "2021"
) -> dict[str, FigureValue]:
    result: dict[str, FigureValue] = {}
    for reading in read_table(table(*grid_rows), template).readings:
        result.update(zip(reading.keys, reading.values, strict=True))
    return result


def test_fee_amount_in_yuan_is_converted_to_wan_yuan() -> None:
    values = _values(
        [
            ["信息内容", "本年收费金额（单位：元）"],
            ["行政事业性收费", "3810500"],
        ]
    )
    assert values == {"active.fees.amount": 381.05}


def test_values_as_reports_print_them() -> None:
    values = _values(
        [
            ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
            ["行政许可", "484", "减少 4", "57,487"],
            ["其他对外管理服务事项", "220", "增加68", "/"],
            ["行政处罚", "1195", "+37", "—"],
            ["行政强制", "17 件", "-5", ""],
        ],
        "2019",
    )
    assert values == {
        "active.licensing.prev_year_items": 484,
        "active.licensing.change": -4,
        "active.licensing.decisions": 57487,
        "active.other_services.prev_year_items": 220,
        "active.other_services.change": 68,
        "active.other_services.decisions": None,
        "active.penalty.prev_year_items": 1195,
        "active.penalty.change": 37,
        "active.penalty.decisions": None,
        "active.coercion.prev_year_items": 17,
        "active.coercion.change": -5,
        "active.coercion.decisions": None,
    }


def test_label_variants_name_their_columns() -> None:
    values = _values(
        [
            ["", ("申请人情况", 1, 7)],
            ["", ("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
            ["", "商业机构", "科研机构", "社会组织", "法律服务机构", "其他"],
            ["一、本年新收政府信息公开申请数量", "1", "2", "3", "4", "5", "6", "21"],
        ]
    )
    assert [
        values[f"requests.new.{c}"]
        for c in ("natural_person", "commercial", "social_welfare", "total")
    ] == [1, 2, 4, 21]


def test_a_shifted_row_is_read_in_header_order_and_flagged() -> None:
    shifted = read_table(
        table(
            [
                "",
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            [("一、本年新收政府信息公开申请数量", 1, 2), "1", "2", "3", "4", "5", "6", "21"],
            # One label cell short: every number sits a column left of its header.
            ["二、上年结转政府信息公开申请数量", "0", "1", "0", "0", "0", "0", "1"],
        ),
        "2021",
    )
    carried = {k: v for r in shifted.readings for k, v in zip(r.keys, r.values, strict=True)}
    assert carried["requests.carried_over.commercial"] == 1
    assert carried["requests.carried_over.total"] == 1
    assert carried["requests.new.total"] == 21
    assert shifted.notes == [
        "requests.carried_over: a row shifted against its header, read in order"
    ]


def test_a_shifted_row_that_does_not_fit_goes_to_the_rules() -> None:
    shifted = read_table(
        table(
            [
                "",
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            ["二、上年结转政府信息公开申请数量", "0", "1", "0", "0", "0", "1"],
        ),
        "2021",
    )
    assert [(r.name, r.values, r.exact) for r in shifted.readings] == [
        ("requests.carried_over", (0, 1, 0, 0, 0, 1), False)
    ]
    assert shifted.notes == ["requests.carried_over: a row shifted against its header was not read"]


def test_a_table_without_structure_is_read_as_text() -> None:
    spec = _spec("2021", 1)
    doc = layout_document(spec)

    def flatten(layout: LayoutTable) -> LayoutTable:
        lines = ["\u3000".join(cell for cell in row if cell) for row in layout.grid()]
        return LayoutTable(1, tuple((LayoutCell(line),) for line in lines))

    flat = layout_document(spec, flatten)
    assert len(flat.blocks) == len(doc.blocks)
    _assert_figures(analyse(flat), spec)


def test_a_table_without_header_uses_the_official_order() -> None:
    values = _values(
        [
            ["（一）予以公开", "1", "2", "3", "4", "5", "6", "21"],
            ["（七）总计", "1", "2", "3", "4", "5", "6", "21"],
        ]
    )
    assert values["requests.disclosed.research"] == 3
    assert values["requests.handled_total.total"] == 21


def test_hostile_table_sizes_are_not_read() -> None:
    huge = text_document("x")
    assert analyse(huge).status == "not_report"
    from reportparser.document import Cell, Table

    wide = Table(cells=(Cell("1", 0, 0),), n_rows=100_000, n_cols=1_000)
    assert read_table(wide, "2021").readings == []


@pytest.mark.parametrize(("template", "seed"), [("2019", 1), ("2021", 2)])
def test_structured_and_flattened_tables_in_one_document(template: str, seed: int) -> None:
    """The active tables lost their structure (one line per row), the others kept it."""

    def flatten_active(layout: LayoutTable) -> LayoutTable:
        if _is_requests(layout) or _is_appeals(layout):
            return layout
        lines = ["  ".join(cell for cell in row if cell) for row in layout.grid()]
        return LayoutTable(1, tuple((LayoutCell(line),) for line in lines))

    spec = _spec(template, seed)
    _assert_figures(analyse(layout_document(spec, flatten_active)), spec)


def test_tables_of_one_shape_keep_their_own_numbers() -> None:
    """The reading is planned once per shape (positions and non-number texts): a second table
    of the same shape takes its own numbers, amounts and empty cells, not the first one's."""
    header = ["项目", "本年新制作数量", "本年新公开数量", "对外公开总数量"]
    first = _values([header, ["规章", "1", "2", "3"]], "2019")
    second = _values([header, ["规章", "40", "", "60"]], "2019")
    assert first == {
        "active.rules.new_made": 1,
        "active.rules.new_published": 2,
        "active.rules.total_published": 3,
    }
    assert second == {
        "active.rules.new_made": 40,
        "active.rules.new_published": None,
        "active.rules.total_published": 60,
    }
    yuan = ["项目", "采购项目数量", "采购总金额（元）"]
    amounts = [_values([yuan, ["政府集中采购", "3", str(n)]], "2019") for n in (150000, 25000)]
    assert [a["active.procurement.amount"] for a in amounts] == [15, 2.5]


def test_a_planned_reading_is_the_reading_planned_afresh() -> None:
    """Every table of every synthetic layout reads the same from a cached plan as from a
    plan made for it alone (the cache emptied before each)."""
    tables = [
        block
        for template, seed in SYNTHETIC
        for block in layout_document(_spec(template, seed)).blocks
        if isinstance(block, Table)
    ]
    for grid in tables:
        read_table(grid, "2021")  # plans of the other tables' shapes are there too
    cached = [read_table(grid, "2021") for grid in tables]
    fresh = []
    for grid in tables:
        _plan.cache_clear()
        fresh.append(read_table(grid, "2021"))
    assert cached == fresh
    assert len({tuple(r.values for r in reading.readings) for reading in cached}) > 1
