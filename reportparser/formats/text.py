"""Plain text: charset decoding, mojibake repair and a text-quality measure.

The quality measure is shared by every format: it is how the PDF extractor tells a real text
layer from the garbage that CID fonts without a ToUnicode map produce, and how the text
decoder tells a right charset from a wrong one.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

import charset_normalizer
from w3lib.encoding import resolve_encoding

from reportparser.document import ExtractedDocument, Paragraph
from reportparser.formats.limits import DEFAULT_LIMITS, Limits, TextBudget

# The 3755 level-1 hanzi of GB 2312 (rows 0xB0-0xD7) cover about 99.7 % of running Chinese
# text, official prose included. Mojibake and glyph-id garbage are mostly rare characters, so
# the share of level-1 hanzi among all hanzi separates good text from bad without a word list.
# (`measure` counts them from the GB 2312 bytes; tests/reportparser/formats/test_text.py holds
# the definitions by character classes that its counts are checked against.)

# Words every annual report (and most government prose) uses many times.
REPORT_VOCABULARY: Final = (
    "政府",
    "信息",
    "公开",
    "申请",
    "年度",
    "报告",
    "行政",
    "工作",
    "情况",
    "本年",
    "复议",
    "诉讼",
)

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# UTF-8 read as latin-1/cp1252: a lead byte shown as Ã/Â/å/ä/æ/ç/è/é followed by a
# continuation byte shown as a C1 control or a Latin-1 symbol.
_LATIN_MOJIBAKE: Final = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]")


@dataclass(frozen=True, slots=True)
class TextQuality:
    """How much a decoded text looks like real (Chinese) text.

    `bad` counts replacement, private-use and control characters and `(cid:N)` tokens;
    `common` is the share of GB 2312 level-1 hanzi among all hanzi; `vocabulary` is the count
    of report words per 1000 hanzi.
    """

    chars: int  # non-whitespace characters
    hanzi: int
    bad: int
    common: float
    vocabulary: float
    foreign: int = 0  # letters of scripts a Chinese report does not use (Cyrillic, Arabic ...)
    latin: int = 0  # ASCII and Latin-1 letters

    @property
    def cjk_share(self) -> float:
        return self.hanzi / self.chars if self.chars else 0.0

    @property
    def bad_share(self) -> float:
        return self.bad / self.chars if self.chars else 0.0

    @property
    def readable(self) -> bool:
        """Text a person could read: few broken characters, and real hanzi if any hanzi at all."""
        if self.chars == 0 or self.bad_share > 0.05 or self.foreign / self.chars > 0.1:
            return False
        if self.hanzi < 20:
            # Hardly any hanzi: readable only as Latin-script text. Glyph ids read as codes
            # give punctuation and digits ("/01 23 4 56"), or other scripts, not words.
            return self.bad_share < 0.01 and self.latin / self.chars >= 0.5
        return self.common >= 0.85

    def note(self) -> str:
        return (
            f"text quality: {self.chars} chars, hanzi {self.cjk_share:.0%}, "
            f"common hanzi {self.common:.1%}, bad {self.bad_share:.1%}, "
            f"foreign {self.foreign / max(self.chars, 1):.1%}, "
            f"report words {self.vocabulary:.1f}/1000"
        )


_CID_TOKEN: Final = re.compile(r"\(cid:\d+\)")
_BAD: Final = re.compile("[\ufffd\ue000-\uf8ff\x00-\x1f\x7f-\x9f\U000f0000-\U0010ffff]+")
# IPA, Greek, Cyrillic ... Hangul: where glyph ids read as code points land.
_FOREIGN: Final = re.compile("[\u0250-\u1dff\ua000-\ud7ff]+")
_LATIN: Final = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]+")
# Every character of the three classes above (their brackets' contents joined).
_RARE: Final = re.compile(
    "[" + "".join(pattern.pattern[1:-2] for pattern in (_BAD, _FOREIGN, _LATIN)) + "]+"
)

# The counts are taken from encodings of the text, in C, not by regexes (a regex scan costs
# some 15 ns a character, a report's quality measure was 8 % of an HTML page's parse):
# - hanzi: the high bytes of the UTF-16 code units, U+3400-U+9FFF being those from 0x34 to
#   0x9F (less U+4DC0-U+4DFF, the hexagrams, counted apart where a 0x4D byte says they may be);
# - level-1 hanzi: GB 2312 (EUC-CN) writes every character it has beyond ASCII as two bytes
#   from 0xA1 up, so without the ASCII bytes the even bytes are the lead bytes, and level 1 is
#   the leads 0xB0-0xD7;
# - the rare classes: when no UTF-16 high byte names a block of theirs, they are Latin-1
#   characters (letters, controls), counted in the Latin-1 bytes.
_HANZI_HIGHS: Final = bytes(range(0x34, 0xA0))
_HEXAGRAMS: Final = re.compile("[\u4dc0-\u4dff]")
_ASCII: Final = bytes(range(0x80))
_LEVEL1_LEADS: Final = bytes(range(0xB0, 0xD8))
# High bytes of the rare classes' code units beyond Latin-1 (and some neighbours): U+0250-
# U+1DFF, U+A000-U+D7FF, the private-use U+E000-U+F8FF, the high surrogates of planes 15-16.
# Not U+FFFD's (0xFF is every full-width comma and colon's too): it is looked for itself.
_RARE_HIGHS: Final = frozenset([*range(0x02, 0x1E), *range(0xA0, 0xD8), 0xDB, *range(0xE0, 0xF9)])
_NOT_RARE_HIGHS: Final = bytes(b for b in range(0x100) if b not in _RARE_HIGHS)
_LATIN1_LETTERS: Final = bytes(b for b in range(0x100) if _LATIN.fullmatch(chr(b)))
_LATIN1_CONTROLS: Final = bytes(b for b in range(0x100) if _BAD.fullmatch(chr(b)))


def _count(pattern: re.Pattern[str], text: str) -> int:
    # Counting by deletion runs in C: a per-character Python loop would cost more than the
    # whole extraction of a page.
    return len(text) - len(pattern.sub("", text))


def _in(text: bytes, members: bytes) -> int:
    """How many bytes of `text` are among `members` (deletion, in C)."""
    return len(text) - len(text.translate(None, members))


def _hanzi_counts(text: str, highs: bytes) -> tuple[int, int]:
    """The hanzi of `text` and its GB 2312 level-1 hanzi; `highs`: its UTF-16 high bytes."""
    hanzi = _in(highs, _HANZI_HIGHS)
    if not hanzi:
        return 0, 0
    if b"\x4d" in highs:
        hanzi -= len(_HEXAGRAMS.findall(text))
    leads = text.encode("gb2312", "ignore").translate(None, _ASCII)[::2]
    return hanzi, _in(leads, _LEVEL1_LEADS)


def _rare_counts(text: str, highs: bytes) -> tuple[int, int, int]:
    """The bad, foreign and Latin characters of `text`; `highs`: its UTF-16 high bytes."""
    if "\ufffd" in text or highs.translate(None, _NOT_RARE_HIGHS):
        # A block of the rare classes beyond Latin-1 is there: the regexes decide.
        rare = "".join(_RARE.findall(text))
        if not rare:
            return 0, 0, 0
        return _count(_BAD, rare), _count(_FOREIGN, rare), _count(_LATIN, rare)
    latin1 = text.encode("latin-1", "ignore")
    return _in(latin1, _LATIN1_CONTROLS), 0, _in(latin1, _LATIN1_LETTERS)


_SAMPLE: Final = 100_000


def measure(text: str) -> TextQuality:
    """Quality statistics; a long text is measured on four evenly spaced 100k-character
    samples, which decide as well as the whole and keep a 50 MB page cheap."""
    if len(text) > 4 * _SAMPLE:
        step = (len(text) - _SAMPLE) // 3
        text = "\n".join(text[k * step : k * step + _SAMPLE] for k in range(4))
    cid_tokens = len(_CID_TOKEN.findall(text)) if "(cid:" in text else 0
    text = "".join(text.split())  # str.split's whitespace is the regex \s, at a tenth of the cost
    highs = text.encode("utf-16-le", "surrogatepass")[1::2]
    hanzi, common = _hanzi_counts(text, highs)
    vocabulary = sum(text.count(word) for word in REPORT_VOCABULARY) if hanzi else 0
    bad, foreign, latin = _rare_counts(text, highs)
    return TextQuality(
        chars=len(text),
        hanzi=hanzi,
        bad=bad + cid_tokens * 4,
        common=common / hanzi if hanzi else 0.0,
        vocabulary=1000.0 * vocabulary / hanzi if hanzi else 0.0,
        foreign=foreign,
        latin=latin,
    )


class Mojibake(ValueError):
    """Text decoded with the wrong charset somewhere upstream, and not repairable for sure."""


def _better(candidate: TextQuality, current: TextQuality) -> bool:
    return (
        candidate.readable
        and candidate.hanzi > 0
        and candidate.common > current.common + 0.1
        and candidate.bad <= current.bad
    )


def repair_mojibake(text: str, quality: TextQuality | None = None) -> tuple[str, str | None]:
    """Undo UTF-8 bytes that were decoded as GBK or latin-1 and saved again.

    Returns the text (repaired or not) and a note naming the repair. Raises `Mojibake` when the
    text looks like mojibake but no repair is exact (bytes were lost when it was first saved).
    `quality` is `measure(text)` when the caller has it already.
    """
    if quality is None:
        quality = measure(text)
    if quality.readable and quality.hanzi >= 20:
        return text, None
    latin_hits = len(_LATIN_MOJIBAKE.findall(text))
    suspicious = (quality.hanzi >= 20 and quality.common < 0.85) or latin_hits >= 4
    if not suspicious:
        return text, None
    for wrong in ("gb18030", "latin-1/cp1252"):
        try:
            raw = _encode_cp1252_lenient(text) if wrong != "gb18030" else text.encode(wrong)
            repaired = raw.decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if _better(measure(repaired), quality):
            return repaired, f"mojibake repaired: UTF-8 text had been decoded as {wrong}"
    raise Mojibake("mojibake: text decoded with the wrong charset (no exact repair)")


def _encode_cp1252_lenient(text: str) -> bytes:
    """cp1252 as Windows tools apply it: its five undefined bytes pass through as C1 controls,
    which also makes it undo latin-1 (the C1 range is the only place the two differ)."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                raise
            out.append(ord(ch))
    return bytes(out)


# Bytes no text encoding of ours produces (NUL aside from UTF-16/32): C0 controls other than
# tab, newline, vertical tab, form feed and carriage return, and DEL.
_CONTROL_BYTES: Final = bytes([*range(0x09), *range(0x0E, 0x20), 0x7F])


def looks_binary(data: bytes) -> bool:
    """Control bytes that no text encoding of ours produces (NUL aside from UTF-16/32)."""
    sample = data[:65536]
    if not sample:
        return False
    # Counted by deletion in C: a per-byte Python loop costs a millisecond per document.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > 0.02


def _utf16_without_bom(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    # ASCII-heavy UTF-16 has a zero in every other byte; Chinese UTF-16 has none, so this only
    # catches mixed text, which is what BOM-less UTF-16 exports of reports are.
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a text document: BOM, declared charset, UTF-8, GB18030, then detection.

    Returns (text, encoding). Raises UnicodeDecodeError if nothing decodes it as text.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    candidates = []
    if declared:
        candidates.append(normalise_charset(declared))
    candidates += ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # GB18030 decodes many byte strings that are not GB18030 at all; keep it only if the
        # result reads as Chinese text or plain ASCII.
        if encoding != "gb18030" or measure(text).readable:
            return text, encoding
    best = charset_normalizer.from_bytes(data[: 4 * 1024 * 1024]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace"), best.encoding
    raise UnicodeDecodeError("unknown", data[:1], 0, 1, "not text in any supported encoding")


def normalise_charset(name: str) -> str:
    """Map a declared charset to the codec to use: GBK and GB2312 labels mean GB18030."""
    # w3lib knows the web's charset labels (x-gbk, x-euc-cn ...) that Python's codecs do not.
    label = name.strip().strip("\"'").lower()
    codec = resolve_encoding(label) or resolve_encoding(label.removeprefix("x-"))
    if codec is None:
        return "utf-8"
    if codec in {"gbk", "gb2312", "euc_cn", "cp936", "gb18030", "hz"}:
        return "gb18030"
    return codec


_SPACES: Final = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")


# Some PDF producers map CJK glyphs to the look-alike Kangxi radicals (U+2F00 ⼀ for 一):
# NFKC folds them to the ideographs every label is written in.
_RADICALS: Final = {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in (*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6))
    if unicodedata.normalize("NFKC", chr(code)) != chr(code)
}


def clean_line(line: str) -> str:
    """Normalise one line: NFC, non-breaking and full-width spaces to one space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", line)).strip()


_RADICAL_CHARS: Final = re.compile("[\u2e80-\u2ef3\u2f00-\u2fd5]")


def fold_radicals(text: str) -> str:
    return text.translate(_RADICALS) if _RADICAL_CHARS.search(text) else text


def extract_text(
    data: bytes, content_type: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> ExtractedDocument:
    """Raises UnicodeDecodeError (not text) or Mojibake (unrepairable wrong charset)."""
    declared = charset_from_content_type(content_type)
    text, encoding = decode_text(data, declared)
    quality = measure(text)
    text, repair = repair_mojibake(text, quality)
    if repair:
        quality = measure(text)
    notes = [f"encoding: {encoding}", quality.note()]
    if repair:
        notes.append(repair)
    # Lines stay as they are: tabs and runs of spaces separate the columns of tables that
    # other tools extracted to text (the seeds), and the figure logic reads them.
    lines = text.splitlines()
    cuts: tuple[str, ...] = ()
    if len(lines) >= limits.max_text_lines or len(text) + len(lines) >= limits.max_text_chars:
        # Only a text this long can spend the budget: count it line by line.
        budget = TextBudget(limits)
        for i, line in enumerate(lines):
            budget.take(line)
            if budget.spent:
                if any(not rest.isspace() for rest in lines[i + 1 :] if rest):
                    cuts = (budget.note(),)
                    notes.append(budget.note())
                del lines[i + 1 :]
                break
    blocks = tuple(Paragraph(line) for line in lines)
    return ExtractedDocument(
        format="text", blocks=blocks, engine="text", notes=tuple(notes), cuts=cuts
    )


_CHARSET_PARAM: Final = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return match.group(1) if match else None
