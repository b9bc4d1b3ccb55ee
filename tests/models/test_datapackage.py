"""The data dictionary and the Frictionless Data Package written beside CSV exports, validated
by the `frictionless` library; Stata/SPSS-safe column names."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from frictionless import Package, validate

from models.datapackage import write_data_package
from models.dictionary import entries, stata_names
from models.export import long_columns, wide_columns
from models.store import ReportStore
from reportparser.vocabulary import all_figure_keys
from tests.models.build import make_fetch, make_result, run_command


def test_the_dictionary_describes_every_canonical_key() -> None:
    described = {entry.key: entry for entry in entries()}

    assert list(described) == list(all_figure_keys())
    new = described["requests.new.natural_person"]
    assert new.row_label == "一、本年新收政府信息公开申请数量"
    assert new.column_label == "自然人"
    assert new.section_label == "三、收到和处理政府信息公开申请情况"
    assert new.unit == "件"
    assert new.templates == ("2019", "2021")
    assert described["active.fees.amount"].unit == "万元"
    assert described["active.fees.amount"].templates == ("2021",)
    assert described["active.licensing.prev_year_items"].unit == "项"
    assert described["active.rules.new_made"].templates == ("2019",)
    assert described["requests.other_misc.total"].templates == ("2021",)
    assert described["appeals.review.corrected"].label == "行政复议 / 结果纠正"


@pytest.mark.parametrize("columns", [wide_columns(), long_columns()])
def test_stata_names(columns: list[str]) -> None:
    names = stata_names(columns)

    assert list(names) == columns
    assert len({name.lower() for name in names.values()}) == len(columns)
    for name in names.values():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", name), name
    assert names["source_sha256"] == "source_sha256"
    assert stata_names(columns) == names  # stable
    if "requests.new.total" in names:
        assert names["requests.new.total"] == "requests_new_total"
        long_key = "requests.withheld_three_securities_one_stability.natural_person"
        assert names[long_key] == "req_wit_thr_sec_one_sta_nat_per"


@pytest.fixture
def settings(tmp_path: Path) -> dict[str, str]:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": str(tmp_path / "blobs"),
    }
    with ReportStore(settings["OGI_DATABASE_URL"], tmp_path / "blobs") as store:
        store.upgrade()
        store.record_document(make_fetch("https://y/1"), make_result(year=2020))
        store.record_document(
            make_fetch("https://y/2"), make_result(year=2021, template="2021", figures={})
        )
        store.record_document(
            make_fetch("https://y/3"),
            make_result(year=2021, scope="department", agency="盐池县财政局"),
        )
    return settings


@pytest.mark.parametrize(
    ("layout", "extra"),
    [("wide", []), ("long", []), ("wide", ["--stata-names"]), ("long", ["--stata-names"])],
)
def test_csv_exports_are_valid_data_packages(
    settings: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    layout: str,
    extra: list[str],
) -> None:
    target = tmp_path / "out" / f"{layout}.csv"
    argv = ["--layout", layout, "-o", str(target), *extra]

    assert run_command("export", argv, **settings) == 0

    capsys.readouterr()
    package_path = tmp_path / "out" / "datapackage.json"
    report = validate(str(package_path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(str(package_path))
    assert [r.name for r in package.resources] == [
        "reports" if layout == "wide" else "figures",
        "dictionary",
    ]
    with target.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    schema = json.loads(package_path.read_text("utf-8"))["resources"][0]["schema"]
    assert [field["name"] for field in schema["fields"]] == header
    if extra:
        assert all(len(name) <= 32 and "." not in name for name in header)
    else:
        assert "source_sha256" in header and "hard_finding_rules" in header
    with (tmp_path / "out" / "dictionary.csv").open(encoding="utf-8") as handle:
        dictionary = list(csv.DictReader(handle))
    assert {row["key"] for row in dictionary} == set(all_figure_keys())
    assert all(row["stata_name"] and row["unit"] in ("件", "项", "万元") for row in dictionary)


def test_excel_encoding_is_declared_as_utf8(tmp_path: Path) -> None:
    target = tmp_path / "excel.csv"
    target.write_text(",".join(wide_columns()) + "\n", encoding="utf-8-sig")

    package = write_data_package(target, layout="wide", encoding="utf-8-sig")

    resource = json.loads(package.read_text("utf-8"))["resources"][0]
    assert resource["encoding"] == "utf-8"
    assert validate(str(package)).valid
