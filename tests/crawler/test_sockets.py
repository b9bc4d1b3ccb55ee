"""Open sockets of a crawl of many real hosts: every site of a generated web on a loopback
address of its own (`VirtualHostServer`, `LoopbackResolver`), crawled through Scrapy's own HTTP
handler (TLS where the site's URL is https) with no mirror in the path, the crawl process's TCP
sockets counted from /proc.

With Scrapy's pool as it is, idle keep-alive connections of finished sites pile up (Twisted
keeps them 240 s); with the bounded pool the process never holds more than 2 ×
CONCURRENT_REQUESTS.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.counties import COUNTIES, County, select
from crawler.mirror import VirtualHostServer
from tests.crawler.crawls import FAST, PROJECT_DIR, SCRAPY, crawl_env
from tests.fixtureweb.build import build
from tests.support.procfs import tcp_sockets

SITES = 40
IN_FLIGHT = 4  # CONCURRENT_REQUESTS: the bound is twice this


def many_counties(n: int) -> list[County]:
    """`n` registry counties, each with a host of its own (Ningxia's first)."""
    hosts = Counter(c.registered_domain for c in COUNTIES if c.site)
    ningxia = [c for c in select(province="宁夏回族自治区") if c.site]
    others = [c for c in COUNTIES if c.site and c not in ningxia]
    return [c for c in [*ningxia, *others] if hosts[c.registered_domain] == 1][:n]


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    peak_sockets: int


def crawl_real_hosts(data_dir: Path, port: int, slugs: list[str], **settings: str) -> Crawl:
    command = [*SCRAPY, "crawlall", "--only", ",".join(slugs)]
    merged = {
        **FAST,
        "CONCURRENT_REQUESTS": str(IN_FLIGHT),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(IN_FLIGHT),
        "OGI_COUNTIES_IN_PROGRESS": str(SITES),
        "TWISTED_DNS_RESOLVER": "crawler.mirror.LoopbackResolver",
        "OGI_LOOPBACK_PORT": str(port),
        **settings,
    }
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=crawl_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tcp_sockets(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate(timeout=400)
    sampler.join()
    return Crawl(process.returncode, stdout, stderr, peak[0])


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[County], int]:
    """A generated web of `SITES` sites, one report each; its number of reports."""
    counties = many_counties(SITES)
    root = tmp_path_factory.mktemp("web") / "web"
    manifest = build(root, scale=1, counties=counties)
    return root, counties, len(manifest["reports"])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_open_sockets_stay_under_twice_the_in_flight_bound_over_many_hosts(
    web: tuple[Path, list[County], int], tmp_path: Path
) -> None:
    root, counties, reports = web
    slugs = [c.slug for c in counties]
    with VirtualHostServer(root) as server:
        bounded = crawl_real_hosts(tmp_path / "bounded", server.port, slugs)
        urls = [r.url for r in server.requests]
        server.clear_log()
        unbounded = crawl_real_hosts(
            tmp_path / "scrapy",
            server.port,
            slugs,
            OGI_HTTP_DOWNLOAD_HANDLER="scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
        )
    assert bounded.returncode == 0, bounded.stderr[-3000:]
    # Every site was reached as a host of its own, over TLS, with no mirror in the path.
    assert {url.split("/")[2] for url in urls} == {c.site for c in counties}
    assert any(url.startswith("https://") for url in urls)  # TLS where the registry says https
    listed = {line.split()[0] for line in bounded.stdout.splitlines() if line.strip()}
    assert set(slugs) <= listed
    assert f"{SITES} counties, {reports} reports new or updated" in bounded.stdout
    assert bounded.peak_sockets <= 2 * IN_FLIGHT, bounded.peak_sockets
    # The same crawl through Scrapy's own pool holds more: the measure sees what it bounds.
    assert unbounded.returncode == 0, unbounded.stderr[-3000:]
    assert unbounded.peak_sockets > 2 * IN_FLIGHT, unbounded.peak_sockets
