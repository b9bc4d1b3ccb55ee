"""The prose patterns tried only where their first word stands give `finditer`'s matches."""

from __future__ import annotations

import random
import re

import pytest

from reportparser import prose

# (pattern, where its matches start), as `prose` pairs them.
PAIRS = [
    (prose._REQUESTS_RECEIVED, prose._RECEIVED_AT),
    (prose._REQUESTS_RECEIVED_OR_HANDLED, prose._RECEIVED_OR_HANDLED_AT),
    (prose._REQUESTS_COMPLETED, prose._RECEIVED_AT),
    (prose._NO_REQUESTS, prose._NO_REQUESTS_AT),
    (prose._DISCLOSED, prose._DISCLOSED_AT),
    (prose._PARTIALLY, prose._PARTIALLY_AT),
]

# The pieces the patterns are made of, and near misses (不予公开, a stray 。).
_PIECES = (
    "受理", "收到", "接收", "接到", "新收", "办理", "受", "办", "未", "没有", "任何", "有关",
    "政府信息公开", "依申请公开", "信息公开", "的", "申请", "事项", "共计", "共", "合计",
    "不", "分", "同意", "予以", "公开", "答复", "部分", "办结", "了", "件", "条", "宗",
    "。", ";", "12", "3", "x",
)  # fmt: skip


def _texts() -> list[str]:
    rng = random.Random(9)
    texts = [
        "本年度受理政府信息公开申请56件,办结56件。",
        "办理公民、法人和其他组织提交的政府信息公开申请5件",
        "全年未收到政府信息公开申请。予以公开3件,部分公开2件,不予公开1件。",
        "收到收到信息公开的申请共计12件;同意公开答复共4条",
    ]
    texts += ["".join(rng.choice(_PIECES) for _ in range(rng.randrange(30))) for _ in range(3000)]
    return texts


def _found(matches: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    assert isinstance(matches, list)
    return [(m.span(), m.groups()) for m in matches]


@pytest.mark.parametrize(("pattern", "start"), PAIRS, ids=lambda p: p.pattern[:12])
def test_matches_only_where_a_first_word_stands_are_finditers(
    pattern: re.Pattern[str], start: re.Pattern[str]
) -> None:
    texts = _texts()
    assert any(pattern.search(text) for text in texts)
    for text in texts:
        assert _found(list(prose._matches(pattern, text, start))) == _found(
            list(pattern.finditer(text))
        ), text
