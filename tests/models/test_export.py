"""Exports read back with the csv and json modules give the stored figures exactly."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from models.export import (
    LONG_META,
    PRINTED_EMPTY,
    PROVENANCE,
    WIDE_META,
    export,
    format_number,
    parse_number,
    wide_columns,
)
from models.records import StoredReport
from models.store import ReportStore
from reportparser.api import PARSER_VERSION
from reportparser.result import Finding
from reportparser.vocabulary import all_figure_keys, figure_keys
from tests.models.build import figures_for, make_fetch, make_result

Figures = dict[str, int | float | None]


def fill(store: ReportStore) -> list[StoredReport]:
    """Reports of both templates with exact decimals, empty cells, absent keys, odd values."""
    f2019 = figures_for("2019") | {"active.fees.change": -4, "requests.new.total": 2**40}
    f2021 = figures_for("2021", seed=3) | {
        "active.fees.amount": 0.0001,
        "appeals.review.total": None,
    }
    del f2021["appeals.review.upheld"]  # absent: a cell lost in the text
    legacy: Figures = {"requests.new.total": 12, "active.procurement.amount": 1e-05}
    store.record_document(make_fetch("https://a/1"), make_result(figures=f2019))
    store.record_document(
        make_fetch("https://a/2"), make_result(year=2021, template="2021", figures=f2021)
    )
    store.record_document(
        make_fetch("https://a/3", county_code="640424"),
        make_result(county_code="640424", year=2012, template="legacy", figures=legacy),
    )
    store.record_document(
        make_fetch("https://a/4"),
        make_result(scope="department", agency="盐池县扶贫开发办公室", published_at=None),
    )
    return list(store.reports())


def export_text(store: ReportStore, **options: Any) -> str:
    out = io.StringIO()
    export(store, out, **options)
    return out.getvalue()


def by_key(reports: list[StoredReport]) -> dict[tuple[str, int, str], StoredReport]:
    return {(r.meta.county_code or "", r.meta.year or 0, r.meta.agency or ""): r for r in reports}


def meta_of(report: StoredReport, names: tuple[str, ...]) -> dict[str, Any]:
    meta = report.meta.to_json()
    return {name: meta[name] for name in names}


def assert_exact(actual: Figures, expected: Figures) -> None:
    assert actual == expected
    assert {k: type(v) for k, v in actual.items()} == {k: type(v) for k, v in expected.items()}


def test_wide_csv_round_trip(store: ReportStore) -> None:
    stored = by_key(fill(store))

    rows = list(csv.reader(io.StringIO(export_text(store, fmt="csv", layout="wide"))))

    header, body = rows[0], rows[1:]
    assert header == [*WIDE_META, *PROVENANCE, *all_figure_keys()]
    assert len(body) == len(stored)
    for row in body:
        record = dict(zip(header, row, strict=True))
        report = stored[record["county_code"], int(record["year"]), record["agency"]]
        figures: Figures = {}
        for key in all_figure_keys():
            cell = record[key]
            if cell == PRINTED_EMPTY:
                figures[key] = None
            elif cell != "":
                figures[key] = parse_number(cell)
        assert_exact(figures, report.figures)
        meta = {name: record[name] or None for name in WIDE_META}
        expected = {k: None if v is None else str(v) for k, v in meta_of(report, WIDE_META).items()}
        assert meta == expected


def test_long_csv_round_trip(store: ReportStore) -> None:
    stored = by_key(fill(store))

    reader = csv.DictReader(io.StringIO(export_text(store, fmt="csv", layout="long")))

    assert reader.fieldnames == [*LONG_META, *PROVENANCE, "key", "value"]
    figures: dict[tuple[str, int, str], Figures] = {key: {} for key in stored}
    for row in reader:
        value = parse_number(row["value"]) if row["value"] != "" else None
        figures[row["county_code"], int(row["year"]), row["agency"]][row["key"]] = value
    for key, report in stored.items():
        assert_exact(figures[key], report.figures)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_jsonl_round_trip(store: ReportStore, layout: str) -> None:
    stored = by_key(fill(store))

    lines = export_text(store, fmt="jsonl", layout=layout).splitlines()

    figures: dict[tuple[str, int, str], Figures] = {key: {} for key in stored}
    for line in lines:
        record = json.loads(line)
        key = (record["county_code"], record["year"], record["agency"])
        if layout == "wide":
            assert list(record)[: len(WIDE_META)] == list(WIDE_META)
            assert {n: record[n] for n in WIDE_META} == meta_of(stored[key], WIDE_META)
            figures[key] = {
                k: v for k, v in record.items() if k not in WIDE_META and k not in PROVENANCE
            }
        else:
            figures[key][record["key"]] = record["value"]
    assert len(lines) == (len(stored) if layout == "wide" else sum(map(len, figures.values())))
    for key, report in stored.items():
        assert_exact(figures[key], report.figures)


def test_filters(store: ReportStore) -> None:
    fill(store)

    def keys(**options: Any) -> list[tuple[str, str, str]]:
        text = export_text(store, fmt="csv", layout="wide", **options)
        return [
            (r["county_code"], r["year"], r["scope"]) for r in csv.DictReader(io.StringIO(text))
        ]

    assert keys(county_code="640424") == [("640424", "2012", "county")]
    assert keys(years=[2020, 2021], scope="county") == [
        ("640323", "2020", "county"),
        ("640323", "2021", "county"),
    ]
    assert keys(scope="department") == [("640323", "2020", "department")]
    assert keys(years=[1999]) == []


def test_wide_columns_follow_the_vocabulary() -> None:
    columns = wide_columns()

    assert columns[: len(WIDE_META)] == list(WIDE_META)
    figures = columns[len(WIDE_META) + len(PROVENANCE) :]
    assert set(figure_keys("2019")) | set(figure_keys("2021")) == set(figures)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_every_row_carries_provenance_and_quality(store: ReportStore, layout: str) -> None:
    """Source URL(s), the archived document's SHA-256, published and fetched dates, hard
    findings and their rule ids, completeness, origin and parser version on every row."""
    page = make_fetch("https://www.yanchi.gov.cn/nb/2020.html")
    attachment = make_fetch("https://www.yanchi.gov.cn/nb/P2020.pdf", kind="attachment")
    broken = make_result(
        findings=(
            Finding("requests.balance", "column total", 5, 6),
            Finding("appeals.total", "row review", 1, 2),
            Finding("requests.balance", "column natural_person", 1, 2),
            Finding("warning.prose_mismatch", "prose says 7", 7, 6),
        )
    )
    store.record_document(page, broken)
    store.record_document(attachment, broken)  # the same report found a second time

    text = export_text(store, fmt="csv", layout=layout)

    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    for row in rows:
        assert row["source_url"] == page.url
        assert row["source_urls"].split() == [page.url, attachment.url]
        assert row["source_sha256"] == page.sha256
        assert row["published_at"] == "2021-01-28"
        assert row["fetched_at"] == "2026-11-01T08:00:00Z"
        assert row["hard_findings"] == "3"
        assert row["hard_finding_rules"] == "appeals.total requests.balance"
        assert row["completeness"] == "complete"
        assert row["origin"] == "live"
        assert row["parser_version"] == PARSER_VERSION
    record = json.loads(export_text(store, fmt="jsonl", layout=layout).splitlines()[0])
    assert record["source_urls"] == [page.url, attachment.url]
    assert record["hard_finding_rules"] == ["appeals.total", "requests.balance"]
    assert record["hard_findings"] == 3


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-4, "-4"),
        (2**40, "1099511627776"),
        (16280.5867, "16280.5867"),
        (1e-05, "0.00001"),
        (1e16 + 0.5, "10000000000000000.0"),
        (0.1, "0.1"),
    ],
)
def test_numbers_are_written_exactly(value: int | float, text: str) -> None:
    assert format_number(value) == text
    assert parse_number(text) == value
    assert type(parse_number(text)) is type(value)


HOSTILE_TITLE = '=HYPERLINK("http://127.0.0.1/x","盐池县2020年政府信息公开工作年度报告")'
HOSTILE_AGENCY = "@SUM(1+1)盐池县教育局"


def fill_hostile(store: ReportStore) -> None:
    """A title and an agency a spreadsheet would run as formulas, and a negative figure."""
    store.record_document(
        make_fetch("https://a/1"),
        make_result(
            title=HOSTILE_TITLE,
            figures=figures_for("2019") | {"active.fees.change": -4},
        ),
    )
    store.record_document(
        make_fetch("https://a/2"),
        make_result(scope="department", agency=HOSTILE_AGENCY, title="+盐池县教育局…年度报告"),
    )


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_csv_cells_that_start_a_formula_are_neutralised(store: ReportStore, layout: str) -> None:
    fill_hostile(store)

    rows = list(csv.DictReader(io.StringIO(export_text(store, fmt="csv", layout=layout))))

    texts = [value for row in rows for name, value in row.items() if name in WIDE_META]
    assert texts
    assert not [text for text in texts if text[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    agencies = {row["agency"] for row in rows}
    assert "'" + HOSTILE_AGENCY in agencies  # shown as printed, behind a quote
    if layout == "wide":
        assert {row["title"] for row in rows} >= {"'" + HOSTILE_TITLE, "'+盐池县教育局…年度报告"}
        assert {row["active.fees.change"] for row in rows} >= {"-4"}  # numbers stay numbers
    else:
        changes = {row["value"] for row in rows if row["key"] == "active.fees.change"}
        assert "-4" in changes


def test_jsonl_keeps_formula_like_text_exact(store: ReportStore) -> None:
    fill_hostile(store)

    records = [json.loads(line) for line in export_text(store, fmt="jsonl").splitlines()]

    assert {r["title"] for r in records} >= {HOSTILE_TITLE}
    assert {r["agency"] for r in records} >= {HOSTILE_AGENCY}
