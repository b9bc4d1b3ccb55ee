"""Build the fixture web: `python -m tests.fixtureweb.build [DEST] [--scale N]`.

`build(dest)` writes the bundled fixture web (committed as `tests/fixtures/web/`, see
`tests/fixtureweb/README.md`) and its `manifest.json`. Attachments (PDF/DOC/WPS come from
LibreOffice, whose output differs from run to run) are copied from the tree being replaced when
the report they print is unchanged, so a rebuild only rewrites what changed.

`build(dest, scale=N)` writes a large generated web instead, for the crawl benchmark: each of
the registry's Ningxia counties gets the disclosure-platform layout with N inline HTML reports and N
news articles in its 年报 column (22 × 2N article pages plus list pages: N=120 gives > 5 000
pages). It is generated at benchmark time, never committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from crawler.counties import BY_SLUG, County, select
from crawler.mirror import SIDECAR_SUFFIX
from tests.fixtureweb import content, national, variants
from tests.fixtureweb.families import FamilySite, boda, gkmlpt, hanweb, ucap
from tests.fixtureweb.site import Column, DocIds, Entry, Site, SiteWriter, Tree, _all_columns
from tests.support import render
from tests.support.spec import ReportSpec
from tests.support.synth import DEPARTMENTS

FIXTURE_WEB: Final = Path(__file__).resolve().parents[1] / "fixtures" / "web"
# The registry holds every county of the country; the web describes Ningxia's (the bundled
# sites, the large web) and the national additions (`tests.fixtureweb.national`).
NINGXIA: Final = tuple(select(province="宁夏回族自治区"))
# One site per platform family beyond TRS (tests/fixtureweb/families/), and the TRS and
# generic variants (tests/fixtureweb/variants.py).
FAMILY_SITES: Final = (hanweb, gkmlpt, ucap, boda)
DESCRIBED: Final = (
    *NINGXIA,
    *national.COUNTIES,
    *variants.COUNTIES,
    *(family.COUNTY for family in FAMILY_SITES),
)
MANIFEST: Final = "manifest.json"
MANIFEST_FORMAT: Final = 1
# Keep the tree byte for byte on every checkout (no line-ending conversion).
GITATTRIBUTES: Final = b"* -text\n"

STATUS_NOTES: Final = {
    "ok": "full site: the spider finds the 年报 column and every report in it",
    "found via search": "no 年报 column: reports are found through POST /irs/front/search",
    "blocked": "every request answers HTTP 412 with a JS-cookie challenge, or a WAF's 405",
    "unreachable": "not in the mirror: every request fails as a DNS error",
    "site mismatch": "the home page's SiteIDCode names another division: nothing is stored",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reusable_attachments(old: Path | None) -> dict[tuple[str, str], bytes]:
    """Attachment bytes of an existing tree by (spec digest, format)."""
    if old is None or not (old / MANIFEST).is_file():
        return {}
    manifest = json.loads((old / MANIFEST).read_text("utf-8"))
    found: dict[tuple[str, str], bytes] = {}
    for record in manifest.get("reports", []):
        for source in record["sources"]:
            if source["format"] == "html":
                continue
            path = old / source["url"].split("://", 1)[1]
            if path.is_file() and _sha256(path.read_bytes()) == source.get("sha256"):
                found[record["spec_digest"], source["format"]] = path.read_bytes()
    # A file no crawl may fetch that prints a report all the same (隆安's sidebar PDF).
    for record in manifest.get("never_fetch", []):
        path = old / record["url"].split("://", 1)[1]
        if "spec_digest" in record and path.is_file():
            found[record["spec_digest"], record["format"]] = path.read_bytes()
    return found


def _renderer(reuse: dict[tuple[str, str], bytes]) -> Any:
    def render_attachment(spec: ReportSpec, fmt: str) -> bytes:
        return reuse.get((spec.digest(), fmt)) or render.render(spec, fmt)

    return render_attachment


def _search_index(writer: SiteWriter, site: Site, tenant: str) -> bytes:
    results = []
    for column in _all_columns(site):
        in_hidden = any(column.path.startswith(h.path) for h in site.hidden)
        for entry in column.entries if in_hidden else ():
            if entry.kind not in {"report", "notice"} or entry.direct:
                continue
            results.append(
                {
                    "title": entry.title,
                    "url": site.url(writer.article_path(column, entry)),
                    "time": f"{entry.date.isoformat()} 09:30:00",
                    "source": entry.publisher or (entry.spec.meta.agency if entry.spec else ""),
                }
            )
    results.sort(key=lambda r: r["time"], reverse=True)
    index = {"tenantId": tenant, "results": results}
    return (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _records_with_hashes(tree: Tree) -> None:
    for record in tree.reports:
        for source in record["sources"]:
            source["sha256"] = tree.digests[source["url"].split("://", 1)[1]]


def bundled_tree(
    reuse: dict[tuple[str, str], bytes] | None = None,
    edit: Callable[[list[Site]], None] | None = None,
) -> tuple[Tree, dict[str, Any]]:
    """The bundled fixture web's files and manifest, in memory.

    `reuse` supplies attachment bytes by (spec digest, format); `edit` may change the sites
    before they are written (how `tests.fixtureweb.server.change_report` republishes a report).
    """
    tree = Tree()
    writer = SiteWriter(tree, render_attachment=_renderer(reuse or {}))
    sites = content.sites() + national.sites()
    if edit is not None:
        edit(sites)
    for site in sites:
        writer.assign_paths(site)
    writer.assign_docids(sites)
    specs: dict[str, ReportSpec] = {}
    for site in sites:
        writer.write(site)
        for column in _all_columns(site):
            for entry in column.entries:
                if entry.spec is not None:
                    specs[entry.spec.name] = entry.spec
        if site.search_params:
            tenant = dict(site.search_params)["tenantId"]
            tree.add(site.host, "/irs/front/search-index.json", _search_index(writer, site, tenant))
    for family in FAMILY_SITES:
        family_site = FamilySite(family.COUNTY, family.SITE_ID, tree, writer.render_attachment)
        family.write(family_site)
        specs.update(family_site.specs)
    # The whole of 同心's site sits behind a JS-cookie challenge (a host-wide sidecar).
    tongxin = BY_SLUG["tongxin"]
    tree.add(tongxin.site, "/", _tongxin_home(tongxin))
    tree.put(
        f"{tongxin.site}{SIDECAR_SUFFIX}",
        _json_bytes(
            {
                "status": 412,
                "headers": {
                    "Content-Type": "text/html; charset=utf-8",
                    "Set-Cookie": "FSSBBIl1UgzbN7N80S=Qx9tD2mvYp; Path=/; HttpOnly",
                },
                "body": content.CHALLENGE_BODY,
            }
        ),
    )
    tree.add(content.SPAM_HOST, content.SPAM_PATH, content.spam_page())
    # The TRS variants, the generic family and a site behind a WAF (their own markup).
    specs.update(variants.write(tree, writer.render_attachment))
    _records_with_hashes(tree)
    for record in tree.reports:
        record["spec_digest"] = specs[record["id"]].digest()
    _set_aside_mismatched(tree)
    searched = {s.county.slug for s in sites if s.hidden}
    statuses = {
        s.county.slug: "found via search" if s.county.slug in searched else "ok" for s in sites
    }
    statuses["tongxin"] = "blocked"
    statuses.update((family.COUNTY.slug, "ok") for family in FAMILY_SITES)
    statuses.update(variants.STATUSES)
    statuses.update((c.slug, "site mismatch") for c in national.MISMATCHED)
    manifest = _manifest(tree, statuses, kind="bundled")
    return tree, manifest


def _set_aside_mismatched(tree: Tree) -> None:
    """What a site that is not the county's holds is never fetched past its home page: its
    reports and documents go to `never_fetch`."""
    mismatched = {c.slug for c in national.MISMATCHED}
    for record in [r for r in tree.reports if r["county"] in mismatched]:
        tree.reports.remove(record)
        for source in record["sources"]:
            tree.never_fetch.append(
                {
                    "url": source["url"],
                    "county": record["county"],
                    "reason": "site mismatch",
                    "linked_from": record["listed_in"],
                    "title": record["title"],
                }
            )
    for document in [d for d in tree.not_reports if d["county"] in mismatched]:
        tree.not_reports.remove(document)


def _tongxin_home(county: County) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{county.name}人民政府</title></head><body>"
        f"<h1>{county.name}人民政府</h1><p>这是挑战页面背后的首页，爬虫不会看到它。</p>"
        "</body></html>\n"
    ).encode()


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _manifest(tree: Tree, statuses: dict[str, str], *, kind: str) -> dict[str, Any]:
    counties = {}
    for county in DESCRIBED:
        status = statuses.get(county.slug, "unreachable")
        reports = [r for r in tree.reports if r["county"] == county.slug]
        counties[county.slug] = {
            "code": county.code,
            "name": county.name,
            "host": county.site,
            "start_url": county.start_url,
            "in_mirror": status != "unreachable",
            "status": status,
            "note": STATUS_NOTES[status],
            "reports": len(reports),
        }
    hosts = sorted({path.split("/", 1)[0] for path in tree.digests if "/" in path})
    return {
        "format": MANIFEST_FORMAT,
        "kind": kind,
        "built_by": "python -m tests.fixtureweb.build",
        "counties": counties,
        "hosts": hosts,
        "reports": sorted(tree.reports, key=lambda r: (r["county"], r["year"], r["agency"])),
        "not_reports": sorted(tree.not_reports, key=lambda r: r["url"]),
        "broken_links": sorted(tree.broken, key=lambda r: r["url"]),
        "never_fetch": sorted(tree.never_fetch, key=lambda r: r["url"]),
    }


# -- The large generated web ---------------------------------------------------------------------

_TOWNSHIP_WORDS: Final = "红星新华团结胜利和平光明幸福永安长城向阳前进东风金沙青山"


def _agencies(county: County, needed: int) -> list[tuple[str, str | None]]:
    """(title owner, agency or None for the county) pairs, enough for `needed` reports."""
    pairs: list[tuple[str, str | None]] = [(county.name, None)]
    pairs.extend((f"{county.name}{d}", f"{county.name}{d}") for d in DEPARTMENTS)
    for first in _TOWNSHIP_WORDS:
        for second in _TOWNSHIP_WORDS:
            if len(pairs) * 7 >= needed:
                return pairs
            if first != second:
                town = f"{county.name}{first}{second}镇人民政府"
                pairs.append((town, town))
    return pairs


def _large_site(county: County, scale: int, seed_base: int) -> Site:
    years = range(2019, 2026)
    entries: list[Entry] = []
    for number, ((owner, agency), year) in enumerate(
        (pair, year) for pair in _agencies(county, scale) for year in years
    ):
        if number >= scale:
            break
        published = dt.date(year + 1, 1 + number % 3, 1 + number % 28)
        spec, ref = content.synthetic(
            county, year, seed_base + number, published, agency=agency, title_owner=owner
        )
        spec = spec.__class__(**{**spec.__dict__, "name": f"{county.slug}-{year}-{number}"})
        entries.append(content.report((spec, ref), published))
        entries.append(
            content.article(
                "news",
                f"{county.name}政务公开工作动态（第{number + 1}期）",
                published - dt.timedelta(days=3),
                f"{county.name}持续推进政务公开标准化规范化建设（第{number + 1}期）。",
            )
        )
    entries.sort(key=lambda e: e.date, reverse=True)
    annual = Column("政府信息公开年报", "zfxxgknb", entries, page_size=20)
    guide, rules, active, apply = content.guide_columns(county)
    return Site(
        county=county,
        platform_slug="xxgk",
        sidebar=[guide, rules, active, annual, apply],
        robots=content.ROBOTS_OPEN,
    )


def large_tree(
    scale: int, spill: Path | None = None, counties: Sequence[County] = NINGXIA
) -> tuple[Tree, dict[str, Any]]:
    """`scale` reports on each of `counties`' sites (the crawl benchmark: thousands of sites)."""
    tree = Tree(spill=spill)
    writer = SiteWriter(tree, render_attachment=_renderer({}))
    if len(counties) > len(NINGXIA):  # more sites publish on each day than Ningxia's 22
        writer.docids = DocIds(per_day=20 * len(counties))
    sites = [_large_site(c, scale, 10_000 * (i + 1)) for i, c in enumerate(counties)]
    for site in sites:
        writer.assign_paths(site)
    writer.assign_docids(sites)
    for site in sites:
        writer.write(site)
    _records_with_hashes(tree)
    for record in tree.reports:
        record["figures"] = None  # regenerate from "spec" when needed: keeps the manifest small
    manifest = _manifest(tree, {c.slug: "ok" for c in counties}, kind=f"large:{scale}")
    manifest["pages"] = sum(1 for path in tree.digests if path.endswith(".html"))
    return tree, manifest


# -- Writing ---------------------------------------------------------------------------------------


def tree_files(tree: Tree, manifest: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the tree's directory, the manifest and .gitattributes included."""
    files = dict(tree.files)
    files[MANIFEST] = _json_bytes(manifest)
    files[".gitattributes"] = GITATTRIBUTES
    return files


def write_tree(dest: Path, tree: Tree, manifest: dict[str, Any]) -> list[str]:
    """Make `dest` hold exactly the tree; return the files written (changed or new).

    Unchanged files are left alone, so their mtime (the mirror's Last-Modified) stays; a
    rewritten file's mtime moves at least two seconds past its old one, so that a conditional
    request with the old Last-Modified can never get a 304 for the new content.
    """
    dest.mkdir(parents=True, exist_ok=True)
    wanted = tree_files(tree, manifest)
    for path in sorted(dest.rglob("*"), reverse=True):
        relative = path.relative_to(dest).as_posix()
        if path.is_file() and relative not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    written = []
    for relative, data in sorted(wanted.items()):
        target = dest / relative
        old_mtime = None
        if target.is_file():
            if target.read_bytes() == data:
                continue
            old_mtime = target.stat().st_mtime
        target.parent.mkdir(parents=True, exist_ok=True)
        # Atomic: a server answering from this tree never reads half a file.
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)
        if old_mtime is not None:
            mtime = max(time.time(), old_mtime + 2)
            os.utime(target, (mtime, mtime))
        written.append(relative)
    return written


def build(
    dest: Path, *, scale: int | None = None, counties: Sequence[County] = NINGXIA
) -> dict[str, Any]:
    """Write the bundled fixture web (or, with `scale`, the large generated one) into `dest`.

    Returns the manifest. `dest` ends up holding exactly the tree: stray files are removed.
    """
    if scale is None:
        tree, manifest = bundled_tree(
            reuse=reusable_attachments(dest if dest.is_dir() else FIXTURE_WEB)
        )
        write_tree(dest, tree, manifest)
        return manifest
    if scale < 1:
        raise ValueError("scale must be a positive number of reports per county")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty: the large web is written into a fresh directory")
    dest.mkdir(parents=True, exist_ok=True)
    tree, manifest = large_tree(scale, spill=dest, counties=counties)
    (dest / MANIFEST).write_bytes(_json_bytes(manifest))
    return manifest


def copy_tree(source: Path, dest: Path) -> Path:
    """A copy of a tree (files and mtimes), to change a report without touching the original."""
    shutil.copytree(source, dest, dirs_exist_ok=False)
    return dest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fixtureweb.build", description=__doc__)
    parser.add_argument("dest", nargs="?", type=Path, default=FIXTURE_WEB)
    parser.add_argument("--scale", type=int, default=None, help="reports per county (large web)")
    args = parser.parse_args(argv)
    manifest = build(args.dest, scale=args.scale)
    files = sum(1 for p in args.dest.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in args.dest.rglob("*") if p.is_file())
    print(
        f"{args.dest}: {files} files, {size / 1e6:.1f} MB, {len(manifest['reports'])} reports, "
        f"{len(manifest['not_reports'])} non-report documents"
    )


if __name__ == "__main__":
    main()
