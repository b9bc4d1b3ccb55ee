"""crawler.children: the crawl's children come from one fork server, with the parent's current
environment, and without running a console script's `__main__` again."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from crawler.parsing import ParsePool
from reportparser.places import matcher
from reportparser.result import ParseResult

PROJECT_DIR = Path(__file__).resolve().parents[2]


def probe(job: object) -> ParseResult:
    """A worker's view of itself, as a parse result's reason."""
    seen = {
        "cmdline": "scrapy.cmdline" in sys.modules,
        "variable": os.environ.get("OGI_TEST_CHILDREN"),
        "parser": "reportparser.api" in sys.modules,
        "matcher": matcher.cache_info().currsize,
        "frozen": gc.get_freeze_count(),
        "tempdir": tempfile.gettempdir(),
    }
    return ParseResult("not_report", "text", reason=json.dumps(seen))


_SCRIPT = """
import sys
from scrapy.cmdline import execute  # what Scrapy's console script imports
from crawler.parsing import ParsePool
from tests.crawler.test_children import probe

if __name__ == "__main__":
    pool = ParsePool(workers=1, timeout=60, target=probe)
    print(pool.run("job").reason)
    pool.close()
"""


def _run_script(script: Path, **environ: str) -> dict[str, object]:
    """What `_SCRIPT`'s worker saw of itself, the script run as its own process."""
    script.parent.mkdir(exist_ok=True)
    script.write_text(_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **environ}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_DIR,
        env=env,
        timeout=120,
    )
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_children_of_the_console_script_do_not_run_it_again(tmp_path: Path) -> None:
    seen = _run_script(tmp_path / "bin" / "scrapy")  # named as the console script

    assert seen["cmdline"] is False  # the script was not run again in the worker
    assert seen["parser"] is True  # imported once, in the fork server


def test_children_start_under_a_temporary_directory_too_deep_for_a_socket(tmp_path: Path) -> None:
    # The fork server's socket goes under multiprocessing's directory in TMPDIR: past 107 bytes
    # the server did not start, and no worker with it. The children keep the deep TMPDIR.
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    seen = _run_script(tmp_path / "script.py", TMPDIR=str(deep))
    assert seen["tempdir"] == str(deep)


def test_children_see_the_environment_of_when_they_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fork server keeps the environment it started with; a spawned child had its parent's.
    first = ParsePool(workers=1, timeout=60, target=probe)
    try:
        assert json.loads(first.run("job").reason or "")["variable"] is None
    finally:
        first.close()
    monkeypatch.setenv("OGI_TEST_CHILDREN", "now")
    second = ParsePool(workers=1, timeout=60, target=probe)
    try:
        assert json.loads(second.run("job").reason or "")["variable"] == "now"
    finally:
        second.close()


def test_workers_start_with_the_place_matcher_built_and_the_heap_frozen() -> None:
    # Built once in the fork server (crawler.preload), not at every worker's first document.
    pool = ParsePool(workers=1, timeout=60, target=probe)
    try:
        seen = json.loads(pool.run("job").reason or "")
    finally:
        pool.close()
    assert seen["matcher"] == 1
    assert seen["frozen"] > 0


def test_only_the_fork_server_leaves_without_its_exit_handlers() -> None:
    # crawler.preload makes the fork server skip the interpreter's teardown at exit; a process
    # that merely imports the module (this one) must keep its own exit (and exit status).
    from crawler import preload  # here: it builds the place matcher on import

    assert not preload.in_fork_server()
