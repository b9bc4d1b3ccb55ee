"""Which division a report belongs to, for reports from anywhere in China (real division names
and codes): resolution by year, short forms, autonomous counties, duplicate names, levels."""

from __future__ import annotations

import pytest

from reportparser import divisions, parse_bytes
from reportparser.meta import find_agency, find_county
from tests.conftest import SEEDS_DIR


def place(title: str, year: int, hint: str | None = None) -> tuple[str | None, str | None]:
    found = find_county(title, "", year=year, hint_code=hint).division
    return (found.code, found.level) if found else (None, None)


def agency(title: str, year: int, hint: str | None = None) -> tuple[str | None, str | None]:
    division = find_county(title, "", year=year, hint_code=hint).division
    return find_agency(title, county=division, body_head="", body="", tail=[], publishers=[])


REPORT = "政府信息公开工作年度报告"


# (title before 政府信息公开工作年度报告, year, the site's county, "code level agency scope")
CASES = [
    # The prefecture in front, and the agency without it.
    ("淮安市洪泽区2022年", 2022, None, "320813 county 洪泽区人民政府 county"),
    ("江苏省淮安市洪泽区教育局2022年", 2022, None, "320813 county 洪泽区教育局 department"),
    # A county made a district in 2016: a 2012 report keeps its 2012 code and name.
    ("洪泽县2012年", 2012, None, "320829 county 洪泽县人民政府 county"),
    ("洪泽区2012年", 2012, None, "320829 county 洪泽县人民政府 county"),
    ("姜堰市2011年", 2011, None, "321284 county 姜堰市人民政府 county"),
    ("姜堰区2013年", 2013, None, "321204 county 姜堰区人民政府 county"),
    # Autonomous counties, full and as their own documents shorten them.
    ("东乡族自治县2021年", 2021, None, "622926 county 东乡族自治县人民政府 county"),
    ("东乡县人民政府2021年", 2021, None, "622926 county 东乡族自治县人民政府 county"),
    ("恭城县2020年", 2020, None, "450332 county 恭城瑶族自治县人民政府 county"),
    (
        "积石山县教育局2022年",
        2022,
        None,
        "622927 county 积石山保安族东乡族撒拉族自治县教育局 department",
    ),
    # Prefecture and province reports: their own division and level.
    ("淮安市2022年", 2022, "320813", "320800 prefecture 淮安市人民政府 county"),
    ("淮安市教育局2022年", 2022, "320813", "320800 prefecture 淮安市教育局 department"),
    (
        "江苏省人民政府办公厅2021年",
        2021,
        "320813",
        "320000 province 江苏省人民政府办公厅 department",
    ),
    ("伊犁哈萨克自治州2021年", 2021, None, "654000 prefecture 伊犁哈萨克自治州人民政府 county"),
    # Found on 隆德's site, a report of 上海市人民政府办公厅 stays Shanghai's, as printed.
    (
        "上海市人民政府办公厅2020年",
        2020,
        "640423",
        "310000 province 上海市人民政府办公厅 department",
    ),
    # Duplicate names: decided by the prefecture printed in front, or by the site.
    ("北京市朝阳区2020年", 2020, None, "110105 county 朝阳区人民政府 county"),
    ("长春市朝阳区教育局2020年", 2020, None, "220104 county 朝阳区教育局 department"),
    ("朝阳区2020年", 2020, "110105", "110105 county 朝阳区人民政府 county"),
    ("朝阳区2020年", 2020, "220102", "220104 county 朝阳区人民政府 county"),  # its prefecture
    ("城关区2021年", 2021, "620103", "620102 county 城关区人民政府 county"),
    # A zone governed by its 管理委员会.
    ("平潭综合实验区管理委员会2020年", 2020, None, "350128 county 平潭综合实验区管理委员会 county"),
    ("盐池2020年", 2020, None, "640323 county 盐池县人民政府 county"),
]


# (title before 政府信息公开工作年度报告, year, the site's county, the division's code)
RENAMED = [
    # Renamed in 2020 under the same code (邢台 桥东区 → 襄都区, 桥西区 → 信都区); 邢台县, split
    # between them the same year, only gave them land: a 2019 report under the new name is the
    # code's, with or without the site.
    ("邢台市襄都区2019年", 2019, "130502", "130502"),
    ("襄都区2019年", 2019, None, "130502"),
    ("信都区2019年", 2019, "130503", "130503"),
    # The old name, which another division still bears, printed with its prefecture or found
    # on its site: the renamed division, not the namesake (张家口's 桥东区, Beijing's 通州区).
    ("邢台市桥东区2020年", 2020, None, "130502"),
    ("桥东区2020年", 2020, "130502", "130502"),
    ("南通市通州区2008年", 2008, None, "320683"),
    ("永定区2013年", 2013, "350803", "350822"),
    # Nothing printed, no site: the namesake in force that year.
    ("桥东区2020年", 2020, None, "130702"),
]


@pytest.mark.parametrize(("title", "year", "hint", "code"), RENAMED)
def test_renamed_divisions(title: str, year: int, hint: str | None, code: str) -> None:
    assert place(title + REPORT, year, hint) == (code, "county")
    division = divisions.get(code, year)
    assert division is not None
    # The county's own report under the name it bore before or after: the government as named
    # that year, never a department called 襄都区.
    assert agency(title + REPORT, year, hint) == (f"{division.name}人民政府", "county")


@pytest.mark.parametrize(("title", "year", "hint", "expected"), CASES)
def test_division_level_and_agency(title: str, year: int, hint: str | None, expected: str) -> None:
    code, level, agency_, scope = expected.split()
    assert place(title + REPORT, year, hint) == (code, level)
    assert agency(title + REPORT, year, hint) == (agency_, scope)


def renamed_in_place() -> list[tuple[divisions.Division, int]]:
    """Every county row since 2009 whose code was in force before under another name, with a
    year before the change from 2008 on (a site's archive titled with today's name)."""
    table = divisions.table()
    found = []
    for row in table.rows:
        earlier = [r for r in table.rows_of(row.code) if r.since < row.since]
        if row.level != "county" or row.since <= 2008 or not earlier:
            continue
        found.extend(
            (row, year)
            for year in range(max(2008, earlier[0].since), row.since)
            if any(r.in_force(year) for r in earlier)
        )
    return found


def test_a_name_that_took_over_its_code_resolves_before_the_change() -> None:
    """The whole class of 襄都区: every division renamed under its code since 2008 resolves, for
    the years before, to that code, from its site; one that merged with a county whose name
    it took (綦江县 into 万盛区's code, as 綦江区) stays ambiguous: both were that place."""
    wrong = []
    cases = renamed_in_place()
    for row, year in cases:
        placed = find_county(f"{row.name}{year}年{REPORT}", "", year=year, hint_code=row.code)
        if placed.division is None or placed.division.code != row.code:
            wrong.append((row.code, row.name, year, [d.code for d in placed.ambiguous]))
    assert len(cases) > 80
    merged = {("500110", "綦江区"), ("500111", "大足区")}
    assert {(code, name) for code, name, _, _ in wrong} == merged


def test_a_duplicate_name_nothing_decides_is_no_guess() -> None:
    found = find_county(f"朝阳区2020年{REPORT}", "", year=2020)
    assert found.division is None
    assert [d.code for d in found.ambiguous] == ["110105", "220104"]
    assert found.describe_ambiguity().startswith(
        "「朝阳区」 names 2 divisions (北京市朝阳区 110105, 吉林省长春市朝阳区 220104)"
    )
    # A site in another province does not decide either.
    assert find_county(f"鼓楼区2020年{REPORT}", "", year=2020, hint_code="640323").ambiguous


def test_a_zone_takes_its_committee_as_printed() -> None:
    title = f"平潭综合实验区2020年{REPORT}"
    division = find_county(title, "", year=2020).division
    assert find_agency(
        title,
        county=division,
        body_head="平潭综合实验区管委会办公室编制本报告",
        body="",
        tail=[],
        publishers=[],
    ) == ("平潭综合实验区管委会", "county")


def test_short_forms() -> None:
    assert divisions.short_names("东乡族自治县") == ("东乡", "东乡县")  # never 东乡族自治
    assert divisions.short_names("长白朝鲜族自治县") == ("长白", "长白县")
    assert divisions.short_names("龙胜各族自治县") == ("龙胜", "龙胜县")
    assert divisions.short_names("宁夏回族自治区") == ("宁夏",)
    assert divisions.short_names("鄂伦春自治旗") == ("鄂伦春", "鄂伦春旗")
    assert divisions.short_names("盐池县") == ("盐池",)
    assert divisions.short_names("沛县") == ()
    # A short form counts in a title only where a year or an organ word follows it.
    assert find_county(f"城关镇2020年{REPORT}", "", year=2020).division is None


def test_the_table_covers_the_country_since_1981() -> None:
    table = divisions.table()
    assert len(table.counties(2024)) == 2846
    assert len({d.code for d in table.rows if d.level == "county" and d.until is None}) == 2846
    hongze = table.get("320829", 1990)
    assert hongze is not None and hongze.prefecture == "淮阴市"
    assert [d.code for d in table.today(table.get("320829"))] == ["320813"]  # type: ignore[arg-type]
    assert [d.code for d in table.history("320813")] == ["322230", "320829", "320829", "320813"]


def test_prefectures_and_provinces_may_make_rules() -> None:
    """规章 in a prefecture's or province's report is no finding; in a county's it is."""
    seed = (SEEDS_DIR / "jingyuan-2021-county.txt").read_text("utf-8")
    body = seed.split("\n", 1)[1]  # prints 现行有效 规章 4

    def warnings(title: str) -> set[str]:
        result = parse_bytes(f"{title}\n{body}".encode(), filename="report.txt")
        assert result.meta is not None
        return {f.rule for f in result.findings if f.is_warning}

    assert "warning.county_rules" in warnings(f"泾源县2021年{REPORT}")
    assert "warning.county_rules" not in warnings(f"固原市2021年{REPORT}")
    assert "warning.county_rules" not in warnings(f"宁夏回族自治区2021年{REPORT}")
