"""Printed labels and their variants name rows and columns."""

from __future__ import annotations

import pytest

from reportparser.labels import (
    active_row,
    column_key,
    header_section,
    request_row,
    request_row_of_cells,
)
from reportparser.template_labels import REQUEST_ROW_LABELS
from reportparser.values import squash
from reportparser.vocabulary import REQUEST_ROWS


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_official_request_label_names_its_row(template: str) -> None:
    for row in REQUEST_ROWS[template]:
        label = REQUEST_ROW_LABELS[row]
        assert request_row(squash(label)) == row, label


@pytest.mark.parametrize(
    ("label", "row"),
    [
        ("1.申请人无正当原因逾期不补正、行政机关不再处理其政府信息公开申请", "other_no_correction"),
        (
            "2.申请人逾期未按通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "other_unpaid_fee",
        ),
        ("4.无正当原因大量反复申请", "not_processed_excessive"),
        ("(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)", "partially_disclosed"),
        ("（三）不予公开", None),
        ("三、本年度办理结果", None),
    ],
)
def test_label_variants(label: str, row: str | None) -> None:
    assert request_row(squash(label)) == row


def test_section_six_rows_are_recognised_whichever_template_prints_them() -> None:
    # The 2019 template's one row, printed by a 2021 report, and a cell that holds the group
    # label with a 2021 row's words.
    assert request_row(squash("（六）其他处理")) == "other_handling"
    assert (
        request_row(squash("（六）其他处理 1.申请人无正当理由逾期不补正")) == "other_no_correction"
    )
    assert request_row(squash("（六）其他处理 3.其他")) == "other_misc"


def test_a_grid_row_is_named_by_its_most_specific_label() -> None:
    cells = [squash(t) for t in ("三、本年度办理结果", "（六）其他处理", "3.其他")]
    assert request_row_of_cells(cells) == "other_misc"
    assert request_row_of_cells(cells[:2]) == "other_handling"


@pytest.mark.parametrize(
    ("label", "template", "row"),
    [
        ("规章", "2019", "rules"),
        ("行政规范性文件", "2021", "normative_documents"),
        ("规范性文件", "2021", "normative_documents"),
        ("（一）行政许可", "2021", "licensing"),
        ("其他对外管理服务事项", "2019", "other_services"),
        ("其他对外管理服务事项", "2021", None),
        ("行政事业性收费(万元)", "2021", "fees"),
        ("政府集中采购", "2019", "procurement"),
        ("行政许可事项", "2019", None),
    ],
)
def test_active_rows(label: str, template: str, row: str | None) -> None:
    assert active_row(squash(label), template) == row


@pytest.mark.parametrize(
    ("section", "label", "key"),
    [
        ("requests", "商业企业", "commercial"),
        ("requests", "商业机构", "commercial"),
        ("requests", "社会公益组织", "social_welfare"),
        ("requests", "社会组织", "social_welfare"),
        ("requests", "其他", "other"),
        ("requests", "法人或其他组织", None),
        ("active", "本年增/减", "change"),
        ("active", "上一年项目数量", "prev_year_items"),
        ("active", "采购项目数量", "items"),
        ("active", "本年收费金额(单位:万元)", "amount"),
        ("appeals", "其他结果", "other"),
        ("appeals", "尚未审结", "pending"),
    ],
)
def test_column_headers(section: str, label: str, key: str | None) -> None:
    assert column_key(section, squash(label)) == key


def test_header_bands_name_their_table() -> None:
    assert header_section(["申请人情况", "自然人"]) == "requests"
    assert header_section(["行政复议", "行政诉讼", "结果维持"]) == "appeals"
    assert header_section(["信息内容", "本年制发件数"]) == "active"
    assert header_section(["第二十条第(一)项"]) is None
