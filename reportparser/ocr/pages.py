"""Page images of a scanned document: the pages of an image-only PDF, or a picture.

A PDF page is rendered by pdfium at the resolution of the scan it holds (its largest image's
pixels per inch), between `MIN_DPI` and `MAX_DPI`: a 150 dpi scan is read at 150 dpi, a 600 dpi
one at `MAX_DPI` (PP-OCR reads lines at 48 pixels high; more pixels cost layout time, not
accuracy). A picture's resolution is its own metadata, else its width taken as an A4 page's.
A picture much taller than a page (a report posted as one long image) is cut into pages at
blank rows, so that a page's table is never cut.
"""

from __future__ import annotations

import io
import itertools
import threading
import warnings
from collections.abc import Iterator
from typing import Final

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

MIN_DPI: Final = 150.0
MAX_DPI: Final = 220.0
A4_WIDTH: Final = 8.27  # inches
A4_RATIO: Final = 297 / 210
_PIXEL_BUDGET: Final = 200_000_000  # a picture larger than this is refused, not decoded

Pages = Iterator[tuple[np.ndarray, float]]


class ScanError(ValueError):
    """The document has no page that can be read (broken, too large)."""


def _clamp(dpi: float) -> float:
    return min(max(dpi, MIN_DPI), MAX_DPI)


def _scan_dpi(page: pdfium.PdfPage) -> float:
    """The pixels per inch of the largest image on the page (what the scanner produced)."""
    width_pt = page.get_width()
    best = 0.0
    for obj in page.get_objects(max_depth=2):
        if not isinstance(obj, pdfium.PdfImage):
            continue
        left, _bottom, right, _top = obj.get_bounds()
        shown = max(right - left, 1.0)
        pixels = obj.get_px_size()[0]
        if shown >= width_pt * 0.5:
            best = max(best, pixels / (shown / 72))
    return _clamp(best) if best else MAX_DPI


def pdf_pages(data: bytes, lock: threading.Lock, max_pages: int) -> tuple[Pages, int]:
    """The pages of a PDF as BGR images with their resolution, and how many pages it has."""
    with lock:
        document = pdfium.PdfDocument(data)
        total = len(document)

    def pages() -> Pages:
        try:
            for number in range(min(total, max_pages)):
                with lock:
                    page = document[number]
                    try:
                        dpi = _scan_dpi(page)
                        bitmap = page.render(scale=dpi / 72, may_draw_forms=False)
                        array = np.array(bitmap.to_numpy()[:, :, :3])  # BGR, owned
                        bitmap.close()
                    finally:
                        page.close()
                yield array, dpi
        finally:
            with lock:
                document.close()

    return pages(), total


def _cuts(gray: np.ndarray, page_height: int) -> list[int]:
    """Row indices to cut a tall picture at: blank rows near every page height."""
    blank = np.flatnonzero((gray < 160).sum(axis=1) == 0)
    cuts = [0]
    height = gray.shape[0]
    while height - cuts[-1] > page_height * 1.2:
        target = cuts[-1] + page_height
        window = blank[(blank > cuts[-1] + page_height // 2) & (blank < target + page_height // 2)]
        cut = int(window[np.argmin(np.abs(window - target))]) if window.size else target
        cuts.append(cut)
    cuts.append(height)
    return cuts


def image_pages(data: bytes) -> tuple[Pages, int]:
    """A picture (PNG, JPEG, GIF, TIFF, WebP …) as pages: its frames, long ones cut."""
    with warnings.catch_warnings():
        # Pillow warns on very large pictures; the budget below refuses them instead.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (OSError, Image.DecompressionBombError) as exc:
            raise ScanError(f"broken image: {exc}") from None
    width, height = image.size
    if width * height > _PIXEL_BUDGET:
        raise ScanError(f"image of {width}x{height} pixels is too large to read")
    frames = getattr(image, "n_frames", 1)
    dpi_info = image.info.get("dpi")
    declared = float(dpi_info[0]) if dpi_info and 100 <= float(dpi_info[0]) <= 1200 else 0.0
    dpi = declared or width / A4_WIDTH
    scale = _clamp(dpi) / dpi if dpi > MAX_DPI else 1.0
    dpi = _clamp(dpi) if dpi > MAX_DPI else max(dpi, 1.0)

    def pages() -> Pages:
        for frame in range(frames):
            image.seek(frame)
            rgb = np.asarray(image.convert("RGB"))
            bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
            if scale != 1.0:
                bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            page_height = round(bgr.shape[1] * A4_RATIO)
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            cuts = _cuts(gray, page_height)
            for top, bottom in itertools.pairwise(cuts):
                yield np.ascontiguousarray(bgr[top:bottom]), dpi

    return pages(), frames
