"""What the parser returns: the public shape every consumer (CLI, pipelines, database) relies on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Number = int | float
FigureValue = Number | None

ParseStatus = Literal[
    "report",  # an annual report; meta is set, figures may be empty (legacy reports)
    "not_report",  # readable, but not an annual report (news, notice, list page …)
    "error",  # unreadable: broken file, unsupported format, limits exceeded
    "needs_ocr",  # a scan (PDF without a usable text layer, a picture) not read by OCR
    "needs_libreoffice",  # DOC/WPS/ET and LibreOffice is not installed
]


@dataclass(frozen=True, slots=True)
class ReportMeta:
    county: str | None
    county_code: str | None
    year: int | None
    agency: str | None
    scope: Literal["county", "department"] | None
    template: Literal["2019", "2021", "legacy"] | None
    title: str | None
    published_at: dt.date | None
    # The division's level (report-fields.md); last so that positional construction still works.
    level: Literal["county", "prefecture", "province"] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "county_code": self.county_code,
            "level": self.level,
            "year": self.year,
            "agency": self.agency,
            "scope": self.scope,
            "template": self.template,
            "title": self.title,
            "published_at": self.published_at.isoformat() if self.published_at else None,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken consistency rule (hard) or a `warning.*` observation."""

    rule: str
    message: str
    expected: FigureValue = None
    actual: FigureValue = None

    @property
    def is_warning(self) -> bool:
        return self.rule.startswith("warning.")

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        }


@dataclass(frozen=True, slots=True)
class Hints:
    """What the crawler already knows about a document, from its page or list entry.

    The document's own content wins; hints fill gaps (an attachment whose PDF has no title, a
    township report that names its township but not its county) and break ties.
    """

    county: str | None = None
    county_code: str | None = None
    title: str | None = None
    published_at: dt.date | None = None
    publisher: str | None = None  # 发布机构 / 来源 on the page
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    status: ParseStatus
    format: str  # "text", "html", "pdf", "docx", "doc", "wps", "xlsx", … or "unknown"
    meta: ReportMeta | None = None
    figures: dict[str, FigureValue] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    reason: str | None = None  # why not a report / why it failed; None for reports
    engine: str | None = None  # the extraction engine that produced the text, e.g. "pdfium"
    # OCR'd documents: the mean per-character confidence (0–1) of the text read; else None.
    confidence: float | None = None
    # Figure keys whose value the consistency rules supplied (lost cells); each such row also
    # has a `warning.inferred` finding. Not part of the JSON contract.
    inferred: tuple[str, ...] = ()

    @property
    def is_report(self) -> bool:
        return self.status == "report"

    @property
    def hard_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.is_warning)

    def to_json(self) -> dict[str, Any]:
        """The `scrapy extract --json` object of report-fields.md, plus status/format/reason."""
        return {
            "meta": self.meta.to_json() if self.meta else None,
            "figures": dict(self.figures),
            "findings": [f.to_json() for f in self.findings],
            "status": self.status,
            "format": self.format,
            "reason": self.reason,
            "engine": self.engine,
        }
