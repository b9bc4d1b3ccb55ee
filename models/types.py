"""Column types whose values come back exactly as they went in, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NUMERIC, TypeDecorator, TypeEngine

Number = int | float


def normalize_number(value: object) -> Number | None:
    """The one numeric form the store keeps: `int` when integral, else a finite `float`.

    An amount printed `5.00` and one printed `5` are the same number, so both become `5`; a
    decimal such as `16280.5867` stays the float whose shortest repr is what was printed.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"a figure is a number, not a boolean: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"a figure must be finite: {value!r}")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a figure must be finite: {value!r}")
        return int(value) if value.is_integer() else value
    raise TypeError(f"a figure is an int or a float, not {type(value).__name__}: {value!r}")


class _RawSQLiteNumeric(NUMERIC):  # type: ignore[type-arg]
    """NUMERIC without SQLAlchemy's float/Decimal conversions: sqlite3 returns int or float."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class FigureNumber(TypeDecorator[Number]):
    """A figure value: SQL `NUMERIC`, read back as `int` (integral) or `float` (decimal).

    PostgreSQL stores an exact decimal (bound from the float's shortest repr, so `16280.5867` is
    stored as that decimal, not as its binary neighbour). SQLite's NUMERIC affinity stores
    integers as 64-bit INTEGER and decimals as 8-byte REAL, which is exactly the Python float the
    parser produced. Either way `SUM(value)` and comparisons work in plain SQL.
    """

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_RawSQLiteNumeric())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        number = normalize_number(value)
        if isinstance(number, float) and dialect.name != "sqlite":
            return Decimal(repr(number))
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Number | None:
        return normalize_number(value)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on both engines (SQLite has no time zones).

    Naive datetimes are taken to be UTC already; everything comes back aware, in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
