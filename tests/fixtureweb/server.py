"""Serve copies of a mirror tree to tests, and change a report on a served copy.

    with served_copy(tmp_path) as web:          # a copy of tests/fixtures/web on 127.0.0.1
        run_crawl(mirror=web.url)                # OGI_MIRROR=web.url
        assert web.fetched(status=200)           # the server's request log
        web.clear_log()
        changed = web.change_report("yanchi-2022-county")   # republish one report
        run_crawl(mirror=web.url)

The copy is what gets changed, never the committed tree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.mirror import LoggedRequest, MirrorServer
from tests.fixtureweb.build import (
    FIXTURE_WEB,
    MANIFEST,
    bundled_tree,
    copy_tree,
    reusable_attachments,
    write_tree,
)
from tests.fixtureweb.site import Entry, Site, _all_columns
from tests.support.spec import ReportSpec

DEFAULT_CHANGED_REPORT = "yanchi-2022-county"


@dataclass
class ServedWeb:
    """A mirror tree being served: its directory, its server and what it has answered."""

    root: Path
    server: MirrorServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / MANIFEST).read_text("utf-8"))
        return data

    @property
    def requests(self) -> list[LoggedRequest]:
        return self.server.requests

    def fetched(
        self,
        *,
        status: int | None = None,
        method: str | None = None,
        conditional: bool | None = None,
    ) -> list[str]:
        """URLs of the logged requests matching every given condition, in order."""
        return [
            r.url
            for r in self.server.requests
            if (status is None or r.status == status)
            and (method is None or r.method == method)
            and (conditional is None or r.conditional == conditional)
        ]

    def clear_log(self) -> None:
        self.server.clear_log()

    def change_report(
        self, report_id: str = DEFAULT_CHANGED_REPORT, **kwargs: Any
    ) -> dict[str, Any]:
        return change_report(self.root, report_id, **kwargs)


@contextmanager
def serve(root: Path) -> Iterator[ServedWeb]:
    """Serve `root` itself on 127.0.0.1 (a free port) for the duration of the block."""
    server = MirrorServer(root)
    server.start()
    try:
        yield ServedWeb(root=server.root, server=server)
    finally:
        server.stop()


@contextmanager
def served_copy(workdir: Path, source: Path = FIXTURE_WEB) -> Iterator[ServedWeb]:
    """Copy `source` (default: the bundled fixture web) into `workdir/web` and serve the copy."""
    root = copy_tree(source, workdir / "web")
    with serve(root) as web:
        yield web


def bump_figures(spec: ReportSpec, amount: int = 1) -> ReportSpec:
    """`spec` with `amount` more requests from natural persons, all disclosed.

    Six figures move together (new, disclosed and handled_total, each with its total), so every
    consistency rule that held still holds and the report parses without new findings.
    """
    figures = dict(spec.figures)
    for row in ("new", "disclosed", "handled_total"):
        for column in ("natural_person", "total"):
            key = f"requests.{row}.{column}"
            value = figures[key]
            if value is None:
                raise ValueError(f"{spec.name}: {key} is printed empty; pick another report")
            figures[key] = value + amount
    return dataclasses.replace(spec, figures=figures)


def change_report(
    root: Path,
    report_id: str = DEFAULT_CHANGED_REPORT,
    *,
    amount: int = 1,
    republished: dt.date | None = None,
) -> dict[str, Any]:
    """Change one report of the bundled fixture web in the tree at `root`, as the CMS would.

    Its figures move (`bump_figures`), its page and attachments are rendered again, and its
    list entry and page show the republication date (default: 30 days after the listed date);
    its URLs stay. Only the files that differ are rewritten (with a later mtime), together with
    `manifest.json`. Returns the report's new manifest record (with `"changed_files"`).
    """
    found: list[Entry] = []

    def edit(sites: list[Site]) -> None:
        for site in sites:
            for column in _all_columns(site):
                for entry in column.entries:
                    if entry.spec is not None and entry.spec.name == report_id:
                        found.append(entry)
        if len(found) != 1:
            raise KeyError(f"no report {report_id!r} in the bundled fixture web")
        entry = found[0]
        assert entry.spec is not None
        date = republished or entry.list_date + dt.timedelta(days=30)
        spec = bump_figures(entry.spec, amount)
        entry.spec = dataclasses.replace(
            spec, meta=dataclasses.replace(spec.meta, published_at=date)
        )
        entry.listed = date
        entry.page_date = date

    tree, manifest = bundled_tree(reuse=reusable_attachments(root), edit=edit)
    written = write_tree(root, tree, manifest)
    record = next(r for r in manifest["reports"] if r["id"] == report_id)
    return {**record, "changed_files": written}
