"""`scrapy reparse`: run the current parser over stored documents, offline, and show changes."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import reports_unusable_database
from crawler.commands.coverage import open_store, parse_years, resolve_county
from crawler.services import ParsePool, PoolParse, ocr_options
from models.reparse import reparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--county CODE_OR_SLUG] [--year Y] [--stale-only] [--ocr]"

    def short_desc(self) -> str:
        return "Re-parse stored documents with the current parser (no network)"

    def long_desc(self) -> str:
        return (
            "Re-runs reportparser over the documents kept in the blob store (in the crawl's "
            "parser workers, bounded by OGI_PARSE_TIMEOUT and OGI_PARSE_MEMORY), records the "
            "results like a crawl would (changed reports are updated and their previous "
            "version kept as a revision) and prints what changed."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--county", help="county code or slug")
        parser.add_argument("--year", action="append", default=[], help="year or range")
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

    @reports_unusable_database
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        store = open_store(self.settings)
        # The crawl's parser workers, with its timeout and memory limit: a document that would
        # hang or exhaust this process fails alone, with its reason, as in a crawl.
        workers = self.settings.getint("OGI_PARSE_WORKERS")
        pool = ParsePool(workers, self.settings.getfloat("OGI_PARSE_TIMEOUT"))
        parse = PoolParse(pool, store.blobs, self.settings.getint("OGI_PARSE_MEMORY") or None)
        try:
            summary = reparse(
                store,
                county_code=resolve_county(store, opts.county),
                years=parse_years(opts.year),
                stale_only=opts.stale_only,
                parse=parse,
                ocr=ocr_options(self.settings) if opts.ocr else None,
                workers=pool.size,
            )
        finally:
            pool.close()
            store.close()
        print(summary.render(), end="")
        if summary.errors:
            self.exitcode = 1
