"""Annual-report parser: bytes of any supported format in, canonical figures out.

Pure and typed: no Scrapy, no database, no network. `parse_bytes` is the one entry point that the
CLI (`scrapy extract`), the item pipelines and `scrapy reparse` all call.
"""

from reportparser.api import PARSER_VERSION, parse_bytes, parse_file
from reportparser.result import Finding, Hints, ParseResult, ReportMeta

__all__ = [
    "PARSER_VERSION",
    "Finding",
    "Hints",
    "ParseResult",
    "ReportMeta",
    "parse_bytes",
    "parse_file",
]
