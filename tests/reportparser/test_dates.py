"""reportparser.dates: one function for dates, a fast path for the common exact forms and
dateparser for the rest."""

from __future__ import annotations

import datetime as dt

import dateparser
import pytest

from reportparser.dates import find_date, read_date

DATE = dt.date(2021, 1, 28)


@pytest.mark.parametrize(
    "value",
    [
        "2021-01-28",
        "2021-1-28 10:30:00",
        "2021年1月28日",
        "2021年01月28日 10时30分",
        "2021/1/28",
        "2021.01.28",
        "二〇二一年一月二十八日",
    ],
)
def test_the_fast_path_reads_common_forms_without_dateparser(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the fast path should have read this")

    monkeypatch.setattr(dateparser, "parse", refuse)

    assert read_date(value) == DATE


@pytest.mark.parametrize(
    "value",
    ["Thu, 28 Jan 2021 08:00:00 +0800", "28 January 2021", "2021-01-28T10:00:00+08:00"],
)
def test_other_forms_go_through_dateparser(value: str) -> None:
    assert read_date(value) == DATE


@pytest.mark.parametrize("value", ["", None, "January 2021", "yesterday", "2021年", "见附件"])
def test_no_full_date_is_none(value: str | None) -> None:
    assert read_date(value) is None


def test_find_date_in_text_gives_the_printed_length() -> None:
    assert find_date("盐池县人民政府2021年1月28日") == (DATE, len("2021年1月28日"))
    assert find_date("二〇二一年一月二十八日") == (DATE, 11)
    assert find_date("2021年2月30日") == (None, 0)
    assert find_date("无日期") == (None, 0)
