"""Issuing through the registry: record before sign, lifecycle, renewal, batch and resume."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from registry_fixtures import db_url  # noqa: F401  (fixture)
from vcportable import batch
from vcportable.batch import issue_batch, validate
from vcportable.clock import FixedClock, format_datetime
from vcportable.errors import (
    ConfigurationError,
    ConflictError,
    CredentialInvalidError,
    InputError,
    StorageError,
)
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair
from vcportable.registry_issuer import RegistryIssuer, Subject, content_hash
from vcportable.store import IssuerProfile, Store, audit
from vcportable.store.allocation import MIN_LIST_SIZE
from vcportable.verifier import Verifier

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parent.parent / "examples" / "credentials" / "carpenter-level-2.json"


def achievement() -> dict[str, Any]:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return dict(document["credentialSubject"]["achievement"])


ACHIEVEMENT_ID = achievement()["id"]


def make_registry(
    url: str,
    key: KeyPair,
    clock: FixedClock,
    status_base_url: str = "https://status.example/riverside",
) -> RegistryIssuer:
    store = Store.open(url, create=True)
    store.init_profile(
        IssuerProfile(
            did=key.controller,
            key_id=key.key_id,
            key_path="/keys/issuer.key",
            name="Riverside Certification Board",
            municipality="Riverside",
            status_base_url=status_base_url,
            list_size=MIN_LIST_SIZE,
            created_at=format_datetime(clock.now()),
        )
    )
    store.put_achievement(achievement(), at=format_datetime(clock.now()))
    return RegistryIssuer(store, Issuer(key, clock=clock))


@pytest.fixture
def key() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture
def registry(db_url: str, key: KeyPair) -> Iterator[RegistryIssuer]:  # noqa: F811
    made = make_registry(db_url, key, FixedClock(NOW))
    yield made
    made.store.close()


def verified(text: str, at: datetime = NOW) -> bool:
    return Verifier(clock=FixedClock(at)).verify(text).verified


def test_issue_records_then_signs(registry: RegistryIssuer) -> None:
    issued = registry.issue(ACHIEVEMENT_ID, Subject("Maria Example", "did:example:maria"))
    record = registry.store.credential(issued.record.id)
    assert record.state == "active" and record.issued_at == "2026-01-15T12:00:00Z"
    signed = json.loads(issued.text)
    assert verified(issued.text)
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert content_hash(unsigned) == record.content_hash
    entries = signed["credentialStatus"]
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    assert {e["statusListIndex"] for e in entries} == {str(record.status_index)}
    assert entries[0]["statusListCredential"] == "https://status.example/riverside/1-revocation"


def test_issue_jwt(registry: RegistryIssuer) -> None:
    issued = registry.issue(ACHIEVEMENT_ID, Subject("Maria", "did:example:m"), fmt="jwt")
    assert issued.text.count(".") == 2 and verified(issued.text)


def test_invalid_subject_records_nothing(registry: RegistryIssuer) -> None:
    with pytest.raises(CredentialInvalidError, match="needs an id"):
        registry.issue(ACHIEVEMENT_ID, Subject("No Id"))
    assert registry.store.count() == 0 and registry.store.status_lists() == []


def test_key_must_match_the_profile(registry: RegistryIssuer) -> None:
    with pytest.raises(ConfigurationError, match="this registry issues as"):
        RegistryIssuer(registry.store, Issuer(KeyPair.generate()))


def test_lifecycle_with_reasons_in_the_audit_log(registry: RegistryIssuer) -> None:
    cid = registry.issue(ACHIEVEMENT_ID, Subject("A", "did:example:a")).record.id
    registry.suspend(cid, "investigation")
    registry.reinstate(cid, "cleared")
    registry.revoke(cid, "fraud")
    with pytest.raises(ConflictError):
        registry.reinstate(cid, "no")
    with registry.store.transaction() as connection:
        entries = list(audit.export_entries(connection))
        assert audit.verify_chain(connection).intact
    assert [(e["action"], e["reason"]) for e in entries[-3:]] == [
        ("suspend", "investigation"),
        ("reinstate", "cleared"),
        ("revoke", "fraud"),
    ]


def test_renew_links_and_optionally_revokes(registry: RegistryIssuer) -> None:
    old = registry.issue(
        ACHIEVEMENT_ID,
        Subject("A", "did:example:a"),
        valid_from="2025-01-15T12:00:00Z",
        valid_until="2026-03-01T00:00:00Z",
    ).record
    kept = registry.renew(old.id)
    assert kept.record.predecessor_id == old.id and kept.record.id != old.id
    assert kept.record.status_index != old.status_index
    # same length as the predecessor (409 days 12 h), from now
    assert kept.record.valid_until == format_datetime(NOW + timedelta(days=409, hours=12))
    assert registry.store.credential(old.id).state == "active"
    assert verified(kept.text)
    replaced = registry.renew(old.id, valid_until="2031-01-01T00:00:00Z", revoke_predecessor=True)
    assert registry.store.credential(old.id).state == "revoked"
    assert replaced.record.id in (registry.store.credential(old.id).state_reason or "")
    with pytest.raises(StorageError, match="revoked"):
        registry.renew(old.id)
    with pytest.raises(StorageError, match="no credential"):
        registry.renew("urn:uuid:unknown")
    with pytest.raises(InputError, match="control character"):  # the audit log's rules
        registry.renew(replaced.record.id, reason="line one\nline two")
    suspended = registry.issue(ACHIEVEMENT_ID, Subject("B", "did:example:b")).record
    registry.suspend(suspended.id, "investigation")
    with pytest.raises(StorageError, match="suspended; reinstate it"):
        registry.renew(suspended.id)  # an active successor would lift the suspension
    assert registry.store.count() == 4  # nothing issued


ROSTER = """key,name,subject_id,valid_until
w1,Ana Lopez,did:example:ana,2030-01-01
w2,Ben Okafor,did:example:ben,2030-01-01T00:00:00Z
w3,Chen Wei,did:example:chen,
"""


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_batch_issues_each_row_once_and_resumes(registry: RegistryIssuer, tmp_path: Path) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    first = issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    assert (first.issued, first.already, first.restored) == (3, 0, 0)
    assert sorted(p.name for p in out.glob("*.json")) == ["w1.json", "w2.json", "w3.json"]
    assert (out / ".vcportable-achievement").read_text() == f"{ACHIEVEMENT_ID}\n"
    assert all(verified((out / f"w{n}.json").read_text()) for n in (1, 2, 3))
    (out / "w2.json").unlink()  # as if the run was killed before writing it
    again = issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    assert (again.issued, again.already, again.restored) == (0, 2, 1)
    assert registry.store.count() == 3
    restored = json.loads((out / "w2.json").read_text())
    record = registry.store.credential(restored["id"])
    assert record.row_key == "w2" and verified(json.dumps(restored))


def test_a_folder_holds_one_achievement(registry: RegistryIssuer, tmp_path: Path) -> None:
    """Files are named by roster key: a second achievement's batch with the same keys into the
    same folder would replace the first's credentials, so it is refused before issuing."""
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    other = {**achievement(), "id": "https://example.org/achievements/forklift", "name": "Forklift"}
    registry.store.put_achievement(other, at=format_datetime(NOW))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InputError, match="holds the credentials of achievement"):
        issue_batch(registry, roster, other["id"], out, workers=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert registry.store.count() == 3
    assert issue_batch(registry, roster, other["id"], tmp_path / "forklift", workers=1).issued == 3
    long_id = "urn:x:" + "€" * 1400  # 4,206 bytes: the marker holds it whole
    registry.store.put_achievement({**achievement(), "id": long_id}, at=format_datetime(NOW))
    long_out = tmp_path / "long"
    roster_two = write(tmp_path / "two.csv", ROSTER.replace("w", "l"))
    assert issue_batch(registry, roster_two, long_id, long_out, workers=1).issued == 3
    assert issue_batch(registry, roster_two, long_id, long_out, workers=1).already == 3


def test_batch_with_worker_processes(registry: RegistryIssuer, tmp_path: Path) -> None:
    rows = "".join(f"k{n},Worker {n},did:example:{n}\n" for n in range(300))
    roster = write(tmp_path / "r.csv", "key,name,subject_id\n" + rows)
    done = []
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=2, progress=done.append
    )
    assert result.issued == 300 and sum(done) == 300
    assert verified((tmp_path / "out" / "k299.json").read_text())


BAD = (
    (
        b"key,name,subject_id,valid_from,valid_until\n"
        b"ok1,Good Row,did:example:1,,\n"
        b"bad/key,Bad Key,did:example:2,,\n"
        b"ok1,Duplicate,did:example:3,,\n"
        b"d1,Bad Date,did:example:4,2026-13-01,\n"
        b"d2,Backwards,did:example:5,2027-01-01,2026-01-01\n"
        b"n1,No Subject,,,\n"
        b"f1,too,many,fields,here,x\n"
    )
    + b"e1,Caf\xe9,did:example:6,,\n"
    + b"ok2,Good Too,did:example:7,,\n"
)


def test_every_bad_row_is_reported_with_its_line(registry: RegistryIssuer, tmp_path: Path) -> None:
    roster = write(tmp_path / "bad.csv", BAD)
    checked = validate(registry, roster, achievement(), "di")
    lines = sorted({p.line for p in checked.problems})
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    text = "\n".join(map(str, checked.problems))
    for expected in (
        "letters, digits",
        "already used on line 2",
        "not a date",
        "not after",
        "needs an id",
        "6 fields",
        "not UTF-8",
    ):
        assert expected in text
    with pytest.raises(CredentialInvalidError, match="line 3"):
        issue_batch(registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1)
    assert registry.store.count() == 0 and not (tmp_path / "out").exists()
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1, skip_invalid=True
    )
    assert result.issued == 2 and len(result.skipped) >= 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("name,subject_id\nA,did:example:a\n", "missing column(s) key"),
        ("key,name,colour\n", "unknown column(s) colour"),
        ("key,key,name\n", "repeated column(s) key"),
    ],
)
def test_file_level_problems(
    registry: RegistryIssuer, tmp_path: Path, content: str, message: str
) -> None:
    checked = validate(registry, write(tmp_path / "r.csv", content), achievement(), "di")
    assert [p.line for p in checked.problems] == [1]
    assert message in checked.problems[0].message


def test_changed_row_for_an_issued_key_is_refused(registry: RegistryIssuer, tmp_path: Path) -> None:
    roster = write(tmp_path / "r.csv", ROSTER)
    issue_batch(registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1)
    changed = write(tmp_path / "r2.csv", ROSTER.replace("Ana Lopez", "Ana Lopes"))
    checked = validate(registry, changed, achievement(), "di")
    assert [p.line for p in checked.problems] == [2]
    assert "renew" in checked.problems[0].message


def test_batch_as_jwt_and_format_is_part_of_the_row(
    registry: RegistryIssuer, tmp_path: Path
) -> None:
    roster = write(tmp_path / "r.csv", ROSTER)
    result = issue_batch(registry, roster, ACHIEVEMENT_ID, tmp_path / "jwt", fmt="jwt", workers=1)
    assert result.issued == 3
    token = (tmp_path / "jwt" / "w1.jwt").read_text().strip()
    assert token.count(".") == 2 and verified(token)
    as_di = validate(registry, roster, achievement(), "di")
    assert [p.line for p in as_di.problems] == [2, 3, 4]  # issued as jwt: not again as di


def test_roster_bounds(
    registry: RegistryIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_line = "w9," + "x" * 20_000 + ",did:example:9\n"
    roster = write(tmp_path / "long.csv", ROSTER + long_line)
    checked = validate(registry, roster, achievement(), "di")
    assert [(p.line, "over 16384 bytes" in p.message) for p in checked.problems] == [(5, True)]
    long_name = "w9," + "N" * 1025 + ",did:example:9,\n"  # the registry's column holds 1,024
    checked = validate(
        registry, write(tmp_path / "name.csv", ROSTER + long_name), achievement(), "di"
    )
    assert [(p.line, p.message) for p in checked.problems] == [(5, "name is over 1024 characters")]
    monkeypatch.setattr("vcportable.roster.MAX_ROWS", 2)
    checked = validate(registry, write(tmp_path / "many.csv", ROSTER), achievement(), "di")
    assert [p.line for p in checked.problems] == [4]
    assert "more than 2 rows" in checked.problems[0].message


STRAY_CR = (
    b"key,name,subject_id\n"
    b"g1,Good One,did:example:g1\n"
    b"b1,Bad\rName,did:example:b1\n"  # a bare carriage return inside an unquoted field
    b"g2,Good Two,did:example:g2\n"
    b"g3,Good Three,did:example:g3\n"
)


def test_a_line_that_is_not_csv_is_reported_and_the_rows_after_it_are_read(
    registry: RegistryIssuer, tmp_path: Path
) -> None:
    roster = write(tmp_path / "r.csv", STRAY_CR)
    checked = validate(registry, roster, achievement(), "di")
    assert checked.rows == 3 and [p.line for p in checked.problems] == [3]
    message = checked.problems[0].message
    assert "carriage return" in message and "universal-newline" not in message
    with pytest.raises(CredentialInvalidError, match="line 3"):
        issue_batch(registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1)
    assert registry.store.count() == 0 and not (tmp_path / "out").exists()
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1, skip_invalid=True
    )
    assert result.issued == 3 and [p.line for p in result.skipped] == [3]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json")) == [
        "g1.json",
        "g2.json",
        "g3.json",
    ]


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        # text after a closing quote: that line alone
        (b'b1,"Bad"Name,did:example:b1\n', [(3, "closing quote")]),
        # stray carriage returns on two lines: each reported, none stops the read
        (b"b1,A\rB,did:example:b1\nb2,C\rD,did:example:b2\n", [(3, "\\r"), (4, "\\r")]),
        # a quote opened and never closed swallows every following line: all named
        (b'b1,"Unclosed,did:example:b1\ng4,Four,did:example:g4\n', [(3, "lines 3-6")]),
        # a quoted field over two lines, closed: one row holding a line break
        (b'b1,"Two\nLines",did:example:b1\n', [(3, "lines 3-4")]),
    ],
)
def test_csv_errors_name_their_lines_and_lose_no_row(
    registry: RegistryIssuer, tmp_path: Path, rows: bytes, problems: list[tuple[int, str]]
) -> None:
    content = b"key,name,subject_id\ng1,One,did:example:g1\n" + rows
    content += b"g2,Two,did:example:g2\ng3,Three,did:example:g3\n"
    roster = write(tmp_path / "r.csv", content)
    checked = validate(registry, roster, achievement(), "di")
    found = [(p.line, p.message) for p in checked.problems]
    assert [line for line, _ in found] == [line for line, _ in problems]
    assert all(part in message for (_, message), (_, part) in zip(found, problems, strict=True))
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1, skip_invalid=True
    )
    assert [p.line for p in result.skipped] == [line for line, _ in problems]
    swallowed = problems[0][1] == "lines 3-6"  # g2 and g3 were inside the unclosed quote
    issued = ["g1.json"] if swallowed else ["g1.json", "g2.json", "g3.json"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json")) == issued


def test_lines_that_are_not_csv_count_towards_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roster of broken lines cannot run past the row limit either."""
    from vcportable import roster as roster_module

    monkeypatch.setattr(roster_module, "MAX_ROWS", 2)
    path = write(tmp_path / "r.csv", b"key,name,subject_id\n" + b'a,"x"y,did:example:a\n' * 3)
    found = [(p.line, p.message) for p in roster_module.read_roster(path)]
    assert [line for line, _ in found] == [2, 3, 4]
    assert found[-1][1] == "the roster has more than 2 rows; split it"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x1f", "\x0b"])
def test_control_characters_in_a_field_are_refused_with_the_line(
    registry: RegistryIssuer, tmp_path: Path, char: str
) -> None:
    """On both backends alike (PostgreSQL cannot store NUL; SQLite would have), before anything
    is recorded; a tab is allowed."""
    content = (
        "key,name,subject_id\n"
        f"g1,Ana{char}Lopez,did:example:g1\n"
        f"g2,Ben,did:example:g2{char}\n"
        "g3,Chen\tWei,did:example:g3\n"
    )
    roster = write(tmp_path / "r.csv", content)
    checked = validate(registry, roster, achievement(), "di")
    assert [p.line for p in checked.problems] == [2, 3]
    assert f"U+{ord(char):04X}" in checked.problems[0].message
    assert "name" in checked.problems[0].message
    assert "subject_id" in checked.problems[1].message
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1, skip_invalid=True
    )
    assert result.issued == 1 and registry.store.count() == 1
    assert [p.line for p in result.skipped] == [2, 3]


def test_a_torn_output_file_is_written_again(registry: RegistryIssuer, tmp_path: Path) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    whole = (out / "w1.json").read_text()
    (out / "w1.json").write_text(whole[: len(whole) // 2])  # as after a power cut
    (out / "w2.json").write_text(whole)  # someone else's credential
    again = issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    assert (again.already, again.restored) == (1, 2)
    assert verified((out / "w1.json").read_text())
    w2 = json.loads((out / "w2.json").read_text())
    assert registry.store.credential(w2["id"]).row_key == "w2"


def test_a_batch_killed_after_a_commit_resumes_with_the_recorded_credentials(
    registry: RegistryIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(f"k{n},Worker {n},did:example:{n}\n" for n in range(7))
    roster = write(tmp_path / "r.csv", "key,name,subject_id\n" + rows)
    out = tmp_path / "out"
    monkeypatch.setattr("vcportable.batch.RECORD_CHUNK", 3)
    written: list[str] = []
    real_write = batch._write

    def dies_after_four(path: Path, text: str) -> None:
        if len(written) == 4:  # the second chunk is recorded, its files half written
            raise StorageError("killed")
        written.append(path.name)
        real_write(path, text)

    monkeypatch.setattr("vcportable.batch._write", dies_after_four)
    with pytest.raises(StorageError, match="killed"):
        issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    recorded = {
        r: registry.store.credential(json.loads((out / r).read_text())["id"]) for r in written
    }
    assert registry.store.count() == 6 and len(written) == 4
    monkeypatch.setattr("vcportable.batch._write", real_write)
    again = issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    assert (again.issued, again.already, again.restored) == (1, 4, 2)
    assert registry.store.count() == 7
    with registry.store.transaction() as connection:
        assert audit.verify_chain(connection).intact
    for name, record in recorded.items():
        assert json.loads((out / name).read_text())["id"] == record.id
    for n in range(7):
        document = json.loads((out / f"k{n}.json").read_text())
        record = registry.store.credential(document["id"])
        assert record.row_key == f"k{n}" and verified(json.dumps(document))
        index = document["credentialStatus"][0]["statusListIndex"]
        assert int(index) == record.status_index


def test_a_roster_changed_between_the_passes_is_refused(
    registry: RegistryIssuer, tmp_path: Path
) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER)
    checked = validate(registry, roster, achievement(), "di")
    write(roster, ROSTER.replace("Ben Okafor,did:example:ben", "Ben Okafor,"))
    with pytest.raises(InputError, match="changed since it was checked"):
        issue_batch(
            registry, roster, ACHIEVEMENT_ID, tmp_path / "out", validation=checked, workers=1
        )
    assert registry.store.count() == 0


def test_bad_rows_past_the_reported_problems_are_not_issued(
    registry: RegistryIssuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("vcportable.batch.MAX_PROBLEMS", 1)
    content = "key,name,subject_id\nw1,,did:ex:a\nw2,B,did:ex:b\nw3,C,\nw4,D,did:ex:d\n"
    roster = write(tmp_path / "r.csv", content)  # line 2 is reported; line 4 (no subject) not
    result = issue_batch(
        registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=1, skip_invalid=True
    )
    assert [p.line for p in result.skipped] == [2] and result.issued == 2
    assert sorted(p.name for p in (tmp_path / "out").glob("*.json")) == ["w2.json", "w4.json"]


def test_a_dead_worker_is_one_clear_error_and_the_batch_resumes(
    registry: RegistryIssuer, tmp_path: Path
) -> None:
    roster = write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    with batch.Workers(registry, achievement(), 2) as workers:
        checked = validate(registry, roster, achievement(), "di", workers=workers)
        assert not checked.problems
        children = multiprocessing.active_children()
        assert children  # the workers that checked the rows
        for child in children:  # killed (out of memory, say) between the passes
            child.kill()
            child.join()
        with pytest.raises(StorageError, match="worker process of the batch died"):
            issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=workers, validation=checked)
    again = issue_batch(registry, roster, ACHIEVEMENT_ID, out, workers=1)
    assert again.issued + again.restored == 3 and registry.store.count() == 3
    assert all(verified((out / f"w{n}.json").read_text()) for n in (1, 2, 3))


def test_rows_are_checked_against_the_achievement_given(
    registry: RegistryIssuer, tmp_path: Path
) -> None:
    """validate checks against the achievement it is given, registered or not (no second
    read of the registry's copy); workers started for another achievement are refused rather
    than used to check or record under it."""
    roster = write(tmp_path / "roster.csv", ROSTER)
    other = achievement() | {"id": "urn:example:not-registered"}
    assert validate(registry, roster, other, "di").rows == 3
    with batch.Workers(registry, other, 1) as workers:
        with pytest.raises(ValueError, match="not for"):
            validate(registry, roster, achievement(), "di", workers=workers)
        with pytest.raises(ValueError, match="not for"):
            issue_batch(registry, roster, ACHIEVEMENT_ID, tmp_path / "out", workers=workers)
    assert registry.store.count() == 0 and not (tmp_path / "out").exists()
