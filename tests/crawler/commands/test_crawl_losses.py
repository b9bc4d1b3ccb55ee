"""End to end: what a crawl cannot fetch is listed, stored and retried; a full disk is a storage
failure. Against a served copy of the fixture web with sidecars that break some of its pages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.extensions import EXIT_DEGRADED, EXIT_MISSING, EXIT_OK, EXIT_STORAGE
from tests.crawler.crawls import PROJECT_DIR, crawl_env, crawlall, crawlall_command, open_store
from tests.fixtureweb.server import served_copy

YANCHI = "https://www.yanchi.gov.cn"
LIST_500 = f"{YANCHI}/xxgk/zfxxgknb/zfbm/list.html"  # 3 reports listed there
PAGE_503 = f"{YANCHI}/xxgk/zfxxgknb/xrmzf/202301/t20230118_3917580.html"  # yanchi 2022 county
ONLY = ("yanchi",)


def break_url(root: Path, url: str, status: int) -> Path:
    """A sidecar making the mirror answer `status` for `url` (its file stays)."""
    path = root / url.removeprefix("https://")
    sidecar = path.with_name(path.name + ".http")
    sidecar.write_text(json.dumps({"status": status}), "utf-8")
    return sidecar


def summary_line(stdout: str, county: str) -> list[str]:
    return next(line.split() for line in stdout.splitlines() if line.startswith(county + " "))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_failed_pages_degrade_the_county_are_listed_stored_and_retried(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        expected = [r for r in web.manifest["reports"] if r["county"] == "yanchi"]
        sidecars = [break_url(web.root, LIST_500, 500), break_url(web.root, PAGE_503, 503)]

        first = crawlall(data, web.url, only=ONLY)

        assert first.returncode == EXIT_DEGRADED, first.stdout + first.stderr[-3000:]
        line = summary_line(first.stdout, "yanchi")
        assert line[1] == "degraded"
        assert (line[2], line[6]) == ("5", "2")  # 5 new, 2 lost
        assert "yanchi: 1 list page and 1 document could not be fetched" in first.stdout
        lost = first.stdout.split("LOST", 1)[1]
        assert f"page {LIST_500}: HTTP 500, 4 attempts" in lost
        assert f"document {PAGE_503}: HTTP 503, 4 attempts" in lost
        assert "no annual report found" not in first.stdout
        # Retried within the crawl (RETRY_TIMES = 3), then given up.
        assert web.fetched().count(LIST_500) == 4
        with open_store(data) as store:
            failures = {f.url: f for f in store.fetch_failures("640323")}
            assert set(failures) == {LIST_500, PAGE_503}
            assert failures[LIST_500].kind == "page"
            assert failures[PAGE_503].kind == "document"
            assert failures[PAGE_503].reason == "HTTP 503"
            assert failures[PAGE_503].attempts == 4
            assert len(list(store.reports(county_code="640323"))) == 5

        # The site answers again: the next crawl fetches both, stores the 4 missing reports
        # and forgets the failures.
        for sidecar in sidecars:
            sidecar.unlink()
        web.clear_log()
        second = crawlall(data, web.url, only=ONLY)

        assert second.returncode == EXIT_OK, second.stdout + second.stderr[-3000:]
        assert summary_line(second.stdout, "yanchi")[1] == "ok"
        assert "LOST" not in second.stdout
        fetched = set(web.fetched(status=200))
        assert {LIST_500, PAGE_503} <= fetched
        with open_store(data) as store:
            assert store.fetch_failures("640323") == []
            assert len(list(store.reports(county_code="640323"))) == len(expected)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_failure_that_persists_counts_its_crawls(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        break_url(web.root, PAGE_503, 503)
        crawlall(data, web.url, only=ONLY)
        again = crawlall(data, web.url, only=ONLY)
        assert again.returncode == EXIT_DEGRADED
        assert f"document {PAGE_503}: HTTP 503, 4 attempts, failing for 2 crawls" in again.stdout
        with open_store(data) as store:
            (failure,) = store.fetch_failures("640323")
        assert failure.crawls == 2
        assert failure.first_failed_at is not None and failure.last_failed_at is not None
        assert failure.first_failed_at < failure.last_failed_at


def _can_mount_tmpfs(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        [
            "unshare",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            f"mount -t tmpfs -o size=64k tmpfs {tmp_path}",
        ],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_full_disk_is_a_storage_failure_not_a_site_problem(tmp_path: Path) -> None:
    # A real full disk: the blob store on a 96 KB tmpfs, mounted in a mount namespace of the
    # crawl's own (no privilege needed where user namespaces are allowed).
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    if not _can_mount_tmpfs(probe_dir):
        pytest.skip("no unshare / user namespaces here: cannot mount a small tmpfs")
    data = tmp_path / "data"
    blobs = data / "blobs"
    blobs.mkdir(parents=True)
    with served_copy(tmp_path) as web:
        command = crawlall_command(web.url, only=ONLY)
        script = f'mount -t tmpfs -o size=96k tmpfs "{blobs}" && exec "$@"'
        completed = subprocess.run(
            ["unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", *command],
            cwd=PROJECT_DIR,
            env=crawl_env(data) | {"OGI_BLOB_DIR": str(blobs)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode == EXIT_STORAGE, output[-4000:]
    assert summary_line(completed.stdout, "yanchi")[1] == "storage_failed"
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, completed.stderr[-3000:]
    assert "storage failure" in errors[0] and "No space left on device" in errors[0]
    assert "no annual report found" not in output
    assert "site changed" not in output
    assert "Traceback" not in completed.stderr, completed.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_column_robots_txt_forbids_is_reported_as_such(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        robots = web.root / "www.yanchi.gov.cn" / "robots.txt"
        robots.write_text(robots.read_text("utf-8") + "Disallow: /xxgk/zfxxgknb/\n", "utf-8")

        completed = crawlall(data, web.url, only=ONLY)

        assert completed.returncode == EXIT_MISSING, completed.stdout + completed.stderr[-3000:]
        assert summary_line(completed.stdout, "yanchi")[1] == "blocked"
        assert (
            f"yanchi: blocked: robots.txt forbids the annual-report column ({YANCHI}/xxgk/zfxxgknb/"
        ) in completed.stdout
        assert "no annual report found" not in completed.stdout
        assert not [url for url in web.fetched() if "/xxgk/zfxxgknb/" in url]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_site_search_that_finds_nothing_is_not_credited(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with served_copy(tmp_path) as web:
        index = web.root / "www.pengyang.gov.cn" / "irs" / "front" / "search-index.json"
        content = json.loads(index.read_text("utf-8"))
        index.write_text(json.dumps({**content, "results": []}), "utf-8")

        completed = crawlall(data, web.url, only=("pengyang",))

    assert completed.returncode == EXIT_DEGRADED, completed.stdout + completed.stderr[-3000:]
    assert "found through the site search" not in completed.stdout
    assert (
        "pengyang: no annual-report (年报) column found, and the site search found no report either"
    ) in completed.stdout
