"""The templates' printed labels cover the vocabulary, and the parser reads each as its key."""

from __future__ import annotations

import pytest

from reportparser.labels import active_row, appeal_row, column_key
from reportparser.template_labels import (
    ACTIVE_ARTICLES,
    ACTIVE_COLUMN_LABELS,
    ACTIVE_ROW_LABELS,
    APPEAL_COLUMN_LABELS,
    APPEAL_ROW_LABELS,
    FIGURE_SECTION_HEADINGS,
    REQUEST_COLUMN_LABELS,
    REQUEST_ROW_LABELS,
    SECTION_HEADINGS,
    appeals_grid,
    outcome_group,
    requests_grid,
)
from reportparser.values import squash
from reportparser.vocabulary import (
    ACTIVE_ROWS,
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    RECOGNISED_REQUEST_ROWS,
    REQUEST_COLUMNS,
    OtherForm,
    figure_keys,
    outcome_rows,
)


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_active_row_and_column_has_its_label(template: str) -> None:
    rows = [row for row, _columns in ACTIVE_ROWS[template]]
    assert list(ACTIVE_ROW_LABELS[template]) == rows
    articles = ACTIVE_ARTICLES[template]
    assert [row for _article, article_rows in articles for row in article_rows] == rows
    columns = dict(ACTIVE_ROWS[template])
    for _article, article_rows in articles:
        assert len({columns[row] for row in article_rows}) == 1, article_rows  # one header row
    assert set(ACTIVE_COLUMN_LABELS[template]) == {c for cs in columns.values() for c in cs}


def test_every_request_and_appeal_key_has_its_label() -> None:
    assert set(REQUEST_ROW_LABELS) == set(RECOGNISED_REQUEST_ROWS)
    assert list(REQUEST_COLUMN_LABELS) == list(REQUEST_COLUMNS)
    assert list(APPEAL_ROW_LABELS) == list(APPEAL_ROWS)
    assert list(APPEAL_COLUMN_LABELS) == list(APPEAL_COLUMNS)
    assert set(SECTION_HEADINGS["2019"]) == set(SECTION_HEADINGS["2021"])
    assert FIGURE_SECTION_HEADINGS.items() <= SECTION_HEADINGS["2021"].items()


def test_numbered_outcome_rows_print_their_group() -> None:
    alone = {row for row in RECOGNISED_REQUEST_ROWS if outcome_group(row) is None}
    assert alone == {
        "new",
        "carried_over",
        "disclosed",
        "partially_disclosed",
        "other_handling",
        "handled_total",
        "carried_forward",
    }
    assert outcome_group("other_misc") == REQUEST_ROW_LABELS["other_handling"]
    assert outcome_group("withheld_state_secret") == "（三）不予公开"


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("other", ["single", "split"])
def test_the_grids_hold_every_key_once(template: str, other: OtherForm) -> None:
    grids = (requests_grid(outcome_rows(template, other)), appeals_grid())
    keys = [cell.key for grid in grids for row in grid for cell in row if cell.key]
    expected = [k for k in figure_keys(template, other) if not k.startswith("active.")]
    assert sorted(keys) == sorted(expected)
    assert len(keys) == len(set(keys))


# The parser's patterns (reportparser.labels) are other data, tolerant of variants; they must
# still read every label the templates print as its own key (request rows: test_labels.py).


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_the_parser_reads_every_printed_active_label(template: str) -> None:
    for row, label in ACTIVE_ROW_LABELS[template].items():
        assert active_row(squash(label), template) == row, label
    for column, label in ACTIVE_COLUMN_LABELS[template].items():
        assert column_key("active", squash(label)) == column, label


def test_the_parser_reads_every_printed_column_and_appeal_label() -> None:
    for column, label in REQUEST_COLUMN_LABELS.items():
        assert column_key("requests", squash(label)) == column, label
    for column, label in APPEAL_COLUMN_LABELS.items():
        assert column_key("appeals", squash(label)) == column, label
    for row, headers in APPEAL_ROW_LABELS.items():
        assert appeal_row(squash(" ".join(headers))) == row, headers
