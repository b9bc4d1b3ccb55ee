"""The document's kind: its report template (`reportparser.genre`). Whether a document is a report
at all is tested end to end, on whole documents, in `tests/reportparser/test_not_report.py`."""

from __future__ import annotations

import pytest

from reportparser.genre import detect_template


@pytest.mark.parametrize(
    ("flat", "year", "template"),
    [
        ("信息内容本年制发件数本年废止件数", 2020, "2021"),
        ("本年新制作数量上一年项目数量", 2022, "2019"),
        ("1.申请人无正当理由逾期不补正", None, "2021"),
        ("本年新收", 2020, "2019"),
        ("本年新收", 2023, "2021"),
        ("主动公开", 2015, "legacy"),
        ("主动公开", None, "legacy"),
    ],
)
def test_template_by_markers_then_year(flat: str, year: int | None, template: str) -> None:
    assert detect_template(flat, year) == template
