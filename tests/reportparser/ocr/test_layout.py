"""A scanned page's layout on drawn pages: straightening a page of running text, and the ink a
detected line's crop is cut to."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from reportparser.ocr.engine import Reading
from reportparser.ocr.layout import _profile_skew, ink_box, padded_crop, prepare
from reportparser.ocr.reader import TRACER_BASE, Marks, agreed

DPI = 150


def _text_page(angle: float) -> np.ndarray:
    """A page of running text as dark word-sized blocks (no ruling line: the skew comes from
    the text), turned `angle` degrees counter-clockwise as a scanner feeds a sheet askew."""
    page = np.full((1400, 1000), 245, np.uint8)
    for row in range(30):
        y = 120 + row * 38
        for word in range(12):
            x = 110 + word * 66
            page[y : y + 22, x : x + 50] = 30
    matrix = cv2.getRotationMatrix2D((500, 700), angle, 1.0)
    turned = cv2.warpAffine(page, matrix, (1000, 1400), borderValue=(245,))
    return np.asarray(cv2.cvtColor(turned, cv2.COLOR_GRAY2BGR))


@pytest.mark.parametrize("angle", [-1.2, 0.8, 1.5])
def test_a_page_of_running_text_comes_out_level(angle: float) -> None:
    page = prepare(_text_page(angle), DPI)

    # Measured again on the straightened page: level (it once came out twice as askew).
    assert abs(_profile_skew(page.ink)) <= 0.2
    assert abs(abs(page.skew) - abs(angle)) <= 0.2


def test_a_line_crop_holds_its_own_ink_only() -> None:
    ink = np.zeros((200, 400), np.uint8)
    ink[40:60, 20:380] = 255  # the line above
    ink[72:78, 30:60] = 255  # 二: two strokes with blank rows between them …
    ink[86:92, 30:60] = 255
    ink[70:94, 70:360] = 255  # … beside the rest of its line
    ink[106:130, 20:380] = 255  # the line below
    # A detector's box drawn on a scaled-down page: a sliver of the line above in it, the
    # bottom of its own line cut off.
    box = (25, 57, 370, 92)

    assert ink_box(ink, box) == (30, 70, 360, 94)
    assert ink_box(ink, (25, 140, 370, 170)) is None  # paper only

    gray = np.full((200, 400), 255, np.uint8)
    crop = padded_crop(gray, (30, 70, 360, 94))
    assert crop.shape == (24 + 2 * 8, 330 + 2 * 8)


def test_a_doubtful_number_read_alike_from_a_second_crop_is_sure() -> None:
    marks = Marks()
    first = Reading("盐池县2020年", (1.0, 1.0, 1.0, 0.83, 1.0, 1.0, 1.0, 1.0))
    assert marks.unsure(first)

    same = agreed(first, Reading("盐池县2020年", (1.0,) * 8))
    assert not marks.unsure(same)
    assert marks.apply(same) == "盐池县2020年"

    # Read otherwise the second time: the first reading, doubt and all, gives a tracer.
    other = agreed(first, Reading("盐池县2026年", (1.0,) * 8))
    assert other == first
    assert marks.apply(other) == f"盐池县{TRACER_BASE}年"
