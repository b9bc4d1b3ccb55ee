"""PDF: text in reading order, ruled tables rebuilt as grids, text quality checked per engine.

pdfium (pypdfium2) is the primary engine: fast, permissive with broken files, and its char
boxes are a cheap batch of C calls. Report tables in Word/WPS/LibreOffice PDFs are drawn with
ruling lines, so the table grid comes from the page's line segments, not from the text: plain
text extraction loses empty cells (the numbers after them shift left), the grid keeps them.
Everything else on a page is put in order by where it sits, never by the order it was drawn in
(WPS draws tables column by column): lines from the characters' boxes, tables among them by
their top edge. Tables read from such text instead of a grid are a guess at the layout, which
the consistency rules must confirm (`ExtractedDocument.layout_text`).

This module holds the two engines and the choice between them; the page geometry (ruling
lines, grids) and the text assembly on it, which OCR feeds too, are
`reportparser.formats.pdflayout`.

When pdfium's text is unreadable (CID fonts without a ToUnicode map decode to rare or private
characters), poppler's `pdftotext` runs as a subprocess with a timeout and memory cap, and its
words are placed on the same pdfium grid. A PDF without a usable text layer in any engine is
`needs_ocr`.
"""

from __future__ import annotations

import ctypes
import itertools
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from lxml import etree

from reportparser.document import ExtractedDocument
from reportparser.formats.errors import Unreadable
from reportparser.formats.limits import Limits
from reportparser.formats.pdflayout import (
    LINE_MAX_WIDTH,
    EngineResult,
    Grid,
    PageText,
    Piece,
    Rotator,
    Segments,
    blocks,
    find_grids,
    rotator,
)
from reportparser.formats.text import fold_radicals, measure

# The page model is `reportparser.formats.pdflayout`'s; reportparser.ocr takes it from here,
# with the engines.
__all__ = [
    "EngineResult",
    "Grid",
    "PageText",
    "Segments",
    "blocks",
    "extract_pdf",
    "find_grids",
    "read_pdfium",
    "read_pdftotext",
]

MAX_SEGMENTS_PER_PAGE: Final = 20_000  # hostile pages: skip table detection beyond this
MAX_OBJECTS_PER_PAGE: Final = 100_000  # ... or beyond this many page objects


# ---- pdfium ----------------------------------------------------------------------------------


def _page_segments(page_raw: pdfium_c.FPDF_PAGE, rotate: Rotator | None) -> Segments | None:
    segments = Segments(rotate=rotate)
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))

    def visit(objects: Iterator[pdfium_c.FPDF_PAGEOBJECT], matrix: Matrix | None) -> bool:
        for obj in objects:
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                form_matrix = pdfium_c.FS_MATRIX()
                pdfium_c.FPDFPageObj_GetMatrix(obj, form_matrix)
                m = _compose(_matrix_of(obj), matrix)
                count = pdfium_c.FPDFFormObj_CountObjects(obj)
                if not visit((pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)), m):
                    return False
                continue
            if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                continue
            if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
                continue
            filled, stroked = fill_mode.value != 0, bool(stroke.value)
            if not filled and not stroked:
                continue
            if stroked:
                pdfium_c.FPDFPageObj_GetStrokeColor(obj, red, green, blue, alpha)
            else:
                pdfium_c.FPDFPageObj_GetFillColor(obj, red, green, blue, alpha)
            if min(red.value, green.value, blue.value) >= 250 or alpha.value == 0:
                continue  # white rules are how editors hide a border
            if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                continue
            x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
            if matrix is not None:
                x0, y0, x1, y1 = _transform_box(matrix, x0, y0, x1, y1)
            thin = min(x1 - x0, y1 - y0) <= LINE_MAX_WIDTH
            count = 0 if thin else pdfium_c.FPDFPath_CountSegments(obj)
            if count > 5:
                # One path for many rules (WPS draws a table's grid as one stroked path, some
                # writers fill all border rectangles in one path): read its subpaths.
                _path_lines(obj, count, _compose(_matrix_of(obj), matrix), segments, stroked)
            else:
                segments.add_box(x0, y0, x1, y1, outline=stroked)
            if len(segments.horizontal) + len(segments.vertical) > MAX_SEGMENTS_PER_PAGE:
                return False
        return True

    count = pdfium_c.FPDFPage_CountObjects(page_raw)
    if count > MAX_OBJECTS_PER_PAGE:
        return None
    if not visit((pdfium_c.FPDFPage_GetObject(page_raw, i) for i in range(count)), None):
        return None
    return segments


Matrix = tuple[float, float, float, float, float, float]


def _matrix_of(obj: pdfium_c.FPDF_PAGEOBJECT) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix | None) -> Matrix:
    """The matrix that applies `inner`, then `outer` (PDF's row-vector convention)."""
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    oa, ob, oc, od, oe, of = outer
    return (
        a * oa + b * oc,
        a * ob + b * od,
        c * oa + d * oc,
        c * ob + d * od,
        e * oa + f * oc + oe,
        e * ob + f * od + of,
    )


def _path_lines(
    obj: pdfium_c.FPDF_PAGEOBJECT,
    count: int,
    matrix: Matrix,
    segments: Segments,
    stroked: bool,
) -> None:
    """The rules of a path with many segments: each axis-parallel stroked segment, or each
    thin filled subpath."""
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix
    subpaths: list[list[tuple[float, float]]] = []
    for i in range(min(count, MAX_SEGMENTS_PER_PAGE)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if (
            pdfium_c.FPDFPathSegment_GetType(segment) == pdfium_c.FPDF_SEGMENT_MOVETO
            or not subpaths
        ):
            subpaths.append([point])
        else:
            subpaths[-1].append(point)
            if pdfium_c.FPDFPathSegment_GetClose(segment):
                subpaths[-1].append(subpaths[-1][0])
    for points in subpaths:
        if stroked:
            for (px, py), (qx, qy) in itertools.pairwise(points):
                segments.add_box(min(px, qx), min(py, qy), max(px, qx), max(py, qy), outline=False)
        else:
            xs_ = [p[0] for p in points]
            ys_ = [p[1] for p in points]
            segments.add_box(min(xs_), min(ys_), max(xs_), max(ys_), outline=False)


def _transform_box(
    m: Matrix, x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = m
    xs_, ys_ = [], []
    for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
        xs_.append(a * x + c * y + e)
        ys_.append(b * x + d * y + f)
    return min(xs_), min(ys_), max(xs_), max(ys_)


def _page_text(textpage: pdfium_c.FPDF_TEXTPAGE) -> tuple[str, int]:
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return "", 0
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    pdfium_c.FPDFText_GetText(
        textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
    )
    return fold_radicals(buffer.raw[: count * 2].decode("utf-16-le", errors="replace")), count


def _page_items(
    textpage: pdfium_c.FPDF_TEXTPAGE, text: str, count: int, rotate: Rotator | None
) -> list[Piece]:
    """Each character with its loose box (the glyph's advance by the font's ascent and
    descent): neighbours in a word touch, so gaps between boxes are the text's spaces."""
    box = pdfium_c.FS_RECTF()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    items: list[Piece] = []
    for i in range(min(count, len(text))):
        ch = text[i]
        if ch in "\r\n" or not get_box(textpage, i, box):
            continue
        if rotate is None:
            items.append((ch, box.left, box.bottom, box.right, box.top))
        else:
            items.append((ch, *rotate(box.left, box.bottom, box.right, box.top)))
    return items


# pdfium is not thread-safe: two threads in it at once corrupt its state or crash the process.
# The crawl parses in worker processes, but a caller may still use threads.
_PDFIUM_LOCK: Final = threading.Lock()


def read_pdfium(data: bytes, limits: Limits) -> EngineResult:
    with _PDFIUM_LOCK:
        return _read_pdfium(data, limits)


def _read_pdfium(data: bytes, limits: Limits) -> EngineResult:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise Unreadable(
                "error", "password-protected PDF: cannot be opened", "pdfium"
            ) from None
        raise
    try:
        return _read_pages(document, limits)
    finally:
        document.close()


def _read_pages(document: pdfium.PdfDocument, limits: Limits) -> EngineResult:
    notes: list[str] = []
    cuts: list[str] = []
    n_pages = len(document)
    if n_pages > limits.max_pdf_pages:
        cuts.append(page_cap_cut(n_pages, limits))
        notes.append(cuts[-1])
    started = time.perf_counter()
    pages: list[PageText] = []
    for number in range(min(n_pages, limits.max_pdf_pages)):
        if time.perf_counter() - started > limits.pdf_time_budget:
            cuts.append(f"time budget exhausted after {number} of {n_pages} pages")
            notes.append(cuts[-1])
            break
        page = document[number]
        try:
            textpage = page.get_textpage()
            try:
                text, count = _page_text(textpage.raw)
                width, height = page.get_size()  # as displayed
                rotation = page.get_rotation()
                if rotation in (90, 270):
                    width, height = height, width
                rotate = rotator(rotation, width, height)
                segments = _page_segments(page.raw, rotate)
                grids = find_grids(segments, number) if segments else []
                items = _page_items(textpage.raw, text, count, rotate)
            finally:
                textpage.close()
        finally:
            page.close()
        lines = text.replace("\r\n", "\n").split("\n")
        pages.append(PageText(number, lines, items, grids))
    quality = measure("\n".join(line for page in pages for line in page.lines))
    return EngineResult("pdfium", pages, quality, notes, cuts, n_pages)


def page_cap_cut(n_pages: int, limits: Limits) -> str:
    return f"only the first {limits.max_pdf_pages} of {n_pages} pages were read"


# ---- poppler ---------------------------------------------------------------------------------


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def read_pdftotext(data: bytes, limits: Limits, grids: dict[int, list[Grid]]) -> EngineResult:
    """poppler's words with their boxes, placed on pdfium's grids when there are any."""
    executable = shutil.which("pdftotext")
    if executable is None:
        raise Unreadable("error", "pdftotext (poppler) is not installed", "pdftotext")
    with tempfile.TemporaryDirectory(prefix="ogi-pdf-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        try:
            completed = subprocess.run(
                [
                    executable,
                    "-enc",
                    "UTF-8",
                    "-bbox-layout",
                    "-l",
                    str(limits.max_pdf_pages),
                    str(source),
                    "-",
                ],
                capture_output=True,
                timeout=limits.subprocess_timeout,
                preexec_fn=lambda: _limit_memory(limits.subprocess_memory),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Unreadable(
                "error", f"pdftotext timed out after {limits.subprocess_timeout:.0f} s", "pdftotext"
            ) from None
    if completed.returncode != 0 or not completed.stdout:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Unreadable(
            "error",
            f"pdftotext: {detail[-1] if detail else f'exit status {completed.returncode}'}",
            "pdftotext",
        )
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(completed.stdout, parser)
    pages: list[PageText] = []
    for number, page in enumerate(el for el in root.iter() if _local(el.tag) == "page"):
        height = float(page.get("height", "0"))
        lines: list[str] = []
        items: list[Piece] = []
        for line in (el for el in page.iter() if _local(el.tag) == "line"):
            words = [el for el in line if _local(el.tag) == "word"]
            for word in words:
                word.text = fold_radicals(word.text or "")
            lines.append(" ".join(w.text or "" for w in words))
            for k, word in enumerate(words):
                x0, x1 = float(word.get("xMin", "0")), float(word.get("xMax", "0"))
                y0, y1 = (
                    height - float(word.get("yMax", "0")),
                    height - float(word.get("yMin", "0")),
                )
                items.append(
                    ((word.text or "") + (" " if k + 1 < len(words) else ""), x0, y0, x1, y1)
                )
        page_grids = grids.get(number, [])
        for grid in page_grids:
            grid.chars = [[] for _ in grid.spans]
        pages.append(PageText(number, lines, items, page_grids))
    quality = measure("\n".join(line for page in pages for line in page.lines))
    return EngineResult("pdftotext", pages, quality, [])


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# ---- the extractor ---------------------------------------------------------------------------


def extract_pdf(data: bytes, content_type: str | None, limits: Limits) -> ExtractedDocument:
    notes: list[str] = []
    primary: EngineResult | None = None
    try:
        primary = read_pdfium(data, limits)
    except pdfium.PdfiumError as exc:
        notes.append(f"pdfium: {str(exc).rstrip('.')}")
    if primary is not None:
        notes.append(f"pdfium {primary.quality.note()}")
        n_pages = len(primary.pages)
        if primary.quality.chars < max(20, 5 * n_pages) and primary.quality.bad == 0:
            if primary.cuts:
                # Pages past the page cap or the time budget were never looked at: nothing says
                # the document is a scan, and OCR would stop at the same cap.
                raise Unreadable(
                    "error",
                    f"no text on the {n_pages} page(s) read, and {'; '.join(primary.cuts)}: "
                    "the text lies beyond the limit (Limits.max_pdf_pages)",
                    "pdfium",
                )
            raise Unreadable(
                "needs_ocr",
                f"no text layer on {n_pages} page(s): scanned images need OCR",
                "pdfium",
            )
        blank = sum(1 for page in primary.pages if len("".join(page.lines).strip()) < 5)
        if blank:
            notes.append(f"{blank} of {n_pages} pages have no text layer (scanned?)")
        if primary.quality.readable:
            return _document(primary, notes)
    grids = {page.number: page.grids for page in primary.pages} if primary else {}
    try:
        fallback = read_pdftotext(data, limits, grids)
    except Unreadable as exc:
        if primary is None:
            raise Unreadable(
                "error", f"broken PDF: {'; '.join(notes)}; {exc.reason}", "pdftotext"
            ) from None
        notes.append(exc.reason)
        fallback = None
    if fallback is not None:
        notes.append(f"pdftotext {fallback.quality.note()}")
        if primary is not None and primary.n_pages > limits.max_pdf_pages:
            # pdftotext stops at the same page cap (`-l`); only pdfium counted the pages.
            fallback.cuts.append(page_cap_cut(primary.n_pages, limits))
        if fallback.quality.readable:
            return _document(fallback, notes)
        if primary is None and fallback.quality.chars < 20:
            raise Unreadable("needs_ocr", "no text layer: scanned images need OCR", "pdftotext")
    raise Unreadable(
        "needs_ocr",
        "text layer unreadable in every engine (fonts without a Unicode map?): " + "; ".join(notes),
        "pdfium",
    )


def _document(result: EngineResult, notes: list[str]) -> ExtractedDocument:
    return ExtractedDocument(
        format="pdf",
        blocks=tuple(blocks(result)),
        engine=result.engine,
        notes=tuple(notes + result.notes),
        layout_text=True,
        cuts=tuple(result.cuts),
    )
