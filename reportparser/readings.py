"""What the table readers hand to the rules: the printed values of one table row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
