"""Metadata: title, year, county, agency and scope, date, template."""

from __future__ import annotations

import datetime as dt

import pytest

from reportparser import divisions
from reportparser.meta import (
    clean_title,
    find_agency,
    find_county,
    find_title,
    find_year,
    parse_date,
    resolve_agency,
    signature_date,
    title_organ,
)

YANCHI = divisions.get("640323")
assert YANCHI is not None


def test_title_split_over_lines_is_joined_and_tidied() -> None:
    assert find_title(
        ["泾源县人民政府", "2021年政府信息公开工作年度报告", "根据…"], None, None
    ) == ("泾源县人民政府2021年政府信息公开工作年度报告")
    assert find_title([" 盐池县 2020 年政府信息公开", "工作年度报告"], None, None) == (
        "盐池县2020年政府信息公开工作年度报告"
    )
    assert find_title(
        ["发布日期：2021-01-28", "盐池县2020年政府信息公开工作年度报告"], None, None
    ) == ("盐池县2020年政府信息公开工作年度报告")


def test_title_falls_back_to_the_container_then_the_hint() -> None:
    assert find_title(["正文"], "盐池县2020年政府信息公开工作年度报告_盐池县人民政府", None) == (
        "盐池县2020年政府信息公开工作年度报告"
    )
    assert find_title(["正文"], None, "2019年政府信息公开年报") == "2019年政府信息公开年报"


@pytest.mark.parametrize(
    ("title", "agency", "scope"),
    [
        ("盐池县2020年政府信息公开工作年度报告", "盐池县人民政府", "county"),
        ("盐池县人民政府2020年政府信息公开工作年度报告", "盐池县人民政府", "county"),
        ("2020年盐池县政府信息公开工作年度报告", "盐池县人民政府", "county"),
        (
            "盐池县人民政府办公室2020年政府信息公开工作年度报告",
            "盐池县人民政府办公室",
            "department",
        ),
        (
            "盐池县扶贫开发办公室2020年政府信息公开工作年度报告",
            "盐池县扶贫开发办公室",
            "department",
        ),
        ("县教育局2020年政府信息公开工作年度报告", "盐池县教育局", "department"),
        ("花马池镇2020年政府信息公开工作年度报告", "盐池县花马池镇人民政府", "department"),
        ("花马池镇人民政府2020年政府信息公开工作年度报告", "盐池县花马池镇人民政府", "department"),
        ("盐池县花马池镇2020年政府信息公开工作年度报告", "盐池县花马池镇人民政府", "department"),
        ("吴忠市教育局2020年政府信息公开工作年度报告", "吴忠市教育局", "department"),
        ("盐池2020年政府信息公开工作年度报告", "盐池县人民政府", "county"),
        ("中共盐池县委办公室2020年政府信息公开工作年度报告", "中共盐池县委办公室", "department"),
    ],
)
def test_agency_from_the_title(title: str, agency: str, scope: str) -> None:
    assert resolve_agency(title_organ(title), YANCHI) == (agency, scope)


TITLE = "盐池县2020年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    "prefix",
    [
        "附件1：",
        "附件1:",
        "附件：",
        "附件1 ",
        "附件 ",
        "附件一：",
        "附件12、",
        "附件1.",
        "附件2-",
        "附件1－",
        "附件1—",
        "附 件1：",
        "转载：",
        "转发：",
        "(转载)",
        "（转载）",
        "【转载】",
        "【公示】",
        "【置顶】【公示】",
        "[置顶]",
        "★",
        "☆ ",
        "2021-01-28 ",
        "2021-1-28",
        "2021.01.28",
        "[2021.01.28]",
        "2021年1月28日",
        "20210128 ",
        "转载:【公示】★",
        "附件1：2021-01-28 ",
    ],
)
def test_list_title_prefixes_never_reach_the_agency(prefix: str) -> None:
    assert clean_title(prefix + TITLE) == TITLE
    assert resolve_agency(title_organ(prefix + TITLE), YANCHI) == ("盐池县人民政府", "county")
    department = prefix + "盐池县教育局2020年政府信息公开工作年度报告"
    assert resolve_agency(title_organ(department), YANCHI) == ("盐池县教育局", "department")


@pytest.mark.parametrize(
    "title",
    [
        "2020年盐池县政府信息公开工作年度报告",  # a year in front is the title's own
        "盐池县2020年政府信息公开工作年度报告",
    ],
)
def test_titles_without_prefixes_are_kept(title: str) -> None:
    assert clean_title(title) == title


def test_the_office_that_compiled_a_county_report_is_not_its_agency() -> None:
    head = (
        "根据《中华人民共和国政府信息公开条例》规定，盐池县人民政府办公室综合全县各乡镇和"
        "县政府各部门2020年政府信息公开工作情况编制本报告。"
    )
    found = find_agency(
        "2020年政府信息公开工作年度报告",
        county=YANCHI,
        body_head=head,
        body=head,
        tail=["盐池县人民政府办公室", "2021年1月28日"],
        publishers=["盐池县人民政府办公室"],
    )
    assert found == ("盐池县人民政府", "county")


def test_a_department_known_only_from_its_signature() -> None:
    found = find_agency(
        "2020年政府信息公开工作年度报告",
        county=YANCHI,
        body_head="我局认真贯彻落实条例",
        body="我局认真贯彻落实条例，本局……",
        tail=["盐池县教育局", "2021年1月20日"],
        publishers=[None],
    )
    assert found == ("盐池县教育局", "department")


def test_year_from_title_period_hint_or_body() -> None:
    assert find_year("盐池县二〇二〇年政府信息公开工作年度报告", "", None) == 2020
    assert (
        find_year(
            "政府信息公开工作年度报告", "本报告统计期限自2021年1月1日起至2021年12月31日止", None
        )
        == 2021
    )
    assert find_year(None, "", "花马池镇2019年政府信息公开工作年度报告") == 2019
    assert find_year(None, "2020年，我局认真贯彻…2020年共…2008年以来", None) == 2020
    assert find_year(None, "", None) is None


def test_county_from_title_body_or_hints() -> None:
    def code(title: str | None, body: str = "", **hints: str) -> str | None:
        division = find_county(title, body, year=2020, **hints).division
        return division.code if division else None

    assert code("贺兰县2020年政府信息公开工作年度报告", "盐池县") == "640122"
    assert code("2020年政府信息公开工作年度报告", "我县泾源县泾源县") == "640424"
    assert code(None, hint_county="盐池县") == "640323"
    assert code(None, hint_code="640424") == "640424"
    assert code(None) is None
    assert code("盐池2020年政府信息公开工作年度报告") == "640323"
    assert code("同心协力2020年工作报告") is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2021年1月28日", dt.date(2021, 1, 28)),
        ("2021-01-28", dt.date(2021, 1, 28)),
        ("2021.1.28", dt.date(2021, 1, 28)),
        ("二〇二一年一月二十八日", dt.date(2021, 1, 28)),
        ("二〇二一年十二月三十一日", dt.date(2021, 12, 31)),
        ("2021年2月30日", None),
        ("日期不详", None),
    ],
)
def test_dates(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


def test_signature_date_must_fit_the_report_year() -> None:
    assert signature_date(["盐池县人民政府办公室", "2021年1月28日"], 2020) == dt.date(2021, 1, 28)
    assert signature_date(["2015年1月28日"], 2020) is None
    assert (
        signature_date(["本报告统计数据从2021年1月1日至12月31日，此句很长因此不是落款日期。"], 2021)
        is None
    )
