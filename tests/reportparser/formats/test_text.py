from __future__ import annotations

import codecs

import pytest

from reportparser.document import Paragraph
from reportparser.formats import ExtractionFailure, extract
from reportparser.formats.text import decode_text, measure, normalise_charset, repair_mojibake
from tests.conftest import SEEDS_DIR

REPORT = "盐池县2020年政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请数量\t5\t0\t5"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (REPORT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + REPORT.encode("utf-8"), "utf-8"),
        (REPORT.encode("gbk"), "gb18030"),
        (REPORT.encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decodes_report_text(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (REPORT, encoding)


def test_utf16_without_bom() -> None:
    text = "Report 2020\n申请数量 5\n" * 20
    assert decode_text(text.encode("utf-16-le")) == (text, "utf-16-le")


def test_declared_charset_first() -> None:
    data = "Café 2020".encode("latin-1")
    # Browsers (and w3lib) read a latin-1 label as its superset cp1252.
    assert decode_text(data, "iso-8859-1") == ("Café 2020", "cp1252")


@pytest.mark.parametrize(
    ("label", "codec"),
    [("GBK", "gb18030"), ("gb2312", "gb18030"), ("x-gbk", "gb18030"), ("UTF8", "utf-8")],
)
def test_gbk_labels_mean_gb18030(label: str, codec: str) -> None:
    assert normalise_charset(label) == codec


def test_seed_reads_as_report_text() -> None:
    quality = measure((SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8"))
    assert quality.readable
    assert quality.common > 0.99
    assert quality.vocabulary > 50


def test_glyph_id_garbage_is_not_readable() -> None:
    # What a CID font without ToUnicode gives: glyph ids read as code points.
    garbage = "".join(chr(0x0400 + (i * 37) % 900) for i in range(400))
    assert not measure(garbage).readable
    rare = "".join(chr(0x8000 + (i * 7919) % 6000) for i in range(400))
    assert not measure(rare).readable
    assert not measure("(cid:12)(cid:345)(cid:7) " * 50).readable
    assert not measure("\ue001\ue002" * 100).readable


def test_utf8_read_as_latin1_is_repaired() -> None:
    mojibake = REPORT.encode("utf-8").decode("latin-1")
    assert repair_mojibake(mojibake) == (
        REPORT,
        "mojibake repaired: UTF-8 text had been decoded as latin-1/cp1252",
    )


def test_utf8_read_as_cp1252_is_repaired() -> None:
    text = "盐池县人民政府办公室关于政府信息公开工作的报告：全年受理申请五件"
    raw = text.encode("utf-8")
    # Windows tools map the five bytes cp1252 leaves undefined to C1 controls.
    mojibake = "".join(
        bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b)
        for b in raw
    )
    assert repair_mojibake(mojibake)[0] == text


def test_utf8_read_as_gbk_is_repaired_when_lossless() -> None:
    # Two hanzi are six UTF-8 bytes, three whole GBK characters: keep the pairs of the seed
    # whose bytes read as GBK and back unchanged, so the mojibake of their text is lossless.
    seed = (SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8")
    hanzi = [ch for ch in seed if "\u4e00" <= ch <= "\u9fff"]
    pairs = ["".join(hanzi[i : i + 2]) for i in range(0, len(hanzi) - 1, 2)]
    text = "".join(pair for pair in pairs if _lossless(pair))[:400]
    assert len(text) >= 100
    mojibake = text.encode("utf-8").decode("gbk")
    repaired, note = repair_mojibake(mojibake)
    assert repaired == text
    assert note == "mojibake repaired: UTF-8 text had been decoded as gb18030"


def _lossless(text: str) -> bool:
    try:
        return text.encode("utf-8").decode("gbk").encode("gbk") == text.encode("utf-8")
    except UnicodeError:
        return False


def test_lossy_gbk_mojibake_is_a_clear_failure() -> None:
    seed = (SEEDS_DIR / "yanchi-2020-county.txt").read_text("utf-8")
    mojibake = seed.encode("utf-8").decode("gbk", errors="replace")
    result = extract(mojibake.encode("utf-8"), filename="report.txt")
    assert isinstance(result, ExtractionFailure)
    assert result.reason == "mojibake: text decoded with the wrong charset (no exact repair)"
    assert "鐩愭睜鍘" in mojibake  # the 盐池县 of the docstring


def test_extract_text_keeps_lines_and_notes_quality() -> None:
    result = extract(REPORT.encode("gb18030"), filename="r.txt")
    assert not isinstance(result, ExtractionFailure)
    assert result.format == "text"
    assert result.blocks[2] == Paragraph("本年新收政府信息公开申请数量\t5\t0\t5")
    assert result.notes[0] == "encoding: gb18030"
    assert result.notes[1].startswith("text quality:")


def test_extract_repairs_latin1_mojibake_file() -> None:
    seed = (SEEDS_DIR / "helan-2020-county.txt").read_text("utf-8")
    data = seed.encode("utf-8").decode("latin-1").encode("utf-8")
    result = extract(data, filename="helan.txt")
    assert not isinstance(result, ExtractionFailure)
    assert result.text().splitlines() == seed.splitlines()
    assert "mojibake repaired: UTF-8 text had been decoded as latin-1/cp1252" in result.notes
