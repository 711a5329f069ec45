"""What ``vcportable verify`` reads: files, folders (``--recursive``), globs, and streams on stdin.

Everything is produced lazily, one :class:`Source` at a time, so that a folder of a million files
or an endless stream is verified in constant memory. What cannot be read (a missing file, a
folder without credentials, a symlink loop, a record over the size limit) is a :class:`Source`
too, with its ``error``: it is reported in its place, in input order, and the run goes on.

A stream on stdin is JSON Lines, concatenated JSON (pretty-printed or not), or one compact token
(or QR envelope text) per line; those may be mixed. Records are only *delimited* here, with the
standard library's decoder; each record's exact bytes then go through the verifier, whose strict
parser decides what they are. A binary stdin (a photo of a QR code, a baked badge) is one input,
as before.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .io import Unreadable, label, read_input

__all__ = ["Source", "sources", "stdin_records"]

_GLOB_CHARS = frozenset("*?[")
_JSON_STARTS = (b"{", b"[")
_BOM = b"\xef\xbb\xbf"
_DECODER = json.JSONDecoder()
#: How much of stdin decides whether it is text (a stream) or an image (one input).
_SNIFF = 4096


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file to read (``data`` None), a record of stdin (its bytes and first line),
    or what could not be read (``error``)."""

    name: str
    data: bytes | None = None
    line: int | None = None
    error: str | None = None

    @property
    def shown(self) -> str:
        """How the input is named in reports: ``-`` for stdin, with the line after the first."""
        return f"{self.name}:{self.line}" if self.line and self.line > 1 else self.name


def sources(
    inputs: tuple[str, ...], *, recursive: bool, max_record_bytes: int, max_image_bytes: int
) -> Iterator[Source]:
    """Every input named on the command line, expanded, in order."""
    for name in inputs:
        if name == "-":
            yield from _stdin(max_record_bytes, max_image_bytes)
        elif _is_dir(name):
            yield from _folder(name, recursive)
        elif not os.path.lexists(name) and _GLOB_CHARS & set(name):
            yield from _glob(name, recursive)
        else:
            yield Source(name)  # a file, or what the reader will say it is not


def _is_dir(name: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name).st_mode)
    except (OSError, ValueError):
        return False


def _glob(pattern: str, recursive: bool) -> Iterator[Source]:
    """A pattern the shell did not expand (quoted, or on Windows); ``**`` spans folders."""
    import glob  # only for a pattern

    matches = sorted(glob.iglob(pattern, recursive=True))
    if not matches:
        yield Source(pattern, error=f"no file matches {label(pattern)}")
    for match in matches:
        if _is_dir(match):
            if recursive:
                yield from _folder(match, recursive)
        else:
            yield Source(match)


def _folder(root: str, recursive: bool) -> Iterator[Source]:
    """The files of a folder (hidden ones left out), in name order; with ``recursive``, of its
    subfolders too, depth first. A folder reached twice (a symlink to an ancestor: a loop) is
    reported once and not entered again."""
    seen: set[tuple[int, int]] = set()
    found = 0
    for source in _walk(root, recursive, seen, ancestors=()):
        found += source.error is None
        yield source
    if not found:
        what = "folder tree" if recursive else "directory"
        yield Source(root, error=f"{label(root)} is a {what} without credentials (no files)")


def _walk(
    folder: str, recursive: bool, seen: set[tuple[int, int]], ancestors: tuple[tuple[int, int], ...]
) -> Iterator[Source]:
    try:
        info = os.stat(folder)
        key = (info.st_dev, info.st_ino)
        if key in ancestors:
            yield Source(folder, error=f"symlink loop: {label(folder)} leads back to a parent")
            return
        if key in seen:  # reached again through another link: its files were verified once
            return
        seen.add(key)
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=_by_name)
    except OSError as exc:
        yield Source(folder, error=f"cannot read {label(folder)}: {exc.strerror or exc}")
        return
    subfolders = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False  # a dangling link: the reader says so
        if not is_dir:
            yield Source(entry.path)
        elif recursive:
            subfolders.append(entry.path)
    for path in subfolders:
        yield from _walk(path, recursive, seen, (*ancestors, key))


def _by_name(entry: os.DirEntry[str]) -> str:
    return entry.name


# -- stdin ------------------------------------------------------------------------------------


def _stdin(max_record_bytes: int, max_image_bytes: int) -> Iterator[Source]:
    if sys.stdin is None:
        yield Source("-", error="cannot read standard input: it is closed")
        return
    stream = sys.stdin.buffer
    try:
        head = _look_ahead(stream)
    except OSError as exc:
        yield Source("-", error=f"cannot read standard input: {exc.strerror or exc}")
        return
    if not head or _binary(head):  # an image, or nothing: one input, read as before
        try:
            yield Source("-", data=read_input("-", max_image_bytes), line=1)
        except Unreadable as exc:
            yield Source("-", error=exc.message)
        return
    try:
        yield from stdin_records(stream, max_record_bytes)
    except OSError as exc:  # the stream broke off: what came before is verified, then this
        yield Source("-", error=f"cannot read standard input: {exc.strerror or exc}")


def _look_ahead(stream: BinaryIO) -> bytes:
    """The start of stdin, left in place for whoever reads it next."""
    if hasattr(stream, "peek"):
        head: bytes = stream.peek(_SNIFF)[:_SNIFF]
        return head
    head = stream.read(_SNIFF)  # an in-memory stdin (a test's): it can be rewound
    stream.seek(0)
    return head


def _binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 3  # not just a character cut at the end of the sample
    return False


def stdin_records(stream: BinaryIO, max_bytes: int) -> Iterator[Source]:
    """The records of a text stream: each JSON value (on one line or many), and each other
    non-empty line (a token, an envelope).

    A JSON value ends where its brackets balance: they are counted line by line (a JSON string
    never spans lines), so each record is decoded once, whatever its shape. A line that starts
    with ``{`` or ``[`` in its first column starts a new record (JSON Lines, and the top level
    of pretty-printed JSON): an unfinished record before it is handed on as it is, and the
    strict parser says what is missing. A record over ``max_bytes`` is reported and skipped up
    to the next line that starts in the first column.
    """
    pending: list[bytes] = []  # the lines of an unfinished record (joined once, at its end)
    size = depth = start = number = 0  # its bytes, its open brackets, the line it starts on
    skipping = False
    while raw := stream.readline(max_bytes + 1):
        number += 1
        line = raw.removeprefix(_BOM) if number == 1 else raw
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            _drain_line(stream, max_bytes)
        at_left = line[:1] not in (b" ", b"\t", b"\r", b"\n", b"")
        if skipping and not at_left:
            continue
        skipping = False
        if pending and at_left and line[:1] in _JSON_STARTS:
            yield Source("-", data=b"".join(pending).strip(), line=start)  # unfinished
            pending, size = [], 0
        if size + len(line) > max_bytes:
            first = start if pending else number
            yield Source("-", line=first, error=_too_large(first, max_bytes))
            pending, size, skipping = [], 0, True
            continue
        if not pending:
            stripped = line.strip()
            if not stripped:
                continue
            if stripped[:1] not in _JSON_STARTS:
                yield Source("-", data=stripped, line=number)
                continue
            records, rest = _records(line, complete=False)  # JSON Lines: the usual case
            for record in records:
                yield Source("-", data=record, line=number)
            if rest:  # the start of a value on several lines
                pending, size, depth, start = [rest], len(rest), _depth_change(rest), number
            continue
        pending.append(line)
        size += len(line)
        depth += _depth_change(line)
        if depth <= 0:  # balanced (or broken): decoded once, into one record or more
            for index, record in enumerate(_records(b"".join(pending), complete=True)[0]):
                yield Source("-", data=record, line=number if index else start)  # same line
            pending, size = [], 0
    if pending:
        yield Source("-", data=b"".join(pending).strip(), line=start)  # unfinished


def _drain_line(stream: BinaryIO, max_bytes: int) -> None:
    while (rest := stream.readline(max_bytes + 1)) and not rest.endswith(b"\n"):
        pass


def _too_large(line: int, max_bytes: int) -> str:
    return f"standard input, line {line}: a record over the size limit of {max_bytes} bytes"


_STRINGS = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')


def _depth_change(line: bytes) -> int:
    """Brackets opened minus brackets closed on ``line``, outside strings."""
    bare = _STRINGS.sub(b"", line)
    return bare.count(b"{") + bare.count(b"[") - bare.count(b"}") - bare.count(b"]")


def _records(pending: bytes, *, complete: bool) -> tuple[list[bytes], bytes]:
    """The JSON values in ``pending`` (several when they follow each other on a line), each as
    its exact bytes, and the start of a value that goes on in the next lines (unless
    ``complete``: then it is a record too). What does not decode is one record from there on:
    the strict parser names what is wrong with it."""
    text = pending.decode("utf-8", "surrogateescape")
    records: list[bytes] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position == len(text):
            return records, b""
        end = len(text)
        if text[position] in "{[":
            try:
                end = _DECODER.raw_decode(text, position)[1]
            except json.JSONDecodeError as exc:
                if not complete and exc.pos >= len(text.rstrip()):
                    return records, text[position:].encode("utf-8", "surrogateescape")
            except RecursionError:
                pass  # nested too deep to delimit: the strict parser refuses it
        records.append(text[position:end].strip().encode("utf-8", "surrogateescape"))
        position = end
