"""The parser's version, in a module of its own: the store and the job queue stamp it on every
report without importing the parser (`reportparser.api` pulls every format's extractor, lxml,
pdfium and numpy: a second of CPU for a process that never parses, issue 9)."""

from __future__ import annotations

from typing import Final

# Bumped whenever a change can alter any parse result; stored with every report so that
# `scrapy reparse` knows what is stale.
PARSER_VERSION: Final = "0.6.0"
