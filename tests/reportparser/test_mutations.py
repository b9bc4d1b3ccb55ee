"""Mutated seed text never makes the parser raise, and never takes long.

`parse_bytes` has a last-resort catch that turns an unexpected exception into status "error"
with a reason starting `parser error:`. These tests feed mutated reports and require that the
catch is never what answered: every mutation gets a real result (a report, or not a report).
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import cache
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportparser import ParseResult, parse_bytes
from reportparser.analysis import analyse
from reportparser.document import ExtractedDocument, Table
from tests.conftest import SEED_NAMES, SEEDS_DIR
from tests.reportparser.documents import layout_document
from tests.support.synth import synthesize

_SECONDS_PER_PARSE: Final = 2.0
_GARBAGE: Final = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 +-./|\t", max_size=30),
    st.text(
        alphabet="一二三四五六七八九十（）、.：县年月日件申请公开复议诉讼总计其他", max_size=30
    ),
    st.sampled_from(
        [
            "（七）总计 3 0 0 0 0 0 3",
            "行政许可 171 +6 11119",
            "四、政府信息公开行政复议、行政诉讼情况",
            "3.其他",
            "| | | |",
            "\t\t\t0\t\t1",
            "二、上年结转政府信息公开申请数",
            "受理政府信息公开申请 99 件",
            "2021年1月28日",
        ]
    ),
)


@cache
def seed_lines(name: str) -> tuple[str, ...]:
    return tuple((SEEDS_DIR / f"{name}.txt").read_text("utf-8").splitlines())


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    lines = list(seed_lines(draw(st.sampled_from(SEED_NAMES))))
    for _ in range(draw(st.integers(1, 12))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(("delete", "duplicate", "swap", "truncate", "insert", "number")))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "insert":
            lines.insert(i, draw(_GARBAGE))
        else:
            lines[i] += f" {draw(st.integers(-5, 100_000))}"
    if draw(st.booleans()):
        lines = lines[: draw(st.integers(0, len(lines)))]
    return "\n".join(lines)


def _parse_within_bounds(text: str) -> ParseResult:
    started = time.perf_counter()
    result = parse_bytes(text.encode("utf-8"), filename="report.txt")
    elapsed = time.perf_counter() - started
    assert elapsed < _SECONDS_PER_PARSE, f"took {elapsed:.2f} s"
    assert not (result.reason or "").startswith("parser error"), result.reason
    return result


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_seed())
def test_mutated_seed_text_never_raises(text: str) -> None:
    result = _parse_within_bounds(text)
    assert result.status in ("report", "not_report", "error")
    if result.status == "report":
        assert result.meta is not None
        assert all(v is None or isinstance(v, int | float) for v in result.figures.values())


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=3000))
def test_random_unicode_never_raises(text: str) -> None:
    _parse_within_bounds(text)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_sections_in_reverse_order_still_read(name: str) -> None:
    """Whole sections shuffled: the tables are still found by their labels."""
    text = "\n".join(seed_lines(name))
    heads = ("一、", "二、", "三、收到", "四、政府信息公开", "五、", "六、")
    cuts = [text.find(h) for h in heads]
    assert all(c >= 0 for c in cuts), cuts
    cuts.sort()
    parts = [text[: cuts[0]]] + [
        text[a:b] for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)
    ]
    shuffled = parts[0] + "\n" + "\n".join(reversed(parts[1:]))
    result = _parse_within_bounds(shuffled)
    plain = parse_bytes(text.encode("utf-8"), filename="report.txt")
    assert result.status == "report"
    assert result.figures == plain.figures


@pytest.mark.parametrize("name", SEED_NAMES)
def test_missing_section_yields_the_rest(name: str) -> None:
    text = "\n".join(seed_lines(name))
    start = text.find("四、政府信息公开")
    end = text.find("五、", start)
    assert 0 <= start < end
    result = _parse_within_bounds(text[:start] + text[end:])
    assert result.status == "report"
    assert not any(k.startswith("appeals.") for k in result.figures)
    assert any(k.startswith("requests.") for k in result.figures)
    assert "warning.missing_section" in {f.rule for f in result.findings}


@st.composite
def mutated_tables(draw: st.DrawFn) -> ExtractedDocument:
    spec = synthesize(draw(st.sampled_from(("2019", "2021"))), draw(st.integers(1, 4)))
    doc = layout_document(spec)
    blocks = []
    for block in doc.blocks:
        if not isinstance(block, Table) or not draw(st.booleans()):
            blocks.append(block)
            continue
        cells = list(block.cells)
        for _ in range(draw(st.integers(1, 8))):
            if not cells:
                break
            i = draw(st.integers(0, len(cells) - 1))
            op = draw(st.sampled_from(("drop", "text", "span", "move")))
            cell = cells[i]
            if op == "drop":
                del cells[i]
            elif op == "text":
                cells[i] = cell._replace(text=draw(_GARBAGE))
            elif op == "span":
                cells[i] = cell._replace(
                    rowspan=draw(st.integers(0, 40)), colspan=draw(st.integers(0, 20))
                )
            else:
                cells[i] = cell._replace(
                    row=draw(st.integers(0, block.n_rows)),
                    col=draw(st.integers(0, block.n_cols)),
                )
        n_rows = block.n_rows + draw(st.integers(-2, 2))
        blocks.append(Table(cells=tuple(cells), n_rows=max(0, n_rows), n_cols=block.n_cols))
    return replace(doc, blocks=tuple(blocks))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_tables())
def test_mutated_tables_never_raise(doc: ExtractedDocument) -> None:
    started = time.perf_counter()
    result = analyse(doc)
    assert time.perf_counter() - started < _SECONDS_PER_PARSE
    assert result.status in ("report", "not_report")
