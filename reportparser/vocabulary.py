"""The canonical vocabulary of ../shared/spec/report-fields.md, as data.

Every other part of the project (parser, database, exports, test-document generators) takes its
keys from here, so that the public contract is spelled in exactly one place. Keys are
`section.row.column`; their order here is the order of the official templates, which is also the
column order of wide exports. The words the templates print for these keys are in
reportparser/template_labels.py; the parser's patterns for recognising them, in
reportparser/labels.py.
"""

from __future__ import annotations

import functools
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

# Section 三's (六) 其他处理 is printed in one of two forms, whatever the rest of the template:
# "single", the 2019 template's one row, or "split", the 2021 template's three rows. Many 2021
# reports keep the single row; a report's keys are those of the form it printed.
OtherForm = Literal["single", "split"]
OTHER_ROWS: Final[dict[str, tuple[str, ...]]] = {
    "single": ("other_handling",),
    "split": ("other_no_correction", "other_unpaid_fee", "other_misc"),
}
TEMPLATE_OTHER_FORM: Final[dict[str, OtherForm]] = {
    "2019": "single",
    "2021": "split",
    "legacy": "single",
}

OUTCOME_ROWS: Final[dict[str, tuple[str, ...]]] = {
    template: (*_OUTCOMES_COMMON, *OTHER_ROWS[TEMPLATE_OTHER_FORM[template]])
    for template in ("2019", "2021")
}

REQUEST_ROWS: Final[dict[str, tuple[str, ...]]] = {
    template: ("new", "carried_over", *outcomes, "handled_total", "carried_forward")
    for template, outcomes in OUTCOME_ROWS.items()
}


def outcome_rows(template: str, other: OtherForm | None = None) -> tuple[str, ...]:
    """The outcome rows of a report of `template` whose (六) is printed in form `other`
    (None: the template's own form)."""
    form = other or TEMPLATE_OTHER_FORM[template]
    return (*_OUTCOMES_COMMON, *OTHER_ROWS[form])


def request_rows(template: str, other: OtherForm | None = None) -> tuple[str, ...]:
    """Every section 三 row of such a report, in the template's order."""
    return (
        "new",
        "carried_over",
        *outcome_rows(template, other),
        "handled_total",
        "carried_forward",
    )


# Every row a section 三 label can name, whichever template the label comes from, in template
# order; the three 2021 rows of (六) before the 2019 template's one, so that a cell holding
# both `（六）其他处理` and a 2021 row's words names that 2021 row.
RECOGNISED_REQUEST_ROWS: Final = (
    "new",
    "carried_over",
    *_OUTCOMES_COMMON,
    *OTHER_ROWS["split"],
    *OTHER_ROWS["single"],
    "handled_total",
    "carried_forward",
)

# -- Section 四 行政复议、行政诉讼 ---------------------------------------------------------------

APPEAL_ROWS: Final = ("review", "litigation_direct", "litigation_after_review")
APPEAL_COLUMNS: Final = ("upheld", "corrected", "other", "pending", "total")
APPEAL_OUTCOME_COLUMNS: Final = APPEAL_COLUMNS[:-1]


# Pure in their arguments, of which there are a handful (templates × forms of (六)), and
# asked for on every parse: kept once made. Bounded all the same, whatever a caller passes.
@functools.lru_cache(maxsize=32)
def figure_keys(template: str, other: OtherForm | None = None) -> tuple[str, ...]:
    """Every figure key the given template prints, in the template's order; `other` is the
    form section 三's (六) is printed in, if not the template's own.

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
        for row in request_rows(table_template, other)
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


@functools.lru_cache(maxsize=32)  # as figure_keys: pure, few arguments, every parse
def equations(template: str, other: OtherForm | None = None) -> tuple[Equation, ...]:
    """The instances of the four hard rules that apply to a report of `template` whose (六)
    is printed in form `other` (None: the template's own)."""
    if template not in ("2019", "2021"):
        return ()
    rows = request_rows(template, other)
    outcomes = outcome_rows(template, other)
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
