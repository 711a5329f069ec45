"""Time as an input: nothing in vcportable reads the wall clock behind the caller's back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from .codec.dates import parse_datetime_stamp


class Clock(Protocol):
    def now(self) -> datetime: ...


def judged_year_problem(instant: datetime) -> str | None:
    """Why ``instant`` cannot be a date that is judged with a grace and a clock skew (a trust
    list's): a year at either end of the calendar would overflow the arithmetic."""
    if not 1970 <= instant.year <= 9000:
        return "must be a date from 1970 to 9000"
    return None


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant: for tests and for `verify --at`."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._instant = instant

    def now(self) -> datetime:
        return self._instant


def parse_datetime(value: str) -> datetime:
    """An XSD dateTimeStamp (with ``Z`` or an offset) as an aware UTC instant, read by the one
    strict date parser (:mod:`vcportable.codec.dates`); ValueError otherwise."""
    parsed = parse_datetime_stamp(value.strip())
    if parsed is None:
        raise ValueError(
            f"{value[:64]!r} is not a date-time with a timezone, e.g. 2031-01-01T00:00:00Z"
        )
    return parsed


def format_datetime(instant: datetime) -> str:
    """XSD dateTimeStamp in UTC with second precision, the form credentials use."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
