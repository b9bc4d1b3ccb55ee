"""Site identity: a home page's SiteIDCode and SiteName judged against the registry's county."""

from __future__ import annotations

import pytest

from crawler.counties import BY_COUNTY_CODE, COUNTIES, SHARED_HOSTS
from crawler.siteid import judge_site

PUTUO_SHANGHAI = BY_COUNTY_CODE["310107"]
PUTUO_ZHOUSHAN = BY_COUNTY_CODE["330903"]
HONGZE = BY_COUNTY_CODE["320813"]


def test_the_site_list_gives_one_host_for_two_counties() -> None:
    assert SHARED_HOSTS["www.putuo.gov.cn"] == (PUTUO_SHANGHAI, PUTUO_ZHOUSHAN)


@pytest.mark.parametrize(
    ("county", "metas", "verdict", "reason"),
    [
        (PUTUO_SHANGHAI, {"SiteIDCode": "3101070001"}, "verified", "names 上海市普陀区"),
        (
            PUTUO_ZHOUSHAN,
            {"SiteIDCode": "3101070001"},
            "mismatch",
            "SiteIDCode 3101070001 names 上海市普陀区 (310107), not 浙江省舟山市普陀区 (330903)",
        ),
        # An older code of the same place: 洪泽县 320829 became 洪泽区 320813 in 2016.
        (HONGZE, {"SiteIDCode": "3208290001", "SiteName": "洪泽区人民政府"}, "verified", "320829"),
        (HONGZE, {}, "unverified", "no SiteIDCode or SiteName"),
        (HONGZE, {"SiteIDCode": "HZ-portal"}, "unverified", "unreadable SiteIDCode"),
        (HONGZE, {"SiteName": "淮安市洪泽区人民政府"}, "verified", "SiteName"),
        (
            PUTUO_SHANGHAI,
            {"SiteName": "舟山市普陀区人民政府"},
            "mismatch",
            "names 舟山市 (330900)",
        ),
        (HONGZE, {"SiteName": "门户网站"}, "unverified", "no SiteIDCode or SiteName"),
    ],
)
def test_verdicts(county: object, metas: dict[str, str], verdict: str, reason: str) -> None:
    identity = judge_site(county, metas)  # type: ignore[arg-type]
    assert identity.verdict == verdict
    assert reason in identity.reason


def test_a_parked_domain_is_a_mismatch() -> None:
    identity = judge_site(HONGZE, {}, title="hongze.gov.cn 域名出售 - 联系我们")
    assert identity.verdict == "mismatch"
    assert "parked domain" in identity.reason


def test_a_redirect_to_another_countys_host_is_a_mismatch() -> None:
    yanchi = BY_COUNTY_CODE["640323"]
    identity = judge_site(
        yanchi,
        {"SiteIDCode": "6403230001"},
        final_url="https://www.nxjy.gov.cn/",
        registry=COUNTIES,
    )
    assert identity.verdict == "mismatch"
    assert identity.reason == (
        "the portal redirects to www.nxjy.gov.cn, the site of 宁夏回族自治区固原市泾源县 (640424)"
    )
    # Its own subdomain is its own site.
    assert (
        judge_site(yanchi, {"SiteIDCode": "6403230001"}, final_url="https://xxgk.yanchi.gov.cn/")
    ).verdict == "verified"
