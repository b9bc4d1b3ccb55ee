"""The crawl summary: per-county counts and a status, compared with the county's history.

Silent breakage is what kills civic scrapers: a site redesign yields zero reports and nobody
notices for a year. So at spider close `CrawlSummary` turns the crawl's stats into a
`models.records.CrawlRun`, judges it against `store.crawl_history(county)`:

* `blocked` / `unreachable`: the spider or the challenge middleware said so (entry page 403, a
  JS-cookie challenge, DNS / connection failures, timeouts);
* `site_mismatch`: the home page is another division's site, a parked domain or a redirect to
  another county's host (`crawler.siteid`): nothing was stored from it;
* `storage_failed`: the database or the blob store failed (a full disk …; `crawler.losses`):
  the crawl stopped, and nothing is judged about the site;
* `degraded` too when pages or documents could not be fetched (`crawler.losses`: each one is
  listed and stored in `fetch_failures`, and the next crawl retries it);
* `site_changed`: no report found where the last crawl found some, or fewer than half as many;
* `degraded`: new 403 / 412 / 429 responses, parse failures rising, the crawl cut short, a list
  cut at `OGI_MAX_LIST_PAGES`, or no report at all on a first crawl;
* `ok` otherwise; when no annual-report column was found and the reports came from the site
  search, an alert says so once, at the first crawl that finds it so (the status stays `ok`:
  the reports are there, but the county's spider may need its column's link text); when
  robots.txt forbids the column, the county is `blocked` by it if nothing was found, else an
  alert lists the forbidden pages,

stores it (`record_crawl_run`), logs it, and sends the `county_summarized` signal, which the
`crawl` and `crawlall` commands collect to print one table and set the exit status
(`exit_status`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.cli import print_whole
from crawler.engine import county_closed, county_context
from crawler.losses import (
    ROBOTS_STAT,
    STORAGE_CLOSE_REASON,
    STORAGE_STAT,
    Losses,
    storage_failure,
)
from crawler.mirror import crawl_origin
from crawler.platform import (
    PAGINATION_CUT_STAT,
    SEARCH_STAT,
    SITE_REASON_STAT,
    SITE_STAT,
    STATUS_REASON_STAT,
    STATUS_STAT,
)
from crawler.services import KnownDocuments, StoreService
from models.records import CountyStatus, CrawlRun

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# `search_alert` when the search found reports: told once, not every week.
SEARCH_ALERT_PREFIX: Final = "no annual-report (年报) column found"
SEARCH_ALERT: Final = (
    "no annual-report (年报) column found: the reports were found through the site search"
)

county_summarized: Final = object()
"""Signal sent with `run=CrawlRun` once a county's crawl is judged and stored."""

EXIT_OK: Final = 0
EXIT_STORAGE: Final = 1  # the database or the blob store failed: fix the machine, crawl again
EXIT_DEGRADED: Final = 3  # some county degraded, or documents failed to parse
EXIT_MISSING: Final = 4  # some county blocked, unreachable, site_changed or site_mismatch
# Statuses that say the site was not crawled at all: no comparison with the history.
NOT_CRAWLED: Final = frozenset({"blocked", "unreachable", "site_mismatch"})
WATCHED_ERRORS: Final = ("403", "412", "429")
DROP_RATIO: Final = 0.5
# Lost URLs printed per county (all of them are in the table fetch_failures).
LOST_SHOWN: Final = 200


def reports_seen(run: CrawlRun) -> int:
    """Reports the crawl saw on the site: stored now, confirmed unchanged, or skipped as fresh."""
    seen = run.stats.get("reports/seen")
    if isinstance(seen, int):
        return seen
    return run.reports_found + run.documents_skipped


def build_run(
    stats: dict[str, Any], *, county_code: str, spider: str, finished_at: dt.datetime
) -> CrawlRun:
    """A CrawlRun from a crawl's Scrapy stats (status and alerts still to be judged)."""

    def count(key: str) -> int:
        return int(stats.get(key) or 0)

    started = stats.get("start_time")
    run = CrawlRun(
        county_code=county_code,
        spider=spider,
        started_at=started if isinstance(started, dt.datetime) else finished_at,
        finished_at=finished_at,
        reports_new=count("reports/new"),
        reports_updated=count("reports/updated"),
        reports_unchanged=count("reports/unchanged"),
        reports_failed=count("reports/failed"),
        documents_not_report=count("documents/not_report"),
        documents_skipped=count("documents/skipped"),
        pages_fetched=count("pages/fetched"),
        pages_not_modified=count("pages/not_modified"),
        http_errors={
            key.rsplit("/", 1)[1]: int(value)
            for key, value in sorted(stats.items())
            if key.startswith("http/errors/")
        },
    )
    run.stats = {
        **{k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in stats.items()},
        "reports/seen": run.reports_found + count("reports/skipped"),
    }
    return run


def judge(
    run: CrawlRun,
    history: Sequence[CrawlRun],
    *,
    verdict: str | None = None,
    verdict_reason: str | None = None,
    close_reason: str = "finished",
) -> None:
    """Set `run.status` and `run.alerts` (loudest first) from the crawl and its history."""
    status: CountyStatus = "ok"
    alerts: list[str] = []
    storage = run.stats.get(STORAGE_STAT)
    if storage or close_reason == STORAGE_CLOSE_REASON:
        run.status = "storage_failed"
        run.alerts = [f"storage failure, the crawl stopped: {storage or close_reason}"]
        return
    if verdict == "site_mismatch":
        run.status = "site_mismatch"
        run.alerts = [f"site mismatch, nothing stored: {verdict_reason}"]
        return
    if verdict in {"blocked", "unreachable"} or close_reason == "blocked":
        status = "unreachable" if verdict == "unreachable" else "blocked"
        alerts.append(f"{status}: {verdict_reason or close_reason}")
        run.status, run.alerts = status, alerts
        return
    comparable = [h for h in history if h.status not in NOT_CRAWLED]
    seen = reports_seen(run)
    forbidden = robots_forbidden(run)
    if seen == 0 and forbidden:
        run.status = "blocked"
        run.alerts = [f"blocked: robots.txt forbids the annual-report column ({forbidden})"]
        return
    lost = lost_alert(run)
    if comparable:
        last = comparable[0]
        before = reports_seen(last)
        when = last.started_at.date().isoformat()
        # A drop with pages lost is what the losses explain, not a redesign of the site.
        changed: CountyStatus = "degraded" if lost else "site_changed"
        if before > 0 and seen == 0:
            status = changed
            alerts.append(f"site changed? no report found; the crawl of {when} found {before}")
        elif before > 0 and seen < DROP_RATIO * before:
            status = changed
            alerts.append(f"site changed? {seen} reports found; the crawl of {when} found {before}")
    elif seen == 0:
        status = "degraded"
        alerts.append("no annual report found on the site (first crawl)")
    if lost:
        status = "degraded" if status == "ok" else status
        alerts.insert(0, lost)
    elif forbidden:
        alerts.append(f"robots.txt forbids list pages of the annual-report column ({forbidden})")
    earlier_errors = {code for h in history for code in h.http_errors}
    for code in WATCHED_ERRORS:
        if run.http_errors.get(code) and code not in earlier_errors:
            status = "degraded" if status == "ok" else status
            alerts.append(f"new HTTP {code} responses ({run.http_errors[code]})")
    if run.reports_failed:
        before_failed = max((h.reports_failed for h in comparable), default=0)
        if run.reports_failed > before_failed:
            status = "degraded" if status == "ok" else status
            alerts.append(
                f"{run.reports_failed} documents failed to parse (before: at most {before_failed})"
            )
        else:
            alerts.append(f"{run.reports_failed} documents failed to parse")
    if run.stats.get(SITE_STAT) == "unverified":
        alerts.append(f"site unverified: {run.stats.get(SITE_REASON_STAT)}")
    # A known deviation is told once: not again while the previous crawl found it too.
    if run.stats.get(SEARCH_STAT) and not (comparable and comparable[0].stats.get(SEARCH_STAT)):
        alerts.append(search_alert(seen))
    if run.stats.get(PAGINATION_CUT_STAT):
        # A list longer than OGI_MAX_LIST_PAGES (or a hostile pager): reports may lie beyond.
        status = "degraded" if status == "ok" else status
        alerts.append(
            f"pagination cut: {run.stats[PAGINATION_CUT_STAT]} list(s) longer than "
            f"OGI_MAX_LIST_PAGES, next page not fetched: {run.stats.get('pagination/cut_url')}"
        )
    if close_reason not in {"finished"}:
        status = "degraded" if status == "ok" else status
        alerts.append(f"the crawl ended early ({close_reason}): counts are partial")
    run.status, run.alerts = status, alerts


def lost_alert(run: CrawlRun) -> str | None:
    """The alert of a crawl that lost pages or documents, with the counts."""
    if not run.lost:
        return None
    pages = sum(1 for failure in run.lost if failure.kind == "page")
    documents = len(run.lost) - pages
    parts = [
        f"{n} {what}{'' if n == 1 else 's'}"
        for n, what in ((pages, "list page"), (documents, "document"))
        if n
    ]
    return (
        f"{' and '.join(parts)} could not be fetched (listed under LOST; the next crawl "
        "retries them)"
    )


def robots_forbidden(run: CrawlRun) -> str:
    """The column pages robots.txt forbade, for an alert ("" when none)."""
    urls = run.stats.get(ROBOTS_STAT + "/urls") or []
    if not urls:
        return ""
    shown = ", ".join(urls[:3])
    return shown + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")


def search_alert(seen: int) -> str:
    if seen:
        return SEARCH_ALERT
    return "no annual-report (年报) column found, and the site search found no report either"


def storage_failures(runs: Iterable[CrawlRun]) -> list[str]:
    """The storage failures of the crawl, one line each (the commands print them last)."""
    lines = {run.alerts[0] for run in runs if run.status == "storage_failed" and run.alerts}
    return sorted(lines)


def print_storage_failures(runs: Iterable[CrawlRun]) -> None:
    """One line on stderr per storage failure, after the summary (exit status 1)."""
    for line in storage_failures(runs):
        print_whole(f"error: {line}", sys.stderr)


def unsummarized(
    asked: Sequence[str], runs: Iterable[CrawlRun], not_started: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """The counties (spider names) `asked` for that started but have no judged run (a bug or
    a crash between the two: the log says which), and those that never started (the crawl
    ended first)."""
    summarized = {run.spider for run in runs}
    waiting = set(not_started)
    lost = [name for name in asked if name not in summarized and name not in waiting]
    return lost, [name for name in asked if name in waiting]


def format_unsummarized(lost: Sequence[str], not_started: Sequence[str]) -> list[str]:
    """Lines after the summary table for the counties it cannot list (nothing lost silently)."""
    lines = []
    if lost:
        lines += ["", f"NOT SUMMARIZED ({len(lost)} started, no crawl run judged; see the log):"]
        lines += [f"  - {name}" for name in lost]
    if not_started:
        lines += ["", f"NOT STARTED ({len(not_started)}: the crawl ended before them):"]
        lines += [f"  - {name}" for name in not_started]
    return lines


def exit_status(runs: Iterable[CrawlRun]) -> int:
    """0 all ok; 3 some county degraded or with failed documents; 4 some county's data missing;
    1 a storage failure (whatever the counties' statuses: nothing after it was stored)."""
    code = EXIT_OK
    runs = list(runs)
    if any(run.status == "storage_failed" for run in runs):
        return EXIT_STORAGE
    for run in runs:
        if run.status in NOT_CRAWLED | {"site_changed"}:
            code = max(code, EXIT_MISSING)
        elif run.status == "degraded" or run.reports_failed:
            code = max(code, EXIT_DEGRADED)
    return code


def collect_runs(crawlers: Iterable[Crawler]) -> list[CrawlRun]:
    """A list that fills with each crawler's CrawlRun as its spider closes (for the commands)."""
    runs: list[CrawlRun] = []

    def collect(run: CrawlRun) -> None:
        runs.append(run)

    for crawler in crawlers:
        crawler.signals.connect(collect, signal=county_summarized, weak=False)
    return runs


def format_summary(runs: Iterable[CrawlRun]) -> str:
    """The end-of-crawl table, one line per county, then every alert."""
    from crawler.counties import BY_COUNTY_CODE  # noqa: PLC0415

    rows = sorted(runs, key=lambda r: r.spider)
    header = (
        f"{'county':<12} {'status':<14} {'new':>4} {'upd':>4} {'same':>4} {'fail':>4} "
        f"{'lost':>4} {'nrep':>5} {'skip':>5} {'pages':>5} {'304':>5}  http errors"
    )
    lines = [header, "-" * len(header)]
    for run in rows:
        errors = " ".join(f"{code}×{n}" for code, n in sorted(run.http_errors.items())) or "-"
        county = BY_COUNTY_CODE.get(run.county_code)
        lines.append(
            f"{run.spider:<12} {run.status:<14} {run.reports_new:>4} {run.reports_updated:>4} "
            f"{run.reports_unchanged:>4} {run.reports_failed:>4} {len(run.lost):>4} "
            f"{run.documents_not_report:>5} "
            f"{run.documents_skipped:>5} {run.pages_fetched:>5} {run.pages_not_modified:>5}  "
            f"{errors}  {county.name if county else ''}"
        )
    total = sum(r.reports_new + r.reports_updated for r in rows)
    lines.append("-" * len(header))
    lines.append(f"{len(rows)} counties, {total} reports new or updated")
    incomplete = _incomplete(rows)
    if incomplete:
        lines.append(f"of which incomplete (not counted as collected): {incomplete}")
    lines.append(
        "new/upd/same/fail: reports stored, updated, unchanged, failed to parse · lost: "
        "pages and documents that could not be fetched · nrep: "
        "documents that are not reports · skip: known and fresh, not fetched · pages/304: "
        "list pages fetched / unchanged"
    )
    alerts = [(run, alert) for run in rows for alert in run.alerts]
    if alerts:
        lines.append("")
        lines.append("ALERTS")
        lines.extend(f"  ! {run.spider}: {alert}" for run, alert in alerts)
    lines.extend(format_lost(rows))
    return "\n".join(lines)


def format_lost(runs: Sequence[CrawlRun]) -> list[str]:
    """Every URL the crawl could not fetch, by county (the summary's LOST section)."""
    lost = [run for run in runs if run.lost]
    if not lost:
        return []
    lines = ["", "LOST (not fetched; kept in the table fetch_failures, retried by the next crawl)"]
    for run in lost:
        for failure in run.lost[:LOST_SHOWN]:
            attempts = f", {failure.attempts} attempts" if failure.attempts > 1 else ""
            crawls = f", failing for {failure.crawls} crawls" if failure.crawls > 1 else ""
            lines.append(
                f"  - {run.spider}: {failure.kind} {failure.url}: {failure.reason}"
                f"{attempts}{crawls}"
            )
        if len(run.lost) > LOST_SHOWN:
            lines.append(f"  - {run.spider}: … and {len(run.lost) - LOST_SHOWN} more")
    return lines


def _untold(run: CrawlRun) -> list[str]:
    """The run's alerts that were not logged when they happened (see `spider_closed`)."""
    told = set(run.alerts[:1]) if run.status in NOT_CRAWLED else set()
    # The site search was logged when the spider fell back to it (found something or not).
    return [a for a in run.alerts if a not in told and not a.startswith(SEARCH_ALERT_PREFIX)]


def _incomplete(runs: Sequence[CrawlRun]) -> str:
    """`yanchi 1 metadata only, helan 2 partial`: reports stored that are not complete."""
    parts = [
        f"{run.spider} {int(run.stats.get(f'reports/{verdict}') or 0)} {verdict.replace('_', ' ')}"
        for run in runs
        for verdict in ("partial", "metadata_only")
        if run.stats.get(f"reports/{verdict}")
    ]
    return ", ".join(parts)


class CrawlSummary:
    """Judges, stores and announces each county's crawl (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("OGI_CRAWL_SUMMARY"):
            raise NotConfigured("OGI_CRAWL_SUMMARY is off")
        self.crawler = crawler
        self.store = StoreService.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.county_closed, signal=county_closed)
        return extension

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """A county spider crawled standalone (its crawler's stats are the county's)."""
        county_code = getattr(spider, "county_code", None)
        if county_code is None:
            return  # not a county spider (the crawl engine sends `county_closed` instead)
        stats = self.crawler.stats
        assert stats is not None
        await self.summarize(spider, stats.get_stats(), reason)

    async def county_closed(self, navigator: Spider, stats: dict[str, Any], reason: str) -> None:
        """A county finished in the crawl engine (`crawler.engine`), with its own stats."""
        await self.summarize(navigator, stats, reason)
        KnownDocuments.of(self.crawler).forget(navigator.county_code)  # type: ignore[attr-defined]

    async def summarize(self, spider: Spider, stats: dict[str, Any], reason: str) -> None:
        county_code: str = spider.county_code  # type: ignore[attr-defined]
        run = build_run(
            stats,
            county_code=county_code,
            spider=spider.name,
            finished_at=dt.datetime.now(dt.UTC),
        )
        losses = Losses.of(self.crawler)
        run.lost = losses.of_county(county_code)
        run.stats[ROBOTS_STAT + "/urls"] = losses.robots_forbidden.get(county_code, [])
        run.origin = crawl_origin(self.crawler.settings)
        history: list[CrawlRun] = []
        crawl_stats = self.crawler.stats
        with county_context(None):  # the crawl's own stats (crawler.losses.storage_failed)
            storage_failed = stats.get(STORAGE_STAT) or (
                crawl_stats.get_value(STORAGE_STAT) if crawl_stats is not None else None
            )
        if storage_failed:
            run.stats[STORAGE_STAT] = storage_failed
        else:
            try:
                history = await self.store.call("crawl_history", county_code, 10, run.origin)
            except Exception as exc:
                self.store_error(losses, spider, "could not read the crawl history", exc)
        judge(
            run,
            history,
            verdict=stats.get(STATUS_STAT),
            verdict_reason=stats.get(STATUS_REASON_STAT),
            close_reason=reason,
        )
        await self.record(run, losses, spider, reason)
        # Each fact is logged once: a challenge, a site mismatch or the use of the site search
        # was logged when it happened; only what the judgement adds is a warning here.
        level = logging.WARNING if _untold(run) else logging.INFO
        logger.log(
            level,
            "%s: %s, %d new, %d updated, %d unchanged, %d failed, %d skipped%s",
            spider.name,
            run.status,
            run.reports_new,
            run.reports_updated,
            run.reports_unchanged,
            run.reports_failed,
            run.documents_skipped,
            "".join(f"; {alert}" for alert in run.alerts),
        )
        await self.crawler.signals.send_catch_log_async(county_summarized, run=run)

    async def record(self, run: CrawlRun, losses: Losses, spider: Spider, reason: str) -> None:
        """Store the run and what it lost; a storage failure here is the run's status too."""
        try:
            if run.lost or run.status not in NOT_CRAWLED | {"storage_failed"}:
                # A crawl that ran to its end replaces the county's failures: what it fetched
                # leaves the table. A crawl cut short only adds its own.
                run.lost = await self.store.call(
                    "record_fetch_failures",
                    run.county_code,
                    run.lost,
                    at=run.finished_at or dt.datetime.now(dt.UTC),
                    replace=reason == "finished" and run.status != "storage_failed",
                )
            await self.store.call("record_crawl_run", run)
        except Exception as exc:
            self.store_error(losses, spider, "could not store the crawl run", exc)
            run.alerts.append("the crawl run could not be stored")
            with county_context(None):
                problem = self.crawler.stats.get_value(STORAGE_STAT) if self.crawler.stats else None
            if problem and run.status != "storage_failed":
                run.status = "storage_failed"
                run.alerts.insert(0, f"storage failure: {problem}")

    def store_error(self, losses: Losses, spider: Spider, what: str, exc: Exception) -> None:
        """One line for a storage failure (recorded as the crawl's), a traceback for a bug."""
        problem = storage_failure(exc)
        if problem is None:
            logger.exception("%s: %s", spider.name, what)
            return
        stats = self.crawler.stats
        assert stats is not None
        with county_context(None):  # the crawl's own stats: every county is told
            if not stats.get_value(STORAGE_STAT):
                stats.set_value(STORAGE_STAT, problem)
        logger.error("%s: %s: storage failure: %s", spider.name, what, problem)
