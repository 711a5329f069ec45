"""Time as an input: nothing in vcportable reads the wall clock behind the caller's back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


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
    """Parse an XSD dateTime with a timezone (``Z`` or offset); ValueError otherwise."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"date-time {value!r} has no timezone")
    return parsed


def format_datetime(instant: datetime) -> str:
    """XSD dateTimeStamp in UTC with second precision, the form credentials use."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
