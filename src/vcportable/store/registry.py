"""The issuer's registry: what was issued, under which status index, and what happened since.

One source of truth for "issued, revoked, renewed" (DESIGN): status lists are rendered from it,
never edited by hand. Every write and its audit entry commit in one transaction; revocations are
single-row updates guarded by the current state, so concurrent changes never overwrite one
another, and a second revocation of the same credential is a :class:`ConflictError`, not a
silent no-op.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import ArgumentError, IntegrityError

from ..codec.json import parse_json
from ..errors import ConflictError, InputError, StorageError
from . import audit
from .allocation import MAX_LIST_SIZE, MIN_LIST_SIZE, Permutation
from .engine import (
    BUSY_TIMEOUT_SECONDS,
    READ_ONLY,
    create_store_engine,
    insert_rows,
    redact,
    sqlite_file_missing,
    storage_errors,
)
from .schema import (
    achievements,
    credentials,
    issuer_profile,
    migrate,
    require_current,
    status_lists,
)

ACTIVE, SUSPENDED, REVOKED = "active", "suspended", "revoked"

#: action -> (states it applies to, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "revoke": (frozenset({ACTIVE, SUSPENDED}), REVOKED),
    "suspend": (frozenset({ACTIVE}), SUSPENDED),
    "reinstate": (frozenset({SUSPENDED}), ACTIVE),
}

#: What an issue entry's details record of the credential's row: (details key, column, what it
#: is called). ``audit verify`` holds every row to them.
ISSUE_DETAILS: tuple[tuple[str, str, str], ...] = (
    ("achievement", "achievement_id", "achievement"),
    ("format", "format", "format"),
    ("list", "list_id", "status list"),
    ("index", "status_index", "status index"),
    ("content_hash", "content_hash", "content hash"),
    ("row_key", "row_key", "roster key"),
    # The columns that repeat the signed document (renewal reads them, not the document) and
    # the renewal link: recorded so that an edit of the row alone shows.
    ("subject", "subject_id", "subject"),
    ("subject_name", "subject_name", "subject name"),
    ("valid_from", "valid_from", "start of validity"),
    ("valid_until", "valid_until", "end of validity"),
    ("predecessor", "predecessor_id", "predecessor"),
)

#: Longest reason kept (it goes into the audit log and the export).
MAX_REASON = 2000


@dataclass(frozen=True)
class IssuerProfile:
    did: str
    key_id: str
    key_path: str
    name: str
    municipality: str
    status_base_url: str
    list_size: int
    created_at: str


@dataclass(frozen=True)
class CredentialRecord:
    """One issued credential as the registry knows it (``document`` has no proof)."""

    id: str
    subject_id: str | None
    subject_name: str | None
    achievement_id: str
    format: str
    list_id: int
    status_index: int
    valid_from: str
    valid_until: str | None
    content_hash: str
    document: str
    issued_at: str
    state: str = ACTIVE
    state_reason: str | None = None
    state_changed_at: str | None = None
    row_key: str | None = None
    row_hash: str | None = None
    predecessor_id: str | None = None


#: The columns of a credential's row, in the order of :data:`_record_values`.
_RECORD_COLUMNS = tuple(f.name for f in fields(CredentialRecord))
#: A record's values as a tuple, without a dict per row.
_record_values = attrgetter(*_RECORD_COLUMNS)


@dataclass(frozen=True)
class StatusListInfo:
    id: int
    size: int
    allocated: int


class Store:
    """The registry behind one database URL (a SQLite file path or a PostgreSQL URL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(
        cls, url: str, *, create: bool = False, busy_timeout: float = BUSY_TIMEOUT_SECONDS
    ) -> Store:
        """Open a registry; ``create`` makes or upgrades the schema, otherwise it must exist.
        ``busy_timeout``: how long SQLite waits for another process's write lock."""
        try:
            missing = not create and sqlite_file_missing(url)
        except (ArgumentError, ValueError):
            missing = False  # create_store_engine names what is wrong with the URL
        if missing:  # a mistyped --db must not leave an empty file (and folders) behind
            raise StorageError(
                f"there is no registry at {redact(url)}: `vcportable issuer init` makes one",
                code="NOT_FOUND",
            )
        store = cls(create_store_engine(url, busy_timeout=busy_timeout))
        try:
            if create:
                migrate(store.engine)
            else:
                with store.transaction() as connection:
                    require_current(connection)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; driver errors become :class:`StorageError`."""
        with storage_errors(self.engine), self.engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def reading(self, *, consistent: bool = False) -> Iterator[Connection]:
        """A transaction that only reads. On SQLite it takes no write lock (a deferred
        ``BEGIN``: under WAL it reads the last commit, and neither waits for a writer nor holds
        one up), so a server's status checks and token look-ups do not queue behind an issuing
        batch's commit, and an audit does not stop issuing while it runs. Nothing may be
        written in it. ``consistent``: every read sees one state of the database while others
        write, for reads that must agree with each other such as ``audit verify`` (SQLite's
        WAL snapshot always does; PostgreSQL then reads in ``REPEATABLE READ``)."""
        with storage_errors(self.engine), self.engine.connect() as connection:
            options: dict[str, Any] = {READ_ONLY: True}
            if consistent and connection.dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"
            connection = connection.execution_options(**options)
            with connection.begin():
                yield connection

    # -- issuer profile and achievements -----------------------------------------------------

    def init_profile(self, profile: IssuerProfile) -> None:
        if profile.list_size < MIN_LIST_SIZE:
            raise StorageError(
                f"status lists need at least {MIN_LIST_SIZE} entries for herd privacy"
            )
        if profile.list_size > MAX_LIST_SIZE:
            raise StorageError(
                f"status lists of more than {MAX_LIST_SIZE} entries could not be read by "
                "verifiers (their bitstring is bounded)"
            )
        with self.transaction() as connection:
            if connection.execute(select(issuer_profile.c.id)).first() is not None:
                raise ConflictError("this registry already has an issuer profile")
            connection.execute(issuer_profile.insert().values(id=1, **profile.__dict__))
            audit.append(
                connection,
                "issuer.init",
                at=profile.created_at,
                details={
                    "did": profile.did,
                    "key_id": profile.key_id,
                    "name": profile.name,
                    "municipality": profile.municipality,
                    "status_base_url": profile.status_base_url,
                },
            )

    def profile(self) -> IssuerProfile:
        with self.transaction() as connection:
            row = connection.execute(select(issuer_profile)).mappings().first()
        if row is None:
            raise StorageError("the registry has no issuer profile: run `vcportable issuer init`")
        return IssuerProfile(**{k: v for k, v in row.items() if k != "id"})

    def set_key(self, *, did: str, key_id: str, key_path: str, at: str) -> None:
        """Sign with another key of the same DID from now on (a did:web key rotation)."""
        profile = self.profile()
        if did != profile.did:
            raise ConflictError(
                f"the key belongs to {did}, this registry issues as {profile.did}: a new DID "
                "is a new issuer (credentials and status lists name the DID)"
            )
        with self.transaction() as connection:
            connection.execute(issuer_profile.update().values(key_id=key_id, key_path=key_path))
            audit.append(
                connection,
                "key",
                at=at,
                details={"did": did, "key_id": key_id, "previous_key_id": profile.key_id},
            )

    def put_achievement(self, document: Mapping[str, Any], *, at: str) -> str:
        """Register an Achievement by its id (again with the same content is fine)."""
        achievement_id = document.get("id")
        if not isinstance(achievement_id, str) or not achievement_id:
            raise StorageError("the achievement has no id")
        text = json.dumps(document, sort_keys=True, ensure_ascii=False)
        with self.transaction() as connection:
            found = connection.execute(
                select(achievements.c.document).where(achievements.c.id == achievement_id)
            ).scalar_one_or_none()
            if found is None:
                connection.execute(
                    achievements.insert().values(id=achievement_id, document=text, created_at=at)
                )
                details = {"id": achievement_id, "sha256": audit.achievement_digest(text)}
                audit.append(connection, "achievement", at=at, details=details)
            elif found != text:
                raise ConflictError(
                    f"achievement {achievement_id} is registered with other content; give it "
                    "a new id (issued credentials keep the old one)"
                )
        return achievement_id

    def achievement(self, achievement_id: str) -> dict[str, Any]:
        with self.transaction() as connection:
            text = connection.execute(
                select(achievements.c.document).where(achievements.c.id == achievement_id)
            ).scalar_one_or_none()
        if text is None:
            raise StorageError(
                f"no achievement {achievement_id!r} in the registry", code="NOT_FOUND"
            )
        value: dict[str, Any] = parse_json(text, what=f"achievement {achievement_id}")
        return value

    # -- status index allocation --------------------------------------------------------------

    def allocate(
        self, connection: Connection, count: int, *, list_size: int, at: str
    ) -> list[tuple[int, int]]:
        """``count`` fresh ``(list id, index)`` pairs, opening new lists as lists fill.

        Runs in the caller's transaction: if it rolls back, so does the counter (an index is
        consumed only by a credential that is recorded)."""
        found: list[tuple[int, int]] = []
        while len(found) < count:
            row = (
                connection.execute(
                    select(status_lists)
                    .where(status_lists.c.allocated < status_lists.c.size)
                    .order_by(status_lists.c.id)
                    .limit(1)
                    .with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:
                list_id = connection.execute(
                    status_lists.insert()
                    .values(size=list_size, allocated=0, secret=os.urandom(32), created_at=at)
                    .returning(status_lists.c.id)
                ).scalar_one()
                row = (
                    connection.execute(select(status_lists).where(status_lists.c.id == list_id))
                    .mappings()
                    .one()
                )
            take = min(count - len(found), int(row["size"]) - int(row["allocated"]))
            start = int(row["allocated"])
            connection.execute(
                status_lists.update()
                .where(status_lists.c.id == row["id"])
                .values(allocated=start + take)
            )
            index = Permutation(bytes(row["secret"]), int(row["size"]))
            found += [(int(row["id"]), index(n)) for n in range(start, start + take)]
        return found

    def status_lists(self, connection: Connection | None = None) -> list[StatusListInfo]:
        """Every status list; in ``connection`` when given (reads that must agree)."""
        if connection is None:
            with self.reading() as own:
                return self.status_lists(own)
        rows = connection.execute(
            select(status_lists.c.id, status_lists.c.size, status_lists.c.allocated).order_by(
                status_lists.c.id
            )
        ).all()
        return [StatusListInfo(int(r.id), int(r.size), int(r.allocated)) for r in rows]

    def flagged_indices(
        self, list_id: int, state: str, connection: Connection | None = None
    ) -> Iterator[int]:
        """Indices of a list whose credential is in ``state`` (streamed); in ``connection``
        when given."""
        if connection is None:
            with self.reading() as own:
                yield from self.flagged_indices(list_id, state, own)
            return
        result = connection.execution_options(yield_per=10_000).execute(
            select(credentials.c.status_index).where(
                credentials.c.list_id == list_id, credentials.c.state == state
            )
        )
        for (index,) in result:
            yield int(index)

    # -- credentials --------------------------------------------------------------------------

    def record(
        self,
        connection: Connection,
        records: Sequence[CredentialRecord],
        *,
        at: str,
        audit_entries: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Insert issued credentials and their audit entries in the caller's transaction."""
        try:
            insert_rows(
                connection, credentials, _RECORD_COLUMNS, [_record_values(r) for r in records]
            )
        except IntegrityError as exc:
            raise ConflictError(
                f"a credential with this id or row key exists: {exc.orig}"
            ) from None
        entries = [
            {
                "action": "issue",
                "credential_id": r.id,
                "details": {key: getattr(r, column) for key, column, _ in ISSUE_DETAILS},
            }
            for r in records
        ]
        audit.append_many(connection, entries + list(audit_entries), at=at)

    def by_row_keys(
        self, connection: Connection, achievement_id: str, keys: Iterable[str]
    ) -> dict[str, CredentialRecord]:
        """Credentials already issued for these roster keys of one achievement."""
        wanted = list(keys)
        if not wanted:
            return {}
        rows = connection.execute(
            select(credentials).where(
                credentials.c.achievement_id == achievement_id,
                _row_key_in(connection, wanted),
            )
        ).mappings()
        return {row["row_key"]: CredentialRecord(**row) for row in rows}

    def credential(
        self, credential_id: str, connection: Connection | None = None
    ) -> CredentialRecord:
        if connection is None:
            with self.transaction() as own:
                return self.credential(credential_id, own)
        row = (
            connection.execute(select(credentials).where(credentials.c.id == credential_id))
            .mappings()
            .first()
        )
        if row is None:
            raise StorageError(f"no credential {credential_id!r} in the registry", code="NOT_FOUND")
        return CredentialRecord(**row)

    def count(self) -> int:
        with self.transaction() as connection:
            return int(
                connection.execute(select(func.count()).select_from(credentials)).scalar_one()
            )

    def change_state(
        self,
        action: str,
        credential_id: str,
        *,
        reason: str,
        at: str,
        connection: Connection | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Revoke, suspend or reinstate, with its audit entry, atomically."""
        if connection is None:
            with self.transaction() as own:
                return self.change_state(
                    action, credential_id, reason=reason, at=at, connection=own, details=details
                )
        allowed, target = TRANSITIONS[action]
        reason = checked_reason(reason)
        done = connection.execute(
            credentials.update()
            .where(credentials.c.id == credential_id, credentials.c.state.in_(sorted(allowed)))
            .values(state=target, state_reason=reason, state_changed_at=at)
        ).rowcount
        if done != 1:
            state = self.credential(credential_id, connection).state  # NOT_FOUND if unknown
            raise ConflictError(_refusal(action, credential_id, state))
        audit.append(
            connection, action, at=at, credential_id=credential_id, reason=reason, details=details
        )
        return None


def _row_key_in(connection: Connection, keys: list[str]) -> ColumnElement[bool]:
    """``row_key IN keys``: on PostgreSQL one array parameter, so the statement is the same
    text for any number of keys (prepared once, not parsed again for each chunk of a batch);
    an expanded IN list on SQLite, which has no arrays."""
    if connection.dialect.name == "postgresql":
        return credentials.c.row_key == any_(bindparam("keys", keys, type_=ARRAY(String)))
    return credentials.c.row_key.in_(keys)


def checked_reason(reason: str) -> str:
    """``reason`` stripped: one line of text of 1 to :data:`MAX_REASON` characters, or
    :class:`InputError` (a state change's and a renewal's)."""
    reason = reason.strip()
    if not reason:
        raise InputError("a reason is required (it goes into the audit log)")
    if len(reason) > MAX_REASON:
        raise InputError(f"the reason is {len(reason)} characters, over {MAX_REASON}")
    if (control := _CONTROL.search(reason)) is not None:  # one line of the audit log, shown
        raise InputError(
            f"the reason holds a control character (U+{ord(control.group()):04X}) at character "
            f"{control.start() + 1}; write it on one line of text"
        )
    return reason


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _refusal(action: str, credential_id: str, state: str) -> str:
    if state == REVOKED:
        if action == "revoke":
            return f"{credential_id} is already revoked"
        return f"{credential_id} is revoked: revocation is final (only a suspension is lifted)"
    if action == "suspend":
        return f"{credential_id} is already suspended"
    return f"{credential_id} is not suspended (it is {state}); nothing to reinstate"
