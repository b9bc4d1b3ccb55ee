"""Running one crawl command and measuring its process tree, for the crawl benchmarks.

`run` starts a command (`scrapy crawlall`, or the bare Scrapy spider of `BARE_SPIDER`) and
samples, every 0.25 s, the peak memory and open TCP sockets of its process tree and the CPU of
each of its roles: the crawl process (and its reactor thread), the fork server, the store
process, the parser workers. `bench_crawl.py` builds the webs and the scenarios on top of it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import py_compile
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

import settings as project_settings  # noqa: E402
from tests.crawler.crawls import crawl_env  # noqa: E402
from tests.support.procfs import tcp_sockets  # noqa: E402

# The engine settings the bare spider shares with the full crawl: only our components differ.
BARE_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "CONCURRENT_ITEMS": project_settings.CONCURRENT_ITEMS,
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
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

settings = json.loads(sys.argv[3])
if sys.argv[2]:  # else real hosts: Scrapy's own handler, names resolved by the settings' resolver
    settings["DOWNLOAD_HANDLERS"] = {
        "http": "crawler.mirror.MirrorDownloadHandler",
        "https": "crawler.mirror.MirrorDownloadHandler",
    }
    settings["OGI_MIRROR"] = sys.argv[2]
process = CrawlerProcess(settings)
process.crawl(Bare)
process.start()
"""
TICKS = os.sysconf("SC_CLK_TCK")
# Part of the crawl process's CPU, printed under it (its indent is the layout), never added to it.
REACTOR_THREAD = "  of which its reactor thread"
FORK_SERVER = "fork server (children's imports)"
MB = 1024 * 1024


@dataclass
class Run:
    seconds: float
    returncode: int
    peak_rss_main: int  # bytes, the crawl process (VmHWM)
    peak_rss_tree: int  # bytes, the crawl process and its descendants, sampled
    stdout: str
    cpu: dict[str, float] = field(default_factory=dict)  # role → CPU seconds (user + system)
    mirror_cpu: float = 0.0  # CPU seconds of this process (the mirror server) meanwhile
    peak_sockets: int = 0  # TCP sockets the crawl process held open at once (sampled)
    # CPU seconds the process tree had used when the first request arrived (sampled): the
    # start-up's cost, which a loaded machine stretches in wall time but not in CPU.
    first_request_cpu: float = float("nan")
    first_request_roles: dict[str, float] = field(default_factory=dict)  # the same, by role
    started: float = 0.0  # time.monotonic() when the command was started
    stderr: str = ""


def _status(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _cpu(stat: Path) -> float | None:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def _is_fork_server(pid: int, crawl_pid: int) -> bool:
    """The crawl's fork server (crawler.children): the children's imports, made once. Its
    children (store process, parser workers) share its command line but not its parent."""
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        return parent == crawl_pid and b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError, ValueError):
        return False


def _is_store(pid: int) -> bool:
    """The store process is the one holding the SQLite database open."""
    try:
        return any(
            str(fd.readlink()).endswith(".sqlite3") for fd in Path(f"/proc/{pid}/fd").iterdir()
        )
    except OSError:
        return False


def run(
    command: list[str],
    env: dict[str, str],
    *,
    stderr_file: Path | None = None,
    first_request: Callable[[], bool] | None = None,
) -> Run:
    """Run a crawl, timing it and sampling the memory, CPU and sockets of its process tree."""
    started = time.perf_counter()
    started_monotonic = time.monotonic()
    own = resource.getrusage(resource.RUSAGE_SELF)
    err = stderr_file.open("w") if stderr_file is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
    )
    peak = {"main": 0, "tree": 0, "sockets": 0}
    first_cpu: list[float] = []
    first_roles: dict[str, float] = {}
    cpu: dict[int, tuple[str, float]] = {}  # pid (or -1: reactor thread) → (role, seconds)

    def sample() -> None:
        while process.poll() is None:
            peak["main"] = max(peak["main"], _status(process.pid, "VmHWM"))
            tree = _descendants(process.pid)
            peak["tree"] = max(peak["tree"], sum(_status(p, "VmRSS") for p in tree))
            peak["sockets"] = max(peak["sockets"], tcp_sockets(process.pid))
            for pid in tree:
                seconds = _cpu(Path(f"/proc/{pid}/stat"))
                if seconds is None:
                    continue
                if pid == process.pid:
                    role = "crawl process"
                    thread = _cpu(Path(f"/proc/{pid}/task/{pid}/stat"))
                    if thread is not None:
                        cpu[-1] = (REACTOR_THREAD, thread)
                elif pid in cpu and cpu[pid][0] in ("store process", FORK_SERVER):
                    role = cpu[pid][0]
                elif _is_fork_server(pid, process.pid):
                    role = FORK_SERVER
                else:  # the store process opens the database after its imports
                    role = "store process" if _is_store(pid) else "parser workers"
                cpu[pid] = (role, seconds)
            if first_request is not None and not first_cpu and first_request():
                first_cpu.append(sum(v for r, v in cpu.values() if r != REACTOR_THREAD))
                for r, v in cpu.values():
                    first_roles[r] = first_roles.get(r, 0.0) + v
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    roles: dict[str, float] = {}
    for role, value in cpu.values():
        roles[role] = roles.get(role, 0.0) + value
    mirror_cpu = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
    if stderr_file is not None and not isinstance(err, int):
        err.close()
    return Run(
        seconds,
        process.returncode,
        peak["main"],
        peak["tree"],
        stdout,
        roles,
        mirror_cpu,
        peak_sockets=peak["sockets"],
        first_request_cpu=first_cpu[0] if first_cpu else float("nan"),
        first_request_roles=first_roles,
        started=started_monotonic,
        stderr=stderr_file.read_text() if stderr_file is not None else "",
    )


def crawlall(
    mirror: str | None,
    data_dir: Path,
    settings: dict[str, str],
    only: list[str] | None = None,
    *,
    stderr_file: Path | None = None,
    first_request: Callable[[], bool] | None = None,
) -> Run:
    command = [sys.executable, "-m", "scrapy", "crawlall"]
    command += ["--mirror", mirror] if mirror else []
    # The generated web holds Ningxia's counties; the registry, the whole country.
    command += ["--only", ",".join(only)] if only else ["--province", "宁夏回族自治区"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    shutil.rmtree(data_dir, ignore_errors=True)
    return run(command, crawl_env(data_dir), stderr_file=stderr_file, first_request=first_request)


def bare(
    mirror: str | None, urls: list[str], workdir: Path, settings: dict[str, str] | None = None
) -> Run:
    url_file = workdir / "urls.json"
    url_file.write_text(json.dumps(urls))
    script = workdir / "bare.py"
    script.write_text(BARE_SPIDER)
    command = [
        sys.executable,
        str(script),
        str(url_file),
        mirror or "",
        json.dumps({**BARE_SETTINGS, **(settings or {})}),
    ]
    return run(command, crawl_env(workdir / "bare"))


def compile_project() -> int:
    """Write the project's bytecode caches (`__pycache__`), as installing a package does, and
    return how many modules were compiled now.

    Scrapy, Twisted and SQLAlchemy start from the bytecode pip wrote when it installed them;
    the project, installed in place (`pip install -e`), compiles each module from source in
    every process that imports it unless its cache exists, and PYTHONDONTWRITEBYTECODE (set in
    some shells and CI images) keeps it from ever being written: half a CPU-second or more in
    each of the crawl's processes that the bare spider never pays. `py_compile` writes the
    cache whatever that variable says.
    """
    count = 0
    for package in ("crawler", "models", "pipelines", "reportparser", "settings"):
        for source in sorted((PROJECT_DIR / package).rglob("*.py")):
            cache = Path(importlib.util.cache_from_source(str(source)))
            if cache.exists() and cache.stat().st_mtime >= source.stat().st_mtime:
                continue
            py_compile.compile(str(source), cfile=str(cache), doraise=True)
            count += 1
    return count


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def cpu_lines(result: Run, pages: int) -> list[str]:
    lines = [
        f"    {role:<30} {seconds:6.1f} s  ({seconds / pages * 1000:5.2f} ms a page)"
        for role, seconds in sorted(result.cpu.items(), key=lambda item: item[0] != "crawl process")
    ]
    lines.append(
        f"    {'mirror server, sampler (here)':<30} {result.mirror_cpu:6.1f} s  "
        f"({result.mirror_cpu / pages * 1000:5.2f} ms a page)"
    )
    return lines


def steady_cpu_lines(result: Run, pages: int) -> list[str]:
    """CPU a page after the first request: the start-up (imports, the store's and the
    parser's start) left out, what a crawl's length multiplies."""
    lines = ["  CPU a page after the first request (steady state):"]
    for role, seconds in sorted(result.cpu.items(), key=lambda item: item[0] != "crawl process"):
        steady = seconds - result.first_request_roles.get(role, 0.0)
        lines.append(f"    {role:<30} {steady / pages * 1000:5.2f} ms a page")
    return lines


def cpu_bounds(full: Run, pages: int, bare_seconds: float) -> list[str]:
    """What the CPU the full crawl needed allows on this machine, however well it overlaps:
    with every core busy all the time, the crawl could not end sooner than CPU ÷ cores."""
    cores = len(os.sched_getaffinity(0))
    total = sum(s for role, s in full.cpu.items() if role != REACTOR_THREAD) + full.mirror_cpu
    parsing = full.cpu.get("parser workers", 0.0)
    lines = [f"  bounds on {cores} cores (CPU-seconds ÷ cores, every core busy throughout):"]
    for what, seconds in (("everything above", total), ("the parser workers alone", parsing)):
        best = seconds / cores
        lines.append(
            f"    {what:<26} ≥ {best:5.1f} s: ratio full/bare ≤ {bare_seconds / best:.2f}"
            f"  ({seconds / pages * 1000:.2f} CPU-ms a page)"
        )
    return lines
