"""The data dictionary that travels with every export: each canonical key with the Chinese
labels the template prints, its section, unit and templates; plus Stata/SPSS-safe column names
and a Frictionless Data Package (`datapackage.json`, Table Schema) describing a CSV export.

The labels are the official templates' (国办公开办函〔2019〕60号 and 〔2021〕30号, as
reportparser.template_labels holds them), spelled as docs/report-fields.md spells them; the keys
come from reportparser.vocabulary, so a key added there without a label fails
tests/models/test_datapackage.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from reportparser.template_labels import (
    ACTIVE_COLUMN_LABELS,
    ACTIVE_ROW_LABELS,
    APPEAL_COLUMN_LABELS,
    APPEAL_ROW_LABELS,
    FIGURE_SECTION_HEADINGS,
    LEGAL_PERSON_COLUMNS,
    LEGAL_PERSONS_HEADER,
    REQUEST_COLUMN_LABELS,
    REQUEST_ROW_LABELS,
    RESULTS_LABEL,
    outcome_group,
    unit,
)
from reportparser.vocabulary import (
    RECOGNISED_REQUEST_ROWS,
    all_figure_keys,
    figure_keys,
    outcome_rows,
)

SECTIONS: Final = FIGURE_SECTION_HEADINGS

# The codebook spells the template's labels as docs/report-fields.md does, which exports have
# carried since their first release: an enumerator's brackets in ASCII and followed by a space
# (`（三）` → `(三) `, `1.` → `1. `), ASCII double quotes.
_BRACKETED_ENUMERATOR: Final = re.compile(r"^（([一二三四五六七八九十]+)）")
_NUMBERED_ENUMERATOR: Final = re.compile(r"^(\d+)\.")
_ASCII_QUOTES: Final = str.maketrans({"“": '"', "”": '"'})


def _codebook_spelling(label: str) -> str:
    label = _BRACKETED_ENUMERATOR.sub(r"(\1) ", label)
    label = _NUMBERED_ENUMERATOR.sub(r"\1. ", label)
    return label.translate(_ASCII_QUOTES)


def _request_row_label(row: str) -> str:
    """A row's label with the labels printed beside it: its group's (`(三) 不予公开 1. 属于国家
    秘密`), and on the first outcome row 三、本年度办理结果, whose cell starts there."""
    parts = [REQUEST_ROW_LABELS[row]]
    group = outcome_group(row)
    if group is not None:
        parts.insert(0, group)
    if row == outcome_rows("2019")[0]:
        parts.insert(0, RESULTS_LABEL)
    return " ".join(_codebook_spelling(part) for part in parts)


ROW_LABELS: Final[dict[str, dict[str, str]]] = {
    # The 2019 template names every row of section 二; its 规范性文件 also stands for the 2021
    # template's 行政规范性文件.
    "active": ACTIVE_ROW_LABELS["2019"],
    "requests": {row: _request_row_label(row) for row in RECOGNISED_REQUEST_ROWS},
    "appeals": {row: " ".join(headers) for row, headers in APPEAL_ROW_LABELS.items()},
}

COLUMN_LABELS: Final[dict[str, dict[str, str]]] = {
    # The 2019 template's words where both templates have the column; `amount` is the 2019
    # procurement total and the 2021 fee total, named by neither template's header alone.
    "active": {
        **ACTIVE_COLUMN_LABELS["2021"],
        **ACTIVE_COLUMN_LABELS["2019"],
        "amount": "金额（万元）",
    },
    "requests": {
        column: f"{LEGAL_PERSONS_HEADER} {label}" if column in LEGAL_PERSON_COLUMNS else label
        for column, label in REQUEST_COLUMN_LABELS.items()
    },
    "appeals": APPEAL_COLUMN_LABELS,
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One canonical figure key, as the dictionary describes it."""

    key: str
    section: str  # active | requests | appeals
    section_label: str  # 二、主动公开政府信息情况 …
    row_label: str
    column_label: str
    unit: str
    templates: tuple[str, ...]  # 2019, 2021 (legacy reports may carry any 2019 key)
    stata_name: str

    @property
    def label(self) -> str:
        return f"{self.row_label} / {self.column_label}"

    def description(self) -> str:
        return (
            f"{self.section_label}: {self.label} ({self.unit}; template "
            f"{', '.join(self.templates)})"
        )


_ABBREVIATIONS: Final = {"requests": "req", "appeals": "app", "active": "act"}
_STATA_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def stata_names(columns: Sequence[str]) -> dict[str, str]:
    """Column names Stata and SPSS accept (≤ 32 characters, letters, digits and `_`, unique):
    dots become `_`; a name still too long abbreviates its section and each word of its row and
    column to its first three letters (`requests.withheld_third_party_rights.natural_person` →
    `req_wit_thi_par_rig_nat_per`). Stable: the same columns always get the same names."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", column)
        if len(name) > 32:
            parts = column.split(".")
            words = [_ABBREVIATIONS.get(parts[0], parts[0][:3])]
            words += [word[:3] for part in parts[1:] for word in part.split("_")]
            name = "_".join(words)[:32]
        if not name or not (name[0].isalpha() or name[0] == "_"):
            name = f"v_{name}"[:32]
        base, n = name, 2
        while name.lower() in taken:
            suffix = f"_{n}"
            name, n = base[: 32 - len(suffix)] + suffix, n + 1
        assert _STATA_NAME.fullmatch(name), name
        taken.add(name.lower())
        names[column] = name
    return names


def entries() -> list[Entry]:
    """Every canonical figure key, in wide-export column order."""
    keys = all_figure_keys()
    in_template = {template: set(figure_keys(template)) for template in ("2019", "2021")}
    # A 2021 report may print (六) in the 2019 single-row form (docs/report-fields.md).
    in_template["2021"] |= {key for key in keys if ".other_handling." in key}
    stata = stata_names(keys)
    result = []
    for key in keys:
        section, row, column = key.split(".")
        result.append(
            Entry(
                key=key,
                section=section,
                section_label=SECTIONS[section],
                row_label=ROW_LABELS[section][row],
                column_label=COLUMN_LABELS[section][column],
                unit=unit(key),
                templates=tuple(t for t in ("2019", "2021") if key in in_template[t]),
                stata_name=stata[key],
            )
        )
    return result


def dictionary_rows() -> list[dict[str, Any]]:
    """The dictionary as rows (written as `dictionary.csv` beside an export)."""
    return [
        {
            "key": e.key,
            "stata_name": e.stata_name,
            "section": e.section,
            "section_label": e.section_label,
            "row_label": e.row_label,
            "column_label": e.column_label,
            "unit": e.unit,
            "templates": " ".join(e.templates),
        }
        for e in entries()
    ]
