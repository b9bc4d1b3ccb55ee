"""`scrapy crawl <county>`: Scrapy's crawl, ending with the county's summary and exit status.

Replaces Scrapy's own `crawl` command in this project (COMMANDS_MODULE). Adds `--mirror`.
Exit status: 0 ok; 3 degraded or documents failed to parse; 4 blocked, unreachable or site
changed (see `crawler.extensions.exit_status`); 1 when Scrapy could not start the crawl, or the
database or blob store failed (a full disk: one line on stderr names it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.cli import CommandError, end_crawl, freeze_heap, print_whole, start_crawl, stop
from crawler.engine import CrawlEngine
from crawler.extensions import collect_runs, exit_status, format_summary, print_storage_failures
from crawler.mirror import add_mirror_argument, apply_mirror_argument

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def long_desc(self) -> str:
        return (
            "Crawl one county (its spider name, e.g. yanchi) into the database and print its "
            "summary. Exit status: 0 ok; 3 degraded or documents failed to parse; 4 blocked, "
            "unreachable or site changed; 1 the crawl could not start, or the database or "
            "blob store failed (a full disk)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_mirror_argument(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        apply_mirror_argument(self.settings, opts.mirror)
        # Checked before Scrapy's crawler process starts (and logs): a county that does not
        # exist or a database that cannot be used is one line and exit status 1.
        if len(args) == 1 and not _is_county(self.settings, args[0]):
            stop("crawl", CommandError(f"no county {args[0]!r}: `scrapy list` shows them"))
        if len(args) == 1:
            start_crawl("crawl", self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.run_crawl(args, opts)
        finally:
            end_crawl()

    def run_crawl(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name (scrapy list shows them); crawlall runs all")
        assert self.crawler_process is not None
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError as exc:
            raise UsageError(f"no county spider {args[0]!r} (scrapy list shows them)") from exc
        # The crawl engine with this one county: the same machinery as crawlall.
        crawler = self._create_crawler(CrawlEngine)
        runs = collect_runs([crawler])
        crawler.signals.connect(freeze_heap, signal=signals.engine_started, weak=False)
        self.crawler_process.crawl(
            crawler, counties=[spidercls], name=spidercls.name, navigator_kwargs=opts.spargs
        )
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        if runs:
            print_whole(format_summary(runs))
            print_storage_failures(runs)
            self.exitcode = exit_status(runs)


def _is_county(settings: Any, name: str) -> bool:
    """Whether the registry's spider loader knows `name` (a slug or a division code)."""
    try:
        get_spider_loader(settings).load(name)
    except KeyError:
        return False
    return True
