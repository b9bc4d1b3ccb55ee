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
