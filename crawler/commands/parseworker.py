"""`scrapy parseworker`: parse the documents queued in `parse_jobs`, on any machine.

Each job is claimed with SELECT … FOR UPDATE SKIP LOCKED and done in one transaction (parse,
record the document, close the job; models.jobs.ParseQueue), so any number of workers on any
number of machines drain one queue without parsing a document twice; a worker that dies leaves
its job queued. The parser runs in a child process (crawler.parsing.ParsePool): a parser crash
or a document past OGI_PARSE_TIMEOUT fails that job, not the worker. Jobs queued for OCR are
read by OCR within OGI_OCR_TIMEOUT / OGI_OCR_MEMORY (needs the ocr extra).
"""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.cli import open_writer
from crawler.parsing import ParseJob, ParsePool, ocr_options
from models.jobs import ParseQueue, worker_name
from reportparser.result import Hints, ParseResult

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--drain] [--poll SECONDS] [--name NAME]"

    def short_desc(self) -> str:
        return "Work the parse queue (scrapy cluster queue-parse, crawl hand-offs)"

    def long_desc(self) -> str:
        return (
            "Parse the queued documents one transaction each, until stopped (SIGTERM or "
            "Ctrl-C: the job in hand is finished first), or with --drain until the queue is "
            "empty. Prints one line per document. Exit status 1 when some job failed."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--drain", action="store_true", help="stop when the queue is empty")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between looks")
        parser.add_argument("--name", help="the worker's name in parse_jobs (host:pid)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        settings = self.settings
        stopping = False

        def stop(_signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        store = open_writer(settings)
        pool = ParsePool(1, settings.getfloat("OGI_PARSE_TIMEOUT"))
        ocr_bounds = ocr_options(settings)
        endpoint = settings.get("OGI_S3_ENDPOINT_URL") or None

        def parse(
            location: str,
            *,
            filename: str,
            content_type: str | None,
            hints: Hints,
            ocr: bool,
        ) -> ParseResult:
            job = ParseJob(
                location,
                filename,
                content_type,
                hints,
                ocr_bounds if ocr else None,
                s3_endpoint_url=endpoint,
            )
            return pool.run(job)

        queue = ParseQueue(store)
        name = opts.name or worker_name()
        failed = done = 0
        try:
            while not stopping:
                outcome = queue.work_one(parse, worker=name)
                if outcome is None:
                    if opts.drain:
                        break
                    time.sleep(opts.poll)
                    continue
                if outcome.state == "failed":
                    failed += 1
                else:
                    done += 1
                print(
                    f"{outcome.state} {outcome.parse_status or '-'} {outcome.outcome or '-'} "
                    f"{outcome.url}{' (' + outcome.reason + ')' if outcome.reason else ''}",
                    flush=True,
                )
        finally:
            pool.close()
            store.close()
        print(f"{name}: {done} documents parsed, {failed} failed", flush=True)
        if failed:
            self.exitcode = 1
