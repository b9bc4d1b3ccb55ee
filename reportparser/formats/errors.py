"""The exception an extractor raises for a document it recognises but cannot read."""

from __future__ import annotations

from reportparser.result import ParseStatus


class Unreadable(Exception):
    """A clear, expected failure (no text layer, no LibreOffice, mojibake), not a crash.

    `extract()` turns it into an `ExtractionFailure` with this status and reason.
    """

    def __init__(self, status: ParseStatus, reason: str, engine: str | None = None) -> None:
        super().__init__(reason)
        self.status: ParseStatus = status
        self.reason = reason
        self.engine = engine
