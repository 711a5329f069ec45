"""The one XSD ``dateTime`` / ``dateTimeStamp`` parser: ``validFrom``/``validUntil``, VC 1.1
``issuanceDate``/``expirationDate``, proof ``created``/``expires``, JOSE claims and status lists.

Strict about the lexical form (an uppercase ``T``, every field in range, a real calendar day, a
timezone within ±14:00 and, for ``dateTimeStamp``, present), and about the years: 0001 to 9999
once in UTC, the instants :class:`datetime` holds, so that every date a check accepts is one it
can compare. Fractions of a second are kept exactly (not rounded to microseconds) for ordering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

from vcportable.codec.describe import json_type, show

__all__ = [
    "DATETIME_STAMP_PATTERN",
    "DATETIME_STAMP_RE",
    "DIGITALBAZAAR_DATE_RE",
    "XsdDateTime",
    "date_problem",
    "parse_date_time",
    "parse_datetime_stamp",
    "parse_xsd_datetime",
]

_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

#: XSD 1.1 ``dateTimeStamp`` (a ``dateTime`` with a mandatory timezone), as VC 2.0 requires for
#: ``validFrom``/``validUntil``; the lexical form only. Shared with the JSON Schema.
DATETIME_STAMP_PATTERN: Final = (
    rf"^{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T{_TIME}{_TZ}$"
)
DATETIME_STAMP_RE: Final = re.compile(DATETIME_STAMP_PATTERN)

# XSD dateTime split into parts; the timezone is optional (VC 1.1 dates).
_XSD_DATETIME_RE: Final = re.compile(
    r"(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(?P<month>0[1-9]|1[0-2])"
    r"-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):(?P<second>[0-5][0-9])"
    r"(?:\.(?P<fraction>[0-9]+))?|(?P<midnight>24:00:00(?:\.0+)?))"
    r"(?P<tz>Z|(?P<sign>[+-])(?:(?P<tzh>0[0-9]|1[0-3]):(?P<tzm>[0-5][0-9])|14:00))?"
)

#: The date regex of ``@digitalbazaar/vc`` 7.x (``lib/helpers.js``), with the meaning it has in
#: JavaScript: the ``'\\.'`` of the source string is a plain ``.`` (any character), the
#: timezone is optional and ``RegExp.test`` is unanchored. Every date this module accepts
#: matches it (a property test holds this), so vcportable accepts a subset of what it does.
DIGITALBAZAAR_DATE_RE: Final = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})"
    r"-(0[1-9]|1[0-2])"
    r"-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](.[0-9]+)?|(24:00:00(.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)

_DAY: Final = timedelta(days=1)
_MAX_DATE_CHARS: Final = 64  # no real timestamp is longer; keeps the regex and integers small
_EXAMPLE: Final = "2025-03-01T00:00:00Z"
#: Distinct date strings whose reading is remembered (see :func:`_read_text`).
_MEMO_SIZE: Final = 256


@dataclass(frozen=True, slots=True)
class XsdDateTime:
    """A parsed XSD date-time: the UTC instant, and every digit of its fraction of a second."""

    #: aware, UTC, fraction truncated to microseconds
    instant: datetime
    #: fraction digits without trailing zeros (``"1234567"`` for ``.12345670``)
    fraction: str
    has_timezone: bool

    def order_key(self) -> tuple[datetime, str]:
        """Exact ordering: whole seconds, then the fraction (digit strings without trailing
        zeros compare like the numbers they spell)."""
        return (self.instant.replace(microsecond=0), self.fraction)


def _not_a_date(value: str, require_timezone: bool) -> str:
    kind = "XSD dateTimeStamp" if require_timezone else "XSD dateTime"
    return f"must be an {kind} such as {_EXAMPLE} (got {show(value)})"


def _read(value: object, require_timezone: bool) -> XsdDateTime | str:
    """The parsed date-time, or why ``value`` is not one (a phrase: "must be ...")."""
    if not isinstance(value, str):
        return f"must be a date-time string such as {_EXAMPLE}, got {json_type(value)}"
    if len(value) > _MAX_DATE_CHARS:
        return _not_a_date(value, require_timezone)
    return _read_text(str(value), require_timezone)  # str(): a plain string as the memo key


@lru_cache(maxsize=_MEMO_SIZE)
def _read_text(value: str, require_timezone: bool) -> XsdDateTime | str:
    """:func:`_read` of a short string, remembered: one verification reads the same
    ``validFrom``/``validUntil`` in several checks (data model, claims, validity), and a batch
    repeats them. Pure (its answers are immutable), bounded in entries and, by
    ``_MAX_DATE_CHARS``, in the size of each key."""
    match = _XSD_DATETIME_RE.fullmatch(value)
    if match is None:
        return _not_a_date(value, require_timezone)
    tz = match["tz"]
    if require_timezone and tz is None:
        return (
            f"needs a timezone ('Z' or '+hh:mm'): VC 2.0 dates are XSD dateTimeStamp "
            f"(got {show(value)})"
        )
    if not 1 <= int(match["year"]) <= 9999:
        return f"must have a year from 0001 to 9999 (got {show(value)})"
    # The pattern has fixed the form; the C ISO parser does the calendar and the arithmetic
    # (every digit of the fraction is kept in ``fraction``; the datetime holds microseconds).
    midnight = match["midnight"] is not None
    text = value[: match.start("midnight")] + "00:00:00" + (tz or "") if midnight else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return f"is not a calendar date: {match['year']}-{match['month']} has no day {match['day']}"
    try:
        instant = parsed.astimezone(UTC) if tz else parsed.replace(tzinfo=UTC)
        if midnight:  # 24:00:00 is the first instant of the next day
            instant += _DAY
    except OverflowError:
        return f"must fall within the years 0001 to 9999 in UTC (got {show(value)})"
    fraction = "" if midnight else (match["fraction"] or "").rstrip("0")
    return XsdDateTime(instant, fraction, tz is not None)


def date_problem(value: object, *, require_timezone: bool = True) -> str | None:
    """Why ``value`` is not an XSD dateTimeStamp (dateTime when ``require_timezone`` is off),
    as a phrase ("must be ...", "is not a calendar date ..."); None when it is one."""
    result = _read(value, require_timezone)
    return result if isinstance(result, str) else None


def parse_date_time(value: object, *, require_timezone: bool = True) -> XsdDateTime | None:
    """The parsed XSD dateTimeStamp (dateTime when ``require_timezone`` is off), or None;
    :func:`date_problem` says why."""
    result = _read(value, require_timezone)
    return None if isinstance(result, str) else result


def parse_datetime_stamp(value: object) -> datetime | None:
    """The aware UTC instant of an XSD dateTimeStamp, or None."""
    result = _read(value, True)
    return None if isinstance(result, str) else result.instant


def parse_xsd_datetime(value: object) -> datetime | None:
    """Like :func:`parse_datetime_stamp` for VC 1.1 dates: a missing timezone means UTC."""
    result = _read(value, False)
    return None if isinstance(result, str) else result.instant
