"""Datasette metadata shipped with the browser: titles, Chinese labels, units, facets, queries.

The column descriptions repeat docs/database.md in a line each; the canned queries are the
questions researchers start with (docs/database.md's examples among them). The data dictionary
query is generated from the vocabulary, so it lists every canonical key with its printed label.
"""

from __future__ import annotations

from typing import Any, Final

from browser.layout import dictionary

DATABASE: Final = "ogi"  # the database's name in Datasette URLs: /ogi/reports

_COUNTS: Final = "件 (a count of requests or cases)"

_TABLES: Final[dict[str, dict[str, Any]]] = {
    "reports": {
        "title": "Reports 年度报告",
        "description": (
            "One row per annual report (政府信息公开工作年度报告), deduplicated by county code, "
            "year and agency. Open a report's title for its tables as printed."
        ),
        "sort": "county_code",
        "facets": ["year", "scope", "template", "county_code"],
        "label_column": "title",
        "columns": {
            "county_code": "GB/T 2260 code of the county (区划代码)",
            "year": "the year the report covers (报告年度), not the year it was published",
            "agency": "issuing organ (发布机关), as printed",
            "county": "the county as the report names it",
            "scope": "county: the county government's own report; department: any other organ",
            "template": "2019 (国办公开办函〔2019〕60号), 2021 (〔2021〕30号) or legacy",
            "title": "the report's title",
            "published_at": "publication date (发布日期) from the page or document",
            "content_hash": "SHA-256 of the canonical parse",
            "parser_version": "the parser version that produced the figures",
            "revision": "1, then +1 at each update (earlier versions: revisions)",
            "figure_count": "figures with a value",
            "hard_finding_count": "broken consistency rules (表内勾稽关系不符)",
            "source_id": "the document the current version was parsed from",
        },
    },
    "figures": {
        "title": "Figures 数据",
        "description": (
            "One row per figure: key section.row.column (report-fields.md); the key's printed "
            "label is shown beside it. Amounts (*.amount) are in 万元, everything else in 件. "
            "An absent figure has no row; a cell printed empty has value NULL."
        ),
        "columns": {
            "key": "canonical key, e.g. requests.new.total (本年新收政府信息公开申请数量 · 总计)",
            "value": "the number as printed: 件, or 万元 for *.amount; NULL: printed empty",
        },
    },
    "findings": {
        "title": "Findings 核查发现",
        "description": (
            "Broken consistency rules (severity hard) and warnings. A report with hard "
            "findings is stored as printed: check it against its source."
        ),
        "facets": ["severity", "rule", "origin"],
        "columns": {
            "rule": "requests.balance, requests.row_total, requests.outcome_total, "
            "appeals.total, or warning.*",
            "severity": "hard: one of the four consistency rules; warning: anything else",
            "origin": "parser: the parse's own; store: what the store observed",
            "expected": "the value the rule expects",
            "actual": "the value printed",
        },
    },
    "sources": {
        "title": "Sources 来源文件",
        "description": (
            "Every fetched document, reports or not, with what the parser made of it. The "
            "bytes are kept in the blob store (sha256): open a sha256 for the archived copy."
        ),
        "facets": ["parse_status", "outcome", "format", "kind"],
        "columns": {
            "url": "the URL as linked on the county site",
            "sha256": "SHA-256 of the archived body",
            "parse_status": "report, not_report, error, needs_ocr, needs_libreoffice",
            "outcome": "what storing it last did: new, updated, unchanged, not_report, failed",
            "reason": "why it is not a report, or failed",
        },
    },
    "revisions": {
        "title": "Revisions 历史版本",
        "description": "Previous versions of reports, kept when a newer one replaced them.",
        "facets": ["reason"],
        "columns": {
            "reason": "document_changed, reparsed or more_complete_source",
        },
    },
    "counties": {
        "title": "Counties 县级行政区",
        "description": "The crawl registry's counties, and any other county a report names.",
        "label_column": "name",
        "facets": ["prefecture", "province"],
    },
    "crawl_runs": {
        "title": "Crawl runs 抓取记录",
        "description": (
            "One row per county crawl: counts and status (ok, degraded, site_changed, "
            "blocked, unreachable) and the alerts printed in the summary."
        ),
        "facets": ["status", "county_code"],
        "sort_desc": "started_at",
    },
    "pages": {
        "title": "Pages 导航页面",
        "description": "Navigation and list pages: validators for conditional requests.",
    },
    "report_headlines": {
        "title": "Report headlines 主要数据",
        "description": "One row per report with its headline figures (件).",
        "facets": ["year", "scope", "template"],
        "columns": {
            "requests_received": "本年新收政府信息公开申请数量 (requests.new.total), " + _COUNTS,
            "requests_disclosed": "予以公开 (requests.disclosed.total), " + _COUNTS,
            "requests_partially_disclosed": "部分公开 (requests.partially_disclosed.total), "
            + _COUNTS,
            "appeals": "行政复议 总计 (appeals.review.total), " + _COUNTS,
            "lawsuits": "行政诉讼 总计 (both litigation rows), " + _COUNTS,
        },
    },
    "coverage": {
        "title": "Coverage 覆盖情况",
        "description": (
            "One row per county × year: collected (the county government's report is stored, "
            "complete and without hard findings), partial (stored but partial or metadata "
            "only), flagged, or missing. The grid: /-/coverage"
        ),
        "facets": ["status", "year", "prefecture"],
    },
    "alembic_version": {"hidden": True},
}

_QUERIES: Final[dict[str, dict[str, Any]]] = {
    "requests_per_county_year": {
        "title": "Requests received per county and year 各县历年收到申请数",
        "description": "The county governments' own reports (scope county), in 件.",
        "sql": """SELECT county_code, county_name, year, requests_received, requests_disclosed,
       appeals, lawsuits, report_id
FROM report_headlines
WHERE scope = 'county'
ORDER BY county_code, year""",
    },
    "disclosure_share_per_year": {
        "title": "Share of requests disclosed in full, per year 予以公开比例",
        "sql": """SELECT year, SUM(requests_received) AS received,
       SUM(requests_disclosed) AS disclosed,
       ROUND(100.0 * SUM(requests_disclosed) / NULLIF(SUM(requests_received), 0), 1)
           AS disclosed_percent
FROM report_headlines
WHERE scope = 'county'
GROUP BY year
ORDER BY year""",
    },
    "appeals_by_outcome": {
        "title": "Reconsiderations and lawsuits by outcome, per year 复议诉讼结果",
        "sql": """SELECT r.year, f.key, ogi_label(f.key) AS label, SUM(f.value) AS cases
FROM figures AS f
JOIN reports AS r ON r.id = f.report_id
WHERE r.scope = 'county' AND f.key LIKE 'appeals.%'
GROUP BY r.year, f.key
ORDER BY r.year, f.key""",
    },
    "figure_by_county_year": {
        "title": "One figure for every county and year 指定数据项",
        "description": "Give a canonical key, e.g. requests.withheld_state_secret.total.",
        "sql": """SELECT c.name AS county, r.year, r.agency, f.key, ogi_label(f.key) AS label,
       f.value, ogi_unit(f.key) AS unit, r.id AS report_id
FROM figures AS f
JOIN reports AS r ON r.id = f.report_id
JOIN counties AS c ON c.code = r.county_code
WHERE f.key = :key AND r.scope = 'county'
ORDER BY c.code, r.year""",
    },
    "hard_findings": {
        "title": "Reports whose tables do not add up 勾稽关系不符",
        "sql": """SELECT r.id AS report_id, r.county_code, r.year, r.agency, fi.rule, fi.message,
       s.url
FROM findings AS fi
JOIN reports AS r ON r.id = fi.report_id
LEFT JOIN sources AS s ON s.id = r.source_id
WHERE fi.severity = 'hard'
ORDER BY r.county_code, r.year, r.agency, fi.position""",
    },
    "missing_county_years": {
        "title": "County-years still missing 缺失年份",
        "sql": """SELECT county_code, county_name, prefecture, year, failed_documents
FROM coverage WHERE status = 'missing'
ORDER BY county_code, year""",
    },
    "latest_crawl_per_county": {
        "title": "Latest crawl of each county 最近一次抓取",
        "sql": """SELECT c.code AS county_code, c.name, r.status, r.started_at, r.reports_new,
       r.reports_updated, r.reports_failed, r.alerts
FROM counties AS c
LEFT JOIN crawl_runs AS r ON r.id = (
    SELECT id FROM crawl_runs WHERE county_code = c.code
    ORDER BY started_at DESC, id DESC LIMIT 1)
WHERE c.site IS NOT NULL
ORDER BY r.status = 'ok', c.code""",
    },
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dictionary_query() -> dict[str, Any]:
    """Every canonical key with its printed label, unit and templates, as a VALUES table."""
    rows = ",\n".join(
        f"({_quote(key)}, {_quote(text)}, {_quote(unit_)}, {_quote(templates)})"
        for key, text, unit_, templates in dictionary()
    )
    return {
        "title": "Data dictionary 数据项说明",
        "description": "Every canonical figure key with its label as the template prints it.",
        "sql": "SELECT column1 AS key, column2 AS label, column3 AS unit, column4 AS templates\n"
        f"FROM (VALUES\n{rows})",
    }


def metadata(*, plugin_config: dict[str, Any]) -> dict[str, Any]:
    """The whole metadata document for `Datasette(metadata=…)`."""
    return {
        "title": "政府信息公开工作年度报告 · OGI annual reports",
        "description_html": (
            "<p>Chinese governments' annual reports on government information disclosure. "
            'Start with the <a href="/-/coverage">coverage grid</a> (every county × year, '
            "linking to each county's history and each report laid out as printed), or the "
            "canned queries of "
            f'<a href="/{DATABASE}">the database</a>.</p>'
        ),
        "source": "ogi-reports",
        "source_url": "https://github.com/ogi-reports/ogi-reports",
        "databases": {
            DATABASE: {
                "title": "OGI annual reports database",
                "tables": _TABLES,
                "queries": {**_QUERIES, "data_dictionary": dictionary_query()},
            }
        },
        "plugins": {"ogi-reports": plugin_config},
    }
