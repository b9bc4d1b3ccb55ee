"""The project's Scrapy commands (COMMANDS_MODULE), and what the database ones share."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from models.store import MissingBlobError, StoreError

R = TypeVar("R")


def reports_unusable_database(run: Callable[..., R]) -> Callable[..., R | None]:
    """Wrap a command's `run`: a database that cannot be opened, read or migrated (a file that
    is not a database, a directory, a server that refuses) ends the command with one line on
    stderr naming the setting and the cause, and exit status 1; no traceback."""

    @functools.wraps(run)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> R | None:
        try:
            return run(self, *args, **kwargs)
        except (StoreError, DBAPIError) as exc:
            if isinstance(exc, MissingBlobError):
                raise  # a missing document is the command's to report, not the database
            print(f"error: {database_problem(exc, self.settings)}", file=sys.stderr, flush=True)
            self.exitcode = 1
            return None

    return wrapper


def database_problem(exc: BaseException, settings: Any) -> str:
    """One line: the database URL (password hidden) and what went wrong with it."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    text = " ".join(str(exc).split())
    text = text.split(" [SQL:", 1)[0].split(" (Background on this error", 1)[0]
    if "OGI_DATABASE_URL" in text:
        return text
    url = str(settings.get("OGI_DATABASE_URL") or "") if settings is not None else ""
    try:
        shown = make_url(url).render_as_string(hide_password=True) if url else "?"
    except Exception:  # an unparsable URL: show it as given
        shown = url
    return f"OGI_DATABASE_URL={shown!r}: the database cannot be used: {text}"
