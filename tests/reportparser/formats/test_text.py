from __future__ import annotations

import codecs
import random
import re

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


# The quality measure's classes as character classes: what `measure` counts from encodings.
_LEVEL1 = frozenset(
    bytes(b for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    .decode("gb2312", errors="ignore")
    .replace("\ufffd", "")
)
_CLASSES = {
    "hanzi": re.compile("[\u4e00-\u9fff\u3400-\u4dbf]"),
    "common": re.compile("[" + "".join(sorted(_LEVEL1)) + "]"),
    "bad": re.compile("[\ufffd\ue000-\uf8ff\x00-\x1f\x7f-\x9f\U000f0000-\U0010ffff]"),
    "foreign": re.compile("[\u0250-\u1dff\ua000-\ud7ff]"),
    "latin": re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]"),
}


def _by_classes(text: str) -> dict[str, int]:
    text = "".join(text.split())
    return {name: len(pattern.findall(text)) for name, pattern in _CLASSES.items()}


def _counts(text: str) -> dict[str, int]:
    quality = measure(text)
    return {
        "hanzi": quality.hanzi,
        "common": round(quality.common * quality.hanzi),
        "bad": quality.bad,
        "foreign": quality.foreign,
        "latin": quality.latin,
    }


# Every code point but the surrogates, in slices of 65 536 (lone surrogates, which PDF text
# layers hold, are among the mixed texts below).
_EVERY_CHARACTER = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


@pytest.mark.parametrize("start", range(0, len(_EVERY_CHARACTER), 65536))
def test_measure_counts_every_character_as_its_class(start: int) -> None:
    text = _EVERY_CHARACTER[start : start + 65536]
    assert _counts(text) == _by_classes(text)


def test_measure_counts_mixed_text_as_its_classes() -> None:
    rng = random.Random(9)
    pools = [
        REPORT,
        "\ufffd\ue001\U000f0001\x01\x85ÀÿäÖ×÷",
        "\u4dbf\u4dc0\u4dff\u4e00\u9fff\u3400\u33ff\ua000\ud7ff\u0250\u024f\u1dff\u1e00",
        "，：（）“”、。《》\u00a0\u3000 \t\n",
        "\udb80\ud800\U00020000\U000e0000",
        "Report PDF http 2020 abc",
    ]
    for _ in range(2000):
        pool = "".join(rng.sample(pools, rng.randint(1, len(pools))))
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 60)))
        assert _counts(text) == _by_classes(text), repr(text)


def test_measure_counts_seeds_as_their_classes() -> None:
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text("utf-8")
        assert _counts(text) == _by_classes(text), path.name
