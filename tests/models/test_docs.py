"""The SQL examples of docs/database.md run on both engines and answer what they say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crawler.counties import COUNTIES
from models.export import export
from models.store import ReportStore
from reportparser.result import Finding
from tests.conftest import PROJECT_DIR
from tests.models.build import figures_for, make_fetch, make_result

DOC = PROJECT_DIR / "docs" / "database.md"


def queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOC.read_text("utf-8"), flags=re.DOTALL)


def run(store: ReportStore, sql: str) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql.strip().rstrip(";")))]


def test_every_example_query_runs(store: ReportStore) -> None:
    store.sync_counties(COUNTIES)
    broken = (Finding("requests.balance", "column total: 5 + 0 ≠ 4 + 0", 5, 4),)
    for year, received, disclosed in [(2020, 10, 4), (2021, 30, 6)]:
        figures = figures_for() | {
            "requests.new.total": received,
            "requests.disclosed.total": disclosed,
        }
        store.record_document(
            make_fetch(f"https://y/{year}"),
            make_result(year=year, figures=figures, findings=broken if year == 2021 else ()),
        )
    examples = queries()
    assert len(examples) >= 3

    results = [run(store, sql) for sql in examples]

    per_county_year, disclosure, hard = results[:3]
    assert per_county_year == [("盐池县", 2020, 10), ("盐池县", 2021, 30)]
    assert [(y, r, d) for y, r, d, _ in disclosure] == [(2020, 10, 4), (2021, 30, 6)]
    assert [float(p) for *_, p in disclosure] == [40.0, 20.0]
    assert [(c, y, rule) for c, y, _, rule, _, _ in hard] == [("640323", 2021, "requests.balance")]


def test_the_lineage_example_follows_one_place(store: ReportStore) -> None:
    # 洪泽县 (320829) became 洪泽区 (320813) in 2016: its 2012 report keeps the old code.
    store.record_document(
        make_fetch("https://h/2012", county_code="320813"),
        make_result(county_code="320829", year=2012, agency="洪泽县人民政府"),
    )
    store.record_document(
        make_fetch("https://h/2022", county_code="320813"),
        make_result(county_code="320813", year=2022, agency="洪泽区人民政府"),
    )
    sql = next(sql for sql in queries() if "division_lineage" in sql)
    assert [(year, code, agency) for year, code, _, agency in run(store, sql)] == [
        (2012, "320829", "洪泽县人民政府"),
        (2022, "320813", "洪泽区人民政府"),
    ]


def test_the_pandas_recipe_gives_the_county_governments_figures(
    sqlite_store: ReportStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/database.md's recipe, run on an export: 盐池县 2021 is its government's 69 859
    requests, not the 70 454.67 an average with its departments' reports gave."""
    store = sqlite_store
    for agency, scope, received in [
        ("盐池县人民政府", "county", 69859),
        ("盐池县财政局", "department", 70000),
        ("盐池县教育局", "department", 71505),
    ]:
        store.record_document(
            make_fetch(f"https://y/2021/{received}"),
            make_result(
                year=2021,
                agency=agency,
                scope=scope,
                figures=figures_for() | {"requests.new.total": received},
            ),
        )
    with (tmp_path / "figures.csv").open("w", encoding="utf-8", newline="") as out:
        export(store, out, layout="long", scope="county")
    (recipe,) = re.findall(r"```python\n(.*?)```", DOC.read_text("utf-8"), flags=re.DOTALL)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}

    exec(compile(recipe, str(DOC), "exec"), namespace)

    assert namespace["requests"].loc[("640323", "盐池县", 2021)] == 69859
    assert len(namespace["complete"]) == len(namespace["county"])
    # What the old recipe did (pivot_table's mean over every row of the county-year):
    with (tmp_path / "all.csv").open("w", encoding="utf-8", newline="") as out:
        export(store, out, layout="long")
    pd = namespace["pd"]
    everything = pd.read_csv(tmp_path / "all.csv", dtype={"county_code": str})
    averaged = everything.pivot_table(index=["county", "year"], columns="key", values="value")
    assert round(averaged.loc[("盐池县", 2021), "requests.new.total"], 2) == 70454.67
