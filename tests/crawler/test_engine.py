"""The crawl engine: many counties in one crawler, each site held to its concurrency at any
delay, a bounded number of counties in progress, each county's stats its own.

Concurrency is measured at the server: a host-wide sidecar makes every answer of a site take
`ANSWER` seconds, so requests of that site arriving less than `ANSWER` apart were in flight
together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.engine import EngineStatsCollector, county_context
from crawler.mirror import LoggedRequest
from tests.crawler.crawls import crawlall, summary_statuses
from tests.fixtureweb.server import served_copy

ANSWER = 0.3  # seconds every answer of the slowed site takes
SLOW_HOST = "www.yanchi.gov.cn"
# Arrival times are read after the request's headers: a little earlier or later than the
# client's send on a loaded machine.
SLACK = 0.05
CAP = 2


def most_in_flight(arrivals: Sequence[float], answer: float) -> int:
    """The most requests that arrived within one answer's time of each other."""
    times = sorted(arrivals)
    most = 0
    for i, start in enumerate(times):
        together = [t for t in times[i:] if t < start + answer - SLACK]
        most = max(most, len(together))
    return most


def host_of(request: LoggedRequest) -> str:
    return request.url.split("/")[2]


def slow_down(root: Path) -> None:
    (root / f"{SLOW_HOST}.http").write_text(json.dumps({"delay": ANSWER}))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_site_gets_at_most_its_concurrency_at_delay_0(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        slow_down(web.root)
        done = crawlall(
            tmp_path / "data",
            web.url,
            only=("yanchi",),
            CONCURRENT_REQUESTS_PER_DOMAIN=str(CAP),
            CONCURRENT_REQUESTS="32",
        )
        ours = [r.at for r in web.server.requests if host_of(r) == SLOW_HOST]
        web.clear_log()
        scrapys = crawlall(
            tmp_path / "scrapy",
            web.url,
            only=("yanchi",),
            CONCURRENT_REQUESTS_PER_DOMAIN=str(CAP),
            CONCURRENT_REQUESTS="32",
            DOWNLOADER="scrapy.core.downloader.Downloader",
        )
        theirs = [r.at for r in web.server.requests if host_of(r) == SLOW_HOST]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert scrapys.returncode == 0, scrapys.stdout + scrapys.stderr[-2000:]
    assert len(ours) > 20
    assert most_in_flight(ours, ANSWER) == CAP
    # The same crawl on Scrapy's own downloader: what this test is here to catch.
    assert most_in_flight(theirs, ANSWER) > CAP


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_counties_start_as_others_finish(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        done = crawlall(tmp_path / "data", web.url, OGI_COUNTIES_IN_PROGRESS="2")
        arrivals = web.server.requests
    assert done.returncode == 4, done.stdout + done.stderr[-2000:]  # tongxin blocked
    statuses = summary_statuses(done.stdout)
    assert statuses == {
        "yanchi": "ok",
        "jingyuan": "ok",
        "helan": "ok",
        "pengyang": "ok",
        "tongxin": "blocked",
        "haiyuan": "unreachable",
    }
    spans: dict[str, tuple[float, float]] = {}
    for request in arrivals:
        host = host_of(request)
        first, last = spans.get(host, (request.at, request.at))
        spans[host] = (min(first, request.at), max(last, request.at))
    assert len(spans) >= 4  # haiyuan is not in the fixture web, tongxin answers robots.txt
    for host, (first, _) in spans.items():
        busy = [h for h, (a, b) in spans.items() if a <= first <= b]
        assert len(busy) <= 2, (host, busy)


def test_stats_follow_the_county_context() -> None:
    crawler = get_crawler(settings_dict={"STATS_CLASS": "crawler.engine.EngineStatsCollector"})
    stats = EngineStatsCollector(crawler)
    yanchi = stats.open_county("640323")
    stats.open_county("640424")
    stats.inc_value("pages/fetched")
    with county_context("640323"):
        stats.inc_value("pages/fetched", 2)
        stats.set_value("county/status", "blocked")
        assert stats.get_value("county/status") == "blocked"
    with county_context("640424"):
        stats.inc_value("pages/fetched")
        assert stats.get_value("county/status") is None
    assert yanchi.get_value("pages/fetched") == 2
    assert stats.get_value("pages/fetched") == 4  # the crawl's totals
    assert stats.get_value("county/status") is None  # a county's verdict stays its own
    closed = stats.close_county("640323")
    assert closed["pages/fetched"] == 2 and "start_time" in closed
    with county_context("640323"):  # a closed county's late counts go to the totals only
        stats.inc_value("pages/fetched")
    assert stats.get_value("pages/fetched") == 5
    assert set(stats.counties) == {"640424"}
