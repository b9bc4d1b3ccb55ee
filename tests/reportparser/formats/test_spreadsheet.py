from __future__ import annotations

import datetime as dt
import io

import openpyxl

from reportparser.document import Cell, Paragraph, Table
from reportparser.formats import ExtractionFailure, extract


def report_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "申请情况"
    sheet.append(["（本列数据的勾稽关系）", None, "申请人情况", None, None])
    sheet.append([None, None, "自然人", "法人或其他组织", "总计"])
    sheet.append(["一、本年新收政府信息公开申请数量", None, 5.0, None, 5])
    sheet.append(["采购总金额", None, 16280.5867, dt.date(2021, 1, 28), True])
    sheet.merge_cells("A1:B2")
    sheet.merge_cells("C1:E1")
    sheet.merge_cells("A3:B3")
    sheet.merge_cells("A4:B4")
    workbook.create_sheet("空表")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Columns A and B are merged in every row: one column of the table (see tables.canonical).
XLSX_TABLE = Table(
    cells=(
        Cell("（本列数据的勾稽关系）", 0, 0, 2, 1),
        Cell("申请人情况", 0, 1, 1, 3),
        Cell("自然人", 1, 1),
        Cell("法人或其他组织", 1, 2),
        Cell("总计", 1, 3),
        Cell("一、本年新收政府信息公开申请数量", 2, 0),
        Cell("5", 2, 1),
        Cell("", 2, 2),
        Cell("5", 2, 3),
        Cell("采购总金额", 3, 0),
        Cell("16280.5867", 3, 1),
        Cell("2021-01-28", 3, 2),
        Cell("TRUE", 3, 3),
    ),
    n_rows=4,
    n_cols=4,
)


def test_sheet_as_a_table_with_merges() -> None:
    result = extract(report_xlsx(), filename="table.xlsx")
    assert not isinstance(result, ExtractionFailure), result
    assert (result.format, result.engine) == ("xlsx", "openpyxl")
    # The empty second sheet gives nothing.
    assert result.blocks == (Paragraph("申请情况"), XLSX_TABLE)
