"""`scrapy addcounty`: one registry row and a fixture directory, checked against the divisions
table first; refused data leaves the project as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.commands.addcounty import PAGE_FIXTURES, REGISTRY, add_county
from crawler.counties import COUNTIES, read_counties
from tests.crawler.crawls import PROJECT_DIR, SCRAPY, crawl_env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files the command reads or writes, copied into a throw-away project."""
    (tmp_path / REGISTRY).parent.mkdir(parents=True)
    (tmp_path / PAGE_FIXTURES).mkdir(parents=True)
    shutil.copy(PROJECT_DIR / REGISTRY, tmp_path / REGISTRY)
    return tmp_path


def registry(project: Path) -> dict[str, object]:
    return {c.code: c for c in read_counties((project / REGISTRY).read_text("utf-8"))}


def test_a_county_is_one_row_and_a_fixture_directory(project: Path) -> None:
    done = add_county(project, "419001", "www.jiyuan.gov.cn", slug="jiyuan", family="trs")

    assert done.written == [project / REGISTRY, project / PAGE_FIXTURES / "jiyuan"]
    assert (project / PAGE_FIXTURES / "jiyuan" / ".gitkeep").is_file()
    counties = registry(project)
    assert len(counties) == len(COUNTIES) + 1
    added = read_counties((project / REGISTRY).read_text("utf-8"))
    jiyuan = next(c for c in added if c.code == "419001")
    # Names from the divisions table; a 直辖 county has no prefecture.
    assert (jiyuan.name, jiyuan.province, jiyuan.prefecture) == ("济源市", "河南省", "")
    assert (jiyuan.slug, jiyuan.site, jiyuan.family, jiyuan.site_verified) == (
        "jiyuan",
        "www.jiyuan.gov.cn",
        "trs",
        False,
    )
    assert jiyuan.start_url == "https://www.jiyuan.gov.cn/"
    # In code order: the row sits between its neighbours, the rest of the file is untouched.
    lines = (project / REGISTRY).read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("419001,"))
    assert lines[at - 1] < lines[at] < lines[at + 1]
    assert [line for line in lines if not line.startswith("419001,")] == (
        (PROJECT_DIR / REGISTRY).read_text("utf-8").splitlines()
    )


def test_without_a_slug_the_code_is_the_identifier(project: Path) -> None:
    add_county(project, "500105", "http://www.cqjb.gov.cn/", verified=True)

    county = next(c for c in registry(project).values() if c.code == "500105")  # type: ignore[attr-defined]
    assert county.slug == "500105"  # type: ignore[attr-defined]
    assert county.start_url == "http://www.cqjb.gov.cn/"  # type: ignore[attr-defined]
    assert (project / PAGE_FIXTURES / "500105").is_dir()


@pytest.mark.parametrize(
    ("code", "portal", "slug", "message"),
    [
        ("640323", "www.yc2.gov.cn", "", "already in crawler/data/counties.csv"),
        ("419001", "www.yc2.gov.cn", "yanchi", "slug yanchi is already"),
        ("419001", "www.yc2.gov.cn", "Salt-Pond", "ASCII pinyin"),
        ("64039", "www.yc2.gov.cn", "", "six-digit"),
        ("640399", "www.yc2.gov.cn", "", "not in the divisions table"),
        (
            "320829",
            "www.hongze.gov.cn",
            "",
            "no longer in force since 2016; the place is now 320813",
        ),
        ("640300", "www.wuzhong.gov.cn", "", "a prefecture, not a county"),
        ("419001", "not a host", "", "the site's host or URL"),
    ],
)
def test_bad_data_is_refused(
    project: Path, code: str, portal: str, slug: str, message: str
) -> None:
    before = (project / REGISTRY).read_bytes()
    with pytest.raises(ValueError, match=message):
        add_county(project, code, portal, slug=slug)
    assert (project / REGISTRY).read_bytes() == before
    assert list((project / PAGE_FIXTURES).iterdir()) == []


def test_the_command_reports_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*SCRAPY, "addcounty", "640399", "www.yanchi.gov.cn"],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "code 640399 is not in the divisions table" in done.stderr + done.stdout
