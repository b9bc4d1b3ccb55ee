"""`scrapy browse [--port N]`: look at the collected data in a web browser (Datasette + pages)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from crawler.cli import apply_demo_settings
from models.engine import sqlite_path

if TYPE_CHECKING:
    import argparse

DEFAULT_PORT = 8001  # Datasette's


def database_file(database_url: str) -> Path:
    """The SQLite file of OGI_DATABASE_URL; a UsageError for anything else."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise UsageError(
            f"OGI_DATABASE_URL={database_url!r} is not a database URL: {exc}"
        ) from None
    path = sqlite_path(url) if url.get_backend_name() == "sqlite" else None
    if path is None:
        raise UsageError(
            f"the browser reads a SQLite database file, not {url.get_backend_name()} "
            f"({url.render_as_string(hide_password=True)}): export one with `scrapy export`, "
            "or crawl into SQLite",
            print_help=False,
        )
    return path


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--port N] [--host H] [--demo]"

    def short_desc(self) -> str:
        return "Browse the collected reports in a web browser (Datasette, read-only)"

    def long_desc(self) -> str:
        return (
            "Serve the database of OGI_DATABASE_URL (SQLite) read-only with Datasette on "
            "http://127.0.0.1:8001/: every table and view with its documentation, canned "
            "queries, a page per report laid out like the template's tables, a page per county "
            "with its history, and the coverage grid (/-/coverage). Archived copies come from "
            "OGI_BLOB_DIR. Nothing is fetched from the internet; a crawl may run meanwhile."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument(
            "--port",
            type=int,
            default=DEFAULT_PORT,
            help=f"port to listen on ({DEFAULT_PORT}; 0 picks a free one)",
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="browse the demo's database (OGI_DEMO_DIR, data/demo), not OGI_DATABASE_URL",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.demo:
            # What `scrapy crawlall --demo` writes and tells people to browse.
            assert self.settings is not None
            apply_demo_settings(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        # Imported here: Datasette and uvicorn are not needed by any other command.
        import uvicorn  # noqa: PLC0415

        from browser.app import BrowseError, check_database, make_datasette  # noqa: PLC0415

        database = database_file(str(self.settings["OGI_DATABASE_URL"]))
        try:
            check_database(database)
        except BrowseError as exc:
            print(f"scrapy browse: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        datasette = make_datasette(database, Path(self.settings["OGI_BLOB_DIR"]))
        # Bound here, not by uvicorn: with --port 0 the printed URL carries the port chosen.
        listener = socket.socket(socket.AF_INET6 if ":" in opts.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((opts.host, opts.port))
            # Listening before the URL is printed: a client that connects while Datasette is
            # still starting waits in the backlog instead of being refused.
            listener.listen(128)
        except OSError as exc:
            listener.close()
            print(
                f"scrapy browse: cannot listen on {opts.host}:{opts.port}: {exc}", file=sys.stderr
            )
            self.exitcode = 1
            return
        host, port = listener.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(
            f"Browsing {database} at http://{shown}:{port}/ (read-only; Ctrl-C stops)", flush=True
        )
        config = uvicorn.Config(datasette.app(), log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[listener])
