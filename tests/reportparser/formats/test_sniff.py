from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from reportparser.formats.sniff import OLE_MAGIC, sniff, suffix_of


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["申请人情况", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "fmt"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "", None, "pdf"),
        (b"\r\n\r\n%PDF-1.4\n", "a.doc", "text/html", "pdf"),  # junk before the header
        (b"{\\rtf1\\ansi \\ansicpg936 ...}", "", None, "rtf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "", None, "html"),
        (b"\xef\xbb\xbf  <html lang=zh>", "P0.pdf", "application/pdf", "html"),
        (b"<?xml version='1.0'?>\n<!-- c --><html>", "", None, "html"),
        (b"plain <p>text</p> with a tag", "page.htm", None, "html"),
        (b"plain text, no tags", "page.htm", "text/html", "html"),
        ("一、总体情况\n二、主动公开".encode(), "", None, "text"),
        ("一、总体情况".encode("gb18030"), "x.txt", "text/plain", "text"),
        ("\ufeff一、总体情况".encode("utf-16-le"), "", None, "text"),
        (b"login required", "P02021.pdf", "application/pdf", "text"),
    ],
)
def test_formats_by_magic_then_name(
    data: bytes, filename: str, content_type: str | None, fmt: str
) -> None:
    sniffed = sniff(data, filename=filename, content_type=content_type)
    assert (sniffed.format, sniffed.failure) == (fmt, None)


def test_docx_and_xlsx_by_their_parts(report_docx_bytes: bytes) -> None:
    assert sniff(report_docx_bytes, filename="a.doc").format == "docx"
    assert sniff(_xlsx(), filename="report.pdf").format == "xlsx"


@pytest.mark.parametrize(
    ("data", "filename", "status", "reason"),
    [
        (b"", "", "error", "empty document"),
        (b"  \n\t", "a.txt", "error", "empty document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.pdf", "needs_ocr", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "", "needs_ocr", "a JPEG image"),
        (b"Rar!\x1a\x07\x00\xcf\x90", "reports.rar", "error", "a RAR archive"),
        (bytes(range(256)) * 8, "", "error", "binary data of unknown type"),
        (bytes(range(256)) * 8, "r.pdf", "error", "not a PDF file"),
        (b"PK\x03\x04 truncated", "r.docx", "error", "broken DOCX file"),
    ],
)
def test_unreadable_kinds_say_why(data: bytes, filename: str, status: str, reason: str) -> None:
    sniffed = sniff(data, filename=filename)
    assert sniffed.status == status
    assert sniffed.failure is not None and reason in sniffed.failure


def test_zip_kinds() -> None:
    ofd = sniff(_zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<x/>"}), filename="a")
    assert ofd.format == "ofd" and ofd.failure is not None and "OFD" in ofd.failure
    pptx = sniff(_zip({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<x/>"}))
    assert pptx.format == "pptx" and pptx.failure is not None
    odt = sniff(_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "a": b""}))
    assert (odt.format, odt.failure) == ("odt", None)
    archive = sniff(_zip({"a.pdf": b"%PDF-1.4", "b.doc": b""}), filename="attachments.zip")
    assert archive.format == "zip" and "ZIP archive of 2 files" in (archive.failure or "")


def _ole(*names: str, sector: int = 512) -> bytes:
    """A compound file header and one directory sector naming `names` (the sniffer reads no
    further than the directory entries)."""
    header = OLE_MAGIC + bytes(sector - len(OLE_MAGIC))
    entries = b""
    for kind, name in [(5, "Root Entry"), *((2, n) for n in names)]:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + bytes([kind])
        entries += entry.ljust(128, b"\x00")
    return header + entries.ljust(sector, b"\x00")


@pytest.mark.parametrize(
    ("names", "filename", "fmt"),
    [
        (("WordDocument", "1Table"), "report.doc", "doc"),
        (("WordDocument", "1Table"), "report.wps", "wps"),
        (("WordDocument",), "P020210128.WPS?download=1", "wps"),
        (("Workbook",), "table.xls", "xls"),
        (("Workbook",), "table.et", "et"),
        (("Book",), "", "xls"),
        ((), "old.doc", "doc"),  # no recognised stream: trust the name, LibreOffice decides
    ],
)
def test_ole_by_stream_names_and_name(names: tuple[str, ...], filename: str, fmt: str) -> None:
    assert sniff(_ole(*names), filename=filename) == sniff(_ole(*names), filename=filename)
    sniffed = sniff(_ole(*names), filename=filename)
    assert (sniffed.format, sniffed.failure) == (fmt, None)


def test_ole_that_is_no_document() -> None:
    assert sniff(_ole("PowerPoint Document")).failure == (
        "unsupported format: a PowerPoint presentation"
    )
    assert "password-protected" in (sniff(_ole("EncryptedPackage")).failure or "")
    assert "OLE2" in (sniff(_ole("Something")).failure or "")


def test_stream_name_in_content_is_not_a_directory_entry() -> None:
    # The name appears in the data, but not as an aligned directory entry.
    data = _ole() + b"\x00" * 7 + "WordDocument".encode("utf-16-le") + b"\x00\x00" + bytes(200)
    assert sniff(data, filename="x").failure is not None


def test_real_doc_from_libreoffice(report_doc_bytes: bytes) -> None:
    assert sniff(report_doc_bytes, filename="report.doc").format == "doc"
    assert sniff(report_doc_bytes, filename="report.wps").format == "wps"
    assert sniff(report_doc_bytes).format == "doc"


@pytest.mark.parametrize(
    ("filename", "suffix"),
    [
        ("P020210128.PDF", ".pdf"),
        ("https://x.gov.cn/a/b.wps?x=1#y", ".wps"),
        ("C:\\docs\\report.docx", ".docx"),
        ("noext", ""),
    ],
)
def test_suffix_of(filename: str, suffix: str) -> None:
    assert suffix_of(filename) == suffix
