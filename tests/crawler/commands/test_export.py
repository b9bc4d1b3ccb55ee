"""`scrapy export`: options, files and filters (the formats are tested in tests/models)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from models.export import PROVENANCE, WIDE_META, parse_number
from models.store import ReportStore
from reportparser.vocabulary import all_figure_keys
from tests.models.build import figures_for, make_fetch, make_result, run_command


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, str]:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        store.record_document(make_fetch("https://y/1"), make_result(year=2020))
        store.record_document(make_fetch("https://y/2"), make_result(year=2021))
        store.record_document(
            make_fetch("https://j/1", county_code="640424"),
            make_result(county_code="640424", year=2021),
        )
    return settings


def test_wide_csv_to_a_file(
    settings: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "reports.csv"

    code = run_command("export", ["--format", "csv", "-o", str(target)], **settings)

    assert code == 0
    assert "exported 3 reports, 3 rows" in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [(r["county_code"], r["year"]) for r in rows] == [
        ("640323", "2020"),
        ("640323", "2021"),
        ("640424", "2021"),
    ]
    assert list(rows[0]) == [*WIDE_META, *PROVENANCE, *all_figure_keys()]
    assert parse_number(rows[0]["active.procurement.amount"]) == 16280.5867
    assert rows[0]["requests.new.other"] == "NA"
    assert rows[0]["requests.other_no_correction.total"] == ""  # not in the 2019 template


def test_long_jsonl_to_stdout_filtered(
    settings: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--format", "jsonl", "--layout", "long", "--county", "yanchi", "--year", "2021"]

    assert run_command("export", argv, **settings) == 0

    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["county_code"], r["year"]) for r in records} == {("640323", 2021)}
    assert {r["key"]: r["value"] for r in records} == figures_for()


def test_excel_friendly_encoding(settings: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "excel.csv"

    run_command("export", ["-o", str(target), "--encoding", "utf-8-sig"], **settings)

    assert target.read_bytes().startswith("\ufeffcounty,".encode())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--county", "atlantis"], "no county 'atlantis'"),
        (["--year", "20x1"], "--year takes"),
        (["--year", "2021-2019"], "runs backwards"),
        (["extra"], "unexpected arguments"),
    ],
)
def test_bad_options(settings: dict[str, str], argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        run_command("export", argv, **settings)
