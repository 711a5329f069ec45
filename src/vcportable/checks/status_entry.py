"""The shape of a credential's ``credentialStatus`` entries.

The status of a credential is checked against a status list by the injected status source;
before that, the entry itself must be well formed. A malformed entry fails verification: an
issuer that meant to make a credential revocable must not hand out one that silently is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..codec.urls import is_url

#: Entries one credential may carry (revocation, suspension, a message list, and some slack).
MAX_STATUS_ENTRIES = 8
BITSTRING_ENTRY = "BitstringStatusListEntry"


def status_entry_problems(credential: Mapping[str, Any]) -> list[str]:
    """Every problem of the credential's status entries, as readable sentences."""
    value = credential.get("credentialStatus")
    entries = value if isinstance(value, list) else [value]
    if not entries:
        return ["credentialStatus is an empty list"]
    if len(entries) > MAX_STATUS_ENTRIES:
        return [f"{len(entries)} status entries, over the limit of {MAX_STATUS_ENTRIES}"]
    problems: list[str] = []
    for number, entry in enumerate(entries):
        where = f"credentialStatus[{number}]" if isinstance(value, list) else "credentialStatus"
        problems += [f"{where}: {p}" for p in _entry_problems(entry)]
    return problems


def _entry_problems(entry: Any) -> list[str]:
    if not isinstance(entry, Mapping):
        return ["must be an object"]
    types = entry.get("type")
    type_list = [types] if isinstance(types, str) else types
    if (
        not isinstance(type_list, list)
        or not type_list
        or not all(isinstance(t, str) for t in type_list)
    ):
        return ["type must be a string or a list of strings"]
    problems = []
    if "id" in entry and not is_url(entry["id"]):
        problems.append("id must be a URL")
    if BITSTRING_ENTRY not in type_list:
        return problems
    from ..status.reading import EntryError, read_entry  # status lists: only for such an entry

    try:
        read_entry(entry)  # the same rules the status check applies when it reads the entry
    except EntryError as exc:
        problems.append(str(exc))
    return problems
