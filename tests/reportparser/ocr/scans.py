"""The scans the OCR suite reads: rendered reports, rasterised and degraded once per session.

Every case applies every degradation of `tests.support.scan` (a seal over the requests table
and one over the signature, paper tone, a skew up to ±1.5°, blur, dust, JPEG artefacts); the
cases alternate the resolution (150 / 200 dpi) and the form (an image-only PDF, one tall JPEG,
one tall PNG) so that each pairing is covered without reading the full cross product.
"""

from __future__ import annotations

from functools import cache
from typing import Final, Literal

from tests.support.render import render
from tests.support.scan import image_pdf, long_image, scan
from tests.support.spec import ReportSpec, seed_spec
from tests.support.synth import synthesize

Form = Literal["pdf", "jpeg", "png"]

# (report, dpi, form): the four seeds and two distinct-valued reports of each template.
CASES: Final[tuple[tuple[str, int, Form], ...]] = (
    ("helan-2020-county", 150, "pdf"),
    ("jingyuan-2021-county", 200, "jpeg"),
    ("yanchi-2020-county", 200, "pdf"),
    ("yanchi-2020-poverty-office", 150, "png"),
    ("synthetic-2019-1", 200, "pdf"),
    ("synthetic-2019-2", 150, "jpeg"),
    ("synthetic-2021-1", 150, "pdf"),
    ("synthetic-2021-2", 200, "png"),
)
SUFFIX: Final = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}


@cache
def report_spec(name: str) -> ReportSpec:
    if name.startswith("synthetic-"):
        _, template, seed = name.split("-")
        return synthesize(template, int(seed))
    return seed_spec(name)


@cache
def scanned(name: str, dpi: int, form: Form) -> bytes:
    """The report printed to PDF by LibreOffice, scanned and degraded, in `form`."""
    pages = scan(render(report_spec(name), "pdf"), dpi, seed=sum(map(ord, name)))
    if form == "pdf":
        return image_pdf(pages)
    return long_image(pages, "JPEG" if form == "jpeg" else "PNG")
