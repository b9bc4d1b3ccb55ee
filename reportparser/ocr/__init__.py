"""OCR of scanned reports: image-only PDFs and page images (PNG, JPEG, TIFF …).

`parse_scan` is the hook `reportparser.api.parse_bytes` calls where extraction ended at
`needs_ocr`. OCR is an optional extra (`pip install "ogi-reports[ocr]"`: RapidOCR's PP-OCR
models inside its wheel, onnxruntime, OpenCV); without it, or when the caller did not ask for
OCR (`ocr=None`: crawls defer it to `scrapy reparse --ocr`), the status stays `needs_ocr` and the
reason says how to get it read. This module imports none of the extra's packages itself.

What a scan's parse guarantees: a figure is either what the page printed, read with every
character sure and consistent with the rules, or null with a `warning.ocr_uncertain` finding
(`reportparser.ocr.gate`). The result's `engine` names the OCR engine and `confidence` is the
mean per-character confidence of everything read.
"""

from __future__ import annotations

import importlib.util
import resource
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from reportparser.result import Hints, ParseResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from reportparser.document import ExtractedDocument

INSTALL_COMMAND: Final = 'pip install "ogi-reports[ocr]"'
REPARSE_COMMAND: Final = "scrapy reparse --ocr"
_MODULES: Final = ("rapidocr", "onnxruntime", "cv2", "PIL", "numpy")


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """Bounds of one document's OCR: `timeout` seconds in all (the pages read by then are not
    enough: the document stays `needs_ocr`), `memory` bytes of address space while it runs
    (RLIMIT_AS; None: the process's own limit), at most `max_pages` pages."""

    timeout: float = 600.0
    memory: int | None = 4 * 1024**3
    max_pages: int = 60


def available() -> bool:
    """Whether the OCR extra is installed (its packages importable)."""
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


def _status(reason: str, fmt: str, engine: str | None = None) -> ParseResult:
    return ParseResult(status="needs_ocr", format=fmt, reason=reason, engine=engine)


@contextmanager
def _memory_bound(limit: int | None) -> Iterator[None]:
    """Lower the soft address-space limit while OCR runs (never above the hard limit)."""
    if limit is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    bound = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    if soft != resource.RLIM_INFINITY and soft <= bound:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (bound, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def parse_scan(
    data: bytes,
    *,
    fmt: str,
    reason: str,
    hints: Hints | None,
    options: OcrOptions | None,
    analyse: Callable[[ExtractedDocument, Hints | None], ParseResult],
) -> ParseResult:
    """A document extraction found no text in (`reason`), read by OCR when asked and able."""
    if not available():
        return _status(f"{reason}; OCR is not installed: {INSTALL_COMMAND}", fmt)
    if options is None:
        return _status(f"{reason}; OCR deferred: run `{REPARSE_COMMAND}`", fmt)
    from reportparser.ocr.scan import read_scan  # noqa: PLC0415  (the extra's imports)

    try:
        with _memory_bound(options.memory):
            return read_scan(data, fmt=fmt, hints=hints, options=options, analyse=analyse)
    except MemoryError:
        return _status(f"{reason}; OCR ran out of memory (limit {options.memory} bytes)", fmt)
