"""`scrapy reparse`: run the current parser over stored documents, offline, and show changes.

`--dry-run` is a read command: it opens the database read-only and writes nothing.
"""

from __future__ import annotations

import argparse

from crawler.cli import (
    CommandError,
    ReportsCommand,
    county_codes,
    fail,
    open_reader,
    parse_years,
    progress,
    reports_unusable_database,
)
from crawler.parsing import ParsePool, PoolParse, ocr_options
from models.reparse import reparse
from models.store import ReportStore


class Command(ReportsCommand):
    demo_help = "re-parse the demo's database (data/demo)"

    def syntax(self) -> str:
        return "[--county C]... [--year Y]... [--stale-only] [--ocr] [--dry-run]"

    def short_desc(self) -> str:
        return "Re-parse stored documents with the current parser (no network)"

    def long_desc(self) -> str:
        return (
            "Re-runs reportparser over the documents kept in the blob store (in the crawl's "
            "parser workers, bounded by OGI_PARSE_TIMEOUT and OGI_PARSE_MEMORY), records the "
            "results like a crawl would (changed reports are updated and their previous "
            "version kept as a revision) and prints what changed. --dry-run writes nothing "
            "and says what would change."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="only documents parsed by another parser version",
        )
        parser.add_argument(
            "--ocr",
            action="store_true",
            help="read the scans left at needs_ocr by OCR (bounded by OGI_OCR_TIMEOUT and "
            "OGI_OCR_MEMORY; needs the ocr extra)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="write nothing (the database may be read-only) and show what would change",
        )

    @reports_unusable_database("reparse")
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        years = parse_years(opts.year)
        codes = county_codes(opts.county)
        try:
            if opts.dry_run:
                store = open_reader(self.settings)
            else:
                store = ReportStore.from_settings(self.settings)
        except CommandError as exc:
            fail(self, "reparse", exc)
            return
        # The crawl's parser workers, with its timeout and memory limit: a document that would
        # hang or exhaust this process fails alone, with its reason, as in a crawl.
        workers = self.settings.getint("OGI_PARSE_WORKERS")
        pool = ParsePool(workers, self.settings.getfloat("OGI_PARSE_TIMEOUT"))
        parse = PoolParse(pool, store.blobs, self.settings.getint("OGI_PARSE_MEMORY") or None)
        try:
            summary = reparse(
                store,
                # One county: also the documents crawled elsewhere that its reports came from.
                county_code=codes[0] if len(codes) == 1 else None,
                county_codes=codes if len(codes) > 1 else (),
                years=years,
                stale_only=opts.stale_only,
                parse=parse,
                ocr=ocr_options(self.settings) if opts.ocr else None,
                workers=pool.size,
                dry_run=opts.dry_run,
                progress=lambda sources, total: progress(sources, total, "reparse: documents"),
            )
        finally:
            pool.close()
            store.close()
        print(summary.render(), end="")
        if summary.errors:
            self.exitcode = 1
