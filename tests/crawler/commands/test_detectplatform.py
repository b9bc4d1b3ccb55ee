"""`scrapy detectplatform`: the home page fetched as a crawl fetches it (robots.txt, the mirror),
its family printed, and written into the county's registry row only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.commands.detectplatform import REGISTRY, county_for, with_family
from crawler.counties import read_counties
from tests.crawler.crawls import PROJECT_DIR, SCRAPY, crawl_env
from tests.fixtureweb.build import FIXTURE_WEB


def detect(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *SCRAPY,
            "detectplatform",
            *arguments,
            "--mirror",
            str(FIXTURE_WEB),
            "-s",
            "DOWNLOAD_DELAY=0",
        ],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A copy of the registry with 中牟县 not yet detected."""
    copy = tmp_path / "counties.csv"
    shutil.copy(PROJECT_DIR / REGISTRY, copy)
    copy.write_text(with_family(copy.read_text("utf-8"), "410122", "unknown"), "utf-8")
    return copy


def test_detects_and_writes_the_row(tmp_path: Path, registry: Path) -> None:
    before = registry.read_text("utf-8").splitlines()
    done = detect(tmp_path, "中牟县", "--registry", str(registry))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "河南省郑州市中牟县 (410122): generic" in done.stdout
    assert "410122 family 'unknown' -> 'generic'" in done.stdout
    after = registry.read_text("utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [(line, line.replace(",unknown,", ",generic,")) for line, _ in changed]
    assert len(changed) == 1
    assert changed[0][0].startswith("410122,")
    county = next(c for c in read_counties(registry.read_text("utf-8")) if c.code == "410122")
    assert county.family == "generic"


def test_dry_run_by_url_and_a_blocked_site(tmp_path: Path, registry: Path) -> None:
    before = registry.read_bytes()
    done = detect(tmp_path, "http://www.lax.gov.cn/", "--dry-run", "--registry", str(registry))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "隆安县 (450123): trs (score" in done.stdout
    assert "--dry-run" in done.stdout
    blocked = detect(tmp_path, "520111", "--registry", str(registry))
    assert blocked.returncode == 1
    assert "not detected: blocked: WAF page (网防G01, HTTP 405)" in blocked.stdout
    assert registry.read_bytes() == before


def test_keys_and_rows() -> None:
    county, url = county_for("http://www.lax.gov.cn/")
    assert county is not None and county.code == "450123" and url == "http://www.lax.gov.cn/"
    assert county_for("http://unknown.example/")[0] is None
    text = (PROJECT_DIR / REGISTRY).read_text("utf-8")
    assert with_family(text, "450123", "trs") == text  # written back byte for byte
    with pytest.raises(ValueError, match="not one row"):
        with_family(text, "999999", "trs")
