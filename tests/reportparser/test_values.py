"""Cell values and text normalisation."""

from __future__ import annotations

import unicodedata

import pytest

from reportparser.values import CellValue, cell_value, chinese_number, fold, squash, tidy
from tests.conftest import SEED_NAMES, SEEDS_DIR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", CellValue("number", 0)),
        ("+6", CellValue("number", 6)),
        ("-4", CellValue("number", -4)),
        ("增加 68", CellValue("number", 68)),
        ("减少4", CellValue("number", -4)),
        ("11,119", CellValue("number", 11119)),
        ("16280.5867 万元", CellValue("number", 16280.5867, "万元")),
        ("162805867元", CellValue("number", 16280.5867, "元")),
        ("5件", CellValue("number", 5)),
        ("１２", CellValue("number", 12)),
        ("", CellValue("empty")),
        ("\u00a0", CellValue("empty")),
        ("/", CellValue("empty")),
        ("—", CellValue("empty")),
        ("——", CellValue("empty")),
        ("无", CellValue("empty")),
        ("详见附件", CellValue("text")),
        ("1.属于国家秘密", CellValue("text")),
    ],
)
def test_cell_value(text: str, expected: CellValue) -> None:
    assert cell_value(text) == expected


@pytest.mark.parametrize("name", SEED_NAMES)
def test_fold_is_nfkc_on_report_text(name: str) -> None:
    text = (SEEDS_DIR / f"{name}.txt").read_text("utf-8") + "（一）１２：；，㈠①　ﾊﾝ"
    assert fold(text) == unicodedata.normalize("NFKC", text)


def test_squash_and_tidy() -> None:
    assert squash(" 盐池县 2020 年\n政府信息（公开）") == "盐池县2020年政府信息(公开)"
    assert (
        tidy(" 盐池县 2020 年政府信息公开工作年度报告 ") == "盐池县2020年政府信息公开工作年度报告"
    )
    assert tidy("魅力贺兰 APP  下载") == "魅力贺兰APP下载"
    assert tidy("Annual  report 2020") == "Annual report 2020"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("二〇二一", 2021),
        ("二○二○", 2020),
        ("十二", 12),
        ("二十八", 28),
        ("三十一", 31),
        ("十", 10),
        ("x", None),
    ],
)
def test_chinese_number(text: str, number: int | None) -> None:
    assert chinese_number(text) == number
