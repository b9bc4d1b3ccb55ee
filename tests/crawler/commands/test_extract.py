"""`scrapy extract`, run as a real command in a subprocess from the project directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_DIR, SEED_NAMES, SEEDS_DIR, load_expected


def _scrapy(*args: str | Path) -> subprocess.CompletedProcess[str]:
    scrapy = Path(sys.executable).with_name("scrapy")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [str(scrapy), "extract", *map(str, args)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture(scope="module")
def seeds_json() -> subprocess.CompletedProcess[str]:
    return _scrapy("--json", *(SEEDS_DIR / f"{name}.txt" for name in SEED_NAMES))


def test_json_is_one_object_per_file_and_nothing_else(
    seeds_json: subprocess.CompletedProcess[str],
) -> None:
    assert seeds_json.returncode == 0, seeds_json.stderr
    lines = seeds_json.stdout.splitlines()
    assert len(lines) == len(SEED_NAMES)
    for name, record in zip(SEED_NAMES, _records(seeds_json.stdout), strict=True):
        assert set(record) == {
            "path",
            "meta",
            "figures",
            "findings",
            "status",
            "format",
            "reason",
            "engine",
        }
        assert record["path"].endswith(f"{name}.txt")
        expected = load_expected(name)
        assert {k: record["meta"][k] for k in expected["meta"]} == expected["meta"]
        optional = set(expected.get("optional", ()))
        for key, want in expected["figures"].items():
            got = record["figures"].get(key)
            assert got == want or (key in optional and got in (None, want)), key
        hard = {f["rule"] for f in record["findings"] if not f["rule"].startswith("warning.")}
        assert hard == set(expected["findings"])


def test_json_lines_are_compact(seeds_json: subprocess.CompletedProcess[str]) -> None:
    first = seeds_json.stdout.splitlines()[0]
    assert '": ' not in first
    assert '", "' not in first
    assert "盐池县" in seeds_json.stdout  # not \\u-escaped


def test_a_missing_file_fails_alone(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pdf"
    result = _scrapy("--json", missing, SEEDS_DIR / "helan-2020-county.txt")
    assert result.returncode == 1
    first, second = _records(result.stdout)
    assert first["status"] == "error"
    assert "cannot read file" in first["reason"]
    assert second["status"] == "report"
    assert "1 file(s) failed" in result.stderr


def test_not_a_report_is_not_a_failure(tmp_path: Path) -> None:
    news = tmp_path / "news.txt"
    news.write_text("盐池县召开政务公开工作推进会\n会议安排部署了下一阶段工作。\n", "utf-8")
    result = _scrapy("--json", news)
    assert result.returncode == 0, result.stderr
    [record] = _records(result.stdout)
    assert record["status"] == "not_report"
    assert record["reason"]


def test_a_broken_file_gives_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "report.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    result = _scrapy("--json", broken)
    assert result.returncode == 1
    [record] = _records(result.stdout)
    assert record["status"] == "error"
    assert record["reason"]


def test_summary_for_people(tmp_path: Path) -> None:
    news = tmp_path / "news.txt"
    news.write_text("一则新闻\n", "utf-8")
    result = _scrapy(
        SEEDS_DIR / "helan-2020-county.txt", SEEDS_DIR / "yanchi-2020-county.txt", news
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "helan-2020-county.txt: report (text" in out
    assert "贺兰县 (640122) · 2020 · 贺兰县人民政府 · scope county · template 2019" in out
    assert "figures: 198 (1 null, 0 inferred)" in out
    assert "requests.row_total: row new: total = 55" in out
    assert "figures: 198 (0 null, 7 inferred)" in out
    assert "news.txt: not_report" in out
    assert "reason: " in out


def test_no_arguments_is_a_usage_error() -> None:
    result = _scrapy()
    assert result.returncode == 2
    assert "give at least one file" in result.stderr


def test_a_directory_stands_for_its_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "yanchi.txt").write_bytes((SEEDS_DIR / "yanchi-2020-county.txt").read_bytes())
    (tmp_path / "a.txt").write_text("一则新闻\n", "utf-8")
    result = _scrapy("--json", tmp_path)
    assert result.returncode == 0, result.stderr
    records = _records(result.stdout)
    assert [Path(r["path"]).name for r in records] == ["a.txt", "yanchi.txt"]
    assert [r["status"] for r in records] == ["not_report", "report"]


# -- Reports from anywhere in China --------------------------------------------------------------

# (title line, the name that replaces 盐池县 in the body, expected meta)
NATIONAL = [
    (
        "淮安市洪泽区 2022 年政府信息公开工作年度报告",
        "洪泽区",
        ("洪泽区", "320813", "county", 2022, "洪泽区人民政府", "county"),
    ),
    (
        "洪泽县 2012 年政府信息公开工作年度报告",
        "洪泽县",
        ("洪泽县", "320829", "county", 2012, "洪泽县人民政府", "county"),
    ),
    (
        "东乡县人民政府 2021 年政府信息公开工作年度报告",
        "东乡县",
        ("东乡族自治县", "622926", "county", 2021, "东乡族自治县人民政府", "county"),
    ),
    (
        "北京市朝阳区 2020 年政府信息公开工作年度报告",
        "朝阳区",
        ("朝阳区", "110105", "county", 2020, "朝阳区人民政府", "county"),
    ),
    (
        "淮安市 2022 年政府信息公开工作年度报告",
        "淮安市",
        ("淮安市", "320800", "prefecture", 2022, "淮安市人民政府", "county"),
    ),
    (
        "江苏省人民政府办公厅 2021 年政府信息公开工作年度报告",
        "江苏省",
        ("江苏省", "320000", "province", 2021, "江苏省人民政府办公厅", "department"),
    ),
    (
        "平潭综合实验区管理委员会 2020 年政府信息公开工作年度报告",
        "平潭综合实验区",
        ("平潭县", "350128", "county", 2020, "平潭综合实验区管理委员会", "county"),
    ),
    (
        "朝阳区 2020 年政府信息公开工作年度报告",  # two 朝阳区, nothing decides
        "朝阳区",
        (None, None, None, 2020, "朝阳区人民政府", "county"),
    ),
]


def test_reports_of_many_provinces(tmp_path: Path) -> None:
    seed = (SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8")
    body = seed.split("\n", 1)[1]
    paths = []
    for number, (title, name, _) in enumerate(NATIONAL):
        year = title.split(" 年")[0].rsplit(" ", 1)[1]
        text = f"{title}\n{body.replace('盐池县', name).replace('2020', year)}"
        path = tmp_path / f"national-{number}.txt"
        path.write_text(text, "utf-8")
        paths.append(path)

    done = _scrapy("--json", *paths)

    assert done.returncode == 0, done.stderr
    keys = ("county", "county_code", "level", "year", "agency", "scope")
    for record, (_, _, expected) in zip(_records(done.stdout), NATIONAL, strict=True):
        assert tuple(record["meta"][key] for key in keys) == expected, record["path"]
    ambiguous = _records(done.stdout)[-1]
    assert [f["rule"] for f in ambiguous["findings"]].count("warning.ambiguous_county") == 1
    rules = {f["rule"] for r in _records(done.stdout)[4:6] for f in r["findings"]}
    assert "warning.county_rules" not in rules  # prefectures and provinces may make 规章


def test_crawl_dumps_markdown_and_list_prefixes_stay_out_of_the_metadata(tmp_path: Path) -> None:
    seed = (SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8")
    title, body = seed.split("\n", 1)
    variants = {
        "dump": (
            "标题: 盐池县2020年政府信息公开工作年度报告\n栏目: 政府信息公开年报\n"
            f"发布时间: 2021-01-28 10:12:00\n来源: 盐池县人民政府办公室\n\n{body}"
        ),
        "markdown": f"# {title.strip()}\n\n## 一、总体情况\n{body}\n**盐池县人民政府办公室**\n",
        "attachment": f"附件1：{title.strip()}\n{body}",
        "repost": f"转载：{title.strip()}\n{body}",
        "notice": f"【公示】{title.strip()}\n{body}",
        "star": f"★{title.strip()}\n{body}",
        "dated": f"2021-01-28 {title.strip()}\n{body}",
    }
    paths = []
    for name, text in variants.items():
        (tmp_path / f"{name}.txt").write_text(text, "utf-8")
        paths.append(tmp_path / f"{name}.txt")

    done = _scrapy("--json", *paths)

    assert done.returncode == 0, done.stderr
    for record in _records(done.stdout):
        meta = record["meta"]
        assert meta["title"] == "盐池县2020年政府信息公开工作年度报告", record["path"]
        assert (meta["county_code"], meta["agency"], meta["scope"]) == (
            "640323",
            "盐池县人民政府",
            "county",
        ), record["path"]
    assert _records(done.stdout)[0]["meta"]["published_at"] == "2021-01-28"
