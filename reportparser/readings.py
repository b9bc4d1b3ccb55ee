"""What the table readers hand to the rules: the printed values of one table row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from reportparser.result import FigureValue

Source = Literal["table", "text"]


@dataclass(frozen=True, slots=True)
class RowReading:
    """One printed row: the figure keys of its cells (column order) and the values printed.

    `exact`: `values[i]` is the cell of `keys[i]` (None = printed empty). Otherwise the
    positions are unknown: the text showed `values` in order but fewer (lost cells) or more
    (unreadable) of them than the row has cells; no values at all is a row whose numbers are
    gone. `name` names the row in findings (`requests.carried_over`).
    """

    name: str
    keys: tuple[str, ...]
    values: tuple[FigureValue, ...]
    exact: bool
    source: Source

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]


class _ReadingUnderConstruction:
    """A `RowReading` being made by `new_reading` (see `document.new_cell`: the same slots,
    set directly, then the class changed; Python checks that the layouts agree)."""

    __slots__ = ("exact", "keys", "name", "source", "values")

    def __init__(
        self,
        name: str,
        keys: tuple[str, ...],
        values: tuple[FigureValue, ...],
        exact: bool,
        source: Source,
    ) -> None:
        self.name = name
        self.keys = keys
        self.values = values
        self.exact = exact
        self.source = source


def _new_reading(
    name: str, keys: tuple[str, ...], values: tuple[FigureValue, ...], exact: bool, source: Source
) -> RowReading:
    reading = _ReadingUnderConstruction(name, keys, values, exact, source)
    reading.__class__ = RowReading  # type: ignore[assignment]
    return reading  # type: ignore[return-value]


if _new_reading("r", ("k",), (1,), True, "text") != RowReading("r", ("k",), (1,), True, "text"):
    raise AssertionError("_ReadingUnderConstruction must have the fields of RowReading")
new_reading: Final = _new_reading
"""`RowReading(name, keys, values, exact, source)`, all given, at a third of the cost: the
table reader makes one per row of every table."""
