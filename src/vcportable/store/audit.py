"""The audit log: every issue, revoke, suspend, reinstate, renew and key event, hash-chained.

Entry *n* stores the hash of entry *n-1* and its own hash over both, so editing, removing or
reordering any entry breaks the chain at that point, and truncating the tail disagrees with the
head row. Appending locks the head row inside the caller's transaction: the entry commits with
the change it records, or neither does, and two instances never fork the chain.

An auditor who keeps the head hash of an export can later prove the log was not rewritten
before that point (the database administrator could rewrite the whole chain; only an external
copy of the head detects that).

:func:`verify` also holds the credentials table to the log: a credential's state must be the one
its entries lead to, its document must hash to the ``content_hash`` of its issue entry, and
every credential must have an issue entry and every issue entry a credential. Editing the table
by hand (reviving a revoked credential, changing its claims, deleting it) is then found too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, RowMapping, exists, select

from ..codec.json import parse_json
from ..errors import InputError
from .engine import insert_rows
from .schema import (
    GENESIS_HASH,
    achievements,
    audit_head,
    audit_log,
    credentials,
    issuer_profile,
)

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
    """The outcome of walking the chain: ``problems`` is empty when it is intact.

    From :func:`verify` also the registry's rows held to the log: ``credentials`` counts the
    credential rows read (``None`` when they were not checked) and ``credential_problems``
    names each row that disagrees with its entries: the issuer profile and the achievements
    (:func:`verify_profile`, few rows, all listed), then the credentials (the first
    :data:`MAX_PROBLEMS`, then a count)."""

    entries: int
    head_hash: str
    problems: list[str]
    credentials: int | None = None
    credential_problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems and not self.credential_problems


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


def verify(connection: Connection, *, batch: int = 5000) -> ChainReport:
    """:func:`verify_chain`, then the issuer profile, the achievements
    (:func:`verify_profile`) and every credential (:func:`verify_credentials`) against the log.

    Both read the same snapshot only if the caller's transaction is one (PostgreSQL:
    ``REPEATABLE READ``; a SQLite transaction always is)."""
    chain = verify_chain(connection, batch=batch)
    count, problems = verify_credentials(connection, batch=batch)
    return ChainReport(
        entries=chain.entries,
        head_hash=chain.head_hash,
        problems=chain.problems,
        credentials=count,
        credential_problems=verify_profile(connection) + problems,
    )


#: What the issuer profile row must say, as its issuer.init entry recorded it.
_PROFILE_FIELDS = ("did", "key_id", "name", "municipality", "status_base_url")


def achievement_digest(document: str) -> str:
    """What an ``achievement`` entry records of the registered document (its stored text)."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def verify_profile(connection: Connection) -> list[str]:
    """Hold the issuer profile and the registered achievements to their entries: the profile
    to its ``issuer.init`` entry and the ``key`` entries after it, each achievement to its
    ``achievement`` entry (and its document to the digest recorded there, for achievements
    registered since 2026-12-01). Renewal and publishing read these rows."""
    entries = connection.execute(
        select(audit_log.c.action, audit_log.c.details)
        .where(audit_log.c.action.in_(("issuer.init", "key", "achievement")))
        .order_by(audit_log.c.seq)
    ).all()
    problems: list[str] = []
    expected: dict[str, Any] | None = None
    registered: dict[str, dict[str, Any]] = {}
    for action, details_text in entries:
        details = _details(details_text)
        if action == "issuer.init":
            expected = {name: details.get(name) for name in _PROFILE_FIELDS}
        elif action == "key" and expected is not None:
            expected["key_id"] = details.get("key_id")
        elif action == "achievement" and isinstance(details.get("id"), str):
            registered[details["id"]] = details
    profile = connection.execute(select(issuer_profile)).mappings().first()
    if (profile is None) != (expected is None):
        problems.append(
            "the issuer profile has no issuer.init entry"
            if expected is None
            else "the log's issuer.init entry names a profile the registry does not hold"
        )
    elif profile is not None and expected is not None:
        problems += [
            f"the issuer profile's {name} is {str(profile[name])[:200]!r}, the log recorded "
            f"{str(expected[name])[:200]!r}"
            for name in _PROFILE_FIELDS
            if profile[name] != expected[name]
        ]
    for achievement_id, document in connection.execute(
        select(achievements.c.id, achievements.c.document).order_by(achievements.c.id)
    ):
        entry = registered.pop(achievement_id, None)
        if entry is None:
            problems.append(f"achievement {achievement_id[:200]} has no achievement entry")
        elif "sha256" in entry and entry["sha256"] != achievement_digest(document):
            problems.append(
                f"achievement {achievement_id[:200]} is not the document its entry recorded"
            )
    problems += [
        f"achievement {achievement_id[:200]} has an entry but is not registered"
        for achievement_id in registered
    ]
    return problems


@cache
def _registry_rules() -> tuple[dict[str, str], tuple[tuple[str, str, str], ...]]:
    """The state each action leaves a credential in, and what an issue entry records of its row
    (:data:`~vcportable.store.registry.ISSUE_DETAILS`). Issue makes a credential active, the
    rest is :data:`~vcportable.store.registry.TRANSITIONS` (``renew`` issues a successor and
    leaves its predecessor as it was; ``renew --revoke-predecessor`` logs a ``revoke`` of its
    own). Imported when first asked: the registry module imports this one."""
    from .registry import ACTIVE, ISSUE_DETAILS, TRANSITIONS

    state_after = {"issue": ACTIVE, **{action: to for action, (_, to) in TRANSITIONS.items()}}
    return state_after, ISSUE_DETAILS


def verify_credentials(connection: Connection, *, batch: int = 5000) -> tuple[int, list[str]]:
    """Hold every credential to its audit entries; return the rows read and the problems.

    Streams both sides in the database's order of credential id (credentials by their primary
    key, the log's credential entries sorted by the database) and walks them side by side, so
    memory stays bounded by ``batch`` rows and one credential's entries, whatever the size of
    the registry. The first :data:`MAX_PROBLEMS` problems are listed, then how many more
    credentials disagree."""
    rows = _credential_rows(connection, max(1, batch // 5))
    groups = _entry_groups(connection, batch)
    row, group = next(rows, None), next(groups, None)
    count = listed = wrong = 0
    problems: list[str] = []
    while row is not None or group is not None:
        if row is None or group is None:
            take_row, take_group = row is not None, group is not None
        elif row["id"] == group[0]:
            take_row = take_group = True
        else:
            # Both sides are in the same order, so the key that comes first has no partner. A
            # log key that is a credential lies ahead of this row, which has no entries then; one
            # that is not names a credential deleted from the table. Only tampering gets here,
            # so the look-up (by primary key) costs nothing on an intact registry.
            take_row = _is_credential(connection, group[0])
            take_group = not take_row
        key = row["id"] if take_row and row is not None else group[0] if group else ""
        found = _check_credential(
            key, row if take_row else None, group[1] if take_group and group else []
        )
        if take_row:
            row, count = next(rows, None), count + 1
        if take_group:
            group = next(groups, None)
        if found:
            wrong += 1
            if len(problems) < MAX_PROBLEMS:
                problems += found
                listed += 1
    if wrong > listed:
        problems.append(f"... and {wrong - listed} more credentials that disagree with the log")
    return count, problems


def _check_credential(
    credential_id: str, row: RowMapping | None, entries: list[dict[str, Any]]
) -> list[str]:
    """What is wrong with one credential (``row`` None: no row) given its entries in order."""
    state_after, issue_details = _registry_rules()
    name = f"credential {credential_id}"
    issue: dict[str, Any] | None = None
    state: str | None = None
    last = 0
    changed: dict[str, Any] | None = None  # the last entry that changed the state after issue
    problems: list[str] = []
    for entry in entries:
        action = entry["action"]
        if action == "issue":
            if issue is not None:
                problems.append(
                    f"{name}: issued twice in the log (entries {issue['seq']} and {entry['seq']})"
                )
                continue
            issue = entry
        elif action in state_after and issue is None:
            problems.append(f"{name}: entry {entry['seq']} ({action}) comes before its issue")
        if action in state_after:
            state, last = state_after[action], entry["seq"]
            changed = entry if action != "issue" else None
    if row is None:
        if issue is not None:
            problems.append(
                f"{name}: issued in entry {issue['seq']}, but it is not in the credentials "
                "table (the row was deleted)"
            )
        else:
            seqs = ", ".join(str(e["seq"]) for e in entries)
            problems.append(f"{name}: has log entries ({seqs}) but no issue entry and no row")
        return problems
    if issue is None:
        problems.append(
            f"{name}: in the credentials table, but the log has no issue entry for it "
            "(the row was added or its id changed outside vcportable)"
        )
        return problems
    if row["state"] != state:
        problems.append(
            f"{name}: state is {row['state']!r}, but the log makes it {state!r} (entry {last})"
        )
    said = (changed["reason"], changed["at"]) if changed else (None, None)
    if (row["state_reason"], row["state_changed_at"]) != said:
        problems.append(
            f"{name}: its state was changed at {row['state_changed_at']!r} for "
            f"{row['state_reason']!r:.80}, but the log says at {said[1]!r} for {said[0]!r:.80}"
            f" (entry {last})"
        )
    details = issue["details"]
    for key, column, what in issue_details:
        if key in details and details[key] != row[column]:
            problems.append(
                f"{name}: {what} is {row[column]!r}, but it was issued with "
                f"{details[key]!r} (entry {issue['seq']})"
            )
    recorded = details.get("content_hash")
    document_hash = _document_hash(row["document"], recorded)
    if document_hash is None:
        problems.append(f"{name}: the stored document is not JSON (it was edited)")
    elif document_hash != recorded:
        problems.append(
            f"{name}: the stored document was edited: it hashes to {document_hash}, not to the "
            f"content_hash {recorded} recorded at issuance (entry {issue['seq']})"
        )
    return problems


def _document_hash(text: str, recorded: Any) -> str | None:
    """The registry's content hash of a stored document (None if it is not JSON).

    The registry and the server store the canonical text, whose hash is the content hash as it
    is; rows a server of an earlier version stored hold the same claims with other spacing, so
    other text is hashed as its claims (:func:`~vcportable.registry_issuer.content_hash`),
    which costs a parse: the strict one renewal reads the document with (a duplicated member,
    which ``json.loads`` would quietly resolve to its last value, is not JSON here either)."""
    from ..registry_issuer import content_hash, text_hash

    digest = text_hash(text)
    if digest == recorded:
        return digest
    try:
        claims = parse_json(text, what="stored credential")
    except InputError:
        return None
    return content_hash(claims) if isinstance(claims, dict) else digest


def _is_credential(connection: Connection, credential_id: str) -> bool:
    return bool(
        connection.execute(select(exists().where(credentials.c.id == credential_id))).scalar()
    )


def _credential_rows(connection: Connection, batch: int) -> Iterator[RowMapping]:
    """The columns the log vouches for, of every credential, by id (streamed)."""
    result = connection.execution_options(yield_per=batch).execute(
        select(
            credentials.c.id,
            credentials.c.state,
            credentials.c.state_reason,
            credentials.c.state_changed_at,
            credentials.c.document,
            *(credentials.c[column] for _, column, _ in _registry_rules()[1]),
        ).order_by(credentials.c.id)
    )
    yield from result.mappings()


def _entry_groups(connection: Connection, batch: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The log's entries about credentials, one credential at a time, in the order of
    credential id (the database's, as :func:`_credential_rows`), each in sequence order."""
    result = connection.execution_options(yield_per=batch).execute(
        select(
            audit_log.c.seq,
            audit_log.c.at,
            audit_log.c.action,
            audit_log.c.credential_id,
            audit_log.c.reason,
            audit_log.c.details,
        )
        .where(audit_log.c.credential_id.is_not(None))
        .order_by(audit_log.c.credential_id, audit_log.c.seq)
    )
    key: str | None = None
    group: list[dict[str, Any]] = []
    for seq, at, action, credential_id, reason, details in result:
        if credential_id != key:
            if key is not None:
                yield key, group
            key, group = credential_id, []
        group.append(
            {
                "seq": int(seq),
                "at": at,
                "action": action,
                "reason": reason,
                "details": _details(details),
            }
        )
    if key is not None:
        yield key, group


def _details(text: str) -> dict[str, Any]:
    """An entry's details (an edited, unreadable one counts as empty: the chain names it)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
