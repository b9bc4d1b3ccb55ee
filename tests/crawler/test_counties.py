"""The registry as data: every row a county in force today with the divisions' names, lookups
by code, slug and name, selections, and rows that can never break a command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.counties import (
    BY_COUNTY_CODE,
    BY_SLUG,
    COUNTIES,
    SHARED_HOSTS,
    County,
    RegistryError,
    lookup,
    select,
)
from models.coverage import coverage
from models.store import ReportStore
from reportparser import divisions
from tests.models.build import make_fetch, make_result

NINGXIA_SLUGS = {
    "xingqing", "xixia", "jinfeng", "yongning", "helan", "lingwu", "dawukou", "huinong",
    "pingluo", "litong", "hongsibu", "yanchi", "tongxin", "qingtongxia", "yuanzhou", "xiji",
    "longde", "jingyuan", "pengyang", "shapotou", "zhongning", "haiyuan",
}  # fmt: skip


def test_every_row_is_a_county_in_force_with_the_divisions_names() -> None:
    table = divisions.table()
    for county in COUNTIES:
        division = table.get(county.code)
        assert division is not None, county.code
        assert (division.until, division.level) == (None, "county"), county.code
        assert (county.name, county.province) == (division.name, division.province), county.code
        assert county.prefecture == (division.prefecture or ""), county.code
    # The site list covers all but a handful of the counties in force (see its README).
    assert len(table.counties(None)) - len(COUNTIES) == 5


def test_existing_slugs_still_work_and_the_code_is_every_countys_identifier() -> None:
    assert {c.slug for c in COUNTIES if c.has_slug} == NINGXIA_SLUGS
    assert BY_SLUG["yanchi"] is BY_COUNTY_CODE["640323"]
    assert BY_SLUG["320813"] is BY_COUNTY_CODE["320813"]  # no slug: the code
    yanchi = BY_SLUG["yanchi"]
    assert (yanchi.site, yanchi.start_url, yanchi.registered_domain) == (
        "www.yanchi.gov.cn",
        "https://www.yanchi.gov.cn/",
        "yanchi.gov.cn",
    )
    assert (yanchi.family, yanchi.site_verified) == ("trs", True)
    assert (BY_SLUG["haiyuan"].family, BY_SLUG["haiyuan"].site_verified) == ("trs", False)
    # Registry rows are `unknown` until detected; the fixture web's family sites name theirs.
    detected = {c.code: c.family for c in COUNTIES if not c.has_slug and c.family != "unknown"}
    assert set(detected.values()) == {"trs", "generic", "hanweb", "gkmlpt", "ucap", "boda"}
    assert {code: detected[code] for code in ("330523", "440222", "469001", "620523")} == {
        "330523": "hanweb",
        "440222": "gkmlpt",
        "469001": "ucap",
        "620523": "boda",
    }


def test_hosts_given_for_two_counties_are_known() -> None:
    assert {host: [c.code for c in found] for host, found in SHARED_HOSTS.items()} == {
        "www.putuo.gov.cn": ["310107", "330903"]
    }


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("640323", "640323"),
        ("yanchi", "640323"),
        ("盐池县", "640323"),
        ("盐池", "640323"),
        ("东乡族自治县", "622926"),
        ("东乡县", "622926"),
        ("北京市朝阳区", "110105"),
        ("长春市朝阳区", "220104"),
        ("江苏淮安洪泽区", "320813"),
    ],
)
def test_lookup(key: str, code: str) -> None:
    assert lookup(key).code == code


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("朝阳区", "'朝阳区' names 2 counties: 北京市朝阳区 (110105), 吉林省长春市朝阳区 (220104)"),
        ("东乡", "names 2 counties"),
        ("atlantis", "no county 'atlantis' in the registry"),
        ("640399", "no county '640399'"),
    ],
)
def test_lookup_errors_name_the_candidates(key: str, message: str) -> None:
    with pytest.raises(RegistryError, match=re.escape(message)):
        lookup(key)


def test_select() -> None:
    ningxia = select(province="宁夏回族自治区")
    assert ningxia == select(province="宁夏")
    assert {c.slug for c in ningxia} == NINGXIA_SLUGS
    huaian = select(prefecture="淮安市")
    assert [c.name for c in huaian] == [
        "淮安区", "淮阴区", "清江浦区", "洪泽区", "涟水县", "盱眙县", "金湖县",
    ]  # fmt: skip
    together = select(province=["上海市"], prefecture="淮安", counties=["622926", "yanchi"])
    assert len(together) == 16 + 7 + 2
    assert together == sorted(together, key=lambda c: c.code)
    with pytest.raises(RegistryError, match="no prefecture '火星市'"):
        select(prefecture="火星市")


def test_an_unknown_code_breaks_no_command(tmp_path: Path) -> None:
    """A hand-edited row with a code the divisions lack (a typo, a county newer than the table):
    the database, coverage and the reports still work; the first test of this file names it."""
    stray = County(slug="999999", code="999999", site="www.stray.gov.cn", name="新设县")
    with ReportStore(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "blobs") as store:
        store.upgrade()
        store.sync_counties([*select(province="宁夏"), stray])
        store.record_document(make_fetch("https://www.stray.gov.cn/1", county_code="999999"),
                              make_result(county_code=None))  # fmt: skip
        cells = coverage(store, since=2020, until=2020)
        assert ("999999", "新设县") in {(c.county_code, c.county_name) for c in cells}
        assert [r.meta.county_code for r in store.reports()] == ["999999"]
