"""Annual-report parser: bytes of any supported format in, canonical figures out.

Pure and typed: no Scrapy, no database, no network. `parse_bytes` is the one entry point that the
CLI (`scrapy extract`), the item pipelines and `scrapy reparse` all call.

The entry points are imported on first use (PEP 562): importing a light submodule
(`reportparser.result`, `reportparser.divisions`, `reportparser.version`) runs this file first,
and importing `reportparser.api` here would load every format's extractor with it, a second of
CPU in the crawl and store processes that never parse (issue 9).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reportparser.result import Finding, Hints, ParseResult, ReportMeta
from reportparser.version import PARSER_VERSION

if TYPE_CHECKING:
    from reportparser.api import parse_bytes, parse_file

__all__ = [
    "PARSER_VERSION",
    "Finding",
    "Hints",
    "ParseResult",
    "ReportMeta",
    "parse_bytes",
    "parse_file",
]

_LAZY = frozenset({"parse_bytes", "parse_file"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module("reportparser.api"), name)
        globals()[name] = value  # once: later lookups find it without this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
