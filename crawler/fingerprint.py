"""Which platform family a site runs, from its home page (`shared/spec/platforms.md`).

Pure: the page's text (and its URL) in, a `Detection` out, so it is tested on byte-exact home
pages without Scrapy. Each family has markers: URL shapes its links print, scripts and APIs its
pages call, class names of its editors. A family's score is the number of its distinct markers
the page shows, strong markers (only that CMS prints them) counting three; the highest score
wins, ties going to the more specific family (the order of `MARKERS`). No marker at all: the
generic family. Family names are the registry's (`crawler/data/counties.csv`, column `family`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

GENERIC: Final = "generic"
STRONG: Final = 3


@dataclass(frozen=True, slots=True)
class Marker:
    name: str
    pattern: re.Pattern[str]
    weight: int = 1


def _m(name: str, pattern: str, weight: int = 1) -> Marker:
    return Marker(name, re.compile(pattern, re.IGNORECASE), weight)


# family -> markers, most specific family first (ties go to the earlier one).
MARKERS: Final[tuple[tuple[str, tuple[Marker, ...]], ...]] = (
    (
        "gkmlpt",
        (
            _m("gkmlpt path", r"/gkmlpt/(?:index|annualreport|content|api)", STRONG),
            _m("window._CONFIG", r"window\._CONFIG\s*=", STRONG),
        ),
    ),
    (
        "hanweb",
        (
            _m("/col/col<id>/ column", r"/col/col\d+/", STRONG),
            _m("jpage dataproxy", r"module/web/jpage/dataproxy\.jsp", STRONG),
            _m("/art/ article", r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"),
            _m("jsearchfront", r"jsearchfront/search\.do"),
            _m("hanweb name", r"hanweb|大汉网络|jcms"),
        ),
    ),
    (
        "boda",
        (
            _m("wbtreeid/wbnewsid", r"wbtreeid=\d+|wbnewsid=\d+", STRONG),
            _m("urltype", r"urltype=(?:news\.NewsContentUrl|tree\.TreeTempUrl)", STRONG),
            _m("/system/resource/", r"/system/resource/"),
            _m("VSB", r"\bvsb\b|博达"),
        ),
    ),
    (
        "ucap",
        (
            _m("search5", r"/search5/search/s\b|/search5/html/", STRONG),
            _m("guestweb4", r"/guestweb4/s\?", STRONG),
            _m("ucap name", r"ucap|开普云|kaipuyun"),
            _m("32-hex article", r"/[0-9a-f]{32}\.shtml"),
        ),
    ),
    (
        "trs",
        (
            _m("createPageHTML", r"createPageHTML\s*\(", STRONG),
            _m("irs search", r"/irs/front/search|/was5/web/search", STRONG),
            _m("TRS editor", r"TRS_Editor|trs_editor_view|TRS_UEDITOR|trs_paper_default"),
            _m("t<date>_<id> article", r"/t\d{8}_\d+\.s?html?"),
            _m("P0 attachment", r"/P0\d{12,}\.\w{3,4}"),
            _m("TRS name", r"\btrs\b|trswcm|海云|trsapp"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Detection:
    """A site's family and why: the markers seen (empty for `generic`)."""

    family: str
    score: int
    evidence: tuple[str, ...]

    def describe(self) -> str:
        if not self.evidence:
            return f"{self.family} (no family's markers on the page)"
        return f"{self.family} (score {self.score}: {', '.join(self.evidence)})"


def detect_family(text: str) -> Detection:
    """The family whose markers the page shows most (see the module docstring)."""
    best = Detection(GENERIC, 0, ())
    for family, markers in MARKERS:
        seen = [marker for marker in markers if marker.pattern.search(text)]
        score = sum(marker.weight for marker in seen)
        if score > best.score:
            best = Detection(family, score, tuple(marker.name for marker in seen))
    return best
