"""`scrapy crawlall`: every county in one crawler (`crawler.engine`), many sites in parallel.

Each site keeps its own politeness (DOWNLOAD_DELAY and CONCURRENT_REQUESTS_PER_DOMAIN apply per
county); `OGI_COUNTIES_IN_PROGRESS` counties are crawled at once, the next starting as one
finishes. The crawl ends with one summary table and an exit status (see `long_desc`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader

from crawler.cli import (
    ProgressLog,
    apply_demo_settings,
    end_crawl,
    freeze_heap,
    print_whole,
    start_crawl,
)
from crawler.counties import BY_SLUG, RegistryError, select
from crawler.engine import CrawlEngine
from crawler.extensions import (
    EXIT_DEGRADED,
    EXIT_MISSING,
    collect_runs,
    county_summarized,
    exit_status,
    format_summary,
    format_unsummarized,
    print_storage_failures,
    unsummarized,
)
from crawler.mirror import DEMO_MIRROR_DIR, add_mirror_argument, apply_mirror_argument

if TYPE_CHECKING:
    import argparse

# Defaults of this command (a -s or -L on the command line still wins): 22 stats dumps would
# bury the summary table, which holds the same counts (and the database keeps every stat).
COMMAND_SETTINGS = {"STATS_DUMP": False}
# The demo answers from local files: no site to be polite to, nothing to retry, a short log.
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "OGI_RETRY_BACKOFF_BASE": 0.2,
    "LOG_LEVEL": "WARNING",
}


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return (
            "[--province P] [--prefecture P] [--county C] [--only SLUG,SLUG] "
            "[--mirror DIR_OR_URL] [--demo]"
        )

    def short_desc(self) -> str:
        return "Crawl every county (or --only some) in one process and print a summary"

    def long_desc(self) -> str:
        return (
            "Run every county spider at once, each site at its own polite pace, storing into "
            "OGI_DATABASE_URL / OGI_BLOB_DIR. --demo crawls the bundled fixture web "
            "(tests/fixtures/web: the counties it holds) into the demo's own database "
            "(OGI_DEMO_DIR, data/demo) and prints the coverage, with no network. "
            "Exit status: 0 every county ok; 3 some county degraded or documents failed to "
            "parse; 4 some county blocked, unreachable or site changed (its data is missing); "
            "1 the crawl could not start, or the database or blob store failed (a full disk); "
            "2 usage error."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--only", metavar="SLUG,SLUG", help="crawl only these counties (scrapy list)"
        )
        # Repeatable; all the counties they name are crawled together (crawler.counties.select).
        parser.add_argument(
            "--province", action="append", default=[], help="every county of a province"
        )
        parser.add_argument(
            "--prefecture", action="append", default=[], help="every county of a prefecture"
        )
        parser.add_argument(
            "--county",
            action="append",
            default=[],
            help="a county by code, slug or Chinese name (full or short)",
        )
        add_mirror_argument(parser)
        parser.add_argument(
            "--demo",
            action="store_true",
            help=f"crawl the bundled fixture web ({DEMO_MIRROR_DIR.name}) and print the coverage",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.demo and opts.mirror:
            raise UsageError("--demo crawls the bundled fixture web: drop --mirror")
        if opts.demo:
            # The demo's invented reports go to their own database, never the real one.
            apply_demo_settings(self.settings)
        defaults = {**COMMAND_SETTINGS, **(DEMO_SETTINGS if opts.demo else {})}
        for name, value in defaults.items():
            if (self.settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")
        if opts.demo:
            apply_mirror_argument(self.settings, str(DEMO_MIRROR_DIR))
        apply_mirror_argument(self.settings, opts.mirror)
        # Before Scrapy's crawler process starts (and logs): usage errors first (they never
        # create a database), then one line and exit status 1 for a database that cannot be
        # used, instead of every county failing on its own.
        if args:
            raise UsageError("crawlall takes no arguments; use --only SLUG,SLUG")
        if opts.only:
            wanted = {name.strip() for name in opts.only.split(",") if name.strip()}
            unknown = sorted(wanted - set(get_spider_loader(self.settings).list()))
            if unknown:
                raise UsageError(f"unknown counties: {', '.join(unknown)} (see scrapy list)")
        start_crawl("crawlall", self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.run_crawl(args, opts)
        finally:
            end_crawl()

    def run_crawl(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("crawlall takes no arguments; use --only SLUG,SLUG")
        assert self.crawler_process is not None
        names = sorted(self.crawler_process.spider_loader.list())
        if opts.province or opts.prefecture or opts.county:
            names = self.selected(names, opts)
        if opts.only:
            wanted = [name.strip() for name in opts.only.split(",") if name.strip()]
            unknown = sorted(set(wanted) - set(names))
            if unknown:
                raise UsageError(f"unknown counties: {', '.join(unknown)} (see scrapy list)")
            names = [name for name in names if name in wanted]
        elif opts.demo:
            # The bundled fixture web holds a few counties; the others would all be unreachable.
            names = [name for name in names if (DEMO_MIRROR_DIR / BY_SLUG[name].site).is_dir()]
        loader = self.crawler_process.spider_loader
        crawler = self.crawler_process.create_crawler(CrawlEngine)
        runs = collect_runs([crawler])
        crawler.signals.connect(freeze_heap, signal=signals.engine_started, weak=False)
        if len(names) > 1:
            counter = ProgressLog(len(names), "crawlall: counties done")
            crawler.signals.connect(counter.advance, signal=county_summarized, weak=False)
        self.crawler_process.crawl(crawler, counties=[loader.load(name) for name in names])
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        engine = crawler.spider
        waiting = [s.name for s in engine.waiting] if isinstance(engine, CrawlEngine) else []
        lost, not_started = unsummarized(names, runs, waiting)
        print_whole("\n".join([format_summary(runs), *format_unsummarized(lost, not_started)]))
        print_storage_failures(runs)
        self.exitcode = max(self.exitcode, exit_status(runs))
        if lost or not_started:
            self.exitcode = max(self.exitcode, EXIT_DEGRADED)
        if opts.demo:
            self.print_coverage([BY_SLUG[name].code for name in names])
            if self.exitcode == EXIT_MISSING:
                print(
                    "\n(exit status 4 is expected here: the fixture web blocks 同心县 and "
                    "imitates mismatched sites on purpose)"
                )
            print("\nLook at the demo's data in a web browser: .venv/bin/scrapy browse --demo")

    def selected(self, names: list[str], opts: argparse.Namespace) -> list[str]:
        """The spiders of the counties `--province`, `--prefecture` and `--county` name."""
        try:
            counties = select(
                province=opts.province, prefecture=opts.prefecture, counties=opts.county
            )
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        known = set(names)
        missing = [c.label for c in counties if c.slug not in known]
        if missing:  # no portal in the registry: nothing to crawl
            print(f"no site known, not crawled: {', '.join(missing)}", flush=True)
        return [c.slug for c in counties if c.slug in known]

    def print_coverage(self, codes: list[str]) -> None:
        """The database engineer's `scrapy coverage` report of what the demo stored, for the
        counties it crawled (the registry holds every county of the country)."""
        assert self.settings is not None
        from crawler.commands.coverage import print_coverage  # noqa: PLC0415

        print(flush=True)
        print_coverage(self.settings, counties=codes)
