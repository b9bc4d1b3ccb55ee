"""What the crawl's fork server loads once for all its children (`crawler.children.PRELOAD`).

Imported in the fork server only, never in the crawl process: importing it builds the parser's
national place matcher (every division since 1981: about 0.1 CPU-second), which the parser
otherwise builds lazily at its first document, in every worker again (half a CPU-ms a report at
22 sites × 20 reports with two workers, issue 9). Built here, before any fork, each worker
starts with it as it starts with the parser's modules: shared, not rebuilt.

Then the server's heap is frozen (`gc.freeze`): the children's collections never walk the
imported modules and the matcher (a full collection would otherwise visit every one of those
objects in every child, and in doing so write to their pages, which the kernel then copies for
that child alone).

And the server leaves at once when the crawl process is gone (`_exit_at_once`): its normal exit
tore down every module and the matcher first, 30–80 ms on 2 loaded cores, and it holds the
crawl's stdout like every child, so whoever reads the crawl's output to its end (bench (d), a
shell pipeline) waited for that after the crawl had exited (issue 9).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import types
from multiprocessing import forkserver

import crawler.parsing  # noqa: F401  (the workers' target: imported once, in the server)
from reportparser import api  # noqa: F401  (the parser's modules)
from reportparser.places import matcher


def in_fork_server() -> bool:
    """Whether this import runs in multiprocessing's fork server (its `main` imports the
    preload), not in a process that merely imports this module (a test)."""
    frame: types.FrameType | None = sys._getframe()  # who imports us: the only way to tell
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename == forkserver.__file__:
            return True
        frame = frame.f_back
    return False


def _exit_at_once() -> None:
    """The server's last act (the first exit handler to run, registered last): nothing to
    flush or release (it writes nothing; its children, forks, exit by `os._exit` already)."""
    os._exit(0)


matcher()
gc.freeze()
if in_fork_server():
    atexit.register(_exit_at_once)
