"""The Datasette plugin: report, county and coverage pages, archived copies, labelled cells.

Hooks (Datasette 0.65): `register_routes` adds

    /-/report/<id>       a report laid out like the template's tables, findings highlighted
    /-/county/<code>     a county's history: reports per year, a chart, crawl runs, revisions
    /-/coverage          the county × year grid (?province=…&prefecture=… narrow it)
    /-/archive/<sha256>  the archived bytes of a source, as served (sandboxed: no scripts)

`render_cell` links Datasette's own tables to these pages and labels figure keys;
`prepare_connection` adds the SQL functions `ogi_label(key)` and `ogi_unit(key)`. The plugin's
configuration (`plugins: ogi-reports:` in the metadata) names the database and the blob store.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape
from pluggy import HookimplMarker

from browser import pages, queries
from browser.charts import line_chart
from browser.layout import label
from models.store import BlobStore, MissingBlobError
from models.types import normalize_number
from reportparser.template_labels import unit

# Datasette's own marker (datasette.hookimpl), typed.
hookimpl: Final = HookimplMarker("datasette")
PLUGIN_NAME: Final = "ogi-reports"
STATIC_MOUNT: Final = "ogi-static"

_ARCHIVE_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",  # content-addressed
}
# Archived pages are government HTML with their own scripts, styles and images: never run them on
# this origin, and let them fetch nothing (the copy is what was archived, the sites are not asked).
_MARKUP_POLICY: Final = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_MARKUP_TYPES: Final = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml")


def _config(datasette: Any) -> dict[str, Any]:
    config: dict[str, Any] = datasette.plugin_config(PLUGIN_NAME) or {}
    return config


def _database(datasette: Any) -> Any:
    return datasette.get_database(_config(datasette)["database"])


def _links(datasette: Any) -> dict[str, Callable[..., str]]:
    path = datasette.urls.path
    database = _config(datasette)["database"]
    return {
        "report": lambda report_id: path(f"/-/report/{report_id}"),
        "county": lambda code: path(f"/-/county/{code}"),
        "coverage": lambda: path("/-/coverage"),
        "archive": lambda sha256: path(f"/-/archive/{sha256}"),
        "table": lambda table: datasette.urls.table(database, table),
    }


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value


async def _render(datasette: Any, request: Any, template: str, context: dict[str, Any]) -> Response:
    context = {**context, "links": _links(datasette)}
    return Response.html(await datasette.render_template(template, context, request=request))


async def report_page(datasette: Any, request: Any) -> Response:
    report_id = int(request.url_vars["id"])
    data = await queries.report(_database(datasette), report_id)
    if data is None:
        raise NotFound(f"There is no report {report_id}")
    report = data.report
    template = report["template"]
    figures = {key: normalize_number(value) for key, value in data.figures.items()}
    findings = pages.findings_view(data.findings, template, figures)
    blobs = BlobStore(Path(_config(datasette)["blob_dir"]))
    sources = [
        {
            **source,
            "current": source["id"] == report["source_id"],
            "archived": blobs.has(source["sha256"]),
        }
        for source in data.sources
    ]
    revisions = [
        {
            **revision,
            "changes": pages.revision_changes(_json(revision["figures"], {}), figures),
        }
        for revision in data.revisions
    ]
    return await _render(
        datasette,
        request,
        "ogi_report.html",
        {
            "report": report,
            "figure_total": len(figures),
            "sections": pages.report_sections(template, figures, findings),
            "other_figures": pages.other_figures(template, figures),
            "findings": findings,
            "sources": sources,
            "revisions": revisions,
            "siblings": data.siblings,
        },
    )


async def county_page(datasette: Any, request: Any) -> Response:
    code = request.url_vars["code"]
    data = await queries.county(_database(datasette), code)
    if data is None:
        raise NotFound(f"There is no county {code}")
    requests_series, appeals_series = pages.county_series(data.reports)
    by_year: dict[int, list[dict[str, Any]]] = {}
    for report in data.reports:
        by_year.setdefault(int(report["year"]), []).append(report)
    runs = [
        {
            **run,
            "alerts": _json(run["alerts"], []),
            "http_errors": _json(run["http_errors"], {}),
        }
        for run in data.crawl_runs
    ]
    name = data.county["name"]
    return await _render(
        datasette,
        request,
        "ogi_county.html",
        {
            "county": data.county,
            "by_year": sorted(by_year.items(), reverse=True),
            "requests_chart": (
                line_chart(requests_series, title=f"{name}: requests received per year")
            ),
            "appeals_chart": (
                line_chart(appeals_series, title=f"{name}: reconsiderations and lawsuits per year")
            ),
            "crawl_state": pages.CRAWL_STATES.get(runs[0]["status"] if runs else "never", ""),
            "crawl_runs": runs,
            "revisions": data.revisions,
            "failed": data.failed,
        },
    )


async def coverage_page(datasette: Any, request: Any) -> Response:
    province = request.args.get("province", "")
    prefecture = request.args.get("prefecture", "")
    data = await queries.coverage(_database(datasette), province=province, prefecture=prefecture)
    links = _links(datasette)
    years, rows = pages.coverage_grid(
        data.cells,
        data.latest_runs,
        data.county_reports,
        report_href=links["report"],
        county_href=links["county"],
    )
    states: dict[str, int] = {}
    for row in rows:
        states[row.crawl_state] = states.get(row.crawl_state, 0) + 1
    return await _render(
        datasette,
        request,
        "ogi_coverage.html",
        {
            "years": years,
            "rows": rows,
            "province": province,
            "prefecture": prefecture,
            "provinces": data.provinces,
            "crawl_states": pages.CRAWL_STATES,
            "state_counts": states,
            "status_counts": pages.status_counts(rows),
        },
    )


def _filename(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "index.html"


async def archive(datasette: Any, request: Any) -> Response:
    sha256 = request.url_vars["sha256"]
    source = await queries.archived(_database(datasette), sha256)
    if source is None:
        raise NotFound(f"No source has the body {sha256}")
    blobs = BlobStore(Path(_config(datasette)["blob_dir"]))
    try:
        body = await asyncio.to_thread(blobs.get, sha256)
    except MissingBlobError:
        raise NotFound(
            f"The archived copy {sha256} of {source['url']} is not in the blob store "
            f"{blobs.directory}"
        ) from None
    content_type = source["content_type"] or "application/octet-stream"
    headers = {
        **_ARCHIVE_HEADERS,
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(_filename(source['url']))}",
    }
    if content_type.split(";")[0].strip().lower() in _MARKUP_TYPES:
        headers["Content-Security-Policy"] = _MARKUP_POLICY
    return Response(body, headers=headers, content_type=content_type)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/report/(?P<id>\d+)$", report_page),
        (r"^/-/county/(?P<code>\d{6})$", county_page),
        (r"^/-/coverage$", coverage_page),
        (r"^/-/archive/(?P<sha256>[0-9a-f]{64})$", archive),
    ]


@hookimpl
def prepare_connection(conn: Any) -> None:
    conn.create_function("ogi_label", 1, label, deterministic=True)
    conn.create_function("ogi_unit", 1, unit, deterministic=True)


def _link(href: str, text: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


@hookimpl
def render_cell(  # noqa: PLR0917 (Datasette's hook passes these by name)
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """Links into the pages (a report's title, a county's name, `report_id` and `county_code`
    in views and queries, a source's sha256) and a figure key's printed label.

    Foreign-key columns of tables keep Datasette's own link to the referenced row.
    """
    if database != _config(datasette).get("database") or value is None:
        return None
    links = _links(datasette)
    if table == "figures" and column == "key":
        return Markup('{} <span class="ogi-label">{} ({})</span>').format(
            value, label(value), unit(value)
        )
    if table == "reports" and column == "title":
        return _link(links["report"](row["id"]), value)
    if table == "counties" and column == "name":
        return _link(links["county"](row["code"]), value)
    if column == "report_id" and table in (None, "report_headlines"):
        return _link(links["report"](value), value)
    if column == "county_code" and table in (None, "report_headlines", "coverage"):
        return _link(links["county"](value), value)
    if table == "sources" and column == "sha256":
        return _link(links["archive"](value), escape(value))
    return None


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    database = _config(datasette).get("database")
    return [
        {"href": datasette.urls.path("/-/coverage"), "label": "Coverage grid 覆盖情况"},
        {
            "href": datasette.urls.query(database, "data_dictionary"),
            "label": "Data dictionary 数据项说明",
        },
    ]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    return [datasette.urls.path(f"/{STATIC_MOUNT}/ogi.css")]
