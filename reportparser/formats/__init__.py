"""Format extractors: bytes of one container format in, an `ExtractedDocument` out.

`extract` sniffs the format from the bytes (then the filename and Content-Type), applies the
resource `Limits`, and hands the bytes to one extractor. Adding a format means adding a module
with an `extract_<format>(data, content_type, limits) -> ExtractedDocument` function and one
line in `_EXTRACTORS`; the figure logic never changes.

What every extractor guarantees about its `ExtractedDocument`:
- blocks in reading order; a paragraph is one line or paragraph, trimmed, never empty (plain
  text keeps its lines exactly, tabs and blank lines included, for the text-table readers);
- a table's cells cover its grid without overlap, an empty cell is a `Cell` with text "" at its
  own position, spans are clipped to the table, and grid lines that no cell uses are dropped
  (`tables.canonical`), so the same table has the same grid in every format;
- cell text: explicit breaks inside a cell (HTML <p>/<br>, DOCX paragraphs) are "\n"; lines
  that a PDF wrapped are joined, without a space between two hanzi or two digits;
- `engine` names what produced the text ("lexbor", "docx-xml", "pdfium", "pdftotext",
  "libreoffice+docx-xml" ...); `notes` say how (encoding, text quality, repairs, caps hit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from reportparser.document import ExtractedDocument, Table
from reportparser.formats import docx, html, libreoffice, pdf, spreadsheet, text
from reportparser.formats.errors import Unreadable
from reportparser.formats.limits import DEFAULT_LIMITS, LimitExceeded, Limits, format_size
from reportparser.formats.sniff import sniff
from reportparser.formats.tables import canonical
from reportparser.result import ParseStatus

__all__ = ["DEFAULT_LIMITS", "ExtractionFailure", "Limits", "extract"]


@dataclass(frozen=True, slots=True)
class ExtractionFailure:
    """Why a document yielded no usable text (status is never "report")."""

    status: ParseStatus
    format: str
    reason: str
    engine: str | None = None


Extractor = Callable[[bytes, str | None, Limits], ExtractedDocument]

# LibreOffice opens Kingsoft WPS/ET files only under the Word/Excel name: with ".wps" it picks
# its Microsoft Works filter and fails. (source suffix, target, extractor of the target)
_CONVERTED: Final[dict[str, tuple[str, str]]] = {
    "doc": (".doc", "docx"),
    "wps": (".doc", "docx"),
    "rtf": (".rtf", "docx"),
    "odt": (".odt", "docx"),
    "xls": (".xls", "xlsx"),
    "et": (".xls", "xlsx"),
    "ods": (".ods", "xlsx"),
}


def _extract_text(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    try:
        return text.extract_text(data, content_type, limits)
    except UnicodeDecodeError:
        raise Unreadable("error", "not text in any supported encoding") from None
    except text.Mojibake as exc:
        raise Unreadable("error", str(exc)) from None


_EXTRACTORS: Final[dict[str, Extractor]] = {
    "text": _extract_text,
    "html": html.extract_html,
    "pdf": pdf.extract_pdf,
    "docx": docx.extract_docx,
    "xlsx": spreadsheet.extract_xlsx,
}


def _convert_and_extract(data: bytes, fmt: str, limits: Limits) -> ExtractedDocument:
    source_suffix, target = _CONVERTED[fmt]
    try:
        converted = libreoffice.convert(
            data, source_suffix=source_suffix, target=target, timeout=limits.libreoffice_timeout
        )
    except libreoffice.LibreOfficeUnavailable as exc:
        raise Unreadable("needs_libreoffice", str(exc), "libreoffice") from None
    except libreoffice.ConversionFailed as exc:
        raise Unreadable("error", str(exc), "libreoffice") from None
    document = _EXTRACTORS[target](converted, None, limits)
    return replace(
        document,
        format=fmt,
        engine=f"libreoffice+{document.engine}",
        notes=(
            f"converted by LibreOffice to {target.upper()} ({libreoffice.isolation()})",
            *document.notes,
        ),
    )


def extract(
    data: bytes,
    *,
    filename: str = "",
    content_type: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ExtractedDocument | ExtractionFailure:
    """Reduce one document to paragraphs and tables. Never raises for bad input."""
    if len(data) > limits.max_bytes:
        return ExtractionFailure(
            "error",
            "unknown",
            f"too large: {format_size(len(data))} (limit {format_size(limits.max_bytes)})",
        )
    sniffed = sniff(data, filename=filename, content_type=content_type)
    fmt = sniffed.format
    if sniffed.failure is not None:
        return ExtractionFailure(sniffed.status, fmt, sniffed.failure)
    try:
        if fmt in _CONVERTED:
            document = _convert_and_extract(data, fmt, limits)
        else:
            document = _EXTRACTORS[fmt](data, content_type, limits)
        return replace(
            document,
            blocks=tuple(
                canonical(block) if isinstance(block, Table) else block for block in document.blocks
            ),
        )
    except Unreadable as exc:
        return ExtractionFailure(exc.status, fmt, exc.reason, exc.engine)
    except LimitExceeded as exc:
        return ExtractionFailure("error", fmt, f"limit exceeded: {exc}")
    except RecursionError:
        return ExtractionFailure("error", fmt, "document structure nested too deeply")
    except MemoryError:
        return ExtractionFailure("error", fmt, "out of memory while reading the document")
    except Exception as exc:
        # lxml, pdfium, zipfile and openpyxl raise a zoo of exceptions on broken input; one
        # broken document must never stop a crawl.
        detail = f"{type(exc).__name__}: {exc}"
        return ExtractionFailure("error", fmt, f"broken {fmt} document: {detail}")
