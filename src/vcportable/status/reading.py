"""The verifier's reading of Bitstring Status List entries and list credentials (no I/O).

Everything here turns untrusted JSON into typed values or a one-line reason why not; the
status check (:mod:`vcportable.checks.status`) decides what a reason means for the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..codec.dates import parse_datetime_stamp
from ..errors import InputError
from .bitstring import Bitstring, decode_list

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusListCredential"
#: statusSize above this is refused (2^12 messages is already far beyond any real use).
MAX_STATUS_SIZE = 12
_INDEX = re.compile(r"(0|[1-9][0-9]{0,9})")
_HEX = re.compile(r"0x[0-9a-fA-F]{1,4}")


class EntryError(ValueError):
    """An entry that cannot be read (STATUS_ENTRY_INVALID)."""


@dataclass(frozen=True)
class StatusEntry:
    purpose: str
    index: int
    list_url: str
    size: int = 1
    #: status value -> message (``statusMessage``), when the entry gives them.
    messages: Mapping[int, str] | None = None

    def describe(self, value: int) -> str:
        if self.messages and value in self.messages:
            return self.messages[value]
        return f"status 0x{value:x}"


#: A status list's ``ttl`` is in milliseconds; more than a year means no freshness at all.
MAX_TTL_MS = 366 * 24 * 3600 * 1000


def read_entry(entry: Any) -> StatusEntry:
    """A ``BitstringStatusListEntry``; :class:`EntryError` with the reason otherwise."""
    if not isinstance(entry, Mapping):
        raise EntryError("a credentialStatus entry must be an object")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise EntryError("statusPurpose must be a non-empty string")
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or _INDEX.fullmatch(index) is None:
        raise EntryError(f"statusListIndex must be a base-10 integer string, got {index!r:.40}")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or ":" not in url or len(url) > 2048:
        raise EntryError("statusListCredential must be a URL")
    size = entry.get("statusSize", 1)
    if type(size) is not int or not 1 <= size <= MAX_STATUS_SIZE:
        raise EntryError(f"statusSize must be an integer from 1 to {MAX_STATUS_SIZE}")
    messages = _messages(entry.get("statusMessage"), size)
    return StatusEntry(purpose, int(index), url, size, messages)


def _messages(value: Any, size: int) -> dict[int, str] | None:
    if value is None:
        if size > 1:
            raise EntryError("statusMessage is required when statusSize is above 1")
        return None
    if not isinstance(value, list) or len(value) != 1 << size:
        raise EntryError(f"statusMessage must list {1 << size} statuses for statusSize {size}")
    found: dict[int, str] = {}
    for item in value:
        status = item.get("status") if isinstance(item, Mapping) else None
        message = item.get("message") if isinstance(item, Mapping) else None
        if not isinstance(status, str) or _HEX.fullmatch(status) is None:
            raise EntryError('each statusMessage needs a status like "0x1"')
        if not isinstance(message, str):
            raise EntryError(f"statusMessage {status} needs a message string")
        found[int(status, 16)] = message
    if len(found) != len(value) or max(found) >= 1 << size:
        raise EntryError("statusMessage statuses must be distinct and fit in statusSize bits")
    return found


@dataclass(frozen=True)
class StatusList:
    """A list credential's content, read after its signature verified."""

    url: str
    issuer: str | None
    purposes: tuple[str, ...]
    encoded: str
    valid_from: datetime | None
    valid_until: datetime | None
    ttl: timedelta | None

    def bits(self, status_size: int) -> Bitstring:
        return decode_list(self.encoded, status_size=status_size)

    def stale_reason(self, now: datetime) -> str | None:
        """Why this copy no longer tells the current status, or None while it does."""
        if self.valid_until is not None and now > self.valid_until:
            return f"it expired at {self.valid_until.isoformat()}"
        if self.ttl is not None and self.valid_from is not None:
            try:
                fresh_until = self.valid_from + self.ttl
            except OverflowError:  # past the calendar's end: never stale by its ttl
                return None
            if now > fresh_until:
                return f"it is older than its ttl of {self.ttl} (a fresh copy should be fetched)"
        return None


def read_list(document: Mapping[str, Any], url: str) -> StatusList:
    """The parts of a ``BitstringStatusListCredential`` a check needs; :class:`InputError`."""
    types = document.get("type")
    if not isinstance(types, list) or LIST_TYPE not in types:
        raise InputError(f"the document at {url} is not a {LIST_TYPE}")
    # Bitstring Status List 2.2: the list MUST have an id, the URL its entries name; a list
    # that names no URL could be served for any of its issuer's lists.
    if document.get("id") != url:
        named = f"names itself {document['id']!r:.80}" if "id" in document else "names no id"
        raise InputError(f"the list at {url} {named}")
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != "BitstringStatusList":
        raise InputError(f"the list at {url} has no BitstringStatusList subject")
    purposes = subject.get("statusPurpose")
    purpose_list = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purpose_list, list) or not all(isinstance(p, str) for p in purpose_list):
        raise InputError(f"the list at {url} states no statusPurpose")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise InputError(f"the list at {url} has no encodedList")
    ttl = subject.get("ttl")
    if ttl is not None and (type(ttl) is not int or not 0 < ttl <= MAX_TTL_MS):
        raise InputError(
            f"the list at {url} has a ttl that is not a whole number of milliseconds "
            f"from 1 to {MAX_TTL_MS} (a year)"
        )
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return StatusList(
        url=url,
        issuer=issuer_id if isinstance(issuer_id, str) else None,
        purposes=tuple(purpose_list),
        encoded=encoded,
        valid_from=parse_datetime_stamp(document.get("validFrom")),
        valid_until=parse_datetime_stamp(document.get("validUntil")),
        ttl=timedelta(milliseconds=ttl) if ttl is not None else None,
    )
