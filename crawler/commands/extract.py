"""`scrapy extract PATH... [--json]`: parse annual reports from files and print the results.

With `--json`, stdout carries exactly one compact JSON object per file and line:
`ParseResult.to_json()` (`meta`, `figures`, `findings`, `status`, `format`, `reason`, `engine`)
plus the `path` it came from; logs go to stderr. Without it, a short human-readable summary per
file. A directory argument stands for the files under it. The exit status is 1 when any file
failed (status error, needs_ocr or needs_libreoffice, or could not be read); a document that is
not a report is a result, not a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Final

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.cli import progress
from reportparser.result import ParseResult

FAILED: Final = frozenset({"error", "needs_ocr", "needs_libreoffice"})
_SHOWN_FINDINGS: Final = 12


def _paths(args: list[str]) -> Iterator[Path]:
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _parse(path: Path) -> ParseResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ParseResult(
            status="error", format="unknown", reason=f"cannot read file: {exc.strerror or exc}"
        )
    # The parser is imported here: `scrapy <any command>` imports this module.
    from reportparser.api import parse_bytes  # noqa: PLC0415

    return parse_bytes(data, filename=path.name)


def summary(path: Path, result: ParseResult) -> str:
    """A few lines a person reads: status, metadata, figure counts, findings."""
    engine = f", {result.engine}" if result.engine else ""
    lines = [f"{path}: {result.status} ({result.format}{engine})"]
    if result.reason:
        lines.append(f"  reason: {result.reason}")
    meta = result.meta
    if meta is not None:
        code = f" ({meta.county_code})" if meta.county_code else ""
        lines.append(
            f"  {meta.county or '?'}{code} · {meta.year or '?'} · {meta.agency or '?'}"
            f" · scope {meta.scope or '?'} · template {meta.template or '?'}"
        )
        published = meta.published_at.isoformat() if meta.published_at else "—"
        lines.append(f"  title: {meta.title or '—'} · published: {published}")
    if result.status == "report":
        nulls = sum(1 for v in result.figures.values() if v is None)
        lines.append(
            f"  figures: {len(result.figures)} ({nulls} null, {len(result.inferred)} inferred)"
        )
        hard = result.hard_findings
        warnings = len(result.findings) - len(hard)
        lines.append(f"  findings: {len(hard)} broken rule(s), {warnings} warning(s)")
        for finding in result.findings[:_SHOWN_FINDINGS]:
            lines.append(f"    {finding.rule}: {finding.message}")
        if len(result.findings) > _SHOWN_FINDINGS:
            lines.append(f"    … and {len(result.findings) - _SHOWN_FINDINGS} more")
    return "\n".join(lines)


class Command(ScrapyCommand):
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--json] PATH..."

    def short_desc(self) -> str:
        return "Parse annual reports (any format) and print their metadata, figures and findings"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--json",
            action="store_true",
            help="one compact JSON object per file and line on stdout (the report-fields.md shape)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one file or directory")
        failed = 0
        paths = list(_paths(args))
        for path in progress(paths, len(paths), "extract: files"):
            result = _parse(path)
            if result.status in FAILED:
                failed += 1
            if opts.json:
                record = {"path": str(path), **result.to_json()}
                print(json.dumps(record, ensure_ascii=False, separators=(",", ":")), flush=True)
            else:
                print(summary(path, result), flush=True)
        if failed:
            print(f"{failed} file(s) failed", file=sys.stderr)
            self.exitcode = 1
