"""What `analyse` reads of a document, and what it says about what it did not read.

Text is never dropped silently: a long line is read whole (split at its sentences), and where a
bound on the work must cut a huge document, a `warning.truncated` finding says what was left
unread, so that a shorter list of figures is never mistaken for a complete one.
"""

from __future__ import annotations

from typing import Final

from reportparser import parse_bytes
from reportparser.analysis import MAX_CHARS, MAX_LINE_CHARS, MAX_LINES, analyse
from reportparser.document import ExtractedDocument, Paragraph
from tests.support.legacy import SECTIONS, as_html, as_text, legacy_report

REQUESTS: Final = ("2015年，我县共受理政府信息公开申请7件，均已在规定期限内答复办结。",)
APPEALS: Final = ("2015年，我县未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",)
FIGURES: Final = {
    "requests.new.total": 7,
    "appeals.review.total": 0,
    "appeals.litigation_direct.total": 0,
    "appeals.litigation_after_review.total": 0,
}


def test_a_legacy_body_on_one_line_of_6000_characters_keeps_sections_three_and_four() -> None:
    report = legacy_report(requests=REQUESTS, appeals=APPEALS, overview_rounds=9)
    data = as_text(report, one_line=True)
    body = data.decode("utf-8").splitlines()[1]
    assert 5_500 < len(body) < 6_500
    assert body.index(SECTIONS[2]) > MAX_LINE_CHARS  # section 三 sits past the line bound

    one_line = parse_bytes(data, filename="report.txt")
    many_lines = parse_bytes(as_text(report), filename="report.txt")
    in_one_p = parse_bytes(as_html(report, one_paragraph=True), filename="report.html")

    assert one_line.status == "report"
    assert one_line.figures == FIGURES
    assert many_lines.figures == FIGURES
    assert in_one_p.figures == FIGURES
    assert "warning.truncated" not in {f.rule for f in one_line.findings}


def test_a_line_of_any_length_is_read_to_its_end() -> None:
    filler = "全年共开展政务公开专项检查，督促整改信息更新不及时问题。" * 2_000  # 60 000 chars
    text = f"盐池县2015年政府信息公开工作年度报告\n{filler}{''.join(SECTIONS)}{REQUESTS[0]}"
    result = parse_bytes(text.encode("utf-8"), filename="report.txt")
    assert result.figures["requests.new.total"] == 7


def _report_after(padding: list[str]) -> ExtractedDocument:
    report = legacy_report(requests=REQUESTS, appeals=APPEALS)
    blocks = [report.title, *report.paragraphs()[:8], *padding, *report.paragraphs()[8:]]
    return ExtractedDocument(format="text", blocks=tuple(Paragraph(b) for b in blocks))


def test_text_past_the_character_bound_is_reported_as_not_read() -> None:
    padding = ["加强政府信息公开工作，提高行政透明度。" * 50] * (MAX_CHARS // 900)
    result = analyse(_report_after(padding))
    assert result.status == "report"
    assert "requests.new.total" not in result.figures  # section 三 lay past the bound ...
    truncated = [f for f in result.findings if f.rule == "warning.truncated"]
    assert len(truncated) == 1  # ... and a finding says the text was cut
    assert f"{MAX_CHARS}" in truncated[0].message


def test_lines_past_the_line_bound_are_reported_as_not_read() -> None:
    result = analyse(_report_after(["加强政府信息公开工作。"] * MAX_LINES))
    assert "requests.new.total" not in result.figures
    assert [f.rule for f in result.findings if f.rule == "warning.truncated"] == [
        "warning.truncated"
    ]


def test_what_the_extractor_did_not_read_is_a_finding() -> None:
    report = legacy_report(requests=REQUESTS, appeals=APPEALS)
    doc = ExtractedDocument(
        format="pdf",
        blocks=tuple(Paragraph(b) for b in [report.title, *report.paragraphs()]),
        cuts=("only the first 300 of 412 pages were read",),
    )
    result = analyse(doc)
    assert result.figures == FIGURES
    messages = [f.message for f in result.findings if f.rule == "warning.truncated"]
    assert messages == ["only the first 300 of 412 pages were read"]
