"""How complete a stored report is: the one verdict the summary, coverage and exports show.

* `complete`: every section of the template (二 active disclosure, 三 requests, 四 appeals) has
  figures and the parser lost no part of a table;
* `partial`: a section has no figure at all, or a finding says part of a table was lost or
  could not be confirmed (its cells are null);
* `metadata_only`: the report was recognised (title, year, agency) but no figure was read;
* `failed` is not a report's: a document that could not be parsed has no report row (its source
  says why); coverage shows a county-year with only such documents as `failed`.

Only complete reports count as collected. Migration 0005 holds a frozen SQL copy of these rules
to backfill older databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

from models.types import Number

Completeness = Literal["complete", "partial", "metadata_only", "failed"]
COMPLETENESS: Final[tuple[Completeness, ...]] = ("complete", "partial", "metadata_only", "failed")

# Parser findings that mean part of a table is not in the figures.
PARTIAL_RULES: Final = frozenset(
    {
        "warning.missing_section",
        "warning.missing_rows",
        "warning.truncated",
        "warning.lost_cells",
        "warning.unconfirmed_table",
    }
)
SECTIONS: Final = ("active", "requests", "appeals")


def completeness(figures: Mapping[str, Number | None], rules: Iterable[str]) -> Completeness:
    """The verdict for a report with these figures (None: printed empty) and finding rules."""
    valued = [key for key, value in figures.items() if value is not None]
    if not valued:
        return "metadata_only"
    if PARTIAL_RULES.intersection(rules):
        return "partial"
    # A C loop over ~200 keys (a report is judged in the crawl and again in the store).
    sections = set(map(_SECTION_OF.__getitem__, valued))
    if any(section not in sections for section in SECTIONS):
        return "partial"
    return "complete"


class _Sections(dict[str, str]):
    """A figure key's section (`requests.new.total` → `requests`), remembered per key: the
    keys are the vocabulary's few hundred."""

    def __missing__(self, key: str) -> str:
        section = self[key] = key.split(".", 1)[0]
        return section


_SECTION_OF: Final = _Sections()
