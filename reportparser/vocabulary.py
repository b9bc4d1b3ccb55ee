"""The canonical vocabulary of ../shared/spec/report-fields.md, as data.

Every other part of the project (parser, database, exports, test-document generators) takes its
keys from here, so that the public contract is spelled in exactly one place. Keys are
`section.row.column`; their order here is the order of the official templates, which is also the
column order of wide exports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Template = Literal["2019", "2021", "legacy"]
Scope = Literal["county", "department"]
TEMPLATES: Final = ("2019", "2021", "legacy")

# -- Section 二 主动公开政府信息情况 ------------------------------------------------------------

_DOC_COLUMNS_2019: Final = ("new_made", "new_published", "total_published")
_DOC_COLUMNS_2021: Final = ("issued", "repealed", "in_force")
_ITEM_COLUMNS_2019: Final = ("prev_year_items", "change", "decisions")

ACTIVE_ROWS: Final[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "2019": (
        ("rules", _DOC_COLUMNS_2019),
        ("normative_documents", _DOC_COLUMNS_2019),
        ("licensing", _ITEM_COLUMNS_2019),
        ("other_services", _ITEM_COLUMNS_2019),
        ("penalty", _ITEM_COLUMNS_2019),
        ("coercion", _ITEM_COLUMNS_2019),
        ("fees", ("prev_year_items", "change")),
        ("procurement", ("items", "amount")),
    ),
    "2021": (
        ("rules", _DOC_COLUMNS_2021),
        ("normative_documents", _DOC_COLUMNS_2021),
        ("licensing", ("decisions",)),
        ("penalty", ("decisions",)),
        ("coercion", ("decisions",)),
        ("fees", ("amount",)),
    ),
}

# -- Section 三 收到和处理政府信息公开申请情况 --------------------------------------------------

REQUEST_COLUMNS: Final = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_service",
    "other",
    "total",
)
APPLICANT_COLUMNS: Final = REQUEST_COLUMNS[:-1]

_OUTCOMES_COMMON: Final = (
    "disclosed",
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_three_securities_one_stability",
    "withheld_third_party_rights",
    "withheld_internal_affairs",
    "withheld_process_information",
    "withheld_enforcement_case_files",
    "withheld_administrative_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear_after_correction",
    "not_processed_complaint",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
)

OUTCOME_ROWS: Final[dict[str, tuple[str, ...]]] = {
    "2019": (*_OUTCOMES_COMMON, "other_handling"),
    "2021": (*_OUTCOMES_COMMON, "other_no_correction", "other_unpaid_fee", "other_misc"),
}

REQUEST_ROWS: Final[dict[str, tuple[str, ...]]] = {
    template: ("new", "carried_over", *outcomes, "handled_total", "carried_forward")
    for template, outcomes in OUTCOME_ROWS.items()
}

# -- Section 四 行政复议、行政诉讼 ---------------------------------------------------------------

APPEAL_ROWS: Final = ("review", "litigation_direct", "litigation_after_review")
APPEAL_COLUMNS: Final = ("upheld", "corrected", "other", "pending", "total")
APPEAL_OUTCOME_COLUMNS: Final = APPEAL_COLUMNS[:-1]


def figure_keys(template: str) -> tuple[str, ...]:
    """Every figure key the given template prints, in the template's order.

    Legacy (free-form) reports have no fixed table; they may carry any subset of the 2019 keys.
    """
    table_template = "2019" if template == "legacy" else template
    keys: list[str] = [
        f"active.{row}.{column}"
        for row, columns in ACTIVE_ROWS[table_template]
        for column in columns
    ]
    keys += [
        f"requests.{row}.{column}"
        for row in REQUEST_ROWS[table_template]
        for column in REQUEST_COLUMNS
    ]
    keys += [f"appeals.{row}.{column}" for row in APPEAL_ROWS for column in APPEAL_COLUMNS]
    return tuple(keys)


def all_figure_keys() -> tuple[str, ...]:
    """The union of both templates' keys, 2019 order first, then what 2021 adds.

    This is the column order of wide exports, stable across releases: new keys are appended.
    """
    seen: dict[str, None] = dict.fromkeys(figure_keys("2019"))
    seen.update(dict.fromkeys(figure_keys("2021")))
    return tuple(seen)


# -- Consistency rules ------------------------------------------------------------------------

HARD_RULES: Final = (
    "requests.balance",
    "requests.row_total",
    "requests.outcome_total",
    "appeals.total",
)


@dataclass(frozen=True, slots=True)
class Equation:
    """One linear consistency rule instance: sum(left) must equal sum(right).

    `where` names the row or column the equation concerns, for the finding's message.
    """

    rule: str
    where: str
    left: tuple[str, ...]
    right: tuple[str, ...]


def equations(template: str) -> tuple[Equation, ...]:
    """The instances of the four hard rules that apply to a report of `template`."""
    if template not in ("2019", "2021"):
        return ()
    rows = REQUEST_ROWS[template]
    outcomes = OUTCOME_ROWS[template]
    result: list[Equation] = []
    for column in REQUEST_COLUMNS:
        result.append(
            Equation(
                "requests.balance",
                f"column {column}",
                (f"requests.new.{column}", f"requests.carried_over.{column}"),
                (f"requests.handled_total.{column}", f"requests.carried_forward.{column}"),
            )
        )
    for row in rows:
        result.append(
            Equation(
                "requests.row_total",
                f"row {row}",
                (f"requests.{row}.total",),
                tuple(f"requests.{row}.{column}" for column in APPLICANT_COLUMNS),
            )
        )
    for column in REQUEST_COLUMNS:
        result.append(
            Equation(
                "requests.outcome_total",
                f"column {column}",
                (f"requests.handled_total.{column}",),
                tuple(f"requests.{row}.{column}" for row in outcomes),
            )
        )
    for row in APPEAL_ROWS:
        result.append(
            Equation(
                "appeals.total",
                f"row {row}",
                (f"appeals.{row}.total",),
                tuple(f"appeals.{row}.{column}" for column in APPEAL_OUTCOME_COLUMNS),
            )
        )
    return tuple(result)


# -- Headline figures (views, summaries) ------------------------------------------------------

HEADLINE_FIGURES: Final[dict[str, tuple[str, ...]]] = {
    # name: the keys whose sum it is
    "requests_received": ("requests.new.total",),
    "requests_disclosed": ("requests.disclosed.total",),
    "requests_partially_disclosed": ("requests.partially_disclosed.total",),
    "appeals": ("appeals.review.total",),
    "lawsuits": ("appeals.litigation_direct.total", "appeals.litigation_after_review.total"),
}
