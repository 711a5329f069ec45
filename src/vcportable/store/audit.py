"""The audit log: every issue, revoke, suspend, reinstate, renew and key event, hash-chained.

Entry *n* stores the hash of entry *n-1* and its own hash over both, so editing, removing or
reordering any entry breaks the chain at that point, and truncating the tail disagrees with the
head row. Appending locks the head row inside the caller's transaction: the entry commits with
the change it records, or neither does, and two instances never fork the chain.

An auditor who keeps the head hash of an export can later prove the log was not rewritten
before that point (the database administrator could rewrite the whole chain; only an external
copy of the head detects that).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from .engine import insert_rows
from .schema import GENESIS_HASH, audit_head, audit_log

ACTIONS = frozenset(
    {"issuer.init", "key", "achievement", "issue", "revoke", "suspend", "reinstate", "renew"}
)


#: The columns of an entry's row (:func:`append_many` inserts tuples, not a dict per row).
_COLUMNS = ("seq", "at", "action", "credential_id", "reason", "details", "prev_hash", "hash")


def entry_hash(entry: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and the entry's fields as canonical JSON."""
    body = {
        "seq": int(entry["seq"]),
        "at": entry["at"],
        "action": entry["action"],
        "credential_id": entry["credential_id"],
        "reason": entry["reason"],
        "details": entry["details"],
        "prev": prev_hash,
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(
    connection: Connection,
    action: str,
    *,
    at: str,
    credential_id: str | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> int:
    """Add one entry in the caller's transaction; return its sequence number."""
    return append_many(
        connection,
        [
            {
                "action": action,
                "credential_id": credential_id,
                "reason": reason,
                "details": details or {},
            }
        ],
        at=at,
    )


def append_many(connection: Connection, entries: list[dict[str, Any]], *, at: str) -> int:
    """Add entries (``action``, ``credential_id``, ``reason``, ``details``) in order, under one
    lock of the head; return the last sequence number."""
    if not entries:
        raise ValueError("append_many needs at least one entry")
    head = connection.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).one()
    seq, prev = int(head.seq), str(head.hash)
    rows = []
    for entry in entries:
        if entry["action"] not in ACTIONS:
            raise ValueError(f"unknown audit action {entry['action']!r}")
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "action": entry["action"],
            "credential_id": entry.get("credential_id"),
            "reason": entry.get("reason"),
            "details": json.dumps(
                entry.get("details") or {},
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ),
        }
        row["prev_hash"] = prev
        row["hash"] = prev = entry_hash(row, prev)
        rows.append(tuple(row[column] for column in _COLUMNS))
    insert_rows(connection, audit_log, _COLUMNS, rows)
    connection.execute(audit_head.update().where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    return seq


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: ``problems`` is empty when it is intact."""

    entries: int
    head_hash: str
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


#: Problems listed before the walk stops reporting (a rewritten log would list every entry).
MAX_PROBLEMS = 20


def verify_chain(connection: Connection, *, batch: int = 5000) -> ChainReport:
    """Walk the whole log in order (streamed) and name every break found."""
    problems: list[str] = []
    expected_seq, prev = 1, GENESIS_HASH
    count = 0
    for row in _rows(connection, batch):
        count += 1
        seq = int(row["seq"])
        if seq != expected_seq:
            problems.append(
                f"entry {expected_seq}"
                + (f"..{seq - 1} missing" if seq > expected_seq else f" out of order (found {seq})")
            )
        if row["prev_hash"] != prev:
            problems.append(f"entry {seq}: does not follow entry {seq - 1} (removed or reordered)")
        if entry_hash(row, row["prev_hash"]) != row["hash"]:
            problems.append(f"entry {seq}: content was edited (hash mismatch)")
        prev, expected_seq = row["hash"], seq + 1
        if len(problems) >= MAX_PROBLEMS:
            problems.append("... (stopped after the first problems)")
            break
    head = connection.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    if not problems and (int(head.seq) != expected_seq - 1 or head.hash != prev):
        problems.append(
            f"the log ends at entry {expected_seq - 1} but the head records entry {head.seq}: "
            "entries were removed from the end"
        )
    return ChainReport(entries=count, head_hash=str(head.hash), problems=problems)


def export_entries(connection: Connection, *, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every entry in order, ``details`` as an object: what ``audit export`` writes."""
    for row in _rows(connection, batch):
        yield {**row, "details": json.loads(row["details"])}


def _rows(connection: Connection, batch: int) -> Iterator[dict[str, Any]]:
    """Entries in sequence order, fetched in pages by key (constant memory)."""
    after = 0
    while True:
        page = (
            connection.execute(
                select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not page:
            return
        for row in page:
            yield dict(row)
        after = int(page[-1]["seq"])
