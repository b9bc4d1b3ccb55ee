"""Inputs meant to break the parser, each a `HostileCase` (name, bytes, filename, what is right).

A crawler meets all of these on real sites: empty responses, error pages, truncated downloads,
archives that inflate without end, huge files, news pages in the same CMS as the reports, reports
with sections out of order or missing, pages whose charset is wrong. For each, the parser must
give a clear result (a status and, for failures, a reason) in bounded time and memory.

`hostile_cases()` builds them all; `zip_bomb_docx()` streams a DOCX whose `word/document.xml`
inflates to over 1 GB from a file of about a megabyte, in well under a second.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from tests.support.layout import Block, LayoutTable, TextBlock, report_layout
from tests.support.render import chrome_for, render, render_article, render_html, report_body_html
from tests.support.spec import ReportSpec, seed_spec
from tests.support.synth import synthesize

GIB: Final = 1 << 30
MIB: Final = 1 << 20


@dataclass(frozen=True)
class HostileCase:
    """One hostile input and what a right answer is.

    `statuses`: the acceptable `ParseResult.status` values. When the status is "report" and
    `spec` is set, every figure returned must equal the spec's; `complete` requires all of the
    keys whose prefix is not in `absent`, and keys under an `absent` prefix must be missing or
    None (their section is not in the document).
    """

    name: str
    data: bytes
    filename: str
    statuses: frozenset[str]
    spec: ReportSpec | None = None
    complete: bool = False
    absent: tuple[str, ...] = ()
    why: str = ""


# -- Archives -----------------------------------------------------------------------------------


def _local_header(name: bytes, crc: int, csize: int, usize: int, zip64: bool) -> bytes:
    extra = struct.pack("<HHQQ", 0x0001, 16, usize, csize) if zip64 else b""
    sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (csize, usize)
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            45 if zip64 else 20,
            0x0800,  # names are UTF-8
            8,  # deflate
            0,
            0x5A21,  # 2025-01-01
            crc,
            *sizes,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _central_header(
    name: bytes, crc: int, csize: int, usize: int, *, offset: int, zip64: bool
) -> bytes:
    extra = struct.pack("<HHQQ", 0x0001, 16, usize, csize) if zip64 else b""
    sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (csize, usize)
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            45,
            45 if zip64 else 20,
            0x0800,
            8,
            0,
            0x5A21,
            crc,
            *sizes,
            len(name),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        + name
        + extra
    )


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _bomb_stream(prefix: bytes, unit: bytes, repeats: int, suffix: bytes) -> tuple[bytes, int]:
    """A raw deflate stream of prefix + unit * repeats + suffix, and its CRC-32.

    After a full flush the compressor's window is empty, so every `unit` compresses to the same
    bytes: compress it once and repeat the block instead of deflating a gigabyte.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(suffix, crc)
    return head + block * repeats + tail, crc


_CONTENT_TYPES: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS: Final = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def zip_bomb_docx(inflated: int = GIB + 64 * MIB, *, declared: int | None = None) -> bytes:
    """A DOCX (content types, relationships, document part) whose `word/document.xml` is one
    paragraph of about `inflated` bytes of the same character: ~1 MB on disk.

    `declared` makes the archive lie about the part's uncompressed size (a reader that trusts
    the header and inflates without a bound is caught; zipfile stops at the declared size and
    then fails the CRC check).
    """
    prefix = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>"
    )
    suffix = b"</w:t></w:r></w:p></w:body></w:document>"
    unit = "报".encode() * (MIB // 3)
    repeats = inflated // len(unit) + 1
    stream, crc = _bomb_stream(prefix, unit, repeats, suffix)
    usize = len(prefix) + len(unit) * repeats + len(suffix)

    out = bytearray()
    central = bytearray()
    members = [
        (b"[Content_Types].xml", _deflate(_CONTENT_TYPES), zlib.crc32(_CONTENT_TYPES),
         len(_CONTENT_TYPES), False),
        (b"_rels/.rels", _deflate(_RELS), zlib.crc32(_RELS), len(_RELS), False),
        (b"word/document.xml", stream, crc, usize if declared is None else declared, True),
    ]  # fmt: skip
    for name, compressed, member_crc, size, zip64 in members:
        offset = len(out)
        out += _local_header(name, member_crc, len(compressed), size, zip64)
        out += compressed
        central += _central_header(
            name, member_crc, len(compressed), size, offset=offset, zip64=zip64
        )
    directory_offset = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        len(members),
        len(members),
        len(central),
        directory_offset,
        0,
    )
    return bytes(out)


# -- Pages --------------------------------------------------------------------------------------

NEWS_TITLE: Final = "盐池县召开2021年政务公开工作推进会"
NEWS_PARAGRAPHS: Final = (
    "3月15日，盐池县召开2021年政务公开工作推进会，总结2020年全县政务公开工作，"
    "安排部署2021年重点任务。县政府办公室、各乡镇（街道办）和县直各部门分管负责同志参加会议。",
    "会议指出，2020年全县各级行政机关主动公开政府信息4万余条，办理政府信息公开申请5件，"
    "政府信息公开工作年度报告已按时在政府网站发布。",
    "会议要求，各单位要对照《中华人民共和国政府信息公开条例》，在3月31日前完成本单位"
    "政府信息公开工作年度报告的编制和发布，做好行政复议、行政诉讼案件的统计工作。",
)


def news_page(spec: ReportSpec, *, repeat: int = 1) -> bytes:
    """A news article in the county's CMS that talks about annual reports but is none."""
    body = "\n".join(
        f'<p style="text-indent:2em">{p}</p>' for _ in range(repeat) for p in NEWS_PARAGRAPHS
    )
    return render_article(NEWS_TITLE, body, chrome_for(spec))


def _sections(blocks: list[Block]) -> list[list[Block]]:
    """The report split at its section headings: [title+intro, 一, 二, 三, 四, 五, 六]."""
    parts: list[list[Block]] = [[]]
    for block in blocks:
        if isinstance(block, TextBlock) and block.kind == "heading":
            parts.append([])
        parts[-1].append(block)
    return parts


def reordered_page(spec: ReportSpec, order: tuple[int, ...]) -> bytes:
    """The report with its sections (1..6 = 一..六) in `order`; missing numbers are dropped."""
    parts = _sections(report_layout(spec))
    blocks = [block for index in (0, *order) for block in parts[index]]
    assert all(isinstance(b, TextBlock | LayoutTable) for b in blocks)
    return render_article(spec.title, report_body_html(spec, blocks), chrome_for(spec))


def double_encoded(data: bytes) -> bytes:
    """UTF-8 bytes read as Latin-1 and saved again as UTF-8: classic mojibake (ç\x9b\x90...)."""
    return data.decode("latin-1").encode("utf-8")


def huge_pdf_signature(size: int = 50 * MIB) -> bytes:
    """A file that starts like a PDF and is 50 MB of nothing (an error page saved as .pdf)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + bytes(size - len(head))


# -- All cases ----------------------------------------------------------------------------------

_ERROR: Final = frozenset({"error"})
_REPORT: Final = frozenset({"report"})


def _seed() -> ReportSpec:
    return seed_spec("yanchi-2020-county")


def _synthetic() -> ReportSpec:
    return synthesize("2021", 5)


def _empty() -> HostileCase:
    return HostileCase("empty", b"", "P020210128000001.pdf", _ERROR, why="nothing to read")


def _noise() -> HostileCase:
    noise = random.Random(7).randbytes(256 * 1024)
    return HostileCase("binary-noise", noise, "P020210128000002.pdf", _ERROR, why="no format")


def _truncated_pdf() -> HostileCase:
    spec = _synthetic()
    pdf = render(spec, "pdf")
    return HostileCase(
        "truncated-pdf",
        pdf[: len(pdf) // 2],
        "P020220124000003.pdf",
        frozenset({"error", "report"}),
        spec=spec,
        why="a broken file; if salvaged, what is read must be right",
    )


def _zip_bomb() -> HostileCase:
    return HostileCase(
        "docx-zip-bomb",
        zip_bomb_docx(),
        "P020210128000004.docx",
        _ERROR,
        why="word/document.xml inflates to over 1 GB",
    )


def _lying_zip_bomb() -> HostileCase:
    return HostileCase(
        "docx-zip-bomb-lying-size",
        zip_bomb_docx(declared=300 * 1024),
        "P020210128000006.docx",
        _ERROR,
        why="claims 300 KB, inflates to over 1 GB: the header cannot be trusted",
    )


def _pdf_50mb() -> HostileCase:
    return HostileCase(
        "pdf-50mb", huge_pdf_signature(), "P020210128000005.pdf", _ERROR, why="50 MB of zeros"
    )


def _html_50mb() -> HostileCase:
    return HostileCase(
        "html-50mb",
        news_page(_seed(), repeat=50 * MIB // 750),  # ~750 bytes per repeat
        "t20210128_3100000.html",
        frozenset({"error", "not_report"}),
        why="a 50 MB page: refused for its size, or read and found not to be a report",
    )


def _news() -> HostileCase:
    return HostileCase(
        "news-page",
        news_page(_seed()),
        "t20210316_3100001.html",
        frozenset({"not_report"}),
        why="a news article about annual reports, in the same CMS markup",
    )


def _shuffled() -> HostileCase:
    spec = _synthetic()
    return HostileCase(
        "shuffled-sections",
        reordered_page(spec, (1, 4, 2, 6, 3, 5)),
        "t20220124_3100002.html",
        _REPORT,
        spec=spec,
        complete=True,
        why="sections 一 四 二 六 三 五: tables are found by their labels, not their place",
    )


def _missing() -> HostileCase:
    spec = _synthetic()
    return HostileCase(
        "missing-sections",
        reordered_page(spec, (1, 3, 5, 6)),
        "t20220124_3100003.html",
        _REPORT,
        spec=spec,
        complete=True,
        absent=("active.", "appeals."),
        why="no section 二 or 四: the requests table alone",
    )


def _gbk_declared_utf8() -> HostileCase:
    spec = _synthetic()
    return HostileCase(
        "gbk-declared-utf8",
        render_html(spec, encoding="gbk", declared_charset="utf-8"),
        "t20220124_3100004.html",
        _REPORT,
        spec=spec,
        complete=True,
        why="a GBK page whose <meta> says UTF-8: the bytes are not UTF-8, so detect",
    )


def _double_encoded() -> HostileCase:
    spec = _synthetic()
    return HostileCase(
        "double-encoded-utf8",
        double_encoded(render_html(spec)),
        "t20220124_3100005.html",
        frozenset({"report", "not_report", "error"}),
        spec=spec,
        complete=True,
        why="UTF-8 mojibake: repaired (and then right) or refused with a reason",
    )


def _gbk() -> HostileCase:
    spec = _synthetic()
    return HostileCase(
        "gbk-declared-gbk",
        render_html(spec, encoding="gbk"),
        "t20220124_3100006.html",
        _REPORT,
        spec=spec,
        complete=True,
        why="a correctly declared GBK page",
    )


BUILDERS: Final[dict[str, Callable[[], HostileCase]]] = {
    "empty": _empty,
    "binary-noise": _noise,
    "truncated-pdf": _truncated_pdf,
    "docx-zip-bomb": _zip_bomb,
    "docx-zip-bomb-lying-size": _lying_zip_bomb,
    "pdf-50mb": _pdf_50mb,
    "html-50mb": _html_50mb,
    "news-page": _news,
    "shuffled-sections": _shuffled,
    "missing-sections": _missing,
    "gbk-declared-utf8": _gbk_declared_utf8,
    "double-encoded-utf8": _double_encoded,
    "gbk-declared-gbk": _gbk,
}
"""Case name → builder. Cases are large: build only the ones you need."""

NEEDS_LIBREOFFICE: Final = frozenset({"truncated-pdf"})


def hostile_case(name: str) -> HostileCase:
    return BUILDERS[name]()


def hostile_cases() -> Iterator[HostileCase]:
    """Every case, built one at a time."""
    for build in BUILDERS.values():
        yield build()
