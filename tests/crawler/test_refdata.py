"""The yearly refresh of the reference data, from local files (never the network in tests)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from crawler.counties import read_counties
from crawler.refdata import checked_divisions, merged_registry, read_source
from tests.crawler.crawls import PROJECT_DIR

REGISTRY = (PROJECT_DIR / "crawler" / "data" / "counties.csv").read_text("utf-8")
HEADER = "code,province,prefecture,county,portal_url\n"


def test_the_packaged_data_refreshes_to_itself() -> None:
    shared = PROJECT_DIR.parent / "shared" / "data"
    divisions = PROJECT_DIR / "reportparser" / "data" / "divisions-areacodes.csv"
    assert checked_divisions(read_source(str(divisions))) == divisions.read_text("utf-8-sig")
    merge = merged_registry(REGISTRY, read_source(str(shared / "county-sites.csv")))
    assert merge.text == REGISTRY  # what people added (slugs, families, portals) is kept
    assert (merge.added, merge.dropped, merge.kept) == ([], [], [])


def test_new_counties_come_in_unknown_and_what_people_know_is_kept() -> None:
    sites = (
        HEADER
        + "640323,宁夏回族自治区,吴忠市,盐池县,http://www.yanchi-new.gov.cn/\n"
        + "653228,新疆维吾尔自治区,和田地区,和康县,http://www.hekang.gov.cn/\n"
        + "640324,宁夏回族自治区,吴忠市,同心县,https://www.tongxin.gov.cn/\n"
    )
    current = "\n".join(
        line
        for line in REGISTRY.splitlines()
        if line.startswith(("code,", "640323,", "640324,", "110101,"))
    )
    merge = merged_registry(current + "\n", sites)
    rows = {c.code: c for c in read_counties(merge.text)}
    assert rows["640323"].site == "www.yanchi.gov.cn"  # verified: the list does not override
    assert (rows["640323"].slug, rows["640323"].family) == ("yanchi", "trs")
    assert (rows["653228"].family, rows["653228"].site_verified) == ("unknown", False)
    assert merge.added == ["653228 和康县"]
    assert merge.dropped == ["110101 东城区"]  # nothing known about it beyond the list
    assert "640324" in rows


def test_a_broken_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="columns"):
        checked_divisions("code,name\n1,x\n")
    with pytest.raises(ValueError, match="columns"):
        merged_registry(REGISTRY, "code;name\n")
    bad = tmp_path / "sites.csv"
    bad.write_text("not,a,site,list\n", "utf-8")
    before = (PROJECT_DIR / "crawler" / "data" / "counties.csv").read_bytes()
    done = subprocess.run(
        [str(PROJECT_DIR / "scripts" / "refresh-reference-data"), "--sites", str(bad)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert (PROJECT_DIR / "crawler" / "data" / "counties.csv").read_bytes() == before
