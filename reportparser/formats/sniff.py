"""Which container format a document is: magic bytes first, then filename and Content-Type.

Sites mislabel attachments all the time (a DOCX served as `application/octet-stream`, an HTML
error page saved as `P020210128.pdf`, a WPS file named `.doc`), so the bytes decide whenever
they can. The name and the Content-Type only break ties (DOC vs WPS, XLS vs ET) and classify
what has no magic (text vs HTML).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from reportparser.formats.text import looks_binary
from reportparser.result import ParseStatus

OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_IMAGES: Final = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_ARCHIVES: Final = (
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x1f\x8b", "gzip file"),
    (b"%!PS", "PostScript file"),
)
_HTML_START: Final = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|table|p|span|script|link|style|h[1-6]|br|center|font|form)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_MARKER: Final = re.compile(rb"<(?:html|body|div|table|p|br)\b[^>]*>", re.IGNORECASE)
_HTML_SUFFIXES: Final = frozenset(
    {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
)


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The format to extract with, or why the document cannot be extracted at all."""

    format: str
    failure: str | None = None  # the reason, when the format is recognised but unreadable
    status: ParseStatus = "error"


def suffix_of(filename: str) -> str:
    # Attachment names arrive as URLs or paths, sometimes with a query string.
    name = filename.split("?", 1)[0].split("#", 1)[0]
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def sniff(data: bytes, *, filename: str = "", content_type: str | None = None) -> Sniffed:
    suffix = suffix_of(filename)
    mtype = media_type(content_type)
    head = data[:1024]
    if not data or data.isspace():  # as `not data.strip()`, without copying the document
        return Sniffed("unknown", "empty document")
    if b"%PDF-" in head:
        return Sniffed("pdf")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data, suffix)
    if data.startswith(OLE_MAGIC):
        return _sniff_ole(data, suffix)
    if data.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"{\\rtf"):
        return Sniffed("rtf")
    for magic, name in _IMAGES:
        if data.startswith(magic):
            return Sniffed("image", f"not a text document: a {name} image (needs OCR)", "needs_ocr")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return Sniffed("image", "not a text document: a WebP image (needs OCR)", "needs_ocr")
    for magic, name in _ARCHIVES:
        if data.startswith(magic):
            return Sniffed("unknown", f"unsupported format: a {name}")
    if _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf")) or (
        (suffix in _HTML_SUFFIXES or "html" in mtype) and _HTML_MARKER.search(data[:65536])
    ):
        return Sniffed("html")
    if looks_binary(data) and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        expected = {".pdf": "PDF", ".docx": "DOCX", ".doc": "DOC", ".wps": "WPS"}.get(suffix)
        if expected:
            return Sniffed("unknown", f"not a {expected} file: no {expected} signature")
        return Sniffed("unknown", "not a document: binary data of unknown type")
    if suffix in _HTML_SUFFIXES or "html" in mtype:
        return Sniffed("html")
    # Text under a document's name (".pdf") is usually an error or login page: read it as text
    # so that the figure logic can say what it is.
    return Sniffed("text")


def _sniff_zip(data: bytes, suffix: str) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = (
                archive.read("mimetype")[:100].strip()
                if "mimetype" in names and archive.getinfo("mimetype").file_size < 200
                else b""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError) as exc:
        kind = {".docx": "DOCX", ".xlsx": "XLSX"}.get(suffix, "ZIP")
        return Sniffed(suffix.lstrip(".") or "zip", f"broken {kind} file: {exc}")
    lower = {name.lower() for name in names}
    if "word/document.xml" in lower:
        return Sniffed("docx")
    if "xl/workbook.xml" in lower:
        return Sniffed("xlsx")
    if any(name.startswith("ppt/") for name in lower):
        return Sniffed("pptx", "unsupported format: a PowerPoint presentation")
    if "ofd.xml" in lower or mimetype == b"application/ofd" or suffix == ".ofd":
        return Sniffed(
            "ofd", "unsupported format: OFD (China's fixed-layout format) cannot be read yet"
        )
    if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        return Sniffed("odt")
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return Sniffed("ods")
    return Sniffed("zip", f"unsupported format: a ZIP archive of {len(names)} files")


def ole_stream_names(data: bytes, names: tuple[str, ...]) -> set[str]:
    """Which of `names` are entries of the OLE2 compound file's directory.

    Directory entries are 128-byte records (name in UTF-16LE, then its byte length) aligned to
    128 bytes after the 512-byte header, so a search plus two checks finds them without walking
    the FAT chains, which a truncated or hostile file could make loop.
    """
    found: set[str] = set()
    for name in names:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        start = 512
        while (pos := data.find(encoded, start)) != -1:
            start = pos + 2
            if (pos - 512) % 128 or pos + 68 > len(data):
                continue
            (length,) = struct.unpack_from("<H", data, pos + 64)
            if length == len(encoded) and data[pos + 66] in (1, 2, 5):
                found.add(name)
                break
    return found


def _sniff_ole(data: bytes, suffix: str) -> Sniffed:
    streams = ole_stream_names(
        data,
        ("WordDocument", "Workbook", "Book", "PowerPoint Document", "EncryptedPackage"),
    )
    if "EncryptedPackage" in streams:
        return Sniffed("docx", "password-protected document: cannot be read")
    if "WordDocument" in streams:
        # Kingsoft WPS Writer saves Word 97 binaries; only the name tells them apart.
        return Sniffed("wps" if suffix == ".wps" else "doc")
    if streams & {"Workbook", "Book"}:
        return Sniffed("et" if suffix == ".et" else "xls")
    if "PowerPoint Document" in streams:
        return Sniffed("ppt", "unsupported format: a PowerPoint presentation")
    by_suffix = {".doc": "doc", ".wps": "wps", ".xls": "xls", ".et": "et"}.get(suffix)
    if by_suffix:
        # Truncated directory or an unusual writer: let LibreOffice try, by the name.
        return Sniffed(by_suffix)
    return Sniffed("ole", "unsupported format: an OLE2 compound file of unknown kind")
