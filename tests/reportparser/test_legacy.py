"""Legacy reports (2008–2018): what their prose and their statistics table state unambiguously.

Cases are free-form reports written the way county sites published them (`tests.support.legacy`),
each with the figures a careful reader would transcribe into the vocabulary's keys, and nothing
for the statistics the vocabulary has no key for (主动公开信息数, 当面申请数, 不同意公开 …): see
docs/report-fields.md, "Legacy reports".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pytest

from reportparser import ParseResult, parse_bytes
from reportparser.formats.libreoffice import convert
from tests.reportparser.formats.conftest import require_soffice
from tests.support.legacy import LegacyReport, as_docx, as_html, as_text, legacy_report

_NONE_OF_BOTH: Final = "2015年，我县未发生因政府信息公开申请提起行政复议、行政诉讼的情况。"
_NO_APPEALS: Final = {
    "appeals.review.total": 0,
    "appeals.litigation_direct.total": 0,
    "appeals.litigation_after_review.total": 0,
}

PROSE_CASES: Final = {
    "received-tiao": (
        "2015年，我县共收到有关政府信息公开的申请7条，其中当面申请5条，网络申请2条，"
        "已全部按时办结。",
        {"requests.new.total": 7},
    ),
    "none-received": (
        "2015年，我县未收到有关政府信息公开申请，也没有因政府信息公开申请发生收费和减免情况。",
        {"requests.new.total": 0},
    ),
    "accepted-and-completed": (
        "全年共受理政府信息公开申请12件，办结12件，按时办结率100%。",
        {"requests.new.total": 12, "requests.handled_total.total": 12},
    ),
    "answers": (
        "2015年共受理依申请公开事项9件，已办结9件。其中同意公开6件，同意部分公开2件，"
        "信息不存在1件。",
        {
            "requests.new.total": 9,
            "requests.handled_total.total": 9,
            "requests.disclosed.total": 6,
            "requests.partially_disclosed.total": 2,
        },
    ),
    "received-and-accepted-differ": (
        # 10 received, 8 accepted: which one `new` is, is not said; neither is read.
        "全年共接到政府信息公开申请10件，受理政府信息公开申请8件，其余2件不属于政府信息公开范围。",
        {},
    ),
}


@pytest.mark.parametrize("case", PROSE_CASES)
def test_legacy_prose_forms(case: str) -> None:
    sentence, figures = PROSE_CASES[case]
    report = legacy_report(requests=(sentence,), appeals=(_NONE_OF_BOTH,))
    result = parse_bytes(as_text(report), filename="report.txt")
    assert result.status == "report", result.reason
    assert result.meta is not None and result.meta.template == "legacy"
    assert result.figures == {**figures, **_NO_APPEALS}


def test_hotline_and_mailbox_figures_are_not_requests() -> None:
    sentence = (
        "全年共办理12345热线工单2320件，办结2285件；办理县长信箱信件141件，办结141件。"
        "2015年，我县未收到有关政府信息公开申请。"
    )
    report = legacy_report(requests=(sentence,), appeals=(_NONE_OF_BOTH,))
    result = parse_bytes(as_text(report), filename="report.txt")
    assert result.figures == {"requests.new.total": 0, **_NO_APPEALS}


# The State Council's statistics table (统计指标 | 单位 | 统计数), as many 2013–2018 reports
# append it: the labels with a key and, between them, labels without one.
STATISTICS: Final = (
    ("一、主动公开情况", "——", "——"),
    ("（一）主动公开政府信息数", "条", "1286"),
    ("其中：主动公开规范性文件数", "条", "12"),
    ("制发规范性文件总数", "件", "12"),
    ("二、回应解读情况", "——", "——"),
    ("（一）回应公众关注热点或重大舆情数", "次", "6"),
    ("三、依申请公开情况", "——", "——"),
    ("（一）收到申请数", "件", "7"),
    ("1.当面申请数", "件", "5"),
    ("2.传真申请数", "件", "0"),
    ("3.网络申请数", "件", "2"),
    ("4.信函申请数", "件", "0"),
    ("（二）申请办结数", "件", "7"),
    ("1.按时办结数", "件", "7"),
    ("2.延期办结数", "件", "0"),
    ("（三）申请答复数", "件", "7"),
    ("1.属于已主动公开范围数", "件", "1"),
    ("2.同意公开答复数", "件", "3"),
    ("3.同意部分公开答复数", "件", "1"),
    ("4.不同意公开答复数", "件", "1"),
    ("其中：涉及国家秘密", "件", "0"),
    ("涉及商业秘密", "件", "0"),
    ("涉及个人隐私", "件", "1"),
    ("危及国家安全、公共安全、经济安全和社会稳定", "件", "0"),
    ("不是《条例》所指政府信息", "件", "0"),
    ("法律法规规定的其他情形", "件", "0"),
    ("5.不属于本行政机关公开数", "件", "0"),
    ("6.申请信息不存在数", "件", "1"),
    ("7.告知作出更改补充数", "件", "0"),
    ("8.告知通过其他途径办理数", "件", "0"),
    ("四、行政复议数量", "件", "2"),
    ("（一）维持具体行政行为数", "件", "1"),
    ("（二）被依法纠错数", "件", "1"),
    ("（三）其他情形数", "件", "0"),
    ("五、行政诉讼数量", "件", "0"),
    ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件", "0"),
    ("（二）被依法纠错数", "件", "0"),
    ("（三）其他情形数", "件", "0"),
    ("六、举报投诉数量", "件", "0"),
    ("七、依申请公开信息收取的费用", "万元", "0"),
)
STATISTICS_FIGURES: Final = {
    "requests.new.total": 7,
    "requests.handled_total.total": 7,
    "requests.disclosed.total": 3,
    "requests.partially_disclosed.total": 1,
    "requests.withheld_state_secret.total": 0,
    "requests.withheld_three_securities_one_stability.total": 0,
    "appeals.review.total": 2,
    "appeals.review.upheld": 1,
    "appeals.review.corrected": 1,
    "appeals.review.other": 0,
    # No lawsuits: none of either kind. Their outcome rows are zero, so zero for both kinds.
    "appeals.litigation_direct.total": 0,
    "appeals.litigation_after_review.total": 0,
    "appeals.litigation_direct.upheld": 0,
    "appeals.litigation_after_review.upheld": 0,
    "appeals.litigation_direct.corrected": 0,
    "appeals.litigation_after_review.corrected": 0,
    "appeals.litigation_direct.other": 0,
    "appeals.litigation_after_review.other": 0,
}
_PROSE_WITH_TABLE: Final = (
    "2015年，我县共收到有关政府信息公开的申请7条，已全部按时办结，详见附表。",
)
_APPEALS_WITH_TABLE: Final = ("2015年，因政府信息公开申请提起行政复议2件，未发生行政诉讼。",)


def _pdf(report: LegacyReport) -> bytes:
    require_soffice()
    return convert(as_docx(report), source_suffix=".docx", target="pdf")


PRINTERS: Final[dict[str, tuple[str, Callable[[LegacyReport], bytes]]]] = {
    "txt": ("report.txt", as_text),
    "html": ("report.html", as_html),
    "docx": ("report.docx", as_docx),
    "pdf": ("report.pdf", _pdf),
}


def _parse(report: LegacyReport, fmt: str) -> ParseResult:
    name, printer = PRINTERS[fmt]
    return parse_bytes(printer(report), filename=name)


@pytest.mark.parametrize("fmt", list(PRINTERS))
def test_the_appended_statistics_table(fmt: str) -> None:
    report = legacy_report(
        requests=_PROSE_WITH_TABLE, appeals=_APPEALS_WITH_TABLE, statistics=STATISTICS
    )
    result = _parse(report, fmt)
    assert result.status == "report", result.reason
    assert result.meta is not None and result.meta.template == "legacy"
    assert result.figures == STATISTICS_FIGURES


def test_a_statistics_table_printed_across() -> None:
    """One header row and one row of numbers, as the issue's reports print it."""
    header = ("主动公开信息数（条）", "受理申请数（件）", "同意公开", "部分公开", "不予公开")
    header += ("行政复议", "行政诉讼")
    values = ("1286", "9", "6", "2", "1", "1", "0")
    report = legacy_report(requests=(), appeals=(), statistics=())
    text = as_text(report).decode("utf-8")
    lines = text.splitlines()
    lines[-2:-2] = ["2015年政府信息公开统计表", "\t".join(header), "\t".join(values)]
    result = parse_bytes("\n".join(lines).encode("utf-8"), filename="report.txt")
    assert result.figures == {
        "requests.new.total": 9,
        "requests.disclosed.total": 6,
        "requests.partially_disclosed.total": 2,
        "appeals.review.total": 1,
        "appeals.litigation_direct.total": 0,
        "appeals.litigation_after_review.total": 0,
    }


def test_the_table_wins_over_prose_that_disagrees_and_a_warning_says_so() -> None:
    prose = ("2015年，我县共收到有关政府信息公开的申请8条，已全部按时办结。",)
    report = legacy_report(requests=prose, appeals=_APPEALS_WITH_TABLE, statistics=STATISTICS)
    result = _parse(report, "txt")
    assert result.figures == STATISTICS_FIGURES
    assert "warning.prose_mismatch" in {f.rule for f in result.findings}
