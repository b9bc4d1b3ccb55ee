"""Format extractors: bytes of one container format in, an `ExtractedDocument` out.

INTERFACE DRAFT: `extract` and `ExtractionFailure` are the contract with the figure logic. This
first version handles plain UTF-8/GB18030 text only; the other formats are being written.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportparser.document import ExtractedDocument, Paragraph
from reportparser.result import ParseStatus


@dataclass(frozen=True, slots=True)
class ExtractionFailure:
    """Why a document yielded no usable text (status is never "report")."""

    status: ParseStatus
    format: str
    reason: str
    engine: str | None = None


def extract(
    data: bytes, *, filename: str = "", content_type: str | None = None
) -> ExtractedDocument | ExtractionFailure:
    """Reduce one document to paragraphs and tables. Never raises for bad input."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return ExtractedDocument(
            format="text", blocks=tuple(Paragraph(line) for line in text.splitlines())
        )
    return ExtractionFailure("error", "unknown", "not text in any supported encoding")
