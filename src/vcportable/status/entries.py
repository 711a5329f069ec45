"""Status entries as credentials carry them, and the URLs of the lists they point at.

A registry list (one index space) is published as two status list credentials, one per purpose,
at ``<status base URL>/<list id>-<purpose>``; a credential gets one entry for each, at the same
index. The published folder maps each URL to its file in ``index.json`` (see :mod:`.publish`).
"""

from __future__ import annotations

from typing import Any

#: What an issuer publishes for each list; suspension is the purpose that can be lifted.
PURPOSES = ("revocation", "suspension")


def list_url(base_url: str, list_id: int, purpose: str) -> str:
    return f"{base_url.rstrip('/')}/{list_id}-{purpose}"


def status_entries(base_url: str, list_id: int, index: int) -> list[dict[str, Any]]:
    """The ``credentialStatus`` of a credential at ``index`` of list ``list_id``."""
    entries = []
    for purpose in PURPOSES:
        url = list_url(base_url, list_id, purpose)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries
