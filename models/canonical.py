"""A parse result in the one form the store compares, hashes and writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from models.types import Number, normalize_number
from reportparser.result import Finding, Hints, ParseResult, ReportMeta

_COUNTY_CODE = re.compile(r"\d{6}")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")

META_KEYS = (
    "county",
    "county_code",
    "level",
    "year",
    "agency",
    "scope",
    "template",
    "title",
    "published_at",
)


AMBIGUOUS_COUNTY = "warning.ambiguous_county"
UNSTORABLE = "warning.unstorable_value"

# SQLite keeps an integer in 64 bits (sqlite3 raises OverflowError beyond); PostgreSQL's NUMERIC
# would take more, but both engines must store the same report.
_STORABLE_INT = 2**63 - 1


def storable(value: Number | None) -> bool:
    """Whether every engine can keep `value` in a figure column exactly as it is."""
    return not isinstance(value, int) or -_STORABLE_INT <= value <= _STORABLE_INT


class UnkeyableReport(ValueError):
    """A parse that claims to be a report but lacks part of its (county_code, year, agency) key."""


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no NaN, floats as their shortest repr (exact)."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as stored; a number no column can hold is dropped (its message prints it)."""
    expected = normalize_number(finding.expected)
    actual = normalize_number(finding.actual)
    return {
        "rule": finding.rule,
        "message": finding.message,
        "expected": expected if storable(expected) else None,
        "actual": actual if storable(actual) else None,
    }


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def meta_from_json(data: dict[str, Any]) -> ReportMeta:
    return ReportMeta(
        county=data.get("county"),
        county_code=data.get("county_code"),
        year=data.get("year"),
        agency=data.get("agency"),
        scope=data.get("scope"),
        template=data.get("template"),
        title=data.get("title"),
        published_at=_date(data.get("published_at")),
        level=data.get("level"),
    )


def hints_json(hints: Hints) -> dict[str, Any]:
    return {
        "county": hints.county,
        "county_code": hints.county_code,
        "title": hints.title,
        "published_at": hints.published_at.isoformat() if hints.published_at else None,
        "publisher": hints.publisher,
        "url": hints.url,
    }


def hints_from_json(data: dict[str, Any]) -> Hints:
    return Hints(
        county=data.get("county"),
        county_code=data.get("county_code"),
        title=data.get("title"),
        published_at=_date(data.get("published_at")),
        publisher=data.get("publisher"),
        url=data.get("url"),
    )


def year_in_title(title: str | None) -> int | None:
    match = _YEAR_IN_TITLE.search(title or "")
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class CanonicalReport:
    """A report parse, keyed and normalised: figures are `int`, `float` or `None` only."""

    meta: dict[str, Any]  # ReportMeta.to_json() with the effective county_code
    figures: dict[str, Number | None]
    findings: tuple[dict[str, Any], ...]  # finding_json() of each parser finding, in order
    content_hash: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.meta["county_code"], self.meta["year"], self.meta["agency"])

    @property
    def figure_count(self) -> int:
        values = list(self.figures.values())
        return len(values) - values.count(None)  # C loops: ~200 figures a report

    @property
    def hard_finding_count(self) -> int:
        return sum(1 for finding in self.findings if not finding["rule"].startswith("warning."))

    def document(self) -> dict[str, Any]:
        """The version as kept in `revisions` (and hashed): meta, figures, findings."""
        return {"meta": self.meta, "figures": self.figures, "findings": list(self.findings)}


def content_hash(meta: dict[str, Any], figures: dict[str, Any], findings: list[Any]) -> str:
    document = {"meta": meta, "figures": figures, "findings": findings}
    return hashlib.sha256(dumps(document).encode("utf-8")).hexdigest()


def canonicalize(result: ParseResult, fallback_county_code: str) -> CanonicalReport:
    """Key and normalise a report parse; raise UnkeyableReport (or ValueError) when impossible.

    The county code comes from the parse, else from the crawl (`fallback_county_code`).
    """
    if result.meta is None:
        raise UnkeyableReport("report without metadata")
    meta = result.meta.to_json()
    if not meta["county_code"] and any(f.rule == AMBIGUOUS_COUNTY for f in result.findings):
        # The report names a division the parser could not tell apart from others: filing it
        # under the crawled county would be a guess.
        raise UnkeyableReport("the report's division is ambiguous (see its findings)")
    if not meta["county_code"]:
        meta["county_code"] = fallback_county_code
        meta["level"] = meta["level"] or "county"  # the crawl registry holds counties
    if not isinstance(meta["county_code"], str) or not _COUNTY_CODE.fullmatch(meta["county_code"]):
        raise UnkeyableReport(f"report with an invalid county code {meta['county_code']!r}")
    if not isinstance(meta["year"], int) or isinstance(meta["year"], bool):
        raise UnkeyableReport("report without a year")
    if not meta["agency"]:
        raise UnkeyableReport("report without an agency")
    figures: dict[str, Number | None] = dict(result.figures)
    unstorable: list[dict[str, Any]] = []
    # Nearly every figure is None or an int in range: one comprehension finds the others.
    others = [
        key
        for key, value in figures.items()
        if value is not None
        and (type(value) is not int or not -_STORABLE_INT <= value <= _STORABLE_INT)
    ]
    for key in others:
        value = result.figures[key]
        try:
            number = normalize_number(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"figure {key}: {exc}") from exc
        if storable(number):
            figures[key] = number
            continue
        # A value the parser let through that no column can hold: keep the report, say what
        # was printed, store the figure as unknown.
        figures[key] = None
        unstorable.append(
            finding_json(
                Finding(UNSTORABLE, f"{key}: printed {number}, too large to store; stored as null")
            )
        )
    findings = tuple(finding_json(f) for f in result.findings) + tuple(unstorable)
    return CanonicalReport(meta, figures, findings, content_hash(meta, figures, list(findings)))
