"""Benchmark the crawl: throughput of the full pipeline, parallelism of the counties, memory.

    .venv/bin/python bench/bench_crawl.py [--scale 230] [--small-scale 6] [--delay 1.0]
                                          [--only throughput,parallel]

(a) throughput: `scrapy crawlall` over a generated fixture web of ≥ 5 000 pages (22 counties ×
    `--scale` inline HTML reports, their news and list pages; `tests/fixtureweb/build.py`),
    served on 127.0.0.1, with politeness off (no delay, 16 requests per site). Baseline, same run,
    same server: a bare Scrapy spider fetching exactly the URLs the full crawl fetched, through
    the same mirror handler, with the same engine settings (concurrency, CONCURRENT_ITEMS) and
    no middleware, pipeline, parsing or database of ours; it runs twice, the first run as a
    warm-up. Before anything is timed, every file of the web is read once (a warm page cache
    for both). Figure: pages/s, full ÷ bare (goal ≥ 0.5), and where the CPU went: the crawl
    process (its reactor thread, its other threads), the store process, the parser workers, the
    mirror server (this process).
(b) parallel: 22 small counties (`--small-scale` reports each) with a per-site delay of
    `--delay` s: wall time of `crawlall` for all of them vs the slowest county crawled alone
    (goal ≤ 1.3×).
(c) memory: peak RSS of (a): the crawl process itself and its whole process tree (store
    process and parser workers included), sampled every 0.25 s (goal ≤ 300 MB).

(d) sites: the crawl engine over generated webs of N sites (`--sites 22,300,3000`, each site a
    registry county with its own host, hence its own download slot; `--reports` reports each,
    fewer for the big sizes), politeness off and at `--delays` seconds per site. Figures: peak
    RSS of the whole process tree (goal ≤ 1 GB at 3 000), peak open TCP sockets of the crawl
    process (goal ≤ 2 × CONCURRENT_REQUESTS, the in-flight bound), time from the command's start
    to the first request the server sees (goal ≤ 5 s), download timeouts (goal 0), and at delay 0
    full pipeline ÷ bare Scrapy on the same URLs (goal ≥ 0.5). Every run's stored reports are
    checked against the generated manifest (a crawl that loses reports fails the benchmark).
    The registry has 2 836 counties with a site of their own: N = 3000 means all of them.
    `--codes C1,C2`: those counties (division codes) instead, e.g. to reproduce a failure.
    `--hosts real` (default): each site on a loopback address of its own, reached through
    Scrapy's own HTTP handler (TLS included) with no mirror in the path (`VirtualHostServer`,
    `LoopbackResolver`); `--hosts mirror`: every request forwarded to one mirror endpoint.
    `--pairs K`: at delay 0, K full crawls each followed by the bare spider, and the median of
    the K ratios (a single pair's moves by ±0.05 on a loaded 2-core machine).

    .venv/bin/python bench/bench_crawl.py --only sites --sites 22,300,3000 --reports 20,5,2
    .venv/bin/python bench/bench_crawl.py --only sites --sites 22 --reports 20 --delays 0 --pairs 5
    .venv/bin/python bench/bench_crawl.py --smoke     # 22 and 60 sites, 2 reports, delay 0

Generated webs are cached under $TMPDIR/ogi-bench-web-<scale> (building one takes a while); each
measured crawl starts from an empty database. Run it on an idle machine; on a shared one the
figures are noisy (the load average is printed before and after: say so when quoting them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any, Final

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from bench.crawlrun import (  # noqa: E402
    MB,
    bare,
    compile_project,
    cpu_bounds,
    cpu_lines,
    crawlall,
    load,
    steady_cpu_lines,
)
from crawler.counties import BY_COUNTY_CODE, BY_SLUG, COUNTIES, County, select  # noqa: E402
from crawler.loader import overrides  # noqa: E402
from crawler.mirror import MirrorServer, VirtualHostServer  # noqa: E402
from models.store import ReportStore  # noqa: E402
from tests.fixtureweb.build import FAMILY_SITES, build  # noqa: E402

POLITENESS_OFF = {
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "OGI_RETRY_BACKOFF_BASE": "0",
    "LOG_LEVEL": "WARNING",
}


def web(scale: int) -> Path:
    """A generated fixture web of `scale` reports per county (cached between runs)."""
    root = Path(tempfile.gettempdir()) / f"ogi-bench-web-{scale}"
    if not (root / "manifest.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        build(root, scale=scale)
        print(f"  built {root} in {time.perf_counter() - started:.0f} s", flush=True)
    return root


def warm(root: Path) -> None:
    """Read every file once: neither side pays for a cold page cache."""
    for path in root.rglob("*"):
        if path.is_file():
            path.read_bytes()


def throughput(scale: int, workdir: Path) -> None:
    root = web(scale)
    pages = json.loads((root / "manifest.json").read_text("utf-8"))["pages"]
    print(f"(a) throughput: generated web of {pages} HTML pages ({scale} reports per county)")
    warm(root)
    print(f"  before: {load()}")
    with MirrorServer(root) as server:
        full = crawlall(server.url, workdir / "full", POLITENESS_OFF)
        fetched = [r.url for r in server.requests if r.method == "GET" and r.status == 200]
        server.clear_log()
        warmup = bare(server.url, fetched, workdir)
        server.clear_log()
        baseline = bare(server.url, fetched, workdir)
        bare_fetched = len([r for r in server.requests if r.method == "GET"])
    print(f"  after:  {load()}")
    full_rate = len(fetched) / full.seconds
    bare_rate = bare_fetched / baseline.seconds
    print(
        f"  full pipeline: {len(fetched)} pages in {full.seconds:.1f} s = {full_rate:.0f} pages/s"
        f" (exit {full.returncode})"
    )
    print(
        f"  bare spider:   {bare_fetched} pages in {baseline.seconds:.1f} s = {bare_rate:.0f} "
        f"pages/s (warm-up run: {warmup.seconds:.1f} s)"
    )
    print(f"  ratio full/bare: {full_rate / bare_rate:.2f}   (goal ≥ 0.5)")
    summary = [line for line in full.stdout.splitlines() if "reports new or updated" in line]
    print(f"  stored: {summary[0] if summary else '?'}")
    print("  CPU, full pipeline:")
    print("\n".join(cpu_lines(full, len(fetched))))
    print("  CPU, bare spider:")
    print("\n".join(cpu_lines(baseline, bare_fetched)))
    print("\n".join(cpu_bounds(full, len(fetched), baseline.seconds)))
    print("(c) memory of (a):")
    print(f"  crawl process peak RSS: {full.peak_rss_main / MB:.0f} MB   (goal ≤ 300 MB)")
    print(
        f"  process tree peak RSS (store process and parser workers included): "
        f"{full.peak_rss_tree / MB:.0f} MB"
    )
    print(f"  bare spider peak RSS: {baseline.peak_rss_main / MB:.0f} MB")


def parallel(scale: int, delay: float, workdir: Path) -> None:
    root = web(scale)
    print(f"(b) parallel: 22 counties, {scale} reports each, DOWNLOAD_DELAY={delay} s per site")
    warm(root)
    print(f"  before: {load()}")
    settings = {"DOWNLOAD_DELAY": str(delay), "LOG_LEVEL": "WARNING"}
    with MirrorServer(root) as server:
        everyone = crawlall(server.url, workdir / "all", settings)
        requests: dict[str, int] = {}
        for request in server.requests:
            host = request.url.split("/")[2]
            requests[host] = requests.get(host, 0) + 1
        busiest = max(select(province="宁夏"), key=lambda c: requests.get(c.site, 0))
        alone = crawlall(server.url, workdir / "one", settings, only=[busiest.slug])
    print(f"  after:  {load()}")
    print(f"  all 22 counties: {everyone.seconds:.1f} s (exit {everyone.returncode})")
    print(
        f"  slowest county alone ({busiest.slug}, {requests.get(busiest.site, 0)} requests):"
        f" {alone.seconds:.1f} s"
    )
    print(f"  ratio all/slowest: {everyone.seconds / alone.seconds:.2f}   (goal ≤ 1.3)")


# -- (d) sites ----------------------------------------------------------------------------------

SITES_OFF = {
    **POLITENESS_OFF,
    "STATS_DUMP": "True",  # the download timeouts are read from the stats
    "LOG_LEVEL": "INFO",
    "LOGSTATS_INTERVAL": "600",
}
_TIMEOUT_STAT = re.compile(r"'downloader/exception_type_count/([\w.]*Timeout\w*)': (\d+)")
_IN_FLIGHT = int(POLITENESS_OFF["CONCURRENT_REQUESTS"])
HOSTS = {
    "real": "each site a host of its own on 127.0.0.0/8 (TLS, no mirror in the path)",
    "mirror": "every site through one mirror endpoint (OGI_MIRROR)",
}


# Families whose spiders read the generated TRS-style layout ("unknown" gets the TRS spider,
# "generic" reads any list of links); a county of another family is generated in its own
# family's layout where tests/fixtureweb/families/ has its site, else it is left out.
GENERATED_LAYOUT_FAMILIES: Final = frozenset({"trs", "unknown", "generic"})
# What the generated web is made from: a cached web built by other code is stale.
GENERATOR_SOURCES: Final = (PROJECT_DIR / "tests" / "fixtureweb", PROJECT_DIR / "tests" / "support")


FAMILY_COUNTIES: Final = frozenset(family.COUNTY.code for family in FAMILY_SITES)


def left_out_reason(county: County) -> str:
    """'' when the generated web shows `county`'s site the way the registry crawls it, else why
    not (the bench then leaves the county out and says so, rather than count a family spider
    that finds no TRS column as lost reports, or crawl it with a family it does not have)."""
    if county.family not in GENERATED_LAYOUT_FAMILIES and county.code not in FAMILY_COUNTIES:
        return f"family {county.family}: no generated site of that family"
    override = overrides().get(county.code)
    if override is not None and override.attributes:
        return f"overrides.toml changes its spider ({', '.join(sorted(override.attributes))})"
    return ""


def bench_counties(n: int, codes: list[str] | None = None) -> tuple[list[County], list[str]]:
    """`n` registry counties with a site of their own (Ningxia's first), each its own host, or
    the counties of division codes `codes`; and the lines saying which of them are left out."""
    if codes:
        unknown = [code for code in codes if code not in BY_COUNTY_CODE]
        if unknown:
            raise SystemExit(f"--codes: not registry county codes: {', '.join(unknown)}")
        candidates = [BY_COUNTY_CODE[code] for code in codes]
    else:
        hosts = Counter(c.registered_domain for c in COUNTIES if c.site)
        ningxia = [c for c in select(province="宁夏回族自治区") if c.site]
        others = [c for c in COUNTIES if c.site and c not in ningxia]
        candidates = [c for c in [*ningxia, *others] if hosts[c.registered_domain] == 1][:n]
    chosen, left_out = [], []
    for county in candidates:
        reason = "no site in the registry" if not county.site else left_out_reason(county)
        if reason:
            left_out.append(f"{county.code} {county.name}: {reason}")
        else:
            chosen.append(county)
    return chosen, left_out


def _generator_digest(counties: list[County], reports: int) -> str:
    digest = hashlib.sha256(f"{reports}:{','.join(c.code for c in counties)}".encode())
    for folder in GENERATOR_SOURCES:
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def sites_web(counties: list[County], reports: int) -> Path:
    """The generated web of `counties`, cached by its counties and the generator's code."""
    key = _generator_digest(counties, reports)
    root = Path(tempfile.gettempdir()) / f"ogi-bench-web-{len(counties)}x{reports}-{key}"
    if not (root / "manifest.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        build(root, scale=reports, counties=counties)
        print(f"  built {root} in {time.perf_counter() - started:.0f} s", flush=True)
    return root


def finished_counties(stdout: str, slugs: list[str]) -> set[str]:
    """The counties the summary lists with a complete crawl (not cut short by a time limit)."""
    wanted = set(slugs)
    listed = {line.split()[0] for line in stdout.splitlines() if line.strip()}
    cut = {
        line.split()[1].rstrip(":")
        for line in stdout.splitlines()
        if line.startswith("  ! ") and "the crawl ended early" in line
    }
    return (listed & wanted) - cut


def summary_counties(stdout: str, slugs: list[str]) -> int:
    """How many of the counties the summary table lists."""
    return len({line.split()[0] for line in stdout.splitlines() if line.strip()} & set(slugs))


def loopback_settings(server: VirtualHostServer) -> dict[str, str]:
    """A crawl's settings to reach every site of `server` at its own loopback address."""
    return {
        "TWISTED_DNS_RESOLVER": "crawler.mirror.LoopbackResolver",
        "OGI_LOOPBACK_PORT": str(server.port),
    }


def _schemeless(url: str) -> str:
    """The generated manifest says https; the registry gives some portals as http."""
    return url.split("://", 1)[-1]


def check_stored(data_dir: Path, manifest: dict[str, Any], codes: set[str] | None = None) -> str:
    """'' when the crawl stored every report of the manifest (of the counties crawled whose
    codes are `codes`, when given), each from its page, for its county, as a report; else
    what differs.

    Checked by source URL first (the crawl's job: fetched, attributed to the right county,
    stored as a report), then by (county code, year, agency) (the parser's attribution: a
    report of a division renamed since is filed under the code in force in its year, which the
    generated manifest does not follow; that difference is printed, not failed).
    """

    # A source belongs to the county whose site was crawled; the report it holds may be another
    # division's (a family site's column reposts its prefecture's report).
    def crawled(record: dict[str, Any]) -> str:
        return BY_SLUG[record["county"]].code

    reports = [r for r in manifest["reports"] if codes is None or crawled(r) in codes]
    database = data_dir / "ogi-reports.sqlite3"
    if not database.is_file():
        return "no database"
    with closing(sqlite3.connect(database)) as db:
        sources = {
            _schemeless(url): (code, report_id, status)
            for url, code, report_id, status in db.execute(
                "SELECT url, county_code, report_id, parse_status FROM sources"
            )
        }
    lost, failed = [], []
    for record in reports:
        url = record["sources"][0]["url"]
        code, report_id, status = sources.get(_schemeless(url), (None, None, None))
        if code != crawled(record):
            lost.append(url)
        elif report_id is None:
            failed.append(f"{url} ({status})")
    expected = Counter((r["county_code"], r["year"], r["agency"]) for r in reports)
    store = ReportStore(f"sqlite:///{database}", data_dir / "blobs")
    try:
        stored = Counter(
            (r.meta.county_code or "", r.meta.year or 0, r.meta.agency or "")
            for r in store.reports()
        )
    finally:
        store.close()
    elsewhere = expected - stored
    problems = []
    if lost:
        problems.append(f"{len(lost)} report pages not stored for their county: {lost[:3]}")
    if failed:
        problems.append(f"{len(failed)} stored but not as a report: {failed[:3]}")
    if elsewhere:
        print(
            f"  note: {sum(elsewhere.values())} reports filed under another (code, year, agency) "
            f"than the manifest's, e.g. {list(elsewhere)[:2]}"
        )
    return "; ".join(problems)


def _sites_run(
    root: Path,
    manifest: dict[str, Any],
    counties: list[County],
    per_site: int,
    delay: float,
    *,
    workdir: Path,
    time_limit: float,
    hosts: str,
) -> tuple[bool, float | None]:
    """One crawl of a generated web (and at delay 0 the bare spider on the same URLs): its
    figures printed; whether it stored exactly its manifest, and full ÷ bare (delay 0)."""
    slugs = [c.slug for c in counties]
    settings = {**SITES_OFF, "DOWNLOAD_DELAY": str(delay)}
    if delay:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = "2"
    if time_limit:
        settings["CLOSESPIDER_TIMEOUT"] = str(time_limit)
    print(
        f"(d) {len(counties)} sites × {per_site} reports, {manifest['pages']} HTML pages, "
        f"delay {delay:g} s per site, {HOSTS[hosts]}; before: {load()}",
        flush=True,
    )
    server = VirtualHostServer(root) if hosts == "real" else MirrorServer(root)
    with server:
        mirror, loopback = server.url, {}
        if isinstance(server, VirtualHostServer):
            mirror, loopback = None, loopback_settings(server)
        full = crawlall(
            mirror,
            workdir / "sites",
            {**settings, **loopback},
            slugs,
            stderr_file=workdir / "log",
            first_request=lambda served=server: bool(served.requests),
        )
        log = server.requests
        fetched = [r.url for r in log if r.method == "GET" and r.status == 200]
        baseline = None
        if not delay:
            server.clear_log()
            baseline = bare(mirror, fetched, workdir, loopback)
            bare_fetched = len([r for r in server.requests if r.method == "GET"])
            bare_first = (
                min((r.at for r in server.requests), default=float("nan")) - baseline.started
            )
    first = min((r.at for r in log), default=float("nan")) - full.started
    # A county's first page waits for more than its robots.txt (the store's answer of
    # what it knows): the serial wall of the start-up ends there.
    first_page = (
        min((r.at for r in log if not r.url.endswith("/robots.txt")), default=float("nan"))
        - full.started
    )
    # From the last request the server saw to the command's exit: the last documents'
    # parses and writes, the counties' closes, the summary, the processes' ends.
    tail = full.seconds - (max((r.at for r in log), default=float("nan")) - full.started)
    timeouts = sum(int(n) for _, n in _TIMEOUT_STAT.findall(full.stderr))
    finished = finished_counties(full.stdout, slugs)
    by_slug = {c.slug: c.code for c in counties}
    done = {by_slug[slug] for slug in finished} if time_limit else None
    wrong = check_stored(workdir / "sites", manifest, done)
    listed = summary_counties(full.stdout, slugs)
    if not time_limit and listed != len(slugs):
        wrong = "; ".join(
            filter(None, [wrong, f"the summary lists {listed} of {len(slugs)} counties"])
        )
    ok = not wrong and (full.returncode == 0 or bool(time_limit))
    if time_limit:
        print(
            f"  time limit {time_limit:g} s: {len(finished)} of {len(slugs)} counties "
            "crawled to the end (the check covers them)"
        )
    summary = [line for line in full.stdout.splitlines() if "reports new or" in line]
    print(f"  after: {load()}")
    print(
        f"  crawl: {len(log)} requests in {full.seconds:.1f} s = "
        f"{len(log) / full.seconds:.0f} requests/s (exit {full.returncode}); "
        f"{summary[0] if summary else '?'}"
    )
    print(f"  stored vs manifest: {wrong or 'exactly the manifest'}")
    print(
        f"  peak RSS: process tree {full.peak_rss_tree / MB:.0f} MB (goal ≤ 1024 at 3000),"
        f" crawl process {full.peak_rss_main / MB:.0f} MB"
    )
    print(
        f"  peak open TCP sockets: {full.peak_sockets} (goal ≤ {2 * _IN_FLIGHT}, "
        f"2 × CONCURRENT_REQUESTS)"
    )
    print(
        f"  time to first request: {first:.1f} s (goal ≤ 5), "
        f"{full.first_request_cpu:.1f} CPU-s of the process tree by then; "
        f"first page (not robots.txt) {first_page:.2f} s; "
        f"last request to exit {tail:.2f} s"
    )
    print(
        "    by then: "
        + ", ".join(
            f"{role.strip()} {seconds:.2f}"
            for role, seconds in sorted(full.first_request_roles.items())
        )
    )
    print(f"  download timeouts: {timeouts} (goal 0)")
    ratio = None
    if baseline is not None:
        full_rate = len(fetched) / full.seconds
        bare_rate = bare_fetched / baseline.seconds
        ratio = full_rate / bare_rate
        print(
            f"  bare Scrapy, same URLs: {bare_fetched} in {baseline.seconds:.1f} s = "
            f"{bare_rate:.0f} pages/s; full ÷ bare = {ratio:.2f} "
            f"(goal ≥ 0.5); its peak open TCP sockets {baseline.peak_sockets} "
            f"(Scrapy's own pool); its first request at {bare_first:.2f} s"
        )
        print("\n".join(cpu_lines(full, max(1, len(fetched)))))
        print("\n".join(steady_cpu_lines(full, max(1, len(fetched)))))
        print("  CPU, bare spider (the same URLs):")
        print("\n".join(cpu_lines(baseline, max(1, bare_fetched))[:-1]))
    if wrong or full.returncode:
        print(full.stderr[-3000:])
    return ok, ratio


def sites(
    sizes: list[int],
    reports: list[int],
    delays: list[float],
    workdir: Path,
    *,
    time_limit: float = 0,
    hosts: str = "real",
    codes: list[str] | None = None,
    pairs: int = 1,
) -> bool:
    """(d): returns whether every run stored exactly its manifest (with a time limit: exactly
    the manifest's reports of the counties it finished) and its summary listed every county.

    `hosts` "real": every site on a loopback address of its own (`VirtualHostServer`), reached
    through Scrapy's own HTTP handler and TLS, no mirror in the path; "mirror": every request
    forwarded to one `MirrorServer` endpoint (`OGI_MIRROR`). `codes`: crawl those counties
    (division codes) instead of the first `sizes`, one size (reproducing a county's failure
    on a web of its own). `pairs`: at delay 0, that many full crawls, each followed by the bare
    spider, and the median of their ratios (one pair's ratio moves by ±0.05 between runs on a
    loaded 2-core machine)."""
    ok = True
    for n, per_site in zip(sizes, reports, strict=True):
        counties, left_out = bench_counties(n, codes)
        if left_out:
            print(f"(d) {len(left_out)} counties left out: the generated site would not be theirs")
            print("\n".join(f"  {line}" for line in left_out))
        root = sites_web(counties, per_site)
        manifest = json.loads((root / "manifest.json").read_text("utf-8"))
        warm(root)
        for delay in delays:
            ratios: list[float] = []
            for _ in range(1 if delay else pairs):
                stored, ratio = _sites_run(
                    root,
                    manifest,
                    counties,
                    per_site,
                    delay,
                    workdir=workdir,
                    time_limit=time_limit,
                    hosts=hosts,
                )
                ok = ok and stored
                if ratio is not None:
                    ratios.append(ratio)
            if len(ratios) > 1:
                shown = ", ".join(f"{r:.2f}" for r in ratios)
                print(
                    f"(d) full ÷ bare over {len(ratios)} pairs: {shown}; "
                    f"median {statistics.median(ratios):.2f} (goal ≥ 0.5)"
                )
    return ok


def _numbers(text: str, kind: type[Any]) -> list[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=230, help="reports per county for (a)")
    parser.add_argument("--small-scale", type=int, default=6, help="reports per county for (b)")
    parser.add_argument("--delay", type=float, default=1.0, help="per-site delay for (b)")
    parser.add_argument("--only", default="throughput,parallel,sites")
    parser.add_argument("--sites", default="22,300,3000", help="site counts for (d)")
    parser.add_argument("--reports", default="20,5,2", help="reports per site, for each count")
    parser.add_argument("--delays", default="0,1", help="per-site delays for (d)")
    parser.add_argument(
        "--codes",
        default="",
        help="(d): the counties to crawl, by division code (e.g. 370614,330523), instead of "
        "the first --sites; takes the first --reports",
    )
    parser.add_argument("--smoke", action="store_true", help="(d) only, small: a quick check")
    parser.add_argument(
        "--hosts",
        choices=sorted(HOSTS),
        default="real",
        help="(d): real: every site on its own loopback address through Scrapy's own HTTP "
        "handler; mirror: every request forwarded to one mirror server (OGI_MIRROR)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=0,
        help="(d): stop each crawl after so many seconds (CLOSESPIDER_TIMEOUT); the stored "
        "reports are then checked for the counties crawled to the end",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="(d) at delay 0: so many full crawls, each followed by the bare spider, and the "
        "median of their full ÷ bare",
    )
    args = parser.parse_args()
    if args.smoke:
        args.only, args.sites, args.reports, args.delays = "sites", "22,60", "2,2", "0"
    codes = [code.strip() for code in args.codes.split(",") if code.strip()]
    if codes:
        args.sites, args.reports = str(len(codes)), args.reports.split(",")[0]
    print(f"cores: {os.cpu_count()}; {load()} (figures are noisy when other work runs)")
    compiled = compile_project()
    print(f"project modules byte-compiled beforehand, as an installed package's are: {compiled}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="ogi-bench-crawl-") as tmp:
        workdir = Path(tmp)
        if "throughput" in args.only:
            throughput(args.scale, workdir)
        if "parallel" in args.only:
            parallel(args.small_scale, args.delay, workdir)
        if "sites" in args.only:
            ok = sites(
                _numbers(args.sites, int),
                _numbers(args.reports, int),
                _numbers(args.delays, float),
                workdir,
                time_limit=args.time_limit,
                hosts=args.hosts,
                codes=codes or None,
                pairs=max(1, args.pairs),
            )
    if not ok:
        sys.exit("a crawl did not store exactly its manifest (see above)")


if __name__ == "__main__":
    main()
