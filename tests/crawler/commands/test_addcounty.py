"""`scrapy addcounty`: the scaffold writes consistent files and refuses bad or duplicate data."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.commands.addcounty import scaffold
from tests.crawler.crawls import PROJECT_DIR, SCRAPY, crawl_env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files the scaffold reads or writes, copied into a throw-away project."""
    (tmp_path / "crawler" / "spiders").mkdir(parents=True)
    (tmp_path / "tests" / "fixtures" / "pages").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "crawler" / "counties.py", tmp_path / "crawler" / "counties.py")
    return tmp_path


def registry_rows(project: Path) -> list[str]:
    tree = ast.parse((project / "crawler" / "counties.py").read_text("utf-8"))
    rows = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "County":
            rows.append(ast.unparse(node))
    return rows


def test_a_county_is_scaffolded(project: Path) -> None:
    done = scaffold(project, "wuzhong", "640300", "https://www.wuzhong.gov.cn/")
    assert done.division_known
    spider = project / "crawler" / "spiders" / "wuzhong.py"
    test = project / "tests" / "crawler" / "spiders" / "test_wuzhong.py"
    fixtures = project / "tests" / "fixtures" / "pages" / "wuzhong"
    assert done.written == [project / "crawler" / "counties.py", spider, test, fixtures]
    assert spider.read_text("utf-8") == (
        '"""吴忠市 (宁夏回族自治区): the shared Ningxia platform, no deviations."""\n'
        "\n"
        "from crawler.platform import NingxiaPlatformSpider\n"
        "\n"
        "\n"
        "class WuzhongSpider(NingxiaPlatformSpider):\n"
        '    name = "wuzhong"\n'
        '    county_code = "640300"\n'
    )
    assert 'assert_county_spider(WuzhongSpider, code="640300", host="www.wuzhong.gov.cn")' in (
        test.read_text("utf-8")
    )
    assert (fixtures / ".gitkeep").is_file()
    rows = registry_rows(project)
    assert len(rows) == 23
    assert rows[-1] == "County('wuzhong', '640300', 'www.wuzhong.gov.cn')"
    # The files it writes are the files the project checks in: the same as yanchi's.
    ours = (PROJECT_DIR / "tests" / "crawler" / "spiders" / "test_yanchi.py").read_text("utf-8")
    assert test.read_text("utf-8") == ours.replace("yanchi", "wuzhong").replace(
        "Yanchi", "Wuzhong"
    ).replace("640323", "640300").replace("盐池县", "吴忠市")


def test_an_unknown_code_asks_for_a_division_row(project: Path) -> None:
    done = scaffold(project, "tianshan", "650102", "www.xjtsq.gov.cn", verified=False)
    assert not done.division_known
    assert registry_rows(project)[-1] == (
        "County('tianshan', '650102', 'www.xjtsq.gov.cn', site_verified=False)"
    )


@pytest.mark.parametrize(
    ("slug", "code", "host", "message"),
    [
        ("yanchi", "640399", "www.yc2.gov.cn", "already in crawler/counties.py"),
        ("newcounty", "640323", "www.yc2.gov.cn", "already in crawler/counties.py"),
        ("Salt-Pond", "640399", "www.yc2.gov.cn", "ASCII pinyin"),
        ("newcounty", "64039", "www.yc2.gov.cn", "six-digit"),
        ("newcounty", "640399", "not a host", "host name"),
    ],
)
def test_bad_data_is_refused(project: Path, slug: str, code: str, host: str, message: str) -> None:
    before = (project / "crawler" / "counties.py").read_bytes()
    with pytest.raises(ValueError, match=message):
        scaffold(project, slug, code, host)
    assert (project / "crawler" / "counties.py").read_bytes() == before
    assert not (project / "crawler" / "spiders" / f"{slug}.py").exists()


def test_the_command_reports_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*SCRAPY, "addcounty", "yanchi", "640323", "www.yanchi.gov.cn"],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "yanchi / 640323 is already in crawler/counties.py" in done.stderr + done.stdout
