"""Benchmark the crawl: throughput of the full pipeline, parallelism of the counties, memory.

    .venv/bin/python bench/bench_crawl.py [--scale 230] [--small-scale 6] [--delay 1.0]
                                          [--only throughput,parallel]

(a) throughput: `scrapy crawlall` over a generated fixture web of ≥ 5 000 pages (22 counties ×
    `--scale` inline HTML reports, their news and list pages; `tests/fixtureweb/build.py`),
    served on 127.0.0.1, with politeness off (no delay, 16 requests per site). Baseline, same run,
    same server: a bare Scrapy spider fetching exactly the URLs the full crawl fetched, with no
    middleware, pipeline, parsing or database of ours. Figure: pages/s, full ÷ bare (goal ≥ 0.5).
(b) parallel: 22 small counties (`--small-scale` reports each) with a per-site delay of
    `--delay` s: wall time of `crawlall` for all of them vs the slowest county crawled alone
    (goal ≤ 1.3×).
(c) memory: peak RSS of (a): the crawl process itself and its whole process tree (parser
    workers included), sampled every 0.1 s (goal ≤ 300 MB).

Generated webs are cached under $TMPDIR/ogi-bench-web-<scale> (building one takes a while); each
measured crawl starts from an empty database. Run it on an idle machine; on a shared one the
figures are noisy (say so when quoting them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from crawler import mirror  # noqa: E402
from crawler.counties import COUNTIES  # noqa: E402
from crawler.mirror import MirrorServer  # noqa: E402
from tests.fixtureweb.build import build  # noqa: E402

# socketserver listens with a backlog of 5: with 22 crawlers opening connections at once, SYNs
# are dropped and retried for seconds, and downloads time out. A benchmark must measure the
# crawl, not that queue.
mirror._MirrorHTTPServer.request_queue_size = 1024

POLITENESS_OFF = {
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "OGI_RETRY_BACKOFF_BASE": "0",
    "LOG_LEVEL": "WARNING",
}
BARE_SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

urls = json.loads(open(sys.argv[1]).read())

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for url in urls:
            yield scrapy.Request(url, dont_filter=True)
    def parse(self, response):
        pass

process = CrawlerProcess({
    "DOWNLOAD_HANDLERS": {
        "http": "crawler.mirror.MirrorDownloadHandler",
        "https": "crawler.mirror.MirrorDownloadHandler",
    },
    "OGI_MIRROR": sys.argv[2],
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
})
process.crawl(Bare)
process.start()
"""


@dataclass
class Run:
    seconds: float
    returncode: int
    peak_rss_main: int  # bytes, the crawl process (VmHWM)
    peak_rss_tree: int  # bytes, the crawl process and its descendants, sampled
    stdout: str


def web(scale: int) -> Path:
    """A generated fixture web of `scale` reports per county (cached between runs)."""
    root = Path(tempfile.gettempdir()) / f"ogi-bench-web-{scale}"
    if not (root / "manifest.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        build(root, scale=scale)
        print(f"  built {root} in {time.perf_counter() - started:.0f} s", flush=True)
    return root


def _status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def run(command: list[str], env: dict[str, str]) -> Run:
    """Run a crawl, timing it and sampling the memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = {"main": 0, "tree": 0}

    def sample() -> None:
        while process.poll() is None:
            peak["main"] = max(peak["main"], _status(process.pid, "VmHWM"))
            tree = sum(_status(p, "VmRSS") for p in _descendants(process.pid))
            peak["tree"] = max(peak["tree"], tree)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    return Run(seconds, process.returncode, peak["main"], peak["tree"], stdout)


def crawl_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGI_")}
    env["OGI_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(PROJECT_DIR)
    return env


def crawlall(
    mirror: str, data_dir: Path, settings: dict[str, str], only: list[str] | None = None
) -> Run:
    command = [sys.executable, "-m", "scrapy", "crawlall", "--mirror", mirror]
    if only:
        command += ["--only", ",".join(only)]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    shutil.rmtree(data_dir, ignore_errors=True)
    return run(command, crawl_env(data_dir))


def bare(mirror: str, urls: list[str], workdir: Path) -> Run:
    url_file = workdir / "urls.json"
    url_file.write_text(json.dumps(urls))
    script = workdir / "bare.py"
    script.write_text(BARE_SPIDER)
    return run([sys.executable, str(script), str(url_file), mirror], crawl_env(workdir / "bare"))


def throughput(scale: int, workdir: Path) -> None:
    root = web(scale)
    pages = json.loads((root / "manifest.json").read_text("utf-8"))["pages"]
    print(f"(a) throughput: generated web of {pages} HTML pages ({scale} reports per county)")
    with MirrorServer(root) as server:
        full = crawlall(server.url, workdir / "full", POLITENESS_OFF)
        fetched = [r.url for r in server.requests if r.method == "GET" and r.status == 200]
        server.clear_log()
        warm = bare(server.url, fetched, workdir)
        server.clear_log()
        baseline = bare(server.url, fetched, workdir)
        bare_fetched = len([r for r in server.requests if r.method == "GET"])
    full_rate = len(fetched) / full.seconds
    bare_rate = bare_fetched / baseline.seconds
    print(
        f"  full pipeline: {len(fetched)} pages in {full.seconds:.1f} s = {full_rate:.0f} pages/s"
        f" (exit {full.returncode})"
    )
    print(
        f"  bare spider:   {bare_fetched} pages in {baseline.seconds:.1f} s = {bare_rate:.0f} "
        f"pages/s (warm-up run: {warm.seconds:.1f} s)"
    )
    print(f"  ratio full/bare: {full_rate / bare_rate:.2f}   (goal ≥ 0.5)")
    summary = [line for line in full.stdout.splitlines() if "reports new or updated" in line]
    print(f"  stored: {summary[0] if summary else '?'}")
    mb = 1024 * 1024
    print("(c) memory of (a):")
    print(f"  crawl process peak RSS: {full.peak_rss_main / mb:.0f} MB   (goal ≤ 300 MB)")
    print(f"  process tree peak RSS (parser workers included): {full.peak_rss_tree / mb:.0f} MB")
    print(f"  bare spider peak RSS: {baseline.peak_rss_main / mb:.0f} MB")


def parallel(scale: int, delay: float, workdir: Path) -> None:
    root = web(scale)
    print(f"(b) parallel: 22 counties, {scale} reports each, DOWNLOAD_DELAY={delay} s per site")
    settings = {"DOWNLOAD_DELAY": str(delay), "LOG_LEVEL": "WARNING"}
    with MirrorServer(root) as server:
        everyone = crawlall(server.url, workdir / "all", settings)
        requests: dict[str, int] = {}
        for request in server.requests:
            host = request.url.split("/")[2]
            requests[host] = requests.get(host, 0) + 1
        busiest = max(COUNTIES, key=lambda c: requests.get(c.site, 0))
        alone = crawlall(server.url, workdir / "one", settings, only=[busiest.slug])
    print(f"  all 22 counties: {everyone.seconds:.1f} s (exit {everyone.returncode})")
    print(
        f"  slowest county alone ({busiest.slug}, {requests.get(busiest.site, 0)} requests):"
        f" {alone.seconds:.1f} s"
    )
    print(f"  ratio all/slowest: {everyone.seconds / alone.seconds:.2f}   (goal ≤ 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=230, help="reports per county for (a)")
    parser.add_argument("--small-scale", type=int, default=6, help="reports per county for (b)")
    parser.add_argument("--delay", type=float, default=1.0, help="per-site delay for (b)")
    parser.add_argument("--only", default="throughput,parallel")
    args = parser.parse_args()
    print(
        f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f} "
        "(figures are noisy when other work runs)"
    )
    with tempfile.TemporaryDirectory(prefix="ogi-bench-crawl-") as tmp:
        workdir = Path(tmp)
        if "throughput" in args.only:
            throughput(args.scale, workdir)
        if "parallel" in args.only:
            parallel(args.small_scale, args.delay, workdir)


if __name__ == "__main__":
    main()
