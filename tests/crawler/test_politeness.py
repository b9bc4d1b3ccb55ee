"""Politeness, measured at the server: ≥ DOWNLOAD_DELAY between two requests to one county,
robots.txt obeyed, the honest User-Agent sent."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from crawler.mirror import LoggedRequest
from tests.crawler.crawls import crawlall
from tests.fixtureweb.server import served_copy

DELAY = 0.4


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_requests_to_one_county_are_spaced_by_the_delay(tmp_path: Path) -> None:
    with served_copy(tmp_path) as web:
        arrivals: list[tuple[float, LoggedRequest]] = []
        httpd = web.server._httpd
        record = httpd.record

        def timed(entry: LoggedRequest) -> None:
            arrivals.append((time.monotonic(), entry))
            record(entry)

        httpd.record = timed  # type: ignore[method-assign]
        done = crawlall(
            tmp_path / "data",
            web.url,
            only=("jingyuan", "yanchi"),
            DOWNLOAD_DELAY=str(DELAY),
            CONCURRENT_REQUESTS_PER_DOMAIN="2",
        )
        assert done.returncode == 0, done.stdout + done.stderr[-2000:]
        manifest = web.manifest
    for county, host in (("jingyuan", "nxjy.gov.cn"), ("yanchi", "yanchi.gov.cn")):
        times = [t for t, entry in arrivals if entry.url.split("/")[2].endswith(host)]
        assert len(times) > 10, county
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # Answers are logged when sent; a request leaves Scrapy's slot at most once per delay.
        assert min(gaps) > DELAY * 0.75, (county, sorted(gaps)[:3])
    agents = {entry.headers.get("user-agent") for _, entry in arrivals}
    assert agents == {
        "ogi-reports/0.1 (+https://github.com/ogi-reports/ogi-reports; "
        "collects government information disclosure annual reports for research)"
    }
    fetched = {entry.url for _, entry in arrivals}
    for never in manifest["never_fetch"]:
        assert never["url"] not in fetched, never
