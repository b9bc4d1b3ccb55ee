"""The crawl's child processes (the store process, the parser workers) forked from one server.

Each child used to be a spawned interpreter importing what it runs: the store process SQLAlchemy
and the models, each of the four parser workers the whole parser (lxml, pdfium, the figure
analysis): about half a CPU-second each on an idle machine, paid five times at every crawl's
start (issue 9). Started from a console script (`.venv/bin/scrapy`), each also ran the script
again as its `__main__`, importing Scrapy's command line for nothing.

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
import tempfile
from collections.abc import Mapping
from multiprocessing.context import ForkServerContext
from typing import Final

# What the children need, imported once in the server. `__main__`: the script the command runs
# from (multiprocessing imports it in the server, so no child runs it again). Not the store
# (`models.remote`: SQLAlchemy and the models): the one store process imports it after its
# fork, and the parser workers stay without it: 28 MB less in each, and as much more room under
# their address-space limit (OGI_PARSE_MEMORY) as they had when spawned.
PRELOAD: Final = ("__main__", "crawler.parsing", "reportparser.api")


def context() -> ForkServerContext:
    """The multiprocessing context the crawl's children start in."""
    forkserver = multiprocessing.get_context("forkserver")
    # The process has one fork server: its preload is set once, before it starts.
    forkserver.set_forkserver_preload(list(PRELOAD))
    return forkserver


def start_early() -> None:
    """Start the fork server now (it imports `PRELOAD` meanwhile), not at the first child: the
    imports then overlap the command's own start-up instead of delaying the store."""
    context()
    from multiprocessing import forkserver  # noqa: PLC0415

    forkserver.ensure_running()


def inherit_environment(environ: Mapping[str, str]) -> None:
    """In a child: take the parent's environment as it was when it started the child, as a
    spawned child would have it (TMPDIR, PATH for LibreOffice …)."""
    if dict(os.environ) != dict(environ):
        os.environ.clear()
        os.environ.update(environ)
        tempfile.tempdir = None  # computed again from TMPDIR on next use
