"""The yearly refresh of the reference data: the divisions table and the registry's site list.

`scripts/refresh-reference-data --divisions SRC --sites SRC` (a local file or a URL) checks the
new files, writes `reportparser/data/divisions-areacodes.csv` and merges the site list into
`crawler/data/counties.csv`: what people found out about a county (its slug, its platform
family, a verified portal) is kept, new counties come in as `unknown` and unverified, counties
no longer in the list are reported and kept only where people knew something about them.
Provenance and the sources: `reportparser/data/README.md`, `crawler/data/README.md`.
"""

from __future__ import annotations

import csv
import io
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from crawler.counties import COLUMNS, UNKNOWN_FAMILY, read_counties
from reportparser.divisions import read_rows

SITE_COLUMNS: Final = ("code", "province", "prefecture", "county", "portal_url")


def read_source(source: str, *, timeout: float = 60) -> str:
    """A file's text (UTF-8, with or without a BOM), from a path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=timeout) as answer:  # noqa: S310
            data: bytes = answer.read()
    else:
        data = Path(source).read_bytes()
    return data.decode("utf-8-sig")


def checked_divisions(text: str) -> str:
    """The divisions table's text, once it parses (ValueError otherwise)."""
    rows = read_rows(text)
    if not any(row.level == "county" and row.until is None for row in rows):
        raise ValueError("the divisions table names no county in force")
    return text if text.endswith("\n") else text + "\n"


@dataclass
class Merge:
    text: str
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # gone from the list, kept for what we know
    portal_changed: list[str] = field(default_factory=list)


def _known(row: dict[str, str]) -> bool:
    """Whether people recorded something about the county beyond the list."""
    return bool(row["slug"]) or row["family"] != UNKNOWN_FAMILY or row["site_verified"] == "yes"


def merged_registry(current: str, sites: str) -> Merge:
    """The registry with a new site list merged in (see the module docstring)."""
    reader = csv.DictReader(io.StringIO(sites.removeprefix("\ufeff")))
    if tuple(reader.fieldnames or ()) != SITE_COLUMNS:
        raise ValueError(f"the site list must have the columns {', '.join(SITE_COLUMNS)}")
    new = {row["code"]: row for row in reader}
    old = {row["code"]: row for row in csv.DictReader(io.StringIO(current))}
    rows: list[dict[str, str]] = []
    merge = Merge("")
    for code, site in new.items():
        before = old.get(code)
        row = {**site, "slug": "", "family": UNKNOWN_FAMILY, "site_verified": "no"}
        if before is None:
            merge.added.append(f"{code} {site['county']}")
        else:
            row.update(slug=before["slug"], family=before["family"])
            if _known(before) and before["portal_url"]:
                # A portal people checked (or a family they detected on it) wins over the list.
                row.update(portal_url=before["portal_url"], site_verified=before["site_verified"])
            elif before["portal_url"] != site["portal_url"]:
                merge.portal_changed.append(f"{code} {site['county']}: {site['portal_url']}")
        rows.append(row)
    for code, before in old.items():
        if code in new:
            continue
        if _known(before):
            rows.append(before)
            merge.kept.append(f"{code} {before['county']}")
        else:
            merge.dropped.append(f"{code} {before['county']}")
    rows.sort(key=lambda row: row["code"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    merge.text = out.getvalue()
    read_counties(merge.text)  # what the project will load: it must parse
    return merge
