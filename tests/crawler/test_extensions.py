"""The crawl summary: counts from stats, the status judged against history, the table, the exit
status, and the extension storing runs in a real store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from crawler.extensions import (
    EXIT_DEGRADED,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_STORAGE,
    CrawlSummary,
    _untold,
    build_run,
    county_summarized,
    exit_status,
    format_summary,
    judge,
    storage_failures,
)
from crawler.platform import SEARCH_STAT, STATUS_REASON_STAT, STATUS_STAT
from models.records import CrawlRun, FetchFailure
from tests.crawler.components import collector, county_crawler, open_store, run, spider_of

NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


def crawl(**counts: Any) -> CrawlRun:
    stats = {"start_time": NOW - dt.timedelta(minutes=3), **counts}
    return build_run(stats, county_code="640323", spider="yanchi", finished_at=NOW)


def history(*found: int, failed: int = 0, errors: dict[str, int] | None = None) -> list[CrawlRun]:
    runs = []
    for days, count in enumerate(found, start=7):
        earlier = crawl(**{"reports/new": count, "reports/failed": failed})
        earlier.started_at = NOW - dt.timedelta(days=days)
        earlier.http_errors = errors or {}
        runs.append(earlier)
    return runs


def test_build_run_reads_the_stats() -> None:
    run_ = crawl(
        **{
            "reports/new": 3,
            "reports/updated": 1,
            "reports/unchanged": 2,
            "reports/failed": 1,
            "reports/skipped": 5,
            "documents/not_report": 4,
            "documents/skipped": 7,
            "pages/fetched": 9,
            "pages/not_modified": 11,
            "http/errors/404": 2,
            "http/errors/503": 1,
        }
    )
    assert (run_.reports_new, run_.reports_updated, run_.reports_unchanged) == (3, 1, 2)
    assert (run_.reports_failed, run_.documents_not_report, run_.documents_skipped) == (1, 4, 7)
    assert (run_.pages_fetched, run_.pages_not_modified) == (9, 11)
    assert run_.http_errors == {"404": 2, "503": 1}
    assert run_.stats["reports/seen"] == 3 + 1 + 2 + 5
    assert run_.stats["start_time"] == "2026-11-23T11:57:00+00:00"
    assert run_.started_at == NOW - dt.timedelta(minutes=3)


JUDGEMENTS = [
    # stats of this crawl, history, spider verdict, close reason → status, an expected alert
    ({"reports/new": 9}, [], None, "finished", "ok", None),
    ({"reports/skipped": 9}, history(9), None, "finished", "ok", None),
    ({}, [], "unreachable", "finished", "unreachable", "unreachable: DNS"),
    ({}, history(9), "blocked", "finished", "blocked", "blocked: DNS"),
    ({}, history(9), None, "blocked", "blocked", "blocked: DNS"),
    ({"reports/skipped": 0}, history(9), None, "finished", "site_changed", "found 9"),
    ({"reports/skipped": 4}, history(9, 9), None, "finished", "site_changed", "4 reports"),
    ({"reports/skipped": 5}, history(9), None, "finished", "ok", None),
    ({}, [], None, "finished", "degraded", "first crawl"),
    (
        {"reports/new": 9, "http/errors/429": 3},
        history(9),
        None,
        "finished",
        "degraded",
        "new HTTP 429 responses (3)",
    ),
    (
        {"reports/new": 9, "http/errors/429": 3},
        history(9, errors={"429": 1}),
        None,
        "finished",
        "ok",
        None,
    ),
    (
        {"reports/new": 9, "reports/failed": 2},
        history(9, failed=1),
        None,
        "finished",
        "degraded",
        "2 documents failed to parse (before: at most 1)",
    ),
    (
        {"reports/new": 9, "reports/failed": 1},
        history(9, failed=3),
        None,
        "finished",
        "ok",
        "1 documents failed to parse",
    ),
    ({"reports/new": 9}, [], None, "shutdown", "degraded", "ended early (shutdown)"),
    (
        {"reports/new": 3, SEARCH_STAT: 1},
        history(3),
        None,
        "finished",
        "ok",
        "no annual-report (年报) column found: the reports were found through the site search",
    ),
]


@pytest.mark.parametrize("case", JUDGEMENTS)
def test_judge(case: tuple[Any, ...]) -> None:
    counts, earlier, verdict, close, status, alert = case
    run_ = crawl(**counts)
    judge(run_, earlier, verdict=verdict, verdict_reason="DNS", close_reason=close)
    assert run_.status == status
    if alert is None:
        assert run_.alerts == []
    else:
        assert any(alert in a for a in run_.alerts), run_.alerts


def test_blocked_and_unreachable_history_is_no_baseline() -> None:
    blocked = history(0)[0]
    blocked.status = "blocked"
    run_ = crawl(**{"reports/new": 2})
    judge(run_, [blocked, *history(9)])
    assert run_.status == "site_changed"


def statuses(*pairs: tuple[str, int]) -> list[CrawlRun]:
    runs = []
    for status, failed in pairs:
        run_ = crawl(**{"reports/failed": failed})
        run_.status = status  # type: ignore[assignment]
        runs.append(run_)
    return runs


@pytest.mark.parametrize(
    ("runs", "code"),
    [
        (statuses(("ok", 0), ("ok", 0)), EXIT_OK),
        (statuses(("ok", 0), ("ok", 1)), EXIT_DEGRADED),
        (statuses(("ok", 0), ("degraded", 0)), EXIT_DEGRADED),
        (statuses(("degraded", 2), ("site_changed", 0)), EXIT_MISSING),
        (statuses(("ok", 0), ("blocked", 0)), EXIT_MISSING),
        (statuses(("unreachable", 0)), EXIT_MISSING),
        ([], EXIT_OK),
    ],
)
def test_exit_status(runs: list[CrawlRun], code: int) -> None:
    assert exit_status(runs) == code


def test_summary_table() -> None:
    ok = crawl(**{"reports/new": 12, "documents/not_report": 3, "http/errors/404": 2})
    judge(ok, history(10))
    blocked = crawl()
    blocked.spider, blocked.county_code = "tongxin", "640324"
    judge(blocked, [], verdict="blocked", verdict_reason="JS-cookie challenge (HTTP 412)")
    text = format_summary([ok, blocked])
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["county", "status", "new", "upd"]
    tongxin, yanchi = lines[2], lines[3]
    assert tongxin.split()[:3] == ["tongxin", "blocked", "0"]
    assert tongxin.endswith("同心县")
    assert yanchi.split()[:3] == ["yanchi", "ok", "12"]
    assert "404×2" in yanchi
    assert "2 counties, 12 reports new or updated" in text
    assert "  ! tongxin: blocked: JS-cookie challenge (HTTP 412)" in text
    assert "incomplete" not in text


def test_a_known_deviation_is_told_once() -> None:
    """The reports found through the site search: an alert the first time, not every week."""
    first = crawl(**{"reports/new": 3, SEARCH_STAT: 1})
    judge(first, history(3))
    assert any("site search" in alert for alert in first.alerts)

    again = crawl(**{"reports/unchanged": 3, SEARCH_STAT: 1})
    judge(again, [first, *history(3)])

    assert again.status == "ok"
    assert not any("site search" in alert for alert in again.alerts)


def test_each_fact_is_logged_once() -> None:
    """What was logged when it happened (a challenge, the site search) is not a warning again
    in the county's closing line; what the judgement adds is."""
    blocked = crawl()
    judge(blocked, [], verdict="blocked", verdict_reason="JS-cookie challenge (HTTP 412)")
    searched = crawl(**{"reports/new": 3, SEARCH_STAT: 1})
    judge(searched, history(3))
    changed = crawl(**{SEARCH_STAT: 1})
    judge(changed, history(3))

    assert _untold(blocked) == []
    assert _untold(searched) == []
    assert _untold(changed) == [changed.alerts[0]]
    assert changed.alerts[0].startswith("site changed?")


def test_summary_names_incomplete_reports() -> None:
    """A report whose tables were not found is stored, but not counted as collected."""
    run = crawl(**{"reports/new": 2, "reports/metadata_only": 1, "reports/partial": 1})
    judge(run, history(10))

    text = format_summary([run])

    assert "of which incomplete (not counted as collected): yanchi 1 partial, yanchi 1 " in text
    assert "metadata only" in text


def test_the_extension_stores_runs_and_compares_with_them(tmp_path: Path) -> None:
    summaries: list[CrawlRun] = []
    for reports in (6, 0):
        with county_crawler(tmp_path) as crawler:
            crawler.signals.connect(collector(summaries), signal=county_summarized, weak=False)
            extension = CrawlSummary.from_crawler(crawler)
            stats = crawler.stats
            assert stats is not None
            stats.set_value("start_time", dt.datetime.now(dt.UTC))
            stats.set_value("reports/new", reports)
            run(extension.spider_closed(spider_of(crawler), "finished"))
    assert [s.status for s in summaries] == ["ok", "site_changed"]
    with open_store(tmp_path) as store:
        stored = store.crawl_history("640323")
    assert [(r.status, r.reports_new) for r in stored] == [("site_changed", 0), ("ok", 6)]
    assert stored[0].alerts == summaries[1].alerts
    assert stored[1].stats["reports/seen"] == 6


def test_the_extension_reports_what_the_spider_decided(tmp_path: Path) -> None:
    summaries: list[CrawlRun] = []
    with county_crawler(tmp_path, "jingyuan") as crawler:
        crawler.signals.connect(collector(summaries), signal=county_summarized, weak=False)
        extension = CrawlSummary.from_crawler(crawler)
        stats = crawler.stats
        assert stats is not None
        stats.set_value(STATUS_STAT, "unreachable")
        stats.set_value(STATUS_REASON_STAT, "CannotResolveHostError: www.nxjy.gov.cn")
        run(extension.spider_closed(spider_of(crawler), "finished"))
    (summary,) = summaries
    assert (summary.county_code, summary.spider, summary.status) == (
        "640424",
        "jingyuan",
        "unreachable",
    )
    assert summary.alerts == ["unreachable: CannotResolveHostError: www.nxjy.gov.cn"]


def test_a_site_mismatch_is_loud_and_no_baseline() -> None:
    mismatch = crawl()
    judge(
        mismatch,
        history(9),
        verdict="site_mismatch",
        verdict_reason="SiteIDCode 3101070001 names 上海市普陀区 (310107), not 浙江省舟山市普陀区",
    )
    assert mismatch.status == "site_mismatch"
    assert mismatch.alerts == [
        "site mismatch, nothing stored: SiteIDCode 3101070001 names 上海市普陀区 (310107), "
        "not 浙江省舟山市普陀区"
    ]
    assert exit_status([mismatch]) == EXIT_MISSING
    later = crawl(**{"reports/new": 3})
    judge(later, [mismatch, *history(3)])
    assert later.status == "ok"


def test_an_unverified_site_is_noted() -> None:
    unverified = crawl(
        **{
            "reports/new": 2,
            "site/identity": "unverified",
            "site/identity_reason": "the home page has no SiteIDCode or SiteName naming a place",
        }
    )
    judge(unverified, history(2))
    assert unverified.status == "ok"
    assert unverified.alerts == [
        "site unverified: the home page has no SiteIDCode or SiteName naming a place"
    ]


def lost(*kinds: str) -> list[FetchFailure]:
    return [
        FetchFailure(
            url=f"https://www.yanchi.gov.cn/{n}.html",
            county_code="640323",
            kind=kind,  # type: ignore[arg-type]
            reason="HTTP 503",
            attempts=4,
        )
        for n, kind in enumerate(kinds)
    ]


def test_lost_pages_and_documents_degrade_the_county_and_are_listed() -> None:
    run_ = crawl(**{"reports/new": 5})
    run_.lost = lost("page", "document")
    judge(run_, [])
    assert run_.status == "degraded"
    assert run_.alerts[0] == (
        "1 list page and 1 document could not be fetched (listed under LOST; the next crawl "
        "retries them)"
    )
    assert exit_status([run_]) == EXIT_DEGRADED
    text = format_summary([run_])
    assert text.splitlines()[2].split()[:7] == ["yanchi", "degraded", "5", "0", "0", "0", "2"]
    assert "  - yanchi: page https://www.yanchi.gov.cn/0.html: HTTP 503, 4 attempts" in text


def test_a_drop_explained_by_lost_pages_is_degraded_not_site_changed() -> None:
    run_ = crawl(**{"reports/new": 2})
    run_.lost = lost("page")
    judge(run_, history(9))
    assert run_.status == "degraded"
    assert "could not be fetched" in run_.alerts[0]


@pytest.mark.parametrize("close", ["finished", "storage_failure"])
def test_a_storage_failure_is_neither_a_missing_report_nor_a_changed_site(close: str) -> None:
    stats = {} if close == "storage_failure" else {"store/failure": "OSError: [Errno 28] full"}
    run_ = crawl(**stats)
    judge(run_, history(9), close_reason=close)
    assert run_.status == "storage_failed"
    assert len(run_.alerts) == 1 and run_.alerts[0].startswith("storage failure")
    other = crawl(**{"reports/new": 1})
    other.status = "site_changed"
    assert exit_status([other, run_]) == EXIT_STORAGE
    assert storage_failures([other, run_]) == run_.alerts


def test_a_column_robots_txt_forbids_is_blocked_by_it() -> None:
    run_ = crawl()
    run_.stats["pages/robots_forbidden/urls"] = ["https://www.yanchi.gov.cn/xxgk/zfxxgknb/"]
    judge(run_, history(9))
    assert run_.status == "blocked"
    assert run_.alerts == [
        "blocked: robots.txt forbids the annual-report column "
        "(https://www.yanchi.gov.cn/xxgk/zfxxgknb/)"
    ]
    some = crawl(**{"reports/new": 9})
    some.stats["pages/robots_forbidden/urls"] = ["https://www.yanchi.gov.cn/xxgk/zfxxgknb/a/"]
    judge(some, history(9))
    assert some.status == "ok"
    assert some.alerts == [
        "robots.txt forbids list pages of the annual-report column "
        "(https://www.yanchi.gov.cn/xxgk/zfxxgknb/a/)"
    ]


def test_the_site_search_is_credited_only_when_it_found_something() -> None:
    run_ = crawl(**{SEARCH_STAT: 1})
    judge(run_, [])
    assert "found through the site search" not in " ".join(run_.alerts)
    assert (
        "no annual-report (年报) column found, and the site search found no report either"
        in run_.alerts
    )
