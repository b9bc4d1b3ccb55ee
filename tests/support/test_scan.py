"""The scan degradations: deterministic, each one visible in the pixels, image-only outputs."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests.support.render import render
from tests.support.scan import MAX_ANGLE, degrade, image_pdf, long_image, scan
from tests.support.synth import synthesize

pytestmark = pytest.mark.libreoffice


def _pdf() -> bytes:
    return render(synthesize("2021", 1), "pdf")


def test_a_scan_is_deterministic_and_image_only() -> None:
    first = scan(_pdf(), 100, seed=5)
    second = scan(_pdf(), 100, seed=5)

    assert [np.asarray(p.image).tobytes() for p in first] == [
        np.asarray(p.image).tobytes() for p in second
    ]
    assert all(0 < abs(p.angle) <= MAX_ANGLE for p in first)
    document = pdfium.PdfDocument(image_pdf(first))
    assert len(document) == len(first)
    textpage = document[0].get_textpage()
    assert textpage.count_chars() == 0  # no text layer: what a scanner makes
    textpage.close()
    document.close()
    tall = Image.open(io.BytesIO(long_image(first, "PNG")))
    assert tall.height == sum(p.image.height for p in first)


def test_each_degradation_leaves_its_mark() -> None:
    page = Image.new("RGB", (400, 400), (255, 255, 255))
    clean = np.asarray(page, dtype=np.int16)

    sealed = np.asarray(degrade(page, 100, ["seal"], random.Random(1), [(200, 200)]).image)
    red = sealed[:, :, 0].astype(np.int16) - sealed[:, :, 1]
    assert (red > 100).sum() > 500

    toned = np.asarray(degrade(page, 100, ["paper"], random.Random(1)).image, dtype=np.int16)
    assert (toned[:, :, 2] < clean[:, :, 2] - 20).mean() > 0.9  # yellowish paper

    specked = np.asarray(degrade(page, 100, ["speckle"], random.Random(1)).image)
    assert (specked.min(axis=2) < 100).sum() >= 40
