"""Entry points. INTERFACE DRAFT: signatures are fixed, bodies are being written."""

from __future__ import annotations

from pathlib import Path

from reportparser.result import Hints, ParseResult

# Bumped whenever a change can alter any parse result; stored with every report so that
# `scrapy reparse` knows what is stale.
PARSER_VERSION = "0.1.0"


def parse_bytes(
    data: bytes,
    *,
    filename: str = "",
    content_type: str | None = None,
    hints: Hints | None = None,
) -> ParseResult:
    """Parse one document. Never raises for bad input: failures come back as a status + reason."""
    raise NotImplementedError


def parse_file(path: str | Path, *, hints: Hints | None = None) -> ParseResult:
    p = Path(path)
    return parse_bytes(p.read_bytes(), filename=p.name, hints=hints)
