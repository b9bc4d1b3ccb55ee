"""The data dictionary that travels with every export: each canonical key with the Chinese
labels the template prints, its section, unit and templates; plus Stata/SPSS-safe column names
and a Frictionless Data Package (`datapackage.json`, Table Schema) describing a CSV export.

The labels are those of docs/report-fields.md (the official templates 国办公开办函〔2019〕60号 and
〔2021〕30号); the keys come from reportparser.vocabulary, so a key added there without a label
here fails tests/models/test_dictionary.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from reportparser.vocabulary import all_figure_keys, figure_keys

SECTIONS: Final = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}

ROW_LABELS: Final[dict[str, dict[str, str]]] = {
    "active": {
        "rules": "规章",
        "normative_documents": "规范性文件",
        "licensing": "行政许可",
        "other_services": "其他对外管理服务事项",
        "penalty": "行政处罚",
        "coercion": "行政强制",
        "fees": "行政事业性收费",
        "procurement": "政府集中采购",
    },
    "requests": {
        "new": "一、本年新收政府信息公开申请数量",
        "carried_over": "二、上年结转政府信息公开申请数量",
        "disclosed": "三、本年度办理结果 (一) 予以公开",
        "partially_disclosed": "(二) 部分公开（区分处理的，只计这一情形，不计其他情形）",
        "withheld_state_secret": "(三) 不予公开 1. 属于国家秘密",
        "withheld_prohibited_by_law": "(三) 不予公开 2. 其他法律行政法规禁止公开",
        "withheld_three_securities_one_stability": '(三) 不予公开 3. 危及"三安全一稳定"',
        "withheld_third_party_rights": "(三) 不予公开 4. 保护第三方合法权益",
        "withheld_internal_affairs": "(三) 不予公开 5. 属于三类内部事务信息",
        "withheld_process_information": "(三) 不予公开 6. 属于四类过程性信息",
        "withheld_enforcement_case_files": "(三) 不予公开 7. 属于行政执法案卷",
        "withheld_administrative_query": "(三) 不予公开 8. 属于行政查询事项",
        "unavailable_not_held": "(四) 无法提供 1. 本机关不掌握相关政府信息",
        "unavailable_needs_creation": "(四) 无法提供 2. 没有现成信息需要另行制作",
        "unavailable_unclear_after_correction": "(四) 无法提供 3. 补正后申请内容仍不明确",
        "not_processed_complaint": "(五) 不予处理 1. 信访举报投诉类申请",
        "not_processed_duplicate": "(五) 不予处理 2. 重复申请",
        "not_processed_publication": "(五) 不予处理 3. 要求提供公开出版物",
        "not_processed_excessive": "(五) 不予处理 4. 无正当理由大量反复申请",
        "not_processed_confirmation": "(五) 不予处理 5. 要求行政机关确认或重新出具已获取信息",
        "other_handling": "(六) 其他处理",
        "other_no_correction": (
            "(六) 其他处理 1. 申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
        ),
        "other_unpaid_fee": (
            "(六) 其他处理 2. 申请人逾期未按收费通知要求缴纳费用、"
            "行政机关不再处理其政府信息公开申请"
        ),
        "other_misc": "(六) 其他处理 3. 其他",
        "handled_total": "(七) 总计",
        "carried_forward": "四、结转下年度继续办理",
    },
    "appeals": {
        "review": "行政复议",
        "litigation_direct": "行政诉讼 未经复议直接起诉",
        "litigation_after_review": "行政诉讼 复议后起诉",
    },
}

COLUMN_LABELS: Final[dict[str, dict[str, str]]] = {
    "active": {
        "new_made": "本年新制作数量",
        "new_published": "本年新公开数量",
        "total_published": "对外公开总数量",
        "issued": "本年制发件数",
        "repealed": "本年废止件数",
        "in_force": "现行有效件数",
        "prev_year_items": "上一年项目数量",
        "change": "本年增/减",
        "decisions": "处理决定数量",
        "items": "采购项目数量",
        "amount": "金额（万元）",
    },
    "requests": {
        "natural_person": "自然人",
        "commercial": "法人或其他组织 商业企业",
        "research": "法人或其他组织 科研机构",
        "social_welfare": "法人或其他组织 社会公益组织",
        "legal_service": "法人或其他组织 法律服务机构",
        "other": "法人或其他组织 其他",
        "total": "总计",
    },
    "appeals": {
        "upheld": "结果维持",
        "corrected": "结果纠正",
        "other": "其他结果",
        "pending": "尚未审结",
        "total": "总计",
    },
}

# Units as the templates count: documents and requests in 件, service items in 项, money in 万元.
_ITEM_COLUMNS: Final = frozenset({"prev_year_items", "change", "items"})


def unit(key: str) -> str:
    section, _row, column = key.split(".")
    if column == "amount":
        return "万元"
    if section == "active" and column in _ITEM_COLUMNS:
        return "项"
    return "件"


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
