"""Platform family fingerprints on byte-exact home pages (`tests/fixtures/homepages/`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.fingerprint import GENERIC, MARKERS, detect_family

HOMEPAGES = Path(__file__).resolve().parents[1] / "fixtures" / "homepages"


@pytest.mark.parametrize(
    ("page", "family"),
    [
        ("trs-ningxia.html", "trs"),
        ("trs-haiyun.html", "trs"),
        ("hanweb.html", "hanweb"),
        ("gkmlpt.html", "gkmlpt"),
        ("ucap.html", "ucap"),
        ("boda.html", "boda"),
        ("generic.html", GENERIC),
    ],
)
def test_home_pages_name_their_family(page: str, family: str) -> None:
    text = (HOMEPAGES / page).read_bytes().decode("utf-8")
    detection = detect_family(text)
    assert detection.family == family, detection
    assert (detection.score > 0) is (family != GENERIC)


def test_every_family_has_a_home_page() -> None:
    families = {family for family, _ in MARKERS} | {GENERIC}
    tested = {
        detect_family((HOMEPAGES / p.name).read_text("utf-8")).family for p in HOMEPAGES.iterdir()
    }
    assert tested == families


def test_the_strongest_evidence_wins() -> None:
    # A Hanweb site linking a TRS-built page once: Hanweb's strong markers decide.
    text = (
        '<a href="/col/col123/index.html">公开</a><a href="http://x.gov.cn/t20240101_1.html">x</a>'
    )
    detection = detect_family(text)
    assert detection.family == "hanweb"
    assert "/col/col<id>/ column" in detection.evidence
    assert detection.describe().startswith("hanweb (score 3")
    assert detect_family("").describe() == "generic (no family's markers on the page)"
