"""`parse_bytes` on the four seeds (the ground truth) and on documents that are not reports."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

import pytest

import reportparser.api
from reportparser import Hints, ParseResult, parse_bytes, parse_file
from reportparser.analysis import MAX_LINES, analyse
from reportparser.document import ExtractedDocument, Paragraph
from tests.conftest import SEED_NAMES, SEEDS_DIR, load_expected
from tests.reportparser.documents import text_document

META_KEYS: Final = ("county", "county_code", "year", "agency", "scope", "template")
TITLES: Final = {
    "helan-2020-county": "贺兰县2020年政府信息公开工作年度报告",
    "jingyuan-2021-county": "泾源县人民政府2021年政府信息公开工作年度报告",
    "yanchi-2020-county": "盐池县2020年政府信息公开工作年度报告",
    "yanchi-2020-poverty-office": "盐池县扶贫开发办公室2020年政府信息公开工作年度报告",
}


def _seed(name: str) -> ParseResult:
    return parse_file(SEEDS_DIR / f"{name}.txt")


def _figure_problems(result: ParseResult, expected: dict[str, Any]) -> list[str]:
    optional = set(expected.get("optional", ()))
    problems = []
    for key, want in expected["figures"].items():
        got = result.figures.get(key, "<absent>")
        if key in optional and got in ("<absent>", None, want):
            continue
        if got != want or isinstance(got, bool):
            problems.append(f"{key}={got!r} (want {want!r})")
    problems += [
        f"{key} is not expected" for key in result.figures if key not in expected["figures"]
    ]
    return problems


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_figures_meta_and_findings_are_exact(name: str) -> None:
    expected = load_expected(name)
    result = _seed(name)
    assert result.status == "report", result.reason
    assert result.meta is not None
    assert {k: result.meta.to_json()[k] for k in META_KEYS} == expected["meta"]
    assert result.meta.title == TITLES[name]
    assert _figure_problems(result, expected) == []
    assert sorted({f.rule for f in result.hard_findings}) == sorted(expected["findings"])


def test_helan_findings_name_row_and_column_with_expected_and_actual() -> None:
    result = _seed("helan-2020-county")
    row_total = [f for f in result.findings if f.rule == "requests.row_total"]
    assert [(f.expected, f.actual) for f in row_total] == [(59, 55)]
    assert "row new" in row_total[0].message
    balance = {
        f.message.split(":")[0]: (f.expected, f.actual)
        for f in result.findings
        if f.rule == "requests.balance"
    }
    assert balance == {
        "column natural_person": (55, 56),
        "column commercial": (0, 4),
        "column total": (55, 56),
    }
    # The printed-empty appeals cell stays empty; printed values are never changed.
    assert result.figures["appeals.litigation_direct.pending"] is None
    assert result.figures["requests.new.total"] == 55
    assert result.figures["active.procurement.amount"] == 16280.5867
    assert result.figures["active.licensing.change"] == -4


def test_helan_prose_that_disagrees_with_the_table_is_a_warning() -> None:
    warnings = [
        f for f in _seed("helan-2020-county").findings if f.rule == "warning.prose_mismatch"
    ]
    assert [(f.expected, f.actual) for f in warnings] == [(55, 56)]


def test_yanchi_lost_cell_is_placed_by_the_rules() -> None:
    result = _seed("yanchi-2020-county")
    assert [result.figures[f"requests.carried_over.{c}"] for c in ("natural_person", "total")] == [
        0,
        0,
    ]
    inferred = [f for f in result.findings if f.rule == "warning.inferred"]
    assert len(inferred) == 1
    assert inferred[0].message.startswith("requests.carried_over: 6 numbers printed for 7 cells")
    assert "requests.carried_over.total" in result.inferred
    assert not result.hard_findings


def test_jingyuan_row_without_numbers_is_forced_and_county_rules_are_flagged() -> None:
    result = _seed("jingyuan-2021-county")
    assert result.figures["requests.other_misc.natural_person"] == 0
    rules = {f.rule for f in result.findings}
    assert "warning.inferred" in rules
    assert "warning.county_rules" in rules
    assert result.figures["requests.carried_over.total"] == 0  # its label broken by a page


def test_department_report_is_not_the_county_report() -> None:
    result = _seed("yanchi-2020-poverty-office")
    assert result.meta is not None
    assert (result.meta.agency, result.meta.scope) == ("盐池县扶贫开发办公室", "department")
    county = _seed("yanchi-2020-county").meta
    assert county is not None
    assert (county.agency, county.scope) == ("盐池县人民政府", "county")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (
            "盐池县召开政务公开工作推进会\n11月20日，县政府召开会议，安排部署政府信息公开工作年度报告编制工作。",
            "no report title",
        ),
        (
            "关于做好2020年政府信息公开工作年度报告编制和发布工作的通知\n各乡镇人民政府：\n请按时发布。",
            "a document about one",
        ),
        (
            "\n".join(
                f"盐池县{y}年政府信息公开工作年度报告 {y + 1}-01-28" for y in range(2012, 2022)
            ),
            "a list of 10 report titles",
        ),
        ("盐池县2020年政府信息公开工作年度报告\n详见附件。", "none of its sections or tables"),
    ],
    ids=["empty", "news", "notice", "list", "attachment-only"],
)
def test_documents_that_are_not_reports_say_why(text: str, reason: str) -> None:
    result = parse_bytes(text.encode("utf-8"), filename="page.txt")
    assert result.status in ("not_report", "error")
    assert result.reason is not None
    if text:
        assert result.status == "not_report"
        assert reason in result.reason


LEGACY: Final = """盐池县2015年政府信息公开工作年度报告
本报告根据《中华人民共和国政府信息公开条例》要求，由盐池县人民政府办公室编制。
一、概述
二、主动公开政府信息情况
全年主动公开政府信息3500条。
三、依申请公开政府信息情况
2015年，全县共受理政府信息公开申请12件，均已按时答复。
四、政府信息公开的收费及减免情况
五、因政府信息公开申请提起行政复议、行政诉讼的情况
2015年，我县未发生因政府信息公开申请提起行政复议、行政诉讼的情况。
六、政府信息公开工作存在的主要问题及改进措施
盐池县人民政府办公室
2016年3月25日
"""


def test_legacy_report_gets_metadata_and_only_unambiguous_figures() -> None:
    result = parse_bytes(LEGACY.encode("utf-8"), filename="2015.txt")
    assert result.status == "report"
    assert result.meta is not None
    assert result.meta.template == "legacy"
    assert (result.meta.year, result.meta.agency, result.meta.scope) == (
        2015,
        "盐池县人民政府",
        "county",
    )
    assert result.meta.published_at == dt.date(2016, 3, 25)
    assert result.figures == {
        "requests.new.total": 12,
        "appeals.review.total": 0,
        "appeals.litigation_direct.total": 0,
        "appeals.litigation_after_review.total": 0,
    }
    assert result.findings == ()


def test_legacy_lawsuit_count_is_not_assigned_to_a_kind() -> None:
    text = LEGACY.replace(
        "我县未发生因政府信息公开申请提起行政复议、行政诉讼的情况", "发生行政诉讼2件，行政复议1件"
    )
    result = parse_bytes(text.encode("utf-8"), filename="2015.txt")
    assert result.figures["appeals.review.total"] == 1
    assert "appeals.litigation_direct.total" not in result.figures


def test_hints_fill_gaps_and_the_document_wins() -> None:
    township = (
        "花马池镇2020年政府信息公开工作年度报告\n一、总体情况\n二、主动公开政府信息情况\n"
        "三、收到和处理政府信息公开申请情况\n六、其他需要报告的事项\n"
    )
    result = analyse(
        text_document(township), Hints(county="盐池县", published_at=dt.date(2021, 2, 1))
    )
    assert result.meta is not None
    assert (result.meta.county, result.meta.county_code) == ("盐池县", "640323")
    assert result.meta.agency == "盐池县花马池镇人民政府"
    assert result.meta.scope == "department"
    assert result.meta.published_at == dt.date(2021, 2, 1)

    seed = (SEEDS_DIR / "helan-2020-county.txt").read_bytes()
    hinted = parse_bytes(seed, filename="x.txt", hints=Hints(county="盐池县", county_code="640323"))
    assert hinted.meta is not None
    assert (hinted.meta.county, hinted.meta.county_code) == ("贺兰县", "640122")


def test_container_metadata_gives_title_and_date() -> None:
    doc = ExtractedDocument(
        format="html",
        blocks=tuple(
            Paragraph(line)
            for line in (SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8").splitlines()[2:]
        ),
        title="盐池县2020年政府信息公开工作年度报告_盐池县人民政府",
        published_at=dt.date(2021, 1, 28),
        publisher="盐池县人民政府办公室",
    )
    result = analyse(doc)
    assert result.meta is not None
    assert result.meta.title == "盐池县2020年政府信息公开工作年度报告"
    assert result.meta.published_at == dt.date(2021, 1, 28)
    assert (result.meta.agency, result.meta.scope) == ("盐池县人民政府", "county")


def test_an_unexpected_exception_becomes_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> ParseResult:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(reportparser.api, "analyse", explode)
    result = parse_bytes(b"\xe4\xbd\xa0\xe5\xa5\xbd", filename="x.txt")
    assert result.status == "error"
    assert result.reason == "parser error: ZeroDivisionError: boom"


def test_huge_documents_take_bounded_time() -> None:
    line = "（一）予以公开 3 0 0 0 0 0 3 盐池县2020年政府信息公开工作年度报告 行政复议 " * 20
    doc = ExtractedDocument(
        format="text", blocks=tuple(Paragraph(line) for _ in range(MAX_LINES * 10))
    )
    started = time.process_time()
    result = analyse(doc)
    assert time.process_time() - started < 10
    assert result.status in ("report", "not_report")

    one_line = ExtractedDocument(format="text", blocks=(Paragraph("年" * 20_000_000),))
    started = time.process_time()
    analyse(one_line)
    assert time.process_time() - started < 10
