"""What one test report says, independent of the format it is rendered in.

A `ReportSpec` holds the report's metadata, every figure (a value of None is a cell printed
empty), its prose paragraphs and the few printing choices that matter to a parser (how a 2019
change is written, a unit after an amount, which layout the 二 section's tables use).
`seed_spec(name)` rebuilds one of the four seed reports from its `*.expected.json` and the prose of
its text; `tests.support.synth.synthesize` makes up reports; `tests.support.render` prints a spec
as HTML, DOCX, PDF, DOC, WPS or plain text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from reportparser.result import ReportMeta
from reportparser.vocabulary import OTHER_ROWS, OUTCOME_ROWS, REQUEST_COLUMNS, figure_keys
from tests.conftest import SEEDS_DIR, load_expected

Value = int | float | None
ChangeStyle = Literal["signed", "words", "plain"]
ActiveLayout = Literal["small_tables", "one_table"]

PROSE_SECTIONS: Final = ("intro", "overview", "problems", "other")
"""Prose keys: the paragraphs before 一, of 一 总体情况, of 五 (problems) and of 六 (other)."""


@dataclass(frozen=True)
class ReportSpec:
    """One report to render. `figures` holds exactly the template's keys.

    `printed` overrides the cell text of individual keys where a report printed a value in its
    own way (helan prints its fee change as a bare `8` among `增加 68` cells).
    `optional` and `expected_findings` are what a parser of the rendering must be judged by:
    the seed's `optional` keys and hard findings (synthetic reports have neither).
    """

    name: str
    meta: ReportMeta
    figures: Mapping[str, Value]
    prose: Mapping[str, tuple[str, ...]]
    change_style: ChangeStyle = "signed"
    amount_unit: str = ""
    printed: Mapping[str, str] = field(default_factory=dict)
    active_layout: ActiveLayout = "small_tables"
    optional: frozenset[str] = frozenset()
    expected_findings: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        assert self.meta.template is not None
        return self.meta.template

    @property
    def title(self) -> str:
        assert self.meta.title is not None
        return self.meta.title

    def cell_text(self, key: str) -> str:
        """The text of the table cell that prints figure `key` ("" for an empty cell)."""
        if key in self.printed:
            return self.printed[key]
        value = self.figures[key]
        if value is None:
            return ""
        if key.endswith(".change"):
            return format_change(value, self.change_style)
        text = format_number(value)
        if key == "active.procurement.amount" and self.amount_unit:
            text += self.amount_unit
        return text

    @property
    def outcome_rows(self) -> tuple[str, ...]:
        """Section 三's outcome rows as the report prints them: its template's, except that a
        report whose figures hold `other_handling` prints (六) as that one row (the 2019
        template's form, which many 2021 reports keep)."""
        rows = OUTCOME_ROWS[self.template]
        if self.template == "2021" and "requests.other_handling.total" in self.figures:
            return OUTCOME_ROWS["2019"]
        return rows

    def expected_figures(self) -> dict[str, Value]:
        """What a parser must return: every key, None where the cell is printed empty."""
        return dict(self.figures)

    def to_json(self) -> dict[str, Any]:
        meta = self.meta.to_json()
        if meta["level"] is None:
            del meta["level"]  # specs written before the field: their digests stay
        return {
            "name": self.name,
            "meta": meta,
            "figures": dict(self.figures),
            "prose": {k: list(v) for k, v in self.prose.items()},
            "change_style": self.change_style,
            "amount_unit": self.amount_unit,
            "printed": dict(self.printed),
            "active_layout": self.active_layout,
            "optional": sorted(self.optional),
            "expected_findings": list(self.expected_findings),
        }

    def digest(self) -> str:
        """A stable hash of everything a rendering depends on (render caches key on it)."""
        blob = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def format_number(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return str(int(value))


def format_change(value: int | float, style: ChangeStyle) -> str:
    """A 2019 本年增/减 cell: `+6` / `-4` (signed), `增加 68` / `减少 4` (words), `6` (plain)."""
    if style == "signed":
        return f"+{format_number(value)}" if value > 0 else format_number(value)
    if style == "words":
        if value > 0:
            return f"增加 {format_number(value)}"
        if value < 0:
            return f"减少 {format_number(-value)}"
        return "0"
    return format_number(value)


_SPLIT_OTHER_ROWS: Final = OTHER_ROWS["split"]


def with_single_other_row(spec: ReportSpec) -> ReportSpec:
    """A 2021 report that prints section 三's (六) as the 2019 template's one `（六）其他处理`
    row: each column holds the sum of the three 2021 rows (null where all three are)."""
    assert spec.template == "2021"
    figures: dict[str, Value] = {}
    for key, value in spec.figures.items():
        row = key.split(".")[1]
        if key.startswith("requests.") and row in _SPLIT_OTHER_ROWS:
            if row == _SPLIT_OTHER_ROWS[0]:
                for column in REQUEST_COLUMNS:
                    parts = [spec.figures[f"requests.{r}.{column}"] for r in _SPLIT_OTHER_ROWS]
                    known = [v for v in parts if v is not None]
                    figures[f"requests.other_handling.{column}"] = sum(known) if known else None
            continue
        figures[key] = value
    optional = frozenset(k for k in spec.optional if k in figures)
    return replace(spec, name=f"{spec.name}-single-other", figures=figures, optional=optional)


# -- The seeds ----------------------------------------------------------------------------------

SEED_NAMES: Final = tuple(sorted(p.stem for p in SEEDS_DIR.glob("*.txt")))

# The seeds' text carries no publication date; these are plausible ones (January after the
# report year) so that renderings have a 发布日期 line like a real article page.
_SEED_PUBLISHED: Final[dict[str, dt.date]] = {
    "helan-2020-county": dt.date(2021, 1, 29),
    "jingyuan-2021-county": dt.date(2022, 1, 24),
    "yanchi-2020-county": dt.date(2021, 1, 28),
    "yanchi-2020-poverty-office": dt.date(2021, 1, 20),
}

# How each seed prints its 2019 changes and its procurement amount, as its text shows.
_SEED_PRINTING: Final[dict[str, dict[str, Any]]] = {
    "helan-2020-county": {
        "change_style": "words",
        "amount_unit": " 万元",
        "printed": {"active.fees.change": "8"},
    },
    "yanchi-2020-county": {"change_style": "signed"},
    "yanchi-2020-poverty-office": {"change_style": "plain"},
    "jingyuan-2021-county": {},
}


def seed_spec(name: str) -> ReportSpec:
    """The seed report `name` as a spec: figures from its expected file, prose from its text.

    Optional keys are printed empty; values that break the consistency rules (helan) are kept as
    they are, and the spec's `expected_findings` say which rules must fire.
    """
    expected = load_expected(name)
    meta_json = expected["meta"]
    optional = frozenset(expected.get("optional", ()))
    template = meta_json["template"]
    keys = figure_keys(template)
    figures: dict[str, Value] = {
        key: None if key in optional else expected["figures"][key] for key in keys
    }
    text = (SEEDS_DIR / f"{name}.txt").read_text("utf-8")
    title, prose = split_seed_prose(text)
    meta = ReportMeta(
        county=meta_json["county"],
        county_code=meta_json["county_code"],
        year=meta_json["year"],
        agency=meta_json["agency"],
        scope=meta_json["scope"],
        template=template,
        title=title,
        published_at=_SEED_PUBLISHED.get(name),
    )
    printing = _SEED_PRINTING.get(name, {})
    return ReportSpec(
        name=name,
        meta=meta,
        figures=figures,
        prose=prose,
        change_style=printing.get("change_style", "signed"),
        amount_unit=printing.get("amount_unit", ""),
        printed=printing.get("printed", {}),
        optional=optional,
        expected_findings=tuple(expected.get("findings", ())),
    )


_HEADING_OVERVIEW = re.compile(r"^一、\s*总体情况")
_HEADING_ACTIVE = re.compile(r"^二、\s*主动公开")
_HEADING_PROBLEMS = re.compile(r"^五、.*问题")
_HEADING_OTHER = re.compile(r"^六、\s*其他需要报告")
_INTRO_START = re.compile(r"^(根据|依据|按照)")
_BARE_URL = re.compile(r"^https?://\S+$")


def split_seed_prose(text: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """A seed text's title and its prose paragraphs by section (tables left out)."""
    lines = [line.strip().replace("**", "") for line in text.splitlines()]

    def index(pattern: re.Pattern[str], start: int = 0) -> int:
        for i in range(start, len(lines)):
            if pattern.match(lines[i].replace(" ", "")):
                return i
        raise ValueError(f"seed text has no line matching {pattern.pattern!r}")

    overview = index(_HEADING_OVERVIEW)
    active = index(_HEADING_ACTIVE, overview)
    problems = index(_HEADING_PROBLEMS, active)
    other = index(_HEADING_OTHER, problems)
    intro = index(_INTRO_START)
    title = "".join(line.replace(" ", "") for line in lines[:intro] if line)
    sections = {
        "intro": _paragraphs(lines[intro:overview]),
        "overview": _paragraphs(lines[overview + 1 : active]),
        "problems": _paragraphs(lines[problems + 1 : other]),
        "other": _paragraphs(lines[other + 1 :]),
    }
    return title, sections


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    """Re-join a PDF layout's broken lines: a line about as wide as most lines continues."""
    kept = [line for line in lines if line and not _BARE_URL.match(line)]
    if not kept:
        return ()
    lengths = sorted(len(line) for line in kept)
    if lengths[-1] > 60:  # one paragraph per line already (HTML / tab-separated extraction)
        return tuple(kept)
    full = lengths[len(lengths) * 7 // 10]
    paragraphs: list[str] = []
    current = ""
    for line in kept:
        current += line
        if len(line) < full - 3:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return tuple(paragraphs)
