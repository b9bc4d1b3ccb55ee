"""Headless LibreOffice conversions (DOC/WPS/ET in, DOCX/XLSX/PDF out).

Each call gets its own user profile directory: two soffice processes sharing a profile collide
and one of them exits 0 having written nothing. Each call also has a timeout, after which the
whole process group (oosplash and soffice.bin) is killed, so a hostile file cannot hang a crawl.

A document may link an image or an OLE object by URL, and LibreOffice fetches it while loading:
a request to any host (127.0.0.1 included) that bypasses the crawler's offsite rules, robots.txt
and politeness. So conversions run with no network at all: the profile tells LibreOffice to block
links from untrusted documents (every document is) and sends whatever it fetches anyway through a
proxy that is a closed local port; and, where the kernel allows unprivileged user namespaces,
soffice runs in a network namespace of its own (`unshare -rn`: no interface but a loopback that
is down). Where it does not, `isolation()` says so and the settings alone apply.

The temporary directory of a conversion is named after the process that owns it
(`ogi-soffice-<pid>-…`) and records the conversion's process group, so that a parser worker
killed in the middle of one (by the crawl's timeout or memory limit) leaves nothing behind:
`clean_leftovers` kills that group and removes the directory.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

_PREFIX: Final = "ogi-soffice-"
_GROUP_FILE: Final = "process-group"

# Where LibreOffice's own fetches go: a port nothing listens on. Blocking untrusted links
# covers ODF, but the Word filter fetches an INCLUDEPICTURE link anyway (LibreOffice 7.4);
# through this proxy it fails without leaving the machine.
_DEAD_PROXY: Final = ("127.0.0.1", 1)

# The user profile of every conversion: no macros, and no link followed out of the document
# (linked images, OLE links, external data) — a document from the web is never trusted.
_PROFILE_TEMPLATE: Final = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop
 oor:name="ooInetProxyType" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop
 oor:name="ooInetNoProxy" oor:op="fuse"><value></value></prop></item>
DEAD_PROXY<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop
 oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop
 oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""
_PROFILE: Final = _PROFILE_TEMPLATE.replace(
    "DEAD_PROXY",
    "".join(
        f'<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInet{scheme}Proxy'
        f'{field}" oor:op="fuse"><value>{value}</value></prop></item>\n'
        for scheme in ("HTTP", "HTTPS", "FTP")
        for field, value in (("Name", _DEAD_PROXY[0]), ("Port", _DEAD_PROXY[1]))
    ),
)
_PROXY_URL: Final = f"http://{_DEAD_PROXY[0]}:{_DEAD_PROXY[1]}"

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


@functools.cache
def _namespace_prefix() -> tuple[tuple[str, ...], str]:
    """The command prefix that cuts a conversion off the network, and a word on how."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return (), "no network namespace (unshare is not installed): LibreOffice settings only"
    command = (unshare, "--user", "--map-root-user", "--net")
    try:
        subprocess.run([*command, "true"], capture_output=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        why = detail.decode("utf-8", "replace").strip() or type(exc).__name__
        return (), f"no network namespace ({why}): LibreOffice settings only"
    return command, "network namespace"


def isolation() -> str:
    """How conversions are kept off the network ("network namespace", or why not)."""
    return _namespace_prefix()[1]


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
    prefix, how = _namespace_prefix()
    if not prefix:
        _warn_once(how)
    with tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-") as tmp:
        work = Path(tmp)
        source = work / "in" / f"document{source_suffix}"
        source.parent.mkdir()
        source.write_bytes(data)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, "utf-8")
        out_dir = work / "out"
        command = [
            *prefix,
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            FILTERS[target].replace('"', "") + (f":{filter_options}" if filter_options else ""),
            "--outdir",
            str(out_dir),
            str(source),
        ]
        env = {
            **{k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
            **dict.fromkeys(("http_proxy", "https_proxy", "ftp_proxy"), _PROXY_URL),
            "no_proxy": "",
            "HOME": str(work),
        }
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # so that a timeout can kill soffice.bin too
        )
        try:
            (work / _GROUP_FILE).write_text(str(process.pid), "ascii")
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise ConversionFailed(f"LibreOffice timed out after {timeout:.0f} s") from None
        except BaseException:  # SystemExit from the worker's SIGTERM, KeyboardInterrupt …
            _kill_group(process)
            raise
        produced = list(out_dir.glob(f"*.{target}")) if out_dir.is_dir() else []
        if not produced or produced[0].stat().st_size == 0:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"exit status {process.returncode}"
            raise ConversionFailed(f"LibreOffice could not convert the document: {reason}")
        return produced[0].read_bytes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill oosplash, soffice.bin and anything they started (they share the group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


@functools.cache
def _warn_once(how: str) -> None:
    logger.warning("LibreOffice conversions run with %s", how)


_OWNED: Final = re.compile(rf"{re.escape(_PREFIX)}(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _group_is_soffice(pgid: int) -> bool:
    """Whether some process of group `pgid` is LibreOffice (a recycled id is left alone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text("ascii", "replace").rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # fields after "comm": state, ppid, pgrp, …
                continue
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if b"soffice" in cmdline or b"oosplash" in cmdline:
            return True
    return False


def clean_leftovers(owner: int | None = None, directory: Path | None = None) -> list[Path]:
    """Kill the conversions and remove the directories left by dead owners (or by `owner`, a
    worker just killed): the directories removed.

    A process killed with SIGKILL in the middle of a conversion cannot clean up after itself;
    its conversion's process group survives it (soffice runs in a session of its own).
    """
    removed: list[Path] = []
    for work in Path(directory or tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        match = _OWNED.match(work.name)
        if match is None or not work.is_dir():
            continue
        pid = int(match.group(1))
        if pid != owner and (pid == os.getpid() or _alive(pid)):
            continue
        try:
            pgid = int((work / _GROUP_FILE).read_text("ascii"))
        except (OSError, ValueError):
            pgid = None
        if pgid is not None and _group_is_soffice(pgid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
        removed.append(work)
    return removed
