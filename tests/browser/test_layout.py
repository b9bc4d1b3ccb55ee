"""The template's tables: every key in exactly one cell, rectangular grids, the printed labels
(the parser's own label patterns read them back as the same rows)."""

from __future__ import annotations

import pytest

from browser.layout import Table, dictionary, label, other_form, sections
from reportparser.labels import active_row, request_row
from reportparser.template_labels import unit
from reportparser.values import squash
from reportparser.vocabulary import OtherForm, all_figure_keys, figure_keys


def widths(table: Table) -> list[int]:
    """The number of grid columns each row covers, spans resolved as browsers do."""
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return [len({c for (row, c) in taken if row == r}) for r in range(len(table.rows))]


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("other", [None, "single", "split"])
def test_every_key_of_the_template_sits_in_exactly_one_cell(
    template: str, other: OtherForm | None
) -> None:
    keys = [
        key for s in sections(template, other) for table in s.tables for key in table.figure_keys()
    ]
    assert sorted(keys) == sorted(figure_keys(template, other))
    assert len(keys) == len(set(keys))


def test_the_printed_other_form_is_read_from_the_keys() -> None:
    assert other_form(figure_keys("2021", "single")) == "single"
    assert other_form(figure_keys("2019", "split")) == "split"
    assert other_form(["requests.new.total", "appeals.review.total"]) is None


@pytest.mark.parametrize("template", ["2019", "2021", "legacy", None])
@pytest.mark.parametrize("other", [None, "single", "split"])
def test_tables_are_rectangular(template: str | None, other: OtherForm | None) -> None:
    for section in sections(template, other):
        for table in section.tables:
            assert len(set(widths(table))) == 1, (section.heading, table.caption)


def test_legacy_reports_use_the_2019_tables() -> None:
    assert sections("legacy") == sections("2019") == sections(None)
    assert [s.heading[:2] for s in sections("2021")] == ["二、", "三、", "四、"]


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("other", ["single", "split"])
def test_row_labels_are_the_printed_ones(template: str, other: OtherForm) -> None:
    """The parser, which finds rows by their printed labels, reads each label as its row."""
    requests_table = sections(template, other)[1].tables[0]
    for row in requests_table.rows[3:]:
        keys = [cell.key for cell in row if cell.key]
        labels = [cell.text for cell in row if cell.key is None and cell.text]
        expected = keys[0].split(".")[1]
        assert request_row(squash(labels[-1])) == expected, labels
    for table in sections(template)[0].tables:
        for row in table.rows[1:]:
            expected = row[1].key.split(".")[1] if row[1].key else None
            assert active_row(squash(row[0].text), template) == expected


def test_labels_and_units() -> None:
    assert label("requests.new.total") == "一、本年新收政府信息公开申请数量 · 总计"
    assert label("requests.withheld_state_secret.commercial") == (
        "（三）不予公开 1.属于国家秘密 · 商业企业"
    )
    assert label("active.normative_documents.issued") == "行政规范性文件 · 本年制发件数"
    assert label("active.normative_documents.new_made", "2019") == "规范性文件 · 本年新制作数量"
    assert label("requests.other_handling.total") == "（六）其他处理 · 总计"  # 2019 only
    assert label("appeals.litigation_direct.upheld") == "行政诉讼 未经复议直接起诉 · 结果维持"
    assert label("no.such.key") == "no.such.key"
    assert unit("active.fees.amount") == unit("active.procurement.amount") == "万元"
    assert unit("requests.new.total") == "件"
    # Service items count in 项, as the data dictionary and report-fields.md say.
    assert unit("active.licensing.prev_year_items") == "项"


def test_dictionary_lists_every_key_with_its_templates() -> None:
    rows = {key: (text, unit_, templates) for key, text, unit_, templates in dictionary()}
    assert list(rows) == list(all_figure_keys())
    assert rows["requests.new.total"][2] == "2019, 2021"
    assert rows["requests.other_handling.total"][2] == "2019"
    assert rows["active.rules.issued"][2] == "2021"
    assert all(text != key for key, (text, _, _) in rows.items())
