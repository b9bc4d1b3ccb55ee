"""One scanned document through OCR: its pages, the reader, the analysis, the gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Final

from reportparser.document import ExtractedDocument, Table
from reportparser.formats.pdf import _PDFIUM_LOCK, blocks
from reportparser.formats.tables import canonical
from reportparser.ocr import OcrOptions
from reportparser.ocr.engine import Engine, StageTimes
from reportparser.ocr.gate import gate
from reportparser.ocr.pages import ScanError, image_pages, pdf_pages
from reportparser.ocr.reader import Budget, Marks, OcrTimeout, assemble_document, read_pages
from reportparser.result import Hints, ParseResult

# Below this mean confidence the pages are not text a report's analysis should trust.
_MIN_CONFIDENCE: Final = 0.6


@cache
def engine() -> Engine:
    """The process's OCR engine: its models load once per worker process (about a second)."""
    return Engine()


def read_scan(
    data: bytes,
    *,
    fmt: str,
    hints: Hints | None,
    options: OcrOptions,
    analyse: Callable[[ExtractedDocument, Hints | None], ParseResult],
    times: StageTimes | None = None,
) -> ParseResult:
    ocr = engine()
    ocr.times = times if times is not None else StageTimes()
    try:
        if fmt == "pdf":
            pages, total = pdf_pages(data, _PDFIUM_LOCK, options.max_pages)
        else:
            pages, total = image_pages(data)
    except (ScanError, ValueError, OSError) as exc:
        return ParseResult(status="error", format=fmt, reason=f"cannot read the scan: {exc}")
    marks = Marks()
    try:
        texts, notes = read_pages(pages, ocr, marks, Budget(options.timeout))
    except OcrTimeout as exc:
        return ParseResult(
            status="needs_ocr", format=fmt, reason=f"{exc}; not stored", engine=ocr.name
        )
    if fmt == "pdf" and total > options.max_pages:
        notes.append(f"OCR read the first {options.max_pages} of {total} pages")
    result = assemble_document(texts, ocr.name)
    document = ExtractedDocument(
        format=fmt,
        blocks=tuple(
            canonical(block) if isinstance(block, Table) else block for block in blocks(result)
        ),
        engine=ocr.name,
        notes=tuple(notes),
    )
    confidence = marks.mean_confidence
    if confidence is None or confidence < _MIN_CONFIDENCE:
        read = "no text" if confidence is None else f"mean confidence {confidence:.2f}"
        return ParseResult(
            status="needs_ocr",
            format=fmt,
            reason=f"OCR found no readable text ({read})",
            engine=ocr.name,
            confidence=confidence,
        )
    parsed = analyse(document, hints)
    return replace(gate(parsed, marks), engine=ocr.name, confidence=round(confidence, 4))
