"""Headless LibreOffice conversions (DOC/WPS/ET in, DOCX/XLSX/PDF out).

Each call gets its own user profile directory: two soffice processes sharing a profile collide
and one of them exits 0 having written nothing. Each call also has a timeout, after which the
whole process group (oosplash and soffice.bin) is killed, so a hostile file cannot hang a crawl.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Final

# Explicit filter names: "--convert-to doc" alone lets LibreOffice pick by guesswork.
FILTERS: Final[dict[str, str]] = {
    "pdf": "pdf:writer_pdf_Export",
    "docx": 'docx:"MS Word 2007 XML"',
    "doc": 'doc:"MS Word 97"',
    "xlsx": 'xlsx:"Calc MS Excel 2007 XML"',
    "xls": 'xls:"MS Excel 97"',
    "odt": "odt",
}


class LibreOfficeUnavailable(RuntimeError):
    """soffice is not installed (or not on PATH)."""


class ConversionFailed(RuntimeError):
    """soffice ran but produced nothing usable (broken input, timeout, crash)."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    data: bytes,
    *,
    source_suffix: str,
    target: str,
    timeout: float = 90.0,
    filter_options: str | None = None,
) -> bytes:
    """Convert `data` (a file whose name would end in `source_suffix`, e.g. ".doc") to `target`.

    `filter_options` is appended to the export filter, e.g. the JSON options of the PDF export
    (`{"EncryptFile":{"type":"boolean","value":"true"}, ...}`).
    Raises LibreOfficeUnavailable or ConversionFailed; never hangs longer than `timeout`.
    """
    soffice = soffice_path()
    if soffice is None:
        raise LibreOfficeUnavailable("needs LibreOffice: install it (soffice) to read this format")
    if target not in FILTERS:
        raise ValueError(f"unsupported conversion target {target!r}")
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as tmp:
        work = Path(tmp)
        source = work / "in" / f"document{source_suffix}"
        source.parent.mkdir()
        source.write_bytes(data)
        out_dir = work / "out"
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            FILTERS[target].replace('"', "") + (f":{filter_options}" if filter_options else ""),
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {**os.environ, "HOME": str(work)}
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # so that a timeout can kill soffice.bin too
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionFailed(f"LibreOffice timed out after {timeout:.0f} s") from None
        produced = list(out_dir.glob(f"*.{target}")) if out_dir.is_dir() else []
        if not produced or produced[0].stat().st_size == 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit status {process.returncode}"
            raise ConversionFailed(f"LibreOffice could not convert the document: {reason}")
        return produced[0].read_bytes()
