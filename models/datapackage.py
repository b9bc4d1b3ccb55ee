"""A Frictionless Data Package beside a CSV export: `datapackage.json` (one Table Schema per
resource: the export and the data dictionary) and `dictionary.csv`.

Written by `scrapy export --format csv -o FILE`; validated in the tests with the `frictionless`
library. See https://specs.frictionlessdata.io/ for the format.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from models.completeness import COMPLETENESS
from models.dictionary import dictionary_rows, entries
from models.export import Layout, long_columns, wide_columns
from reportparser.version import PARSER_VERSION

DICTIONARY_FILE: Final = "dictionary.csv"
PACKAGE_FILE: Final = "datapackage.json"

_META_FIELDS: Final[dict[str, dict[str, Any]]] = {
    "county": {"type": "string", "description": "the division the report belongs to"},
    "county_code": {
        "type": "string",
        "description": "GB/T 2260 division code in force in the report's year",
        "constraints": {"pattern": "[0-9]{6}"},
    },
    "level": {"type": "string", "constraints": {"enum": ["county", "prefecture", "province"]}},
    "year": {"type": "integer", "description": "the year the report covers"},
    "agency": {"type": "string", "description": "issuing organ as the report prints it"},
    "scope": {
        "type": "string",
        "description": "county: the government's own report; department: any other organ's. "
        "For county-level analysis keep scope = county.",
        "constraints": {"enum": ["county", "department"]},
    },
    "template": {"type": "string", "constraints": {"enum": ["2019", "2021", "legacy"]}},
    "title": {"type": "string"},
    "published_at": {"type": "date", "description": "publication date (page or document)"},
    "completeness": {
        "type": "string",
        "description": "complete, partial (a section or part of a table not read) or "
        "metadata_only (no figure read); only complete reports count as collected",
        "constraints": {"enum": [c for c in COMPLETENESS if c != "failed"]},
    },
    "source_url": {"type": "string", "format": "uri", "description": "the document parsed"},
    "source_urls": {
        "type": "string",
        "description": "every URL the report was found at, space-separated",
    },
    "source_sha256": {
        "type": "string",
        "description": "SHA-256 of the archived document (the blob store's file name)",
        "constraints": {"pattern": "[0-9a-f]{64}"},
    },
    "fetched_at": {"type": "datetime", "description": "when that document was fetched (UTC)"},
    "origin": {
        "type": "string",
        "description": "live (the site itself) or mirror:<dir or URL> (a saved mirror)",
    },
    "hard_findings": {
        "type": "integer",
        "description": "broken consistency rules: the report's tables do not add up",
    },
    "hard_finding_rules": {"type": "string", "description": "their rule ids, space-separated"},
    "parser_version": {"type": "string"},
    "key": {"type": "string", "description": "canonical figure key (see dictionary.csv)"},
    "value": {
        "type": "number",
        "description": "the figure as printed; empty when printed empty",
    },
}


def table_schema(layout: Layout, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Table Schema of an export of `layout`, with `names` (renamed columns) if given."""
    names = names or {}
    by_key = {e.key: e for e in entries()}
    fields = []
    columns = wide_columns() if layout == "wide" else long_columns()
    for column in columns:
        entry = by_key.get(column)
        if entry is not None:
            field: dict[str, Any] = {
                "name": names.get(column, column),
                "type": "number",
                "title": f"{column}: {entry.label}",
                "description": entry.description(),
            }
        else:
            field = {"name": names.get(column, column), **_META_FIELDS[column]}
            if names.get(column, column) != column:
                field["title"] = column
        fields.append(field)
    missing = ["", "NA"] if layout == "wide" else [""]
    return {"fields": fields, "missingValues": missing}


def dictionary_schema() -> dict[str, Any]:
    rows = dictionary_rows()
    return {"fields": [{"name": name, "type": "string"} for name in rows[0]]}


def write_dictionary(path: Path, encoding: str = "utf-8") -> None:
    rows = dictionary_rows()
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_data_package(
    export_path: Path,
    *,
    layout: Layout,
    names: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write `dictionary.csv` and `datapackage.json` beside the CSV at `export_path`; the
    package's path. A package already there is replaced (one export per directory)."""
    directory = export_path.parent
    write_dictionary(directory / DICTIONARY_FILE, encoding)
    # Frictionless reads "utf-8-sig" as utf-8 with a byte-order mark; both are UTF-8.
    charset = "utf-8" if encoding.lower().replace("_", "-") in ("utf-8-sig", "utf8") else encoding
    package = {
        "name": "ogi-reports",
        "title": "Chinese governments' OGI annual reports (政府信息公开工作年度报告)",
        "description": (
            "Figures of the government information disclosure annual reports, one row per "
            f"{'report' if layout == 'wide' else 'figure'}, with where each report was found "
            "and how complete it is. For county-level analysis keep scope = county (department "
            "reports are separate rows). Labels and units: dictionary.csv."
        ),
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "version": PARSER_VERSION,
        "resources": [
            {
                "name": "reports" if layout == "wide" else "figures",
                "path": export_path.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": charset,
                "schema": table_schema(layout, names),
            },
            {
                "name": "dictionary",
                "path": DICTIONARY_FILE,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": charset,
                "schema": dictionary_schema(),
            },
        ],
    }
    path = directory / PACKAGE_FILE
    path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
