"""`scrapy cluster`: county crawls on Scrapyd nodes, parse jobs for `scrapy parseworker`.

    scrapy cluster crawl --node URL --node URL [selection] [--batch NAME] [--set NAME=VALUE]
    scrapy cluster queue-parse [--ocr | --stale-only | --all] [--county C] [--year Y]
    scrapy cluster status [--batch NAME]

The job tables live in OGI_DATABASE_URL (PostgreSQL for a cluster; see docs/deploy.md). `crawl`
queues one job per county of the selection in a batch, then schedules and follows them until
every one is done or failed (crawler.cluster.Coordinator); running it again with the same
`--batch` resumes that batch.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.cli import county_codes, open_writer, parse_years
from crawler.cluster import Coordinator
from crawler.counties import BY_SLUG, RegistryError, select
from crawler.extensions import EXIT_MISSING, exit_status
from crawler.mirror import add_mirror_argument, apply_mirror_argument
from crawler.scrapyd import ScrapydNode
from models.jobs import CrawlJobs, CrawlJobSpec, ParseQueue
from models.objectstore import is_object_store
from models.records import CrawlRun

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings

ACTIONS = ("crawl", "queue-parse", "status")
# What every node's crawl must share with the coordinator: the one database, the one object
# store, and the mirror when crawling one (tests, trials).
FORWARDED_SETTINGS = ("OGI_DATABASE_URL", "OGI_BLOB_DIR", "OGI_S3_ENDPOINT_URL", "OGI_MIRROR")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "crawl|queue-parse|status [options]"

    def short_desc(self) -> str:
        return "Crawl counties on Scrapyd nodes; queue documents for parse workers"

    def long_desc(self) -> str:
        return (
            "crawl: queue one job per selected county (all by default) and run them on the "
            "Scrapyd nodes (--node, repeatable), never two at once for one site, re-queuing "
            "the jobs of a node that dies; ends when all are done or failed. "
            "queue-parse: queue stored documents for `scrapy parseworker` (--ocr: the scans "
            "left at needs_ocr; --stale-only: parsed by another parser version; --all). "
            "status: the jobs of a batch and the parse queue. "
            "Exit status of crawl: 0 every county ok; 3 some degraded; 4 some county's data "
            "missing (its crawl failed, blocked or unreachable); 2 usage error."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--node", action="append", default=[], help="a Scrapyd URL")
        parser.add_argument(
            "--slots", type=int, default=2, help="crawls at once per node (its max_proc)"
        )
        parser.add_argument("--batch", help="the batch name (resume it when it exists)")
        parser.add_argument("--only", metavar="SLUG,SLUG", help="crawl only these counties")
        parser.add_argument("--province", action="append", default=[])
        parser.add_argument("--prefecture", action="append", default=[])
        parser.add_argument("--county", action="append", default=[])
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a setting for every node's crawl (e.g. DOWNLOAD_DELAY=2)",
        )
        parser.add_argument("--poll", type=float, default=2.0, help="seconds between steps")
        parser.add_argument(
            "--dead-after",
            type=float,
            default=60.0,
            help="seconds a node may not answer before its jobs are re-queued",
        )
        parser.add_argument("--max-attempts", type=int, default=3)
        parser.add_argument("--timeout", type=float, help="give up after so many seconds")
        parser.add_argument("--ocr", action="store_true", help="queue-parse: scans to OCR")
        parser.add_argument("--stale-only", action="store_true", help="queue-parse: stale")
        parser.add_argument("--all", action="store_true", help="queue-parse: every document")
        parser.add_argument("--year", action="append", default=[])
        add_mirror_argument(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        apply_mirror_argument(self.settings, opts.mirror)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or args[0] not in ACTIONS:
            raise UsageError(f"give one action: {', '.join(ACTIONS)}")
        assert self.settings is not None
        if args[0] == "crawl":
            self.exitcode = self.crawl(self.settings, opts)
        elif args[0] == "queue-parse":
            self.queue_parse(self.settings, opts)
        else:
            self.status(self.settings, opts)

    # -- crawl -----------------------------------------------------------------------------------
    def crawl(self, settings: BaseSettings, opts: argparse.Namespace) -> int:
        if not opts.node:
            raise UsageError("crawl needs at least one --node http://host:6800")
        if not is_object_store(settings.get("OGI_BLOB_DIR")):
            print(
                "warning: OGI_BLOB_DIR is a local directory: every node must see the same one "
                "(a shared file system); an s3:// object store is what a cluster uses",
                flush=True,
            )
        crawl_settings = {
            name: str(settings.get(name)) for name in FORWARDED_SETTINGS if settings.get(name)
        }
        for item in opts.set:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise UsageError(f"--set takes NAME=VALUE, not {item!r}")
            crawl_settings[name] = value
        specs = self.selection(settings, opts)
        batch = opts.batch or dt.datetime.now(dt.UTC).strftime("crawl-%Y%m%dT%H%M%SZ")
        store = open_writer(settings)
        try:
            added = CrawlJobs(store.engine).enqueue(batch, specs)
            print(f"batch {batch}: {added} jobs queued ({len(specs) - added} already there)")
            coordinator = Coordinator(
                store.engine,
                [ScrapydNode(url) for url in opts.node],
                batch=batch,
                slots=opts.slots,
                crawl_settings=crawl_settings,
                poll=opts.poll,
                dead_after=opts.dead_after,
                lost_after=max(opts.dead_after, 60.0),
                max_attempts=opts.max_attempts,
                log=lambda line: print(line, flush=True),
            )
            counts = coordinator.run(timeout=opts.timeout)
            jobs = CrawlJobs(store.engine).jobs(batch)
        finally:
            store.close()
        print(format_jobs(jobs))
        print(f"batch {batch}: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
        runs = [
            CrawlRun(job.county_code, job.spider, dt.datetime.now(dt.UTC), status=status)  # type: ignore[arg-type]
            for job in jobs
            if (status := job.crawl_status) is not None
        ]
        code = exit_status(runs)
        if counts["failed"]:
            code = max(code, EXIT_MISSING)
        return code

    def selection(self, settings: BaseSettings, opts: argparse.Namespace) -> list[CrawlJobSpec]:
        names = sorted(get_spider_loader(settings).list())
        if opts.province or opts.prefecture or opts.county:
            try:
                counties = select(
                    province=opts.province, prefecture=opts.prefecture, counties=opts.county
                )
            except RegistryError as exc:
                raise UsageError(str(exc), print_help=False) from exc
            known = set(names)
            names = [c.slug for c in counties if c.slug in known]
        if opts.only:
            wanted = [name.strip() for name in opts.only.split(",") if name.strip()]
            unknown = sorted(set(wanted) - set(names))
            if unknown:
                raise UsageError(f"unknown counties: {', '.join(unknown)} (see scrapy list)")
            names = [name for name in names if name in wanted]
        if not names:
            raise UsageError("the selection names no county with a known site")
        return [
            CrawlJobSpec(name, BY_SLUG[name].code, BY_SLUG[name].site or name) for name in names
        ]

    # -- parse jobs -----------------------------------------------------------------------------
    def queue_parse(self, settings: BaseSettings, opts: argparse.Namespace) -> None:
        chosen = [flag for flag in ("ocr", "stale_only", "all") if getattr(opts, flag)]
        if len(chosen) != 1:
            raise UsageError("queue-parse takes one of --ocr, --stale-only, --all")
        purpose = "ocr" if opts.ocr else "reparse"
        store = open_writer(settings)
        try:
            added = ParseQueue(store).enqueue_stored(
                purpose=purpose,
                county_code=county_codes(opts.county[:1])[0] if opts.county else None,
                years=parse_years(opts.year),
                stale_only=opts.stale_only,
            )
            counts = ParseQueue(store).counts()
        finally:
            store.close()
        print(f"{added} documents queued for {purpose}; queue: {format_counts(counts)}")

    def status(self, settings: BaseSettings, opts: argparse.Namespace) -> None:
        store = open_writer(settings)
        try:
            jobs = CrawlJobs(store.engine).jobs(opts.batch)
            counts = ParseQueue(store).counts()
        finally:
            store.close()
        print(format_jobs(jobs))
        print(f"parse jobs: {format_counts(counts)}")


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in counts.items())


def format_jobs(jobs: list[Any]) -> str:
    header = f"{'batch':<24} {'county':<12} {'state':<8} {'tries':>5} {'status':<12} node"
    lines = [header, "-" * len(header)]
    lines += [
        f"{j.batch:<24} {j.spider:<12} {j.state:<8} {j.attempts:>5} "
        f"{j.crawl_status or '':<12} {j.node or ''} {j.reason or ''}".rstrip()
        for j in jobs
    ]
    return "\n".join(lines)
