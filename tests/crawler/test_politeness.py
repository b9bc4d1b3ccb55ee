"""Politeness, measured at the server: ≥ DOWNLOAD_DELAY between two requests to one county,
robots.txt obeyed, the honest User-Agent sent."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.crawler.crawls import crawlall
from tests.fixtureweb.server import served_copy

DELAY = 0.4
# Arrival times carry the scheduling delay of a loaded machine (seen: 0.11 s, then 0.18 s, on a
# 2-core CI box running the crawl, its parser workers and another test): one late arrival
# shortens the next gap by that much, however exact the client's spacing. A crawl without the
# delay sends its requests to a county within milliseconds of each other, far under DELAY -
# JITTER; and the window below catches a delay that is merely short.
JITTER = 0.25
WINDOW = 5


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_requests_to_one_county_are_spaced_by_the_delay(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        done = crawlall(
            tmp_path / "data",
            web.url,
            only=("jingyuan", "yanchi"),
            DOWNLOAD_DELAY=str(DELAY),
            CONCURRENT_REQUESTS_PER_DOMAIN="2",
        )
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        manifest = web.manifest
        arrivals = web.requests
    for county, host in (("jingyuan", "nxjy.gov.cn"), ("yanchi", "yanchi.gov.cn")):
        times = sorted(r.at for r in arrivals if r.url.split("/")[2].endswith(host))
        assert len(times) > 10, county
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # A request leaves Scrapy's slot at most once per delay; jitter moves single arrivals.
        assert min(gaps) > DELAY - JITTER, (county, sorted(gaps)[:3])
        # Jitter does not add up over a window, a delay that is too short does.
        spans = [b - a for a, b in zip(times, times[WINDOW:], strict=False)]
        assert min(spans) > WINDOW * DELAY - JITTER, (county, sorted(spans)[:3])
    agents = {entry.headers.get("user-agent") for entry in arrivals}
    assert agents == {
        "ogi-reports/0.1 (+https://github.com/ogi-reports/ogi-reports; "
        "collects government information disclosure annual reports for research)"
    }
    fetched = {entry.url for entry in arrivals}
    for never in manifest["never_fetch"]:
        assert never["url"] not in fetched, never
