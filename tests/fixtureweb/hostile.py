"""The hostile web: a copy of the fixture web with every trap of issue 11 planted at once.

    traps = plant(root, canary_url)       # on a copy (served_copy's root), never the tree
    ... crawl it, then corrupt_a_blob(...) and crawl again ...
    verdicts = [trap.verdict(outcome) for trap in traps]

Each trap breaks one page of a county the bundled web holds (yanchi, jingyuan, helan): an
answer (5xx, a tarpit, a redirect loop, a gzip bomb, a body over the size limit, a list page
announcing ten million pages) or a document (an oversized number, a GBK page declared
ISO-8859-1, a 12 MB inline image before the report, a document linking an image on a canary
server that nothing may fetch). A trap passes when nothing is lost silently and nothing
unbounded happens: the page is either stored as a report or listed in the summary's LOST
section with its reason. Used by `bench/bench_hostile.py` (all traps, time and memory printed)
and `tests/crawler/commands/test_hostile_web.py` (the crawl-side traps).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.crawler.crawls import open_store

YANCHI = "https://www.yanchi.gov.cn/xxgk/zfxxgknb"
JINGYUAN = "https://www.nxjy.gov.cn/xxgk_13518/zfxxgknb"
HELAN = "https://www.nxhl.gov.cn/xxgk_7799/xxgknb_7812"
COUNTIES = ("yanchi", "jingyuan", "helan")
OVERSIZED_NUMBER = "64032319800101123400"  # an ID number pasted into a table cell
# The size limit the profile crawls with (DOWNLOAD_MAXSIZE and OGI_MAX_DOCUMENT_BYTES).
MAX_BYTES = 16 * 1024 * 1024
TIMEOUT = 3  # DOWNLOAD_TIMEOUT of the profile: a tarpit answers after 30 s


@dataclass
class Outcome:
    """What a crawl of the hostile web produced, for the traps to judge."""

    stdout: str
    stored_pages: set[str]  # URLs that are the source of a stored report
    source_status: dict[str, str]  # URL → parse status of its recorded source
    canary_requests: list[str]
    blob_repaired: bool | None = None  # after the second crawl: the corrupted blob is whole
    lost: dict[str, str] = field(default_factory=dict)  # URL → LOST line

    @classmethod
    def read(cls, stdout: str, data_dir: Path, canary: list[str]) -> Outcome:
        lost: dict[str, str] = {}
        if "\nLOST" in stdout:
            for line in stdout.split("\nLOST", 1)[1].splitlines()[1:]:
                match = re.match(r"\s+- \S+: \S+ (\S+): (.*)$", line)
                if match:
                    lost[match.group(1)] = match.group(2)
        with open_store(data_dir) as store:
            sources = store.stored_sources()
            stored = {s.fetch.url for s in sources if s.report_id is not None}
            status = {s.fetch.url: s.parse_status for s in sources}
        return cls(stdout, stored, status, list(canary), lost=lost)


@dataclass(frozen=True)
class Trap:
    name: str
    item: int  # the item of issue 11 it reproduces
    url: str
    expect: str  # what passing means, in words
    check: Callable[[Trap, Outcome], bool]
    crawl_side: bool = True  # judged by this crawl's own code (not the parser's or the store's)

    def verdict(self, outcome: Outcome) -> tuple[bool, str]:
        passed = self.check(self, outcome)
        if self.url in outcome.lost:
            seen = f"LOST: {outcome.lost[self.url]}"
        elif self.url in outcome.stored_pages:
            seen = "stored as a report"
        elif self.url in outcome.source_status:
            seen = f"recorded as {outcome.source_status[self.url]}"
        else:
            seen = "not recorded, not listed"
        return passed, seen


def _lost(reason: str) -> Callable[[Trap, Outcome], bool]:
    def check(trap: Trap, outcome: Outcome) -> bool:
        return reason in outcome.lost.get(trap.url, "")

    return check


def _stored(trap: Trap, outcome: Outcome) -> bool:
    return trap.url in outcome.stored_pages


def _no_canary_request(trap: Trap, outcome: Outcome) -> bool:
    return not outcome.canary_requests


def _bounded_and_reported(trap: Trap, outcome: Outcome) -> bool:
    # Reaching the end at all is the bound; the cut must also be said in the summary.
    return "pagination" in outcome.stdout.lower() or "page count" in outcome.stdout.lower()


def _repaired(trap: Trap, outcome: Outcome) -> bool:
    return bool(outcome.blob_repaired)


def _path(root: Path, url: str) -> Path:
    return root / url.split("://", 1)[1]


def _sidecar(root: Path, url: str, data: dict[str, Any]) -> None:
    path = _path(root, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(path.name + ".http").write_text(json.dumps(data), "utf-8")


def _linked_image_odt(canary_url: str) -> bytes:
    """An OpenDocument text whose only picture is linked, not embedded: opening it makes an
    office suite fetch `canary_url` unless it is told never to load external links."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
        ' xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
        ' xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">'
        "<office:body><office:text>"
        "<text:p>泾源县2020年政府信息公开工作年度报告</text:p>"
        '<text:p><draw:frame draw:name="img" svg:width="2cm" svg:height="2cm">'
        f'<draw:image xlink:href="{canary_url}" xlink:type="simple" xlink:show="embed"'
        ' xlink:actuate="onLoad"/></draw:frame></text:p>'
        "</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as odt:
        odt.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )  # stored first and uncompressed, as the format requires
        odt.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        odt.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def plant(root: Path, canary_url: str, *, huge_page_count: bool = True) -> list[Trap]:
    """Plant every trap in the mirror tree at `root` (a copy); the traps planted.

    `huge_page_count` off leaves out the list page announcing ten million pages: a crawl
    without a bound on page counts would queue them all (the test's small profile).
    """
    traps: list[Trap] = []

    def add(trap: Trap) -> None:
        traps.append(trap)

    # -- answers -------------------------------------------------------------------------------
    page_503 = f"{YANCHI}/xrmzf/202301/t20230118_3917580.html"
    _sidecar(root, page_503, {"status": 503})
    add(Trap("5xx report page", 3, page_503, "listed as lost (HTTP 503)", _lost("HTTP 503")))

    list_500 = f"{YANCHI}/zfbm/list.html"
    _sidecar(root, list_500, {"status": 500})
    add(Trap("5xx list page", 3, list_500, "listed as lost (HTTP 500)", _lost("HTTP 500")))

    tarpit = f"{YANCHI}/xzrmzf/hmcz/202202/t20220216_3867180.html"
    _sidecar(root, tarpit, {"delay": 10 * TIMEOUT})
    add(Trap("tarpit", 3, tarpit, "listed as lost (timeout)", _lost("Timeout")))

    loop = f"{JINGYUAN}/xrmzf/202201/t20220124_3863730.html"
    path = loop.split("://", 1)[1].split("/", 1)[1]
    _sidecar(root, loop, {"status": 302, "headers": {"Location": f"/{path}?again"}})
    _path(root, loop).with_name(_path(root, loop).name + "@again.http").write_text(
        json.dumps({"status": 302, "headers": {"Location": f"/{path}"}}), "utf-8"
    )
    add(Trap("redirect loop", 3, loop, "listed as lost (redirect loop)", _lost("redirect loop")))

    bomb = f"{JINGYUAN}/zfbm/czj_62805/202202/t20220218_3867480.html"
    zeros = io.BytesIO()
    with gzip.GzipFile(fileobj=zeros, mode="wb", compresslevel=9) as out:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(8 * MAX_BYTES // len(chunk)):
            out.write(chunk)
    _path(root, bomb).write_bytes(zeros.getvalue())
    _sidecar(
        root,
        bomb,
        {"headers": {"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"}},
    )
    add(Trap("gzip bomb", 3, bomb, "listed as lost (size limit)", _lost("gzip bomb")))

    oversized = f"{HELAN}/202101/t20210129_3809730.html"
    page = _path(root, oversized)
    html = page.read_bytes()
    padding = b"<!-- " + b"x" * (MAX_BYTES + 1024 * 1024) + b" -->"
    page.write_bytes(html.replace(b"</body>", padding + b"</body>", 1))
    add(Trap("body over the size limit", 3, oversized, "listed as lost", _lost("max size")))

    if huge_page_count:
        huge = f"{YANCHI}/xzrmzf/dskz/list.html"
        page = _path(root, huge)
        script = b'<script>createPageHTML(10000000, 0, "list", "html");</script>'
        page.write_bytes(page.read_bytes().replace(b"</body>", script + b"</body>", 1))
        add(
            Trap(
                "huge page count",
                2,
                huge,
                "bounded, the cut reported in the summary",
                _bounded_and_reported,
            )
        )

    # -- documents -----------------------------------------------------------------------------
    number = f"{YANCHI}/xrmzf/202101/t20210128_3809580.html"
    page = _path(root, number)
    text = page.read_text("utf-8")
    text, replaced = re.subn(
        r"(<td valign=\"center\"[^\n]*?<span[^>]*>)(\d+)(</span>)",
        lambda m: m.group(1) + OVERSIZED_NUMBER + m.group(3),
        text,
        count=1,
    )
    assert replaced == 1, "no numeric cell found for the oversized number"
    page.write_text(text, "utf-8")
    add(Trap("oversized number", 1, number, "stored as a report", _stored, crawl_side=False))

    gbk = f"{HELAN}/202001/t20200122_3753780.html"
    _sidecar(root, gbk, {"headers": {"Content-Type": "text/html; charset=ISO-8859-1"}})
    add(Trap("GBK page declared latin-1", 11, gbk, "stored as a report", _stored, False))

    inline = f"{HELAN}/202202/t20220222_3868080.html"
    page = _path(root, inline)
    picture = b'<img alt="" src="data:image/png;base64,' + b"A" * (12 * 1024 * 1024) + b'">'
    page.write_bytes(page.read_bytes().replace(b"<body>", b"<body>" + picture, 1))
    add(Trap("12 MB inline image", 6, inline, "stored as a report", _stored, crawl_side=False))

    linked = f"{JINGYUAN}/xrmzf/202102/P020210203810480000001.doc"
    _path(root, linked).write_bytes(_linked_image_odt(canary_url))
    add(
        Trap(
            "LibreOffice linked image",
            5,
            linked,
            "no request to the canary",
            _no_canary_request,
            crawl_side=False,
        )
    )

    corrupt = f"{HELAN}/xgz_7830/202203/t20220308_3870180.html"
    add(
        Trap(
            "corrupt blob (second crawl)",
            4,
            corrupt,
            "the flipped blob repaired or reported",
            _repaired,
            crawl_side=False,
        )
    )
    return traps


def corrupt_a_blob(data_dir: Path, url: str) -> Path | None:
    """Flip one digit in the stored body of `url` (between two crawls); the blob's path."""
    with open_store(data_dir) as store:
        source = next((s for s in store.stored_sources() if s.fetch.url == url), None)
        if source is None:
            return None
        path = store.blob_path(source.fetch.sha256)
    body = bytearray(path.read_bytes())
    digit = next(i for i in range(len(body) // 2, len(body)) if 0x30 <= body[i] <= 0x38)
    body[digit] += 1
    path.write_bytes(bytes(body))
    return path


def blob_is_whole(path: Path) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == path.name


# -- Running the profile --------------------------------------------------------------------------

# What the profile crawls with: short timeouts (a tarpit costs 4 × TIMEOUT s), the size limit
# above, no politeness delay (the web is local).
PROFILE_SETTINGS = {
    "DOWNLOAD_TIMEOUT": str(TIMEOUT),
    "DOWNLOAD_MAXSIZE": str(MAX_BYTES),
    "DOWNLOAD_WARNSIZE": str(MAX_BYTES),
    "OGI_MAX_DOCUMENT_BYTES": str(MAX_BYTES),
}


class Canary:
    """An HTTP server on 127.0.0.1 that records every request: nothing may reach it."""

    def __init__(self) -> None:

        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ssrf.png"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Run:
    returncode: int | None  # None: killed at a bound
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes, the crawl's whole process tree (store process, parser workers)
    killed: str | None = None  # which bound was exceeded


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def crawl_bounded(
    command: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    seconds: float,
    memory: int,
) -> Run:
    """Run a crawl command, sampling its process tree's RSS every 0.25 s; kill the tree when it
    runs past `seconds` or `memory` bytes (the run says which)."""

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=err, text=True, start_new_session=True
        )
        peak, killed = 0, None
        while process.poll() is None:
            peak = max(peak, sum(_rss(pid) for pid in _tree(process.pid)))
            elapsed = time.monotonic() - started
            if peak > memory or elapsed > seconds:
                killed = f"memory {peak / 2**20:.0f} MB" if peak > memory else f"{elapsed:.0f} s"
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(
            None if killed else process.returncode, out.read(), err.read(), elapsed, peak, killed
        )
