"""Scans of rendered reports: a text PDF rasterised and degraded the way a photocopier, a
scanner and a county office's stamp degrade a printed report.

`scan(pdf, dpi, degradation, seed)` rasterises every page with pdfium at `dpi`, then applies, in
the order a real scan accumulates them:

- ``seal``: a red official seal (ring, star, arc of characters) pressed over part of the
  requests table (over its numbers), and another over the signature at the end;
- ``paper``: a yellowish paper tone with uneven lighting across the page;
- ``rotation``: the sheet fed askew, up to ±1.5° (the margin filled with paper);
- ``blur``: optics out of focus (Gaussian, 0.5–1 px);
- ``speckle``: toner dust and paper fibres (dark and light specks);
- ``jpeg``: JPEG compression artefacts (quality 35–60).

`image_pdf(pages, dpi)` wraps page images as an image-only PDF (Pillow's PDF writer: one JPEG
per page, no text layer); `long_image(pages, fmt)` stacks them into one tall PNG or JPEG, the way
reports are posted as a single picture. Everything is deterministic for a given seed; the
random draws come from `random.Random(f"{seed}:{page}")`.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

Degradation = Literal["seal", "paper", "rotation", "blur", "speckle", "jpeg"]
ALL_DEGRADATIONS: Final[tuple[Degradation, ...]] = (
    "seal",
    "paper",
    "rotation",
    "blur",
    "speckle",
    "jpeg",
)
# Where the seal goes: over the numbers of the requests table, and over the signature.
TABLE_ANCHOR: Final = "本年新收"
MAX_ANGLE: Final = 1.5
_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)
SEAL_RED: Final = (214, 38, 46)


@dataclass(frozen=True, slots=True)
class ScannedPage:
    image: Image.Image  # RGB
    dpi: int
    angle: float  # the rotation applied, degrees counter-clockwise


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def seal_image(diameter: int, text: str, rng: random.Random) -> Image.Image:
    """A round red seal as an "L" mask (255 = ink): ring, star and characters along the arc."""
    size = diameter
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(3, size // 30)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=255, width=ring)
    # The five-pointed star in the middle.
    cx = cy = size / 2
    outer, inner = size * 0.16, size * 0.065
    points = [
        (
            cx + (outer if k % 2 == 0 else inner) * math.sin(math.pi * k / 5),
            cy - (outer if k % 2 == 0 else inner) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(points, fill=255)
    # The agency's name along the upper arc, each character turned to face outwards.
    font = _font(max(8, size // 9))
    radius = size / 2 - ring * 2 - size // 14
    span = math.radians(230)
    for k, char in enumerate(text):
        theta = -span / 2 + span * (k + 0.5) / len(text)
        glyph = Image.new("L", (size // 7, size // 7), 0)
        ImageDraw.Draw(glyph).text((0, 0), char, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(theta), resample=Image.Resampling.BICUBIC, expand=True)
        x = cx + radius * math.sin(theta) - glyph.width / 2
        y = cy - radius * math.cos(theta) - glyph.height / 2
        mask.paste(255, (int(x), int(y)), glyph)
    # Uneven inking: the seal is never solid.
    noise = np.array(mask, dtype=np.float32) * np.asarray(
        [[rng.uniform(0.55, 1.0) for _ in range(size)] for _ in range(size)], dtype=np.float32
    )
    return Image.fromarray(noise.clip(0, 255).astype(np.uint8), "L")


def _stamp(page: Image.Image, centre: tuple[float, float], dpi: int, rng: random.Random) -> None:
    diameter = int(4.2 / 2.54 * dpi)  # the 4.2 cm seal of a government body
    mask = seal_image(diameter, "政府信息公开专用章", rng)
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    red = Image.new("RGB", mask.size, SEAL_RED)
    x, y = int(centre[0] - diameter / 2), int(centre[1] - diameter / 2)
    region = page.crop((x, y, x + diameter, y + diameter))
    # Ink multiplies with what is printed underneath: black text stays black under the seal.
    inked = ImageChops.multiply(region, red)
    region.paste(inked, (0, 0), mask)
    page.paste(region, (x, y))


def _anchors(document: pdfium.PdfDocument, dpi: int) -> dict[int, list[tuple[float, float]]]:
    """Seal centres in pixels per page: over the requests table's numbers and the signature."""
    scale = dpi / 72
    found: dict[int, list[tuple[float, float]]] = {}
    n_pages = len(document)
    for number in range(n_pages):
        page = document[number]
        width, height = page.get_size()
        textpage = page.get_textpage()
        searcher = textpage.search(TABLE_ANCHOR)
        hit = searcher.get_next()
        if hit is not None:
            index, _count = hit
            left, bottom, _right, top = textpage.get_charbox(index)
            # Over the first numeric columns of the first rows, as a stamp "checks" a table.
            found.setdefault(number, []).append(
                (width * 0.55 * scale, (height - (top + bottom) / 2 + 40) * scale)
            )
        searcher.close()
        textpage.close()
        page.close()
    # The signature: the bottom of the last page's text.
    last = document[n_pages - 1]
    textpage = last.get_textpage()
    count = textpage.count_chars()
    if count:
        left, bottom, right, top = textpage.get_charbox(count - 1)
        height = last.get_size()[1]
        found.setdefault(n_pages - 1, []).append(
            ((left + right) / 2 * scale - 60, (height - (top + bottom) / 2) * scale)
        )
    textpage.close()
    last.close()
    return found


def _paper(page: Image.Image, rng: random.Random) -> Image.Image:
    width, height = page.size
    tone = np.array([rng.uniform(232, 246), rng.uniform(226, 238), rng.uniform(200, 222)])
    # Lighting falls off from one corner to the opposite one by up to 12 %.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    fall = 1 - rng.uniform(0.04, 0.12) * (xs / width + ys / height) / 2
    pixels = np.asarray(page, dtype=np.float32) / 255.0
    toned = pixels * tone[None, None, :] * fall[:, :, None]
    return Image.fromarray(toned.clip(0, 255).astype(np.uint8), "RGB")


def _speckle(page: Image.Image, rng: random.Random) -> Image.Image:
    pixels = np.array(page)
    height, width = pixels.shape[:2]
    generator = np.random.default_rng(rng.randrange(2**32))
    n_dark = int(width * height * 0.0004)
    ys = generator.integers(0, height, n_dark)
    xs = generator.integers(0, width, n_dark)
    pixels[ys, xs] = generator.integers(20, 90, (n_dark, 1))
    # A few specks of two pixels, as toner dust makes.
    pixels[np.minimum(ys[: n_dark // 3] + 1, height - 1), xs[: n_dark // 3]] = 50
    n_light = int(width * height * 0.0003)
    ys = generator.integers(0, height, n_light)
    xs = generator.integers(0, width, n_light)
    pixels[ys, xs] = 250
    return Image.fromarray(pixels, "RGB")


def degrade(
    page: Image.Image,
    dpi: int,
    degradations: Sequence[Degradation],
    rng: random.Random,
    seals: Sequence[tuple[float, float]] = (),
) -> ScannedPage:
    page = page.convert("RGB")
    if "seal" in degradations:
        for centre in seals:
            _stamp(page, centre, dpi, rng)
    if "paper" in degradations:
        page = _paper(page, rng)
    angle = 0.0
    if "rotation" in degradations:
        angle = rng.choice((-1, 1)) * rng.uniform(0.6, MAX_ANGLE)
        corner = page.getpixel((2, 2))
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=corner, expand=False)
    if "blur" in degradations:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    if "speckle" in degradations:
        page = _speckle(page, rng)
    if "jpeg" in degradations:
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=rng.randint(35, 60))
        page = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return ScannedPage(page, dpi, angle)


def scan(
    pdf: bytes, dpi: int, degradations: Sequence[Degradation] = ALL_DEGRADATIONS, seed: int = 0
) -> list[ScannedPage]:
    """Every page of a text PDF rasterised at `dpi` and degraded (see the module docstring)."""
    document = pdfium.PdfDocument(pdf)
    try:
        anchors = _anchors(document, dpi) if "seal" in degradations else {}
        pages: list[ScannedPage] = []
        for number in range(len(document)):
            page = document[number]
            image = page.render(scale=dpi / 72).to_pil()
            page.close()
            rng = random.Random(f"{seed}:{number}")
            pages.append(degrade(image, dpi, degradations, rng, anchors.get(number, ())))
        return pages
    finally:
        document.close()


def image_pdf(pages: Sequence[ScannedPage]) -> bytes:
    """The pages as an image-only PDF, one JPEG per page, at their scan resolution."""
    buffer = io.BytesIO()
    first, *rest = (page.image for page in pages)
    first.save(
        buffer,
        "PDF",
        resolution=float(pages[0].dpi),
        save_all=True,
        append_images=rest,
        quality=85,
    )
    return buffer.getvalue()


def long_image(pages: Sequence[ScannedPage], fmt: Literal["PNG", "JPEG"]) -> bytes:
    """All pages stacked into one tall picture (how reports get posted as a single image)."""
    width = max(page.image.width for page in pages)
    height = sum(page.image.height for page in pages)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    y = 0
    for page in pages:
        sheet.paste(page.image, (0, y))
        y += page.image.height
    buffer = io.BytesIO()
    if fmt == "JPEG":
        sheet.save(buffer, "JPEG", quality=80, dpi=(pages[0].dpi, pages[0].dpi))
    else:
        sheet.save(buffer, "PNG", dpi=(pages[0].dpi, pages[0].dpi))
    return buffer.getvalue()


def page_image(page: ScannedPage, fmt: Literal["PNG", "JPEG"]) -> bytes:
    buffer = io.BytesIO()
    page.image.save(buffer, fmt, dpi=(page.dpi, page.dpi))
    return buffer.getvalue()
