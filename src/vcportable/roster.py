"""Reading a roster (CSV, one credential per row) without trusting a byte of it.

The roster is read twice, streaming: a first pass finds *every* problem (with its line) before
anything is issued, a second pass yields the rows to issue. Bounds: bytes per line, fields per
row, characters per field, rows per file. Lines that are not UTF-8 are reported by number
rather than failing the whole read on the first bad byte; a line that is not CSV (a stray
carriage return in an unquoted field, text after a closing quote) is reported by number and the
read goes on with the next line. Fields may not hold control characters (U+0000 to U+001F)
other than tab: not NUL, which PostgreSQL cannot store, nor a line break inside a quoted field.

Columns: ``key`` (the row's idempotency key, also the output file name) and ``name`` are
required; ``subject_id``, ``valid_from`` and ``valid_until`` are optional. Dates are XSD
date-times with a timezone, or plain dates (midnight UTC).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .clock import format_datetime
from .codec.dates import parse_datetime_stamp
from .errors import InputError

REQUIRED = ("key", "name")
OPTIONAL = ("subject_id", "valid_from", "valid_until")
MAX_ROWS = 1_000_000
MAX_LINE_BYTES = 16 * 1024
MAX_FIELD_CHARS = 2048
#: Longest name: the registry's column (a longer one passed the checks on SQLite and stopped
#: a PostgreSQL batch half-way).
MAX_NAME_CHARS = 1024
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f]")
_CONTROL_NAMES = {"\x00": "NUL", "\n": "a line break", "\r": "a carriage return"}


@dataclass(frozen=True)
class RosterRow:
    line: int
    key: str
    name: str
    subject_id: str | None
    valid_from: str | None
    valid_until: str | None

    def digest(self) -> str:
        """What the row says, so a re-run with a changed row is caught."""
        text = "\x1f".join(
            [
                self.key,
                self.name,
                self.subject_id or "",
                self.valid_from or "",
                self.valid_until or "",
            ]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _physical_lines(handle: BinaryIO) -> Iterator[bytes | None]:
    """Each line's bytes, or None for a line over :data:`MAX_LINE_BYTES` (skipped without
    reading it into memory whole)."""
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = handle.readline(MAX_LINE_BYTES)
        yield None


def _lines(path: Path, bad: dict[int, str]) -> Iterator[str]:
    """Decoded physical lines; undecodable or overlong ones are noted in ``bad``."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(_physical_lines(handle), 1):
            if raw is None:
                bad[number] = f"line is over {MAX_LINE_BYTES} bytes"
                yield "\n"
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad[number] = (
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                )
                yield raw.decode("utf-8", errors="replace")


def _date(value: str, column: str) -> tuple[str | None, str | None]:
    """(normalised value, problem)."""
    text = value.strip()
    if _DATE.fullmatch(text):
        text += "T00:00:00Z"
    instant = parse_datetime_stamp(text)
    if instant is None:
        return (
            None,
            f"{column} {value!r:.40} is not a date (YYYY-MM-DD) or date-time with a timezone",
        )
    return format_datetime(instant), None


def _not_csv(exc: csv.Error) -> str:
    """What a :class:`csv.Error` means, in the terms of a roster (not the csv module's)."""
    text = str(exc)
    if text.startswith("new-line character seen in unquoted field"):
        return (
            "a carriage return (\\r) inside an unquoted field: remove it, or quote the field "
            '("...")'
        )
    if text.endswith("expected after '\"'"):
        return "text after a field's closing quote (\") where a comma or the line's end must be"
    if text.startswith("unexpected end of data"):
        return 'a quoted field has no closing quote (")'
    if text.startswith("field larger than field limit"):
        return f"a field is over {csv.field_size_limit()} characters"
    return text.split(" - ")[0]


def read_roster(path: Path) -> Iterator[RosterRow | Problem]:
    """Every data row of the roster as a :class:`RosterRow`, or the :class:`Problem`\\ s it has
    (a file-level problem, such as a missing column, comes as line 1 and ends the read)."""
    bad: dict[int, str] = {}
    reader = csv.reader(_lines(path, bad), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield Problem(1, "the roster is empty (it needs a header line: key,name,...)")
        return
    except csv.Error as exc:
        yield Problem(1, f"the header is not CSV: {_not_csv(exc)}")
        return
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if 1 in bad or missing or unknown or doubled:
        parts = [bad[1]] if 1 in bad else []
        parts += [f"missing column(s) {', '.join(missing)}"] if missing else []
        parts += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        parts += [f"repeated column(s) {', '.join(doubled)}"] if doubled else []
        allowed = ", ".join(REQUIRED + OPTIONAL)
        yield Problem(1, "; ".join(parts) + f" (columns: {allowed})")
        return
    first = 2
    rows = 0
    while True:
        error: csv.Error | None = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            error, fields = exc, []  # the reader drops the rest of the line and goes on
        line, last = first, reader.line_num
        first = last + 1
        if error is None and not any(f.strip() for f in fields):
            # a blank line, or one whose content was dropped (over the length limit)
            yield from (Problem(n, bad[n]) for n in range(line, last + 1) if n in bad)
            continue
        rows += 1
        if rows > MAX_ROWS:
            yield Problem(line, f"the roster has more than {MAX_ROWS} rows; split it")
            return
        if error is not None:
            # A record that ran over several lines (an unclosed quote) names all of them.
            span = (
                f" (lines {line}-{last} were read as one row and not used)" if last > line else ""
            )
            yield Problem(line, f"not valid CSV: {_not_csv(error)}{span}")
            yield from (Problem(n, bad[n]) for n in range(line, last + 1) if n in bad)
            continue
        yield from _row(line, last, fields, columns, bad)


def _row(
    line: int, last: int, fields: list[str], columns: list[str], bad: dict[int, str]
) -> Iterator[RosterRow | Problem]:
    problems = [bad[n] for n in range(line, last + 1) if n in bad]
    if len(fields) != len(columns):
        problems.append(f"{len(fields)} fields, the header has {len(columns)}")
        yield from (Problem(line, p) for p in problems)
        return
    for column, text in zip(columns, fields, strict=True):
        if (control := _CONTROL.search(text)) is not None:
            char = control.group()
            what = f"{_CONTROL_NAMES.get(char, 'a control character')} (U+{ord(char):04X})"
            if char == "\n" and last > line:
                what += f" in a quoted field over lines {line}-{last}"
            problems.append(
                f"{column} holds {what} at character {control.start() + 1}; roster fields may "
                "not hold control characters other than tab"
            )
    values = {c: f.strip() for c, f in zip(columns, fields, strict=True)}
    long = [c for c, v in values.items() if len(v) > MAX_FIELD_CHARS]
    problems += [f"{c} is over {MAX_FIELD_CHARS} characters" for c in long]
    key, name = values["key"], values["name"]
    if MAX_NAME_CHARS < len(name) <= MAX_FIELD_CHARS:
        problems.append(f"name is over {MAX_NAME_CHARS} characters")
    if _KEY.fullmatch(key) is None:
        problems.append(
            f"key {key!r:.40} must be 1-128 letters, digits, '.', '_' or '-' (it names the "
            "output file)"
        )
    if not name:
        problems.append("name is empty")
    subject = values.get("subject_id") or None
    if subject is not None and ":" not in subject:
        problems.append(f"subject_id {subject!r:.40} is not a URL or DID")
    dates: dict[str, str | None] = {}
    for column in ("valid_from", "valid_until"):
        dates[column] = None
        if values.get(column):
            dates[column], problem = _date(values[column], column)
            if problem:
                problems.append(problem)
    start, end = dates["valid_from"], dates["valid_until"]
    if start and end and end <= start:
        problems.append(f"valid_until {end} is not after valid_from {start}")
    if problems:
        yield from (Problem(line, p) for p in problems)
        return
    yield RosterRow(line, key, name, subject, start, end)
