"""The registry store on SQLite and PostgreSQL: schema versions, allocation, states, audit."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from registry_fixtures import db_url  # noqa: F401  (fixture)
from vcportable.errors import ConflictError, InputError, StorageError
from vcportable.registry_issuer import canonical_text, content_hash
from vcportable.store import CredentialRecord, IssuerProfile, Store, audit
from vcportable.store.allocation import MAX_LIST_SIZE, MIN_LIST_SIZE, permute
from vcportable.store.schema import SCHEMA_VERSION, audit_log, current_version, status_lists

AT = "2026-01-15T12:00:00Z"


def profile(**changes: object) -> IssuerProfile:
    values: dict[str, object] = dict(
        did="did:key:z6MkExample",
        key_id="did:key:z6MkExample#z6MkExample",
        key_path="/keys/issuer.key",
        name="Riverside Certification Board",
        municipality="Riverside",
        status_base_url="https://status.example/riverside",
        list_size=MIN_LIST_SIZE,
        created_at=AT,
    )
    values.update(changes)
    return IssuerProfile(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:  # noqa: F811
    opened = Store.open(db_url, create=True)
    opened.init_profile(profile())
    yield opened
    opened.close()


def record(
    store: Store,
    number: int,
    *,
    audit_entries: list[dict[str, Any]] | None = None,
    **changes: object,
) -> CredentialRecord:
    """Record credential ``number`` (``changes`` override its fields), with ``audit_entries``
    after its issue entry, in one transaction."""
    with store.transaction() as connection:
        ((list_id, index),) = store.allocate(connection, 1, list_size=MIN_LIST_SIZE, at=AT)
        values: dict[str, object] = dict(
            id=f"urn:uuid:{number:08d}-0000-4000-8000-000000000000",
            subject_id=f"did:example:{number}",
            subject_name=f"Worker {number}",
            achievement_id="urn:example:carpenter-2",
            format="di",
            list_id=list_id,
            status_index=index,
            valid_from=AT,
            valid_until=None,
            content_hash=content_hash({}),
            document="{}",
            issued_at=AT,
            row_key=f"row-{number}",
        )
        values.update(changes)
        rec = CredentialRecord(**values)  # type: ignore[arg-type]
        store.record(connection, [rec], at=AT, audit_entries=audit_entries or [])
    return rec


def test_create_then_reopen_at_current_version(db_url: str) -> None:  # noqa: F811
    Store.open(db_url, create=True).close()
    store = Store.open(db_url)
    with store.transaction() as connection:
        assert current_version(connection) == SCHEMA_VERSION
    Store.open(db_url, create=True).close()  # migrating again is a no-op
    store.close()


def test_empty_database_is_refused_with_a_hint(db_url: str) -> None:  # noqa: F811
    with pytest.raises(StorageError, match="issuer init"):
        Store.open(db_url)


def test_newer_schema_is_refused(store: Store, db_url: str) -> None:  # noqa: F811
    with store.transaction() as connection:
        connection.execute(text("UPDATE schema_version SET version = 999"))
    with pytest.raises(StorageError, match="newer than this vcportable"):
        Store.open(db_url, create=True)


def test_profile_round_trip_and_only_once(store: Store) -> None:
    assert store.profile() == profile()
    with pytest.raises(ConflictError):
        store.init_profile(profile())


def test_small_lists_and_lists_no_verifier_reads_are_refused(db_url: str) -> None:  # noqa: F811
    store = Store.open(db_url, create=True)
    with pytest.raises(StorageError, match="herd privacy"):
        store.init_profile(profile(list_size=1000))
    with pytest.raises(StorageError, match="could not be read by verifiers"):
        store.init_profile(profile(list_size=MAX_LIST_SIZE + 1))
    store.close()


def test_permutation_is_a_bijection_for_odd_sizes() -> None:
    for size in (MIN_LIST_SIZE, MIN_LIST_SIZE + 7):
        secret = bytes(range(32))
        assert sorted(permute(secret, n, size) for n in range(size)) == list(range(size))


def test_permutation_never_changes() -> None:
    """Lists in use hold indices from the first counters on: the next counters must land where
    they always did, or a new credential could take an index already given out."""
    secret = bytes(range(32))
    assert [permute(secret, n, MIN_LIST_SIZE) for n in range(6)] == [
        127179,
        73774,
        40281,
        67977,
        69473,
        48577,
    ]
    assert [permute(secret, n, 200_000) for n in (0, 199_999)] == [127179, 93030]


def test_allocation_is_unique_and_spills_into_a_new_list(store: Store) -> None:
    with store.transaction() as connection:
        connection.execute(
            status_lists.insert().values(
                size=MIN_LIST_SIZE, allocated=MIN_LIST_SIZE - 2, secret=b"k" * 32, created_at=AT
            )
        )
        pairs = store.allocate(connection, 5, list_size=MIN_LIST_SIZE, at=AT)
    assert [p[0] for p in pairs] == [1, 1, 2, 2, 2]
    assert len(set(pairs)) == 5
    assert [(i.id, i.allocated) for i in store.status_lists()] == [
        (1, MIN_LIST_SIZE),
        (2, 3),
    ]


def test_rolled_back_allocation_is_not_consumed(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as connection:
        store.allocate(connection, 3, list_size=MIN_LIST_SIZE, at=AT)
        raise RuntimeError("crash before the record")
    assert store.status_lists() == []


def test_state_machine(store: Store) -> None:
    rec = record(store, 1)
    store.change_state("suspend", rec.id, reason="under investigation", at=AT)
    with pytest.raises(ConflictError, match="already suspended"):
        store.change_state("suspend", rec.id, reason="again", at=AT)
    store.change_state("reinstate", rec.id, reason="cleared", at=AT)
    with pytest.raises(ConflictError, match="not suspended"):
        store.change_state("reinstate", rec.id, reason="again", at=AT)
    store.change_state("revoke", rec.id, reason="fraud", at=AT)
    with pytest.raises(ConflictError, match="already revoked"):
        store.change_state("revoke", rec.id, reason="twice", at=AT)
    with pytest.raises(ConflictError, match="revocation is final"):
        store.change_state("reinstate", rec.id, reason="no", at=AT)
    assert store.credential(rec.id).state == "revoked"
    assert store.credential(rec.id).state_reason == "fraud"


def test_unknown_credential_and_empty_reason(store: Store) -> None:
    with pytest.raises(StorageError, match="no credential") as caught:
        store.change_state("revoke", "urn:uuid:nope", reason="x", at=AT)
    assert caught.value.code == "NOT_FOUND"
    rec = record(store, 2)
    with pytest.raises(InputError, match="reason is required"):
        store.change_state("revoke", rec.id, reason="  ", at=AT)
    with pytest.raises(InputError, match="control character \\(U\\+0001\\) at character 2"):
        store.change_state("revoke", rec.id, reason="a\x01b", at=AT)  # one line of the log
    assert store.credential(rec.id).state == "active"


def test_duplicate_row_key_is_a_conflict_and_writes_nothing(store: Store) -> None:
    record(store, 3)
    before = store.status_lists()[0].allocated
    with pytest.raises(ConflictError):
        record(store, 4, row_key="row-3")
    assert store.count() == 1
    assert store.status_lists()[0].allocated == before


def test_a_duplicate_in_the_middle_of_a_chunk_writes_none_of_it(store: Store) -> None:
    """A chunk goes in as one COPY stream (PostgreSQL) or one executemany (SQLite): a duplicate
    row key in its middle is a ConflictError, and neither the rows before it nor the chunk's
    allocation nor its audit entries are kept; the registry takes the next chunk as usual."""
    kept = record(store, 10)
    before = store.status_lists()[0].allocated
    with store.transaction() as connection:
        entries = connection.execute(select(audit_log)).all()
    with pytest.raises(ConflictError), store.transaction() as connection:
        pairs = store.allocate(connection, 3, list_size=MIN_LIST_SIZE, at=AT)
        chunk = [
            dataclasses.replace(
                kept,
                id=f"urn:uuid:{number:08d}-0000-4000-8000-000000000000",
                status_index=index,
                row_key=f"row-{number}" if number != 12 else kept.row_key,
            )
            for number, (_, index) in enumerate(pairs, 11)
        ]
        store.record(connection, chunk, at=AT)
    assert store.count() == 1 and store.status_lists()[0].allocated == before
    with store.transaction() as connection:
        assert audit.verify_chain(connection).intact
        assert connection.execute(select(audit_log)).all() == entries
    record(store, 14)
    assert store.count() == 2


def test_flagged_indices_follow_states(store: Store) -> None:
    recs = [record(store, n) for n in range(5, 9)]
    store.change_state("revoke", recs[0].id, reason="r", at=AT)
    store.change_state("suspend", recs[1].id, reason="s", at=AT)
    assert list(store.flagged_indices(recs[0].list_id, "revoked")) == [recs[0].status_index]
    assert list(store.flagged_indices(recs[0].list_id, "suspended")) == [recs[1].status_index]


def test_achievements_registered_once_per_content(store: Store) -> None:
    doc = {"id": "urn:example:a", "type": ["Achievement"], "name": "A"}
    assert store.put_achievement(doc, at=AT) == "urn:example:a"
    store.put_achievement(doc, at=AT)
    assert store.achievement("urn:example:a") == doc
    with pytest.raises(ConflictError, match="other content"):
        store.put_achievement({**doc, "name": "B"}, at=AT)
    with pytest.raises(StorageError, match="no achievement"):
        store.achievement("urn:example:none")


def test_audit_chain_detects_edit_removal_reorder_truncation(store: Store) -> None:
    for n in range(10, 14):
        record(store, n)
    with store.transaction() as connection:
        report = audit.verify_chain(connection)
    assert report.intact and report.entries == 5  # issuer.init + 4 issues

    def broken(sql: str) -> list[str]:
        with store.transaction() as connection:
            connection.execute(text(sql))
            problems = audit.verify_chain(connection).problems
            connection.rollback()
        return problems

    assert "edited" in broken("UPDATE audit_log SET reason = 'x' WHERE seq = 3")[0]
    assert "missing" in broken("DELETE FROM audit_log WHERE seq = 3")[0]
    assert "removed from the end" in broken("DELETE FROM audit_log WHERE seq = 5")[0]
    swapped = broken(
        "UPDATE audit_log SET credential_id = CASE seq WHEN 2 THEN "
        "(SELECT credential_id FROM audit_log WHERE seq = 3) ELSE "
        "(SELECT credential_id FROM audit_log WHERE seq = 2) END WHERE seq IN (2, 3)"
    )
    assert swapped


def issued(store: Store, credential_id: str, *, spaced: bool = False, **changes: object) -> str:
    """Record a credential whose document and content hash agree, as the registry (canonical
    text) or the server (``spaced``: the same claims with json.dumps' default spacing) does."""
    claims = {"id": credential_id, "type": ["VerifiableCredential"], "name": "Carpenter"}
    document = json.dumps(claims, sort_keys=True) if spaced else canonical_text(claims)
    record(
        store,
        0,
        id=credential_id,
        row_key=credential_id,
        document=document,
        content_hash=content_hash(claims),
        **changes,
    )
    return credential_id


def renew(store: Store, old: str, new: str, *, revoke: bool = False) -> None:
    """What RegistryIssuer.renew writes: the successor, its issue entry and a renew entry for
    the predecessor (whose state it leaves), then with --revoke-predecessor a revoke."""
    claims = {"id": new, "type": ["VerifiableCredential"], "name": "Carpenter"}
    record(
        store,
        0,
        id=new,
        subject_id="did:example:renewed",
        subject_name="Renewed",
        format="jwt",
        row_key=None,
        content_hash=content_hash(claims),
        document=canonical_text(claims),
        predecessor_id=old,
        audit_entries=[{"action": "renew", "credential_id": old, "details": {"successor": new}}],
    )
    if revoke:
        store.change_state("revoke", old, reason="superseded", at=AT)


@pytest.fixture
def lived(store: Store) -> dict[str, str]:
    """A registry with every kind of history, in an id order unlike the order of issue."""
    ids = {
        name: issued(store, f"urn:example:{name}", spaced=name == "served")
        for name in (
            "Zulu",
            "active",
            "revoked",
            "suspended",
            "reinstated",
            "renewed",
            "kept-renewed",
            "served",
            "a-0",
            "a_0",
        )
    }
    store.change_state("revoke", ids["revoked"], reason="fraud", at=AT)
    store.change_state("suspend", ids["suspended"], reason="check", at=AT)
    store.change_state("suspend", ids["reinstated"], reason="check", at=AT)
    store.change_state("reinstate", ids["reinstated"], reason="cleared", at=AT)
    store.change_state("revoke", ids["reinstated"], reason="later fraud", at=AT)
    store.change_state("suspend", ids["kept-renewed"], reason="check", at=AT)
    renew(store, ids["renewed"], "urn:example:successor", revoke=True)
    renew(store, ids["kept-renewed"], "urn:example:Successor-2")
    store.change_state("suspend", ids["served"], reason="check", at=AT)
    return ids


def cross_check(store: Store, sql: str = "", *, batch: int = 5000) -> audit.ChainReport:
    """:func:`audit.verify` after ``sql`` (rolled back afterwards)."""
    with store.transaction() as connection:
        if sql:
            connection.execute(text(sql))
        report = audit.verify(connection, batch=batch)
        connection.rollback()
    return report


@pytest.mark.parametrize("batch", [1, 3, 5000])
def test_an_untouched_registry_agrees_with_its_log(
    store: Store, lived: dict[str, str], batch: int
) -> None:
    """Revocations, suspensions, a reinstatement, renewals (with and without revoking the
    predecessor) and a document stored with other spacing (as the server does) all agree."""
    report = cross_check(store, batch=batch)
    assert report.problems == [] and report.credential_problems == []
    assert report.intact and report.credentials == 12


def test_a_state_edited_by_sql_is_found(store: Store, lived: dict[str, str]) -> None:
    report = cross_check(store, "UPDATE credentials SET state = 'active' WHERE state = 'revoked'")
    assert not report.intact and report.problems == []  # the chain itself is intact
    assert sorted(report.credential_problems) == [
        f"credential {lived[name]}: state is 'active', but the log makes it 'revoked' (entry {seq})"
        for name, seq in (("reinstated", 16), ("renewed", 20), ("revoked", 12))
    ]
    unsuspended = cross_check(
        store, f"UPDATE credentials SET state = 'active' WHERE id = '{lived['served']}'"
    )
    assert unsuspended.credential_problems == [
        f"credential {lived['served']}: state is 'active', but the log makes it 'suspended' "
        "(entry 23)"
    ]


def test_a_document_edited_by_sql_is_found(store: Store, lived: dict[str, str]) -> None:
    target = lived["active"]
    edited = canonical_text({"id": target, "type": ["VerifiableCredential"], "name": "Master"})
    problems = cross_check(
        store, f"UPDATE credentials SET document = '{edited}' WHERE id = '{target}'"
    ).credential_problems
    assert len(problems) == 1 and problems[0].startswith(
        f"credential {target}: the stored document was edited: it hashes to "
        f"{content_hash(json.loads(edited))}, not to the content_hash "
    )
    both = cross_check(
        store,
        f"UPDATE credentials SET document = '{edited}', "
        f"content_hash = '{content_hash(json.loads(edited))}' WHERE id = '{lived['served']}'",
    ).credential_problems
    assert len(both) == 2 and "document was edited" in both[1]
    assert both[0].startswith(f"credential {lived['served']}: content hash is ")
    assert "but it was issued with" in both[0]
    garbled = cross_check(
        store, f"UPDATE credentials SET document = 'nonsense' WHERE id = '{target}'"
    ).credential_problems
    assert garbled == [f"credential {target}: the stored document is not JSON (it was edited)"]
    # A member given twice: json.loads would keep the last one (the issued value) and find
    # nothing; renewal's strict parser refuses the row, and so does the audit.
    issued = store.credential(target).document
    assert '"name":' in issued  # the member given again
    doubled = '{"name":"Forged",' + issued.removeprefix("{").replace("'", "''")
    twice = cross_check(
        store, f"UPDATE credentials SET document = '{doubled}' WHERE id = '{target}'"
    ).credential_problems
    assert twice == [f"credential {target}: the stored document is not JSON (it was edited)"]
    moved = cross_check(
        store, f"UPDATE credentials SET status_index = 7 WHERE id = '{target}'"
    ).credential_problems
    assert len(moved) == 1 and "status index is 7, but it was issued with" in moved[0]


@pytest.mark.parametrize("batch", [1, 5000])
def test_a_deleted_or_added_row_is_found(store: Store, lived: dict[str, str], batch: int) -> None:
    deleted = cross_check(
        store,
        "DELETE FROM credentials WHERE id IN "
        f"('{lived['a-0']}', '{lived['Zulu']}', 'urn:example:Successor-2')",
        batch=batch,
    )
    assert deleted.credentials == 9
    assert sorted(deleted.credential_problems) == sorted(
        f"credential {credential_id}: issued in entry {seq}, but it is not in the credentials "
        "table (the row was deleted)"
        for credential_id, seq in (
            (lived["a-0"], 10),
            (lived["Zulu"], 2),
            ("urn:example:Successor-2", 21),
        )
    )
    added = cross_check(
        store,
        "INSERT INTO credentials (id, achievement_id, format, list_id, status_index, "
        "valid_from, content_hash, document, issued_at, state) "
        "SELECT 'urn:example:forged', achievement_id, format, list_id, 99, valid_from, "
        "content_hash, document, issued_at, 'active' FROM credentials "
        f"WHERE id = '{lived['active']}'",
        batch=batch,
    )
    assert added.credentials == 13 and added.credential_problems == [
        "credential urn:example:forged: in the credentials table, but the log has no issue "
        "entry for it (the row was added or its id changed outside vcportable)"
    ]


@pytest.mark.parametrize("batch", [1, 5000])
def test_the_credential_that_sorts_last_is_checked_too(
    store: Store, lived: dict[str, str], batch: int
) -> None:
    """Where one side of the walk runs out first: the last row deleted, a row added after it."""
    last = max(lived.values())  # in every database's order of these ids (lower-case after 'u')
    deleted = cross_check(store, f"DELETE FROM credentials WHERE id = '{last}'", batch=batch)
    assert len(deleted.credential_problems) == 1
    assert deleted.credential_problems[0].startswith(f"credential {last}: issued in entry ")
    added = cross_check(
        store,
        "INSERT INTO credentials (id, achievement_id, format, list_id, status_index, "
        "valid_from, content_hash, document, issued_at, state) "
        "SELECT 'urn:example:zz', achievement_id, format, list_id, 98, valid_from, "
        f"content_hash, document, issued_at, 'active' FROM credentials WHERE id = '{last}'",
        batch=batch,
    )
    assert added.credential_problems == [
        "credential urn:example:zz: in the credentials table, but the log has no issue "
        "entry for it (the row was added or its id changed outside vcportable)"
    ]


@pytest.mark.parametrize(
    ("column", "value", "what"),
    [
        ("achievement_id", "'urn:example:other'", "achievement"),
        ("format", "'jwt'", "format"),
        ("row_key", "'another-row'", "roster key"),
        ("subject_id", "'did:example:someone-else'", "subject"),
        ("subject_name", "'Someone Else'", "subject name"),
        ("valid_until", "'2099-01-01T00:00:00Z'", "end of validity"),
        ("predecessor_id", "'urn:example:Zulu'", "predecessor"),
    ],
)
def test_a_field_changed_from_what_was_issued_is_found(
    store: Store, lived: dict[str, str], column: str, value: str, what: str
) -> None:
    target = lived["active"]
    problems = cross_check(
        store, f"UPDATE credentials SET {column} = {value} WHERE id = '{target}'"
    ).credential_problems
    assert len(problems) == 1 and problems[0].startswith(f"credential {target}: {what} is ")
    assert "but it was issued with" in problems[0]


@pytest.mark.parametrize(
    ("name", "sql"),
    [
        ("revoked", "state_reason = 'a typo'"),
        ("reinstated", "state_changed_at = '2020-01-01T00:00:00Z'"),
        ("active", "state_reason = 'revoked by phone'"),
    ],
)
def test_a_state_reason_or_time_unlike_the_log_is_found(
    store: Store, lived: dict[str, str], name: str, sql: str
) -> None:
    """The reason and time of a credential's last state change are the log's: a reason
    rewritten (or given to a credential never changed) disagrees with it."""
    target = lived[name]
    problems = cross_check(
        store, f"UPDATE credentials SET {sql} WHERE id = '{target}'"
    ).credential_problems
    assert len(problems) == 1 and problems[0].startswith(f"credential {target}: its state was")
    assert "but the log says" in problems[0]


def test_log_entries_moved_to_other_credentials_are_found(
    store: Store, lived: dict[str, str]
) -> None:
    """Entries rewritten to name another credential (the chain breaks too; this says where): a
    second issue, a revoke before the issue of the credential it now names, and entries of a
    credential that neither was issued nor has a row."""
    twice = cross_check(
        store,
        f"UPDATE audit_log SET credential_id = '{lived['active']}' "
        f"WHERE credential_id = '{lived['a-0']}' AND action = 'issue'",
    ).credential_problems
    assert any(f"credential {lived['active']}: issued twice in the log" in p for p in twice)
    early = cross_check(
        store,
        "UPDATE audit_log SET credential_id = 'urn:example:successor' "
        f"WHERE credential_id = '{lived['revoked']}' AND action = 'revoke'",
    ).credential_problems
    assert any(
        "credential urn:example:successor: entry" in p and "(revoke) comes before its issue" in p
        for p in early
    )
    ghost = cross_check(
        store,
        "UPDATE audit_log SET credential_id = 'urn:example:ghost' "
        f"WHERE credential_id = '{lived['suspended']}' AND action = 'suspend'",
    ).credential_problems
    assert any(
        p.startswith("credential urn:example:ghost: has log entries (")
        and p.endswith(") but no issue entry and no row")
        for p in ghost
    )


def test_many_problems_are_counted_past_the_list(
    store: Store, lived: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "MAX_PROBLEMS", 2)
    problems = cross_check(store, "UPDATE credentials SET state = 'suspended'").credential_problems
    assert len(problems) == 3 and problems[-1] == (
        "... and 7 more credentials that disagree with the log"
    )


def test_export_streams_entries_in_order(store: Store) -> None:
    record(store, 20)
    with store.transaction() as connection:
        entries = list(audit.export_entries(connection, batch=1))
        seqs = connection.execute(select(audit_log.c.seq)).scalars().all()
    assert [e["seq"] for e in entries] == sorted(seqs)
    assert entries[-1]["action"] == "issue" and isinstance(entries[-1]["details"], dict)


def test_unreachable_and_bad_urls(tmp_path: object) -> None:
    with pytest.raises(StorageError, match="cannot reach|failed"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StorageError, match="unsupported database"):
        Store.open("mysql://x@localhost/db")


def test_key_rotation_keeps_the_did_and_is_audited(store: Store) -> None:
    store.set_key(
        did="did:key:z6MkExample", key_id="did:key:z6MkExample#new", key_path="/keys/new.key", at=AT
    )
    assert store.profile().key_id.endswith("#new")
    with pytest.raises(ConflictError, match="new DID is a new issuer"):
        store.set_key(did="did:key:other", key_id="x", key_path="/k", at=AT)
    with store.transaction() as connection:
        last = list(audit.export_entries(connection))[-1]
    assert last["action"] == "key" and last["details"]["previous_key_id"].endswith("Example")


def test_a_locked_sqlite_registry_is_one_clear_error(tmp_path: Path) -> None:
    url = str(tmp_path / "locked.db")
    store = Store.open(url, create=True, busy_timeout=0.2)
    holder = sqlite3.connect(url, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        with pytest.raises(StorageError, match="locked by another process"):
            store.init_profile(profile())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with pytest.raises(StorageError, match="no issuer profile"):
        store.profile()  # nothing was written
    store.close()


def test_an_audit_neither_stops_writers_nor_sees_them(store: Store, lived: dict[str, str]) -> None:
    """``audit verify`` reads one state of the registry (the chain, its head and the rows
    agree) while a revocation commits beside it, which neither waits for the audit nor shows
    in it."""
    count = text("SELECT count(*) FROM audit_log")
    with store.reading(consistent=True) as connection:
        before = connection.execute(count).scalar()
        store.change_state("revoke", lived["active"], reason="during the audit", at=AT)
        assert connection.execute(count).scalar() == before
        report = audit.verify(connection)
        assert report.problems == [] and report.credential_problems == []
    with store.reading() as connection:
        assert connection.execute(count).scalar() == before + 1


def test_reading_takes_no_write_lock_on_sqlite(tmp_path: Path) -> None:
    """While another process holds the write lock (an issuing batch committing), a reading
    transaction reads the last commit at once, where a writing one waits for the lock; what it
    reads is the committed state, not the writer's uncommitted rows."""
    url = str(tmp_path / "busy.db")
    store = Store.open(url, create=True, busy_timeout=0.2)
    store.init_profile(profile())
    writer = sqlite3.connect(url, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE status_lists SET allocated = allocated")  # uncommitted
    writer.execute("INSERT INTO audit_head (id, seq, hash) VALUES (2, 99, 'x')")
    try:
        with store.reading() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_head")).scalar() == 1
        assert store.status_lists() == []
        locked = pytest.raises(StorageError, match="locked by another process")
        with locked, store.transaction() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    store.close()


def test_an_older_database_is_migrated_step_by_step(db_url: str) -> None:  # noqa: F811
    from sqlalchemy import inspect

    from vcportable.store.engine import create_store_engine
    from vcportable.store.schema import MIGRATIONS, schema_version

    engine = create_store_engine(db_url)
    with engine.begin() as connection:  # a database made by the first release
        MIGRATIONS[0](connection)
        connection.execute(schema_version.insert().values(id=1, version=1))
    engine.dispose()
    with pytest.raises(StorageError, match="issuer migrate"):
        Store.open(db_url)
    store = Store.open(db_url, create=True)
    with store.transaction() as connection:
        assert current_version(connection) == SCHEMA_VERSION
        tables = set(inspect(connection).get_table_names())
        row_key = {
            c["name"]: c["column_names"]
            for c in inspect(connection).get_unique_constraints("credentials")
        }["uq_credentials_row_key"]
    assert {"credentials", "audit_log", "audit_head"} <= tables
    # PostgreSQL's lookups by row key need it first (step 3); SQLite keeps the first order
    assert row_key[0] == (
        "row_key" if store.engine.dialect.name == "postgresql" else "achievement_id"
    )
    store.close()
