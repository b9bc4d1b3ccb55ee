"""`scrapy servemirror DIR [--port N]`: serve a mirror tree over HTTP for `--mirror URL`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.mirror import DEMO_MIRROR_DIR, MirrorServer

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCommand):
    requires_project = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[DIR] [--host H] [--port N]"

    def short_desc(self) -> str:
        return "Serve a mirror tree (wget --mirror layout) as /<host>/<path> over HTTP"

    def long_desc(self) -> str:
        return (
            "Serve DIR (default: the bundled fixture web) so that a crawl run with "
            "--mirror http://HOST:PORT (or OGI_MIRROR) is answered from it. Sidecar files "
            "(<file>.http) give statuses, headers and delays; see crawler/mirror/tree.py."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument(
            "--port", type=int, default=8000, help="port to listen on (0 picks a free one)"
        )
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) > 1:
            raise UsageError("give one mirror directory")
        root = Path(args[0]) if args else DEMO_MIRROR_DIR
        try:
            server = MirrorServer(root, host=opts.host, port=opts.port, verbose=not opts.quiet)
        except (ValueError, OSError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        print(f"Serving {server.root} at {server.url}/<host>/<path> (Ctrl-C stops)", flush=True)
        print(f"Crawl it with: scrapy crawlall --mirror {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
