"""Re-run the current parser over stored documents (no network) and store what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.exc import SQLAlchemyError

from models.canonical import UnkeyableReport, canonicalize
from models.records import FetchRecord, Outcome, StoreResult
from models.store import MissingBlobError, ReportStore, StoredSource
from reportparser.ocr import OcrOptions
from reportparser.result import Hints, ParseResult
from reportparser.version import PARSER_VERSION

Parse = Callable[..., ParseResult]


def parse_here(data: bytes, **kwargs: Any) -> ParseResult:
    """`reportparser.parse_bytes` in this process, imported on the first call: this module is
    imported by every command (the cluster's job queue), and the parser's import costs a
    CPU-second to commands that never parse here (issue 9)."""
    from reportparser.api import parse_bytes  # noqa: PLC0415

    return parse_bytes(data, **kwargs)


@dataclass(frozen=True, slots=True)
class ReparseChange:
    url: str
    result: StoreResult


@dataclass(slots=True)
class ReparseSummary:
    documents: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    figures_changed: int = 0
    findings_added: int = 0
    findings_removed: int = 0
    changes: list[ReparseChange] = field(default_factory=list)  # new and updated reports
    errors: list[str] = field(default_factory=list)  # missing blobs, parser crashes
    dry_run: bool = False  # nothing written: the outcomes are what a reparse would do

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def render(self) -> str:
        lines = [
            f"{change.result.outcome} report {change.result.report_id}: "
            f"{change.result.figures_changed} figures changed, "
            f"+{change.result.findings_added}/-{change.result.findings_removed} findings "
            f"({change.result.detail or 'first parse'}) ← {change.url}"
            for change in self.changes
        ]
        lines.extend(f"error: {error}" for error in self.errors)
        outcomes = ", ".join(f"{name} {n}" for name, n in sorted(self.outcomes.items()))
        dry = "dry run, nothing written: " if self.dry_run else ""
        lines.append(
            f"{dry}{self.documents} documents re-parsed with parser {PARSER_VERSION}: "
            f"{outcomes or 'nothing stored'}; reports updated {self.count('updated')}, "
            f"new {self.count('new')}; figures changed {self.figures_changed}, "
            f"findings added {self.findings_added}, removed {self.findings_removed}; "
            f"errors {len(self.errors)}"
        )
        return "\n".join(lines) + "\n"


def filename_of(fetch: FetchRecord) -> str:
    """The document's file name as its URL gives it (`P020210128.pdf`), for format sniffing."""
    path = urlsplit(fetch.final_url or fetch.url).path
    return unquote(PurePosixPath(path).name)


def hints_of(fetch: FetchRecord) -> Hints:
    """The hints the crawler gave, else what its list entry said."""
    if fetch.hints is not None:
        return fetch.hints
    listing = fetch.listing
    published = None
    if listing is not None and listing.date:
        try:
            published = dt.date.fromisoformat(listing.date[:10])
        except ValueError:
            published = None
    return Hints(
        county_code=fetch.county_code,
        title=listing.title if listing else None,
        published_at=published,
        url=fetch.url,
    )


def reparse(
    store: ReportStore,
    *,
    county_code: str | None = None,
    county_codes: Sequence[str] = (),
    years: Sequence[int] = (),
    stale_only: bool = False,
    parse: Parse = parse_here,
    parser_version: str = PARSER_VERSION,
    ocr: OcrOptions | None = None,
    workers: int = 1,
    dry_run: bool = False,
    progress: Callable[[Sequence[StoredSource], int], Iterable[StoredSource]] | None = None,
) -> ReparseSummary:
    """Parse every selected stored document again and record it like a fresh fetch.

    Documents are selected by county (crawled, or of their report), by year (of their report,
    else hinted by their title), and with `stale_only` by having been parsed by another
    parser version. Updates keep the previous version as a revision, as any update does.

    With `ocr` (`scrapy reparse --ocr`), only the scans left at `needs_ocr` are parsed, and read
    by OCR within its bounds: the work a crawl deferred. `parse` may run `workers` documents at
    once (`scrapy reparse` gives it the crawl's parser workers, with their timeout and memory
    limit); the default, `parse_bytes` in this process, one.

    With `dry_run` nothing is written (the store may be read-only): each new parse is compared
    with the stored report and the summary says what would change. `progress` wraps the
    sources (a progress bar).
    """
    summary = ReparseSummary(dry_run=dry_run)
    sources = store.stored_sources(
        county_code=county_code, years=years, stale_only=stale_only, parser_version=parser_version
    )
    if county_codes:
        wanted = set(county_codes)
        sources = [s for s in sources if s.fetch.county_code in wanted]
    if ocr is not None:
        sources = [s for s in sources if s.parse_status == "needs_ocr"]
        parse = partial(parse, ocr=ocr)
    selected: Iterable[StoredSource] = (
        progress(sources, len(sources)) if progress is not None else sources
    )
    # Documents are parsed `workers` at a time (each parse blocks on a worker process of the
    # pool `parse` runs in) and recorded here, one at a time, in order.
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ogi-reparse") as pool:
        for source, parsed in zip(
            sources, pool.map(partial(_parse_one, store, parse), selected), strict=True
        ):
            if isinstance(parsed, str):
                summary.errors.append(f"{source.fetch.url}: {parsed}")
                continue
            try:
                _record(store, source, parsed, parser_version, summary)
            except (SQLAlchemyError, ArithmeticError, TypeError, ValueError) as exc:
                # One document the store cannot take (its transaction rolled back whole) must
                # not end the run: it is listed, and the exit status says so.
                detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
                summary.errors.append(f"{source.fetch.url}: not stored: {detail}")
    return summary


def _parse_one(store: ReportStore, parse: Parse, source: StoredSource) -> ParseResult | str:
    """The document's parse, or why there is none (a missing or corrupt blob, a crash)."""
    fetch = source.fetch
    try:
        data = store.get_blob(fetch.sha256)  # verified: a corrupt blob is never parsed
    except MissingBlobError as exc:
        return str(exc)
    try:
        return parse(
            data,
            filename=filename_of(fetch),
            content_type=fetch.content_type,
            hints=hints_of(fetch),
        )
    except Exception as exc:
        # parse_bytes never raises for bad input: this is a parser bug. Keep what is stored.
        return f"parser crashed: {type(exc).__name__}: {exc}"


def _record(
    store: ReportStore,
    source: StoredSource,
    result: ParseResult,
    parser_version: str,
    summary: ReparseSummary,
) -> None:
    fetch = source.fetch
    if summary.dry_run:
        stored = _compare(store, source, result)
    else:
        stored = store.record_document(fetch, result, parser_version=parser_version)
    summary.documents += 1
    summary.outcomes[stored.outcome] = summary.outcomes.get(stored.outcome, 0) + 1
    summary.figures_changed += stored.figures_changed if stored.outcome == "updated" else 0
    summary.findings_added += stored.findings_added if stored.outcome == "updated" else 0
    summary.findings_removed += stored.findings_removed
    if stored.outcome in ("new", "updated"):
        summary.changes.append(ReparseChange(fetch.url, stored))


def _compare(store: ReportStore, source: StoredSource, result: ParseResult) -> StoreResult:
    """What `record_document` would do with `result`, read-only: its outcome and the number of
    figures and parser findings that would change."""
    if not result.is_report:
        outcome: Outcome = "not_report" if result.status == "not_report" else "failed"
        return StoreResult(outcome, source.report_id, detail=result.reason)
    try:
        report = canonicalize(result, source.fetch.county_code)
    except (UnkeyableReport, TypeError, ValueError) as exc:
        return StoreResult("failed", source.report_id, detail=str(exc))
    meta = report.meta
    stored = store.report(meta["county_code"], meta["year"], meta["agency"])
    if stored is None:
        return StoreResult("new", None, figures_changed=report.figure_count)
    keys = set(stored.figures) | set(report.figures)
    changed = sum(1 for key in keys if stored.figures.get(key) != report.figures.get(key))
    before = {(f.rule, f.message) for f in stored.findings if f.rule != "warning.sources_disagree"}
    after = {(f["rule"], f["message"]) for f in report.findings}
    if stored.content_hash == report.content_hash or (not changed and before == after):
        return StoreResult("unchanged", stored.id, detail="same report")
    return StoreResult(
        "updated",
        stored.id,
        detail="would update",
        figures_changed=changed,
        findings_added=len(after - before),
        findings_removed=len(before - after),
    )
