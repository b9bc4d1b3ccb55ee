"""`scrapy coverage`: the terminal grid and the HTML page."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from crawler.cli import parse_years
from crawler.counties import COUNTIES
from models.store import ReportStore
from reportparser.result import Finding
from tests.models.build import make_fetch, make_result, run_command


def test_coverage_table_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        store.record_document(make_fetch("https://y/1"), make_result(year=2020))
        store.record_document(
            make_fetch("https://y/2"),
            make_result(year=2021, findings=(Finding("requests.balance", "column total", 1, 2),)),
        )
    page = tmp_path / "report" / "coverage.html"

    code = run_command(
        "coverage", ["--html", str(page), "--since", "2020", "--until", "2021"], **settings
    )

    assert code == 0
    out = capsys.readouterr().out
    yanchi = next(line for line in out.splitlines() if line.startswith("640323"))
    assert yanchi.split()[2:] == ["#", "!"]
    assert f"wrote {page}" in out
    document = lxml.html.fromstring(page.read_text("utf-8"))
    assert len(document.xpath("//tbody/tr")) == len(COUNTIES)  # the registry, synced
    cells = document.xpath("//tbody/tr[th[contains(., '640323')]]/td/@class")
    assert cells == ["collected", "flagged"]


def test_county_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()  # empty: the registry's counties are shown all the same

    assert run_command("coverage", ["--county", "jingyuan"], **settings) == 0

    rows = [line for line in capsys.readouterr().out.splitlines() if line[:6].isdigit()]
    assert [row.split()[:2] for row in rows] == [["640424", "泾源县"]]


@pytest.mark.parametrize(
    ("values", "years"),
    [
        ([], []),
        (["2020"], [2020]),
        (["2018-2020", "2022"], [2018, 2019, 2020, 2022]),
        (["2019,2021"], [2019, 2021]),
    ],
)
def test_parse_years(values: list[str], years: list[int]) -> None:
    assert parse_years(values) == years
