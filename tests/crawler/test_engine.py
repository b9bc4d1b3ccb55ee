"""The crawl engine: many counties in one crawler, each site held to its concurrency at any
delay, a bounded number of counties in progress, each county's stats its own.

Concurrency is measured at the server: a host-wide sidecar makes every answer of a site take
`ANSWER` seconds, so requests of that site arriving less than `ANSWER` apart were in flight
together.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.engine import (
    CountyCrawler,
    CountyDownloader,
    CrawlEngine,
    EngineStatsCollector,
    county_context,
    request_county,
)
from crawler.middlewares import ChallengeMiddleware
from crawler.mirror import LoggedRequest
from crawler.platform import COUNTY_CODE, STATUS_STAT
from crawler.services import KnownDocuments
from tests.crawler.crawls import FAST, PROJECT_DIR, SCRAPY, crawl_env, crawlall, summary_statuses
from tests.crawler.pages import PAGES_DIR, spider_for
from tests.fixtureweb.server import served_copy

ANSWER = 0.3  # seconds every answer of the slowed site takes
SLOW_HOST = "www.yanchi.gov.cn"
# Arrival times are read after the request's headers: a little earlier or later than the
# client's send on a loaded machine.
SLACK = 0.05
CAP = 2
CHALLENGE = (PAGES_DIR / "tongxin" / "challenge.html").read_bytes()


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


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_scrapy_crawl_runs_one_county_by_code_or_slug(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        command = [*SCRAPY, "crawl", "640323", "--mirror", web.url]
        for name, value in FAST.items():
            command += ["-s", f"{name}={value}"]
        done = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env=crawl_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        hosts = {host_of(r) for r in web.server.requests}
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert summary_statuses(done.stdout) == {"yanchi": "ok"}
    assert "1 counties, 9 reports new or updated" in done.stdout
    assert all(host.endswith("yanchi.gov.cn") for host in hosts), hosts
    unknown = subprocess.run(
        [*SCRAPY, "crawl", "nowhere"],
        cwd=PROJECT_DIR,
        env=crawl_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert unknown.returncode == 1  # one line, before Scrapy starts (crawler.commands.crawl)
    assert unknown.stderr == "scrapy crawl: no county 'nowhere': `scrapy list` shows them\n"


def test_a_request_belongs_to_its_county() -> None:
    spider = spider_for("pengyang")
    search = spider.search_request("年报", 1)  # carries no county code of its own
    assert COUNTY_CODE not in search.meta
    assert request_county(search) == spider.county_code
    assert request_county(Request("https://xxgk.yanchi.gov.cn/robots.txt")) == "640323"
    with county_context("640424"):
        assert request_county(Request("https://cdn.example.com/a.pdf")) == "640424"
    assert request_county(Request("https://cdn.example.com/a.pdf")) is None


def test_a_challenge_closes_its_county_only() -> None:
    crawler = get_crawler(
        CrawlEngine, settings_dict={"STATS_CLASS": "crawler.engine.EngineStatsCollector"}
    )
    engine = CrawlEngine.from_crawler(crawler)
    crawler.spider = engine
    stats = EngineStatsCollector(crawler)
    crawler.stats = stats
    closed: list[tuple[str, str]] = []
    engine.close_county = lambda code, reason: closed.append((code, reason))  # type: ignore[method-assign]
    stats.open_county("640324")
    request = Request("https://www.tongxin.gov.cn/robots.txt")  # no county code: its host's
    response = HtmlResponse(request.url, status=412, body=CHALLENGE, request=request)
    with county_context("640324"), pytest.raises(IgnoreRequest):
        ChallengeMiddleware(crawler).process_response(request, response)
    assert closed == [("640324", "blocked")]
    assert stats.counties["640324"].get_value(STATUS_STAT) == "blocked"
    assert stats.get_value(STATUS_STAT) is None


def test_a_navigator_shares_the_crawls_registries(tmp_path: Path) -> None:
    crawler = get_crawler(
        CrawlEngine,
        settings_dict={
            "STATS_CLASS": "crawler.engine.EngineStatsCollector",
            "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
            "OGI_BLOB_DIR": str(tmp_path / "blobs"),
            "OGI_STORE_PROCESS": False,
        },
    )
    stats = EngineStatsCollector(crawler)
    known = KnownDocuments.of(crawler)
    proxy = CountyCrawler(crawler, stats.open_county("640323"))
    assert KnownDocuments.of(proxy) is known  # type: ignore[arg-type]
    assert proxy.stats is stats.counties["640323"]
    assert proxy.settings is crawler.settings


@pytest.mark.parametrize(
    ("counties", "share"), [(0, 64), (1, 64), (2, 32), (22, 3), (64, 1), (100, 1)]
)
def test_each_site_gets_its_share_of_the_requests_in_flight(counties: int, share: int) -> None:
    # A site whose pages were queued first took up to its whole concurrency (16 at 22 sites)
    # while the others waited, and its connections beyond its share were closed again later
    # for the open-connection bound: at 22 sites, 157 TLS handshakes for 572 requests.
    crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS": 64})
    engine = CrawlEngine()
    engine.in_progress = {str(k): None for k in range(counties)}  # type: ignore[misc]
    crawler.spider = engine
    assert CountyDownloader(crawler)._share() == share
