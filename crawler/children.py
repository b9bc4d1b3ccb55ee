"""The crawl's child processes (the store process, the parser workers) forked from one server.

Each child used to be a spawned interpreter importing what it runs: the store process SQLAlchemy
and the models, each of the four parser workers the whole parser (lxml, pdfium, the figure
analysis): about half a CPU-second each on an idle machine, paid five times at every crawl's
start (issue 9). Started from a console script (`.venv/bin/scrapy`), each also ran the script
again as its `__main__`, importing Scrapy's command line for nothing (`_MAIN_SCRIPT`).

Here they come from multiprocessing's fork server: one interpreter, started as early as the
command can (`start_early`), imports `PRELOAD` (the parser) once; each child is a fork of it,
ready in milliseconds, its imports shared (the store process then imports the store). The
server is single-threaded when it forks (the crawl process is not: forking it would copy its
locks mid-use), and children still begin as multiprocessing's spawned ones do: the parent's
`sys.path`, working directory and their target sent over. What a fork server does not pass is
the parent's environment as it is now (the server keeps the one it started with), so the
children apply the parent's, sent with their arguments (`inherit_environment`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import types
from collections.abc import Mapping
from multiprocessing import spawn
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Final

# What the children need, imported once in the server. Not the store (`models.remote`:
# SQLAlchemy and the models): the one store process imports it after its fork, and the parser
# workers stay without it: 28 MB less in each, and as much more room under their address-space
# limit (OGI_PARSE_MEMORY) as they had when spawned. `crawler.preload` imports the parser and
# builds what its first document would build in every worker (and freezes the heap, see there).
PRELOAD: Final = ("crawler.preload",)
# The command's script when it is Scrapy's console script (`.venv/bin/scrapy`), for the server.
# Multiprocessing runs a script started by path again in every child, as its `__main__` (for the
# functions it may define): this one only imports Scrapy's command line, a third of a CPU-second
# in each child for nothing, their targets living in modules. The server stands a module with
# that `__file__` in for `__main__` (`_stand_in_for_main`), which multiprocessing takes for the
# script already run. (Python 3.11's fork server cannot import `__main__` itself: it looks for
# a `main_path` that its preparation data never holds.)
_MAIN_SCRIPT: Final = "OGI_CHILDREN_MAIN_SCRIPT"


# The fork server listens on a Unix socket that multiprocessing names under a directory of its
# own in TMPDIR ("pymp-xxxxxxxx/listener-xxxxxxxx"); AF_UNIX allows 107 bytes for the name.
_SOCKET_ROOM: Final = 107 - len("/pymp-xxxxxxxx/listener-xxxxxxxx")
# mkdtemp makes a private directory (0700) in whichever is writable.
_SHORT_DIRS: Final = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108


def _short_socket_dir() -> None:
    """Have multiprocessing's directory (the fork server's socket) somewhere short when TMPDIR is
    deep: under a deep TMPDIR (a CI job's, a test's) the server failed to start ("AF_UNIX path
    too long") and every parser worker with it. Only that directory moves: what the children
    write (LibreOffice's profiles, conversions) still goes to TMPDIR."""
    from multiprocessing import util  # noqa: PLC0415

    if len(tempfile.gettempdir()) <= _SOCKET_ROOM:
        return
    saved = tempfile.tempdir
    try:
        for short in _SHORT_DIRS:
            if os.access(short, os.W_OK | os.X_OK):
                # multiprocessing makes its directory once per process, here, then reuses it.
                tempfile.tempdir = short
                util.get_temp_dir()
                return
    finally:
        tempfile.tempdir = saved


def context() -> ForkServerContext:
    """The multiprocessing context the crawl's children start in."""
    _short_socket_dir()
    forkserver = multiprocessing.get_context("forkserver")
    # The process has one fork server: its preload and environment are set before it starts.
    forkserver.set_forkserver_preload(list(PRELOAD))
    script = spawn.get_preparation_data("ogi").get("init_main_from_path")
    if script is not None and Path(script).name == "scrapy":
        os.environ[_MAIN_SCRIPT] = script
    return forkserver


def start_early() -> None:
    """Start the fork server now (it imports `PRELOAD` meanwhile), not at the first child: the
    imports then overlap the command's own start-up instead of delaying the store."""
    context()
    from multiprocessing import forkserver  # noqa: PLC0415

    forkserver.ensure_running()


def _stand_in_for_main() -> None:
    """In the fork server (a `python -c` process told the script by `_MAIN_SCRIPT`): a module
    with the script's `__file__` as `__main__`, so that no child runs the script again."""
    script = os.environ.get(_MAIN_SCRIPT)
    main = sys.modules.get("__main__")
    if script is None or sys.argv[:1] != ["-c"] or getattr(main, "__file__", None) is not None:
        return
    stand_in = types.ModuleType("__mp_main__")
    stand_in.__file__ = script
    sys.modules["__main__"] = sys.modules["__mp_main__"] = stand_in


def inherit_environment(environ: Mapping[str, str]) -> None:
    """In a child: take the parent's environment as it was when it started the child, as a
    spawned child would have it (TMPDIR, PATH for LibreOffice …)."""
    if dict(os.environ) != dict(environ):
        os.environ.clear()
        os.environ.update(environ)
        tempfile.tempdir = None  # computed again from TMPDIR on next use


_stand_in_for_main()
