from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reportparser.document import Table
from reportparser.formats import ExtractionFailure, extract, libreoffice
from reportparser.formats.libreoffice import ConversionFailed, convert
from tests.conftest import PROJECT_DIR
from tests.reportparser.formats.conftest import require_soffice
from tests.reportparser.formats.test_spreadsheet import XLSX_TABLE, report_xlsx
from tests.support.linked import linked_image_odt

pytestmark = pytest.mark.libreoffice


def _table(data: bytes, filename: str) -> tuple[str, str | None, Table]:
    result = extract(data, filename=filename)
    assert not isinstance(result, ExtractionFailure), result
    tables = [block for block in result.blocks if isinstance(block, Table)]
    return result.format, result.engine, tables[0]


@pytest.mark.parametrize(("filename", "fmt"), [("report.doc", "doc"), ("report.wps", "wps")])
def test_doc_and_wps_read_like_the_docx(
    report_doc_bytes: bytes, report_docx_bytes: bytes, filename: str, fmt: str
) -> None:
    expected = _table(report_docx_bytes, "report.docx")[2]
    assert _table(report_doc_bytes, filename) == (fmt, "libreoffice+docx-xml", expected)


@pytest.fixture(scope="module")
def report_xls_bytes() -> bytes:
    require_soffice()
    return convert(report_xlsx(), source_suffix=".xlsx", target="xls")


@pytest.mark.parametrize(("filename", "fmt"), [("table.xls", "xls"), ("table.et", "et")])
def test_xls_and_et_read_like_the_xlsx(report_xls_bytes: bytes, filename: str, fmt: str) -> None:
    assert report_xls_bytes.startswith(b"\xd0\xcf\x11\xe0")
    assert _table(report_xls_bytes, filename) == (fmt, "libreoffice+openpyxl", XLSX_TABLE)


def test_garbage_named_doc_never_reaches_libreoffice() -> None:
    started = time.perf_counter()
    result = extract(bytes(range(256)) * 100, filename="report.doc")
    assert time.perf_counter() - started < 1  # no soffice start-up
    assert result == ExtractionFailure("error", "unknown", "not a DOC file: no DOC signature")


def test_without_libreoffice_a_clear_result(report_doc_bytes: bytes, tmp_path: object) -> None:
    script = (
        "import sys\n"
        "from reportparser.formats import extract\n"
        "print(repr(extract(sys.stdin.buffer.read(), filename='report.wps')))\n"
    )
    env = {**os.environ, "PATH": "/nonexistent"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=report_doc_bytes,
        capture_output=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert completed.stdout.decode().strip() == repr(
        ExtractionFailure(
            "needs_libreoffice",
            "wps",
            "needs LibreOffice: install it (soffice) to read this format",
            "libreoffice",
        )
    )


def test_parallel_conversions_do_not_collide(report_docx_bytes: bytes) -> None:
    require_soffice()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda _: convert(report_docx_bytes, source_suffix=".docx", target="doc"),
                range(2),
            )
        )
    assert all(result.startswith(b"\xd0\xcf\x11\xe0") for result in results)


def test_timeout_kills_the_conversion(report_docx_bytes: bytes) -> None:
    require_soffice()
    with pytest.raises(ConversionFailed, match="timed out"):
        convert(report_docx_bytes, source_suffix=".docx", target="pdf", timeout=0.05)


class _Listener:
    """An HTTP server on 127.0.0.1 that records every request path (and answers 404)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                paths.append(f"{self.command} {self.path}")
                self.send_error(404)

            do_GET = do_HEAD = do_OPTIONS = do_PROPFIND = _any

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    with _Listener() as server:
        yield server


@pytest.mark.parametrize("guard", ["namespace", "settings only"])
@pytest.mark.parametrize("fmt", ["odt", "doc"])
def test_a_linked_image_is_never_fetched(
    listener: _Listener, fmt: str, guard: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_soffice()
    odt = linked_image_odt(f"{listener.url}/ssrf-probe.png")
    data = odt if fmt == "odt" else convert(odt, source_suffix=".odt", target="doc")
    assert not listener.paths  # making the DOC fetched nothing either
    if guard == "settings only":
        # Where user namespaces are off, LibreOffice's own settings still refuse the link.
        monkeypatch.setattr(libreoffice, "_namespace_prefix", lambda: ((), "settings only"))
    elif libreoffice.isolation() != "network namespace":
        pytest.skip(libreoffice.isolation())

    result = extract(data, filename=f"report.{fmt}")

    assert not isinstance(result, ExtractionFailure), result
    assert "盐池县2022年政府信息公开工作年度报告" in [getattr(b, "text", "") for b in result.blocks]
    assert listener.paths == []
    assert any(guard.split(maxsplit=1)[0] in note for note in result.notes), result.notes


def test_without_a_namespace_the_conversion_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    libreoffice._namespace_prefix.cache_clear()
    try:
        assert libreoffice.isolation().startswith("no network namespace (unshare is not installed)")
    finally:
        libreoffice._namespace_prefix.cache_clear()


def test_a_conversion_whose_owner_was_killed_is_cleaned_up(
    report_docx_bytes: bytes, tmp_path: Path
) -> None:
    # SIGKILL gives the owner no chance to clean up: soffice (in a session of its own) ran on
    # and its ogi-soffice-* profile stayed. `clean_leftovers` (run when a pool starts and after
    # it kills a worker) ends both.
    require_soffice()
    script = (
        "import sys\n"
        "from reportparser.formats.libreoffice import convert\n"
        "convert(sys.stdin.buffer.read(), source_suffix='.docx', target='pdf', timeout=300)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        cwd=PROJECT_DIR,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert owner.stdin is not None
    owner.stdin.write(report_docx_bytes)
    owner.stdin.close()
    deadline = time.monotonic() + 60
    while not (groups := list(tmp_path.glob("ogi-soffice-*/process-group"))):
        assert time.monotonic() < deadline and owner.poll() is None
        time.sleep(0.05)
    work = groups[0].parent
    pgid = int(groups[0].read_text())
    owner.kill()
    owner.wait()
    assert work.is_dir()
    assert libreoffice.clean_leftovers(directory=tmp_path) == [work]
    assert not work.exists()
    deadline = time.monotonic() + 10
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(pgid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_conversions_of_live_owners_are_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / f"ogi-soffice-{os.getpid()}-abc"
    mine.mkdir()
    gone = tmp_path / "ogi-soffice-999999999-abc"  # no such process
    gone.mkdir()

    assert libreoffice.clean_leftovers(directory=tmp_path) == [gone]
    assert mine.is_dir()
