"""Resource limits for hostile input, and the guarded reads that enforce them.

Every extractor works on bytes from the open web. Each limit here turns a resource problem
(a zip bomb, a 3000-page PDF, a 200 MB "report") into a clear `ExtractionFailure` or a note,
never into a hang or an out-of-memory kill of the crawl.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from reportparser.analysis import MAX_CHARS, MAX_LINES

MB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied by `extract()`; the defaults suit county annual reports with room to spare."""

    max_bytes: int = 64 * MB  # the whole input document
    max_pdf_pages: int = 300  # pages past this are not read (a note says so)
    pdf_time_budget: float = 120.0  # seconds of pdfium work before the rest is skipped (a note)
    subprocess_timeout: float = 60.0  # pdftotext
    subprocess_memory: int = 1024 * MB  # address-space cap of pdftotext
    libreoffice_timeout: float = 120.0
    zip_max_entries: int = 5000
    zip_max_total_uncompressed: int = 512 * MB  # sum of declared sizes in the central directory
    zip_max_member: int = 128 * MB  # one part actually read (document.xml, a sheet)
    zip_max_ratio: float = 200.0  # declared uncompressed / compressed size of a large member
    max_cells: int = 200_000  # cells of all tables of one document
    max_table_cols: int = 400  # a colspan or a sheet wider than this is clipped
    max_table_rows: int = 20_000
    # Running text past what the figure logic reads (the `analysis` caps) is not emitted: a
    # 50 MB page costs its parse, not half a million paragraphs nobody looks at.
    max_text_lines: int = MAX_LINES
    max_text_chars: int = MAX_CHARS


DEFAULT_LIMITS: Final = Limits()


class TextBudget:
    """The running text an extractor still emits under `Limits.max_text_lines/_chars`.

    Lines are counted the way `analysis` counts what it reads (blank lines are free, a line
    counts its characters and its newline), never more: once the budget is spent, the analysis
    would stop reading too, so nothing it reads is ever left out.
    """

    __slots__ = ("chars", "limits", "lines", "spent")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.lines = limits.max_text_lines
        self.chars = limits.max_text_chars
        self.spent = False

    def take(self, line: str) -> None:
        """Count one emitted paragraph line (a line as `str.splitlines` gives it)."""
        if line and not line.isspace():
            self.lines -= 1
            self.chars -= len(line) + 1
            self.spent = self.lines <= 0 or self.chars <= 0

    def note(self) -> str:
        return (
            f"text cut after {self.limits.max_text_lines} lines or "
            f"{self.limits.max_text_chars} characters: the figure logic reads no further, "
            "figures printed past that are missing"
        )


class LimitExceeded(ValueError):
    """The input breaks one of the `Limits`; the message says which, for the failure reason."""


def format_size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


def check_zip(
    archive: zipfile.ZipFile, limits: Limits, reads: Callable[[str], bool] | None = None
) -> None:
    """Refuse a zip bomb from its central directory, before any member is decompressed.

    `reads` names the members the extractor will inflate (default: all): only those are judged
    by size and ratio. A real DOCX may carry a blank 30 MB bitmap that deflates 1000-fold; it is
    never decompressed, so it is no bomb. The declared sizes can lie, so `read_member` caps the
    bytes it actually inflates too.
    """
    infos = archive.infolist()
    if len(infos) > limits.zip_max_entries:
        raise LimitExceeded(f"zip has {len(infos)} entries (limit {limits.zip_max_entries})")
    if reads is not None:
        infos = [info for info in infos if reads(info.filename)]
    total = sum(info.file_size for info in infos)
    if total > limits.zip_max_total_uncompressed:
        raise LimitExceeded(
            f"zip declares {format_size(total)} uncompressed "
            f"(limit {format_size(limits.zip_max_total_uncompressed)})"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > limits.zip_max_ratio:
            raise LimitExceeded(
                f"zip member {info.filename!r} expands {ratio:.0f}-fold "
                f"(limit {limits.zip_max_ratio:.0f}): a zip bomb"
            )


def read_member(archive: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Inflate one member, stopping once it exceeds `zip_max_member` (whatever it declared)."""
    cap = limits.zip_max_member
    chunks: list[bytes] = []
    size = 0
    with archive.open(name) as stream:
        while chunk := stream.read(1 * MB):
            size += len(chunk)
            if size > cap:
                raise LimitExceeded(f"zip member {name!r} inflates past {format_size(cap)}")
            chunks.append(chunk)
    return b"".join(chunks)
