"""Re-run the current parser over stored documents (no network) and store what changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy.exc import SQLAlchemyError

from models.records import FetchRecord, StoreResult
from models.store import MissingBlobError, ReportStore, StoredSource
from reportparser.api import PARSER_VERSION, parse_bytes
from reportparser.ocr import OcrOptions
from reportparser.result import Hints, ParseResult

Parse = Callable[..., ParseResult]


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
        lines.append(
            f"{self.documents} documents re-parsed with parser {PARSER_VERSION}: "
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
    years: Sequence[int] = (),
    stale_only: bool = False,
    parse: Parse = parse_bytes,
    parser_version: str = PARSER_VERSION,
    ocr: OcrOptions | None = None,
    workers: int = 1,
) -> ReparseSummary:
    """Parse every selected stored document again and record it like a fresh fetch.

    Documents are selected by county (crawled, or of their report), by year (of their report,
    else hinted by their title), and with `stale_only` by having been parsed by another
    parser version. Updates keep the previous version as a revision, as any update does.

    With `ocr` (`scrapy reparse --ocr`), only the scans left at `needs_ocr` are parsed, and read
    by OCR within its bounds: the work a crawl deferred. `parse` may run `workers` documents at
    once (`scrapy reparse` gives it the crawl's parser workers, with their timeout and memory
    limit); the default, `parse_bytes` in this process, one.
    """
    summary = ReparseSummary()
    sources = store.stored_sources(
        county_code=county_code, years=years, stale_only=stale_only, parser_version=parser_version
    )
    if ocr is not None:
        sources = [s for s in sources if s.parse_status == "needs_ocr"]
        parse = partial(parse, ocr=ocr)
    # Documents are parsed `workers` at a time (each parse blocks on a worker process of the
    # pool `parse` runs in) and recorded here, one at a time, in order.
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ogi-reparse") as pool:
        for source, parsed in zip(
            sources, pool.map(partial(_parse_one, store, parse), sources), strict=True
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
    stored = store.record_document(fetch, result, parser_version=parser_version)
    summary.documents += 1
    summary.outcomes[stored.outcome] = summary.outcomes.get(stored.outcome, 0) + 1
    summary.figures_changed += stored.figures_changed if stored.outcome == "updated" else 0
    summary.findings_added += stored.findings_added if stored.outcome == "updated" else 0
    summary.findings_removed += stored.findings_removed
    if stored.outcome in ("new", "updated"):
        summary.changes.append(ReparseChange(fetch.url, stored))
