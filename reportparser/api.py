"""Entry points: `parse_bytes` (what the CLI, the pipelines and `scrapy reparse` call) and
`parse_file`."""

from __future__ import annotations

import logging
from pathlib import Path

from reportparser.analysis import analyse
from reportparser.formats import ExtractionFailure, extract
from reportparser.ocr import OcrOptions, parse_scan
from reportparser.result import Hints, ParseResult
from reportparser.version import PARSER_VERSION

# PARSER_VERSION lives in reportparser.version (importable without the parser); named here too.
__all__ = ["PARSER_VERSION", "parse_bytes", "parse_file"]

logger = logging.getLogger(__name__)


def parse_bytes(
    data: bytes,
    *,
    filename: str = "",
    content_type: str | None = None,
    hints: Hints | None = None,
    ocr: OcrOptions | None = None,
) -> ParseResult:
    """Parse one document. Never raises for bad input: failures come back as a status + reason.

    A scan (a PDF without a text layer, a picture) is read by OCR only when `ocr` is given
    (its bounds); otherwise it stays `needs_ocr` and the reason says how to have it read.
    """
    try:
        extracted = extract(data, filename=filename, content_type=content_type)
        if isinstance(extracted, ExtractionFailure) and extracted.status == "needs_ocr":
            return parse_scan(
                data,
                fmt=extracted.format,
                reason=extracted.reason,
                hints=hints,
                options=ocr,
                analyse=analyse,
            )
        if isinstance(extracted, ExtractionFailure):
            return ParseResult(
                status=extracted.status,
                format=extracted.format,
                reason=extracted.reason,
                engine=extracted.engine,
            )
        return analyse(extracted, hints)
    except Exception as exc:
        # The last resort: a bug must cost one document, not a crawl. Tests feed mutated
        # reports to show that this is not how bad input is normally handled.
        logger.exception("parser failed on %s", filename or "<bytes>")
        return ParseResult(
            status="error",
            format="unknown",
            reason=f"parser error: {type(exc).__name__}: {exc}",
        )


def parse_file(
    path: str | Path, *, hints: Hints | None = None, ocr: OcrOptions | None = None
) -> ParseResult:
    p = Path(path)
    return parse_bytes(p.read_bytes(), filename=p.name, hints=hints, ocr=ocr)
