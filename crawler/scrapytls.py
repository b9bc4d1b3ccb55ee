"""Scrapy's HTTP/1.1 download handler, imported without its deprecation shims' stack walks.

Importing `scrapy.core.downloader.handlers.http11` imports `scrapy.core.downloader.contextfactory`
and `scrapy.core.downloader.tls`, which define three deprecated class names with
`scrapy.utils.deprecate.create_deprecated_class`. Each call runs `inspect.stack()` only to learn
its caller's module: source lines and `inspect.getmodule` for every frame of the import chain,
each miss a walk over all of `sys.modules`. In a crawl's start-up that was a third of a
CPU-second of its main thread (18 % of its samples before the first request, issue 9), paid by
whoever first imports the handler (the robots.txt middleware's RETRY_EXCEPTIONS, the handler).

`import_http11` imports them once with `inspect.stack` answering only the two frames the shim
reads (itself and its caller, whose module names the deprecated class) and `inspect.getmodule`
naming a frame's module from its globals, so the classes come out exactly as they would (same
`__module__`). The swap lasts for those imports only; the crawl's
other threads are not calling `inspect` at start-up (and would get a short stack, not a wrong
one).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
from types import FrameType, ModuleType

_MODULES = (
    "scrapy.core.downloader.tls",
    "scrapy.core.downloader.contextfactory",
    "scrapy.core.downloader.handlers.http11",
)
_lock = threading.Lock()


def _two_frames(context: int = 1) -> list[inspect.FrameInfo]:
    """`inspect.stack()`'s first two entries (this call's caller and its caller), cheaply."""
    frames: list[inspect.FrameInfo] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and len(frames) < 2:
        frames.append(
            inspect.FrameInfo(
                frame, frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, None, None
            )
        )
        frame = frame.f_back
    return frames


def _frame_module(object: object, _filename: str | None = None) -> ModuleType | None:
    """`inspect.getmodule` for a frame: the module whose globals it runs in (what getmodule
    finds through file names, after a `realpath` of every module's file on its first call)."""
    if isinstance(object, FrameType):
        return sys.modules.get(str(object.f_globals.get("__name__", "")))
    return _getmodule(object, _filename)


_getmodule = inspect.getmodule


def import_http11() -> ModuleType:
    """`scrapy.core.downloader.handlers.http11`, imported as cheaply as it can be."""
    with _lock:
        if _MODULES[-1] not in sys.modules:
            stack, getmodule = inspect.stack, inspect.getmodule
            inspect.stack, inspect.getmodule = _two_frames, _frame_module
            try:
                for name in _MODULES:
                    importlib.import_module(name)
            finally:
                inspect.stack, inspect.getmodule = stack, getmodule
    return sys.modules[_MODULES[-1]]


import_http11()
# The handler's class, for `crawler.connections` to subclass (importing this module imports it).
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler  # noqa: E402

__all__ = ["HTTP11DownloadHandler", "import_http11"]
