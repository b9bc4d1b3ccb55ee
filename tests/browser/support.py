"""Real parts for the browser tests: a crawled database, `scrapy browse`, Debian's chromium.

    data = crawl_history(workdir)                 # the fixture web crawled twice (one change)
    with browse(data) as url, chromium(workdir) as context:
        page = context.new_page(); page.goto(url + "/-/coverage")

Chromium is /usr/bin/chromium from Debian (scripts/install-system-deps), driven by Playwright
with a fresh profile and the flags of a closed network; nothing is downloaded. Screenshots go to
`test-artifacts/browser/` (ignored by git), for people and CI to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest

from tests.crawler.crawls import SCRAPY, crawl_env, crawlall
from tests.fixtureweb.server import served_copy

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]
ARTIFACTS: Final = PROJECT_DIR / "test-artifacts" / "browser"
CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Crawled: ok (盐池, with a report changed between two crawls; 贺兰, with a report that does not
# add up), blocked (同心), unreachable (海原). Every other registry county is never crawled.
CRAWLED: Final = ("yanchi", "helan", "tongxin", "haiyuan")
CHANGED_REPORT: Final = "yanchi-2022-county"


def crawl_history(workdir: Path) -> Path:
    """A data directory (database + blobs) from crawling the fixture web, changing one report
    on the site, and crawling 盐池 again: reports, findings, failures, crawl runs, a revision."""
    data = workdir / "data"
    with served_copy(workdir) as web:
        first = crawlall(data, web.url, only=CRAWLED)
        assert first.returncode == 4, first.stderr[-3000:]  # blocked and unreachable counties
        web.change_report(CHANGED_REPORT)
        second = crawlall(data, web.url, only=("yanchi",))
        assert second.returncode == 0, second.stderr[-3000:]
    return data


@contextmanager
def browse(data: Path, *extra: str) -> Iterator[str]:
    """`scrapy browse --port 0` on `data` in a subprocess; yields the URL it prints."""
    process = subprocess.Popen(
        [*SCRAPY, "browse", "--port", "0", *extra],
        cwd=PROJECT_DIR,
        env=crawl_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            stderr = process.stderr.read() if process.stderr else ""
            pytest.fail(f"scrapy browse did not start: {stderr[-3000:]}")
        url = line.split(" at ", 1)[1].split()[0].rstrip("/")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: run scripts/install-system-deps"
    if os.environ.get("OGI_REQUIRE_CHROMIUM") == "1":
        pytest.fail(reason)
    pytest.skip(f"SKIPPING BROWSER TESTS: {reason}")


@contextmanager
def chromium(workdir: Path) -> Iterator[Any]:
    """A Playwright browser context on Debian's chromium with a fresh profile in `workdir`.

    Every request the pages make is recorded on `context.requests_made`; any that would leave
    127.0.0.1 is aborted (a page needing the internet would show it as a failure).
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    profile = workdir / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": 1400, "height": 900},
        )
        requests_made: list[str] = []

        def guard(route: Any) -> None:
            url = route.request.url
            requests_made.append(url)
            if url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:
                route.abort()

        context.set_default_timeout(15_000)
        context.route("**/*", guard)
        context.requests_made = requests_made
        try:
            yield context
        finally:
            context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """A full-page (or first-screen) PNG in test-artifacts/browser/; fails if chromium wrote
    nothing."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    data = page.screenshot(path=str(path), full_page=full_page)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000, name
    return path
