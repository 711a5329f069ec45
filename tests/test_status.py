"""Bitstring Status List: the codec (and the W3C examples), publishing, and the status check."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import VECTORS
from test_registry_issuer import ACHIEVEMENT_ID, NOW, make_registry
from vcportable.checks import SignedView
from vcportable.checks.status import StatusCheck
from vcportable.cli import cli
from vcportable.clock import FixedClock
from vcportable.codec.multibase import multibase_encode
from vcportable.errors import InputError
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair
from vcportable.models.report import Check, CheckStatus, Code, VerificationReport
from vcportable.registry_issuer import RegistryIssuer, Subject
from vcportable.status.bitstring import Bitstring, decode_list
from vcportable.status.publish import list_credential, publish
from vcportable.status.reading import EntryError, read_entry, read_list
from vcportable.status.source import MAX_LIST_BYTES, StatusDirectory, read_index
from vcportable.verifier import Verifier

EXAMPLES = VECTORS / "bitstring-status-list" / "examples"


def example(name: str) -> Any:
    return json.loads(next(EXAMPLES.glob(f"index__{name}__*.json")).read_text())


# -- codec ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["01", "03"])
def test_w3c_example_lists_decode(name: str) -> None:
    document = example(name)
    found = read_list(document, document["id"])
    assert found.purposes == ("revocation",) and found.issuer == "did:example:12345"
    bits = found.bits(1)
    assert len(bits) == 131_072 and not any(bits.to_bytes())
    assert bits.get(94567) == 0  # the index the example credentials point at


@pytest.mark.parametrize("name", ["00", "02"])
def test_w3c_example_entries_read(name: str) -> None:
    status = example(name)["credentialStatus"]
    entries = [read_entry(e) for e in (status if isinstance(status, list) else [status])]
    assert entries[0].index == 94567 and entries[0].purpose == "revocation"
    assert entries[0].list_url == "https://example.com/credentials/status/3"


def test_bit_order_and_multi_bit_statuses() -> None:
    bits = Bitstring(16)
    bits.set(0)
    bits.set(9)
    assert bits.to_bytes() == b"\x80\x40"
    wide = Bitstring(8, status_size=2)
    wide.set(1, 3)
    wide.set(2, 2)
    assert wide.to_bytes()[0] == 0b00111000
    again = decode_list(wide.encode(), status_size=2)
    assert [again.get(i) for i in range(4)] == [0, 3, 2, 0]
    with pytest.raises(InputError, match="does not fit"):
        wide.set(0, 4)
    with pytest.raises(InputError, match="outside the list"):
        again.get(8)


def test_encoding_is_deterministic_and_spec_shaped() -> None:
    bits = Bitstring(131_072)
    bits.set(42)
    assert bits.encode() == bits.encode() and bits.encode().startswith("uH4sI")


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        (multibase_encode(gzip.compress(bytes(17 * 1024 * 1024)), "u"), "beyond the limit"),
        (multibase_encode(b"not gzip at all", "u"), "not GZIP"),
        (multibase_encode(gzip.compress(b"\0" * 16)[:-4], "u"), "truncated"),
        (multibase_encode(gzip.compress(b"\0" * 16) + b"x", "u"), "after its GZIP member"),
        ("z" + "1" * 10, "prefix"),
        (42, "multibase"),
    ],
)
def test_decode_is_bounded_and_strict(encoded: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode_list(encoded)


# -- publishing and the check -------------------------------------------------------------------


class Fixture:
    def __init__(self, registry: RegistryIssuer, out: Path) -> None:
        self.registry = registry
        self.out = out
        self.creds = {
            name: json.loads(
                registry.issue(ACHIEVEMENT_ID, Subject(name, f"did:example:{name}")).text
            )
            for name in ("clean", "revoked", "suspended")
        }
        registry.revoke(self.creds["revoked"]["id"], "fraud")
        registry.suspend(self.creds["suspended"]["id"], "investigation")

    def check(self, name: str, at: datetime = NOW, folder: Path | None = None) -> list[Check]:
        view = SignedView(credential=self.creds[name], format="di", signers=(), now=at)
        source = StatusDirectory(folder or self.out)
        return StatusCheck(source, Verifier(clock=FixedClock(at))).check(view)


@pytest.fixture
def published(tmp_path: Path) -> Iterator[Fixture]:
    registry = make_registry(str(tmp_path / "r.db"), KeyPair.generate(), FixedClock(NOW))
    fixture = Fixture(registry, tmp_path / "status")
    publish(registry.store, registry.issuer, fixture.out)
    yield fixture
    registry.store.close()


def codes(checks: list[Check]) -> list[tuple[CheckStatus, Code]]:
    return [(c.status, c.code) for c in checks]


def test_published_lists_report_each_state(published: Fixture) -> None:
    index = json.loads((published.out / "index.json").read_text())
    assert sorted(e["file"] for e in index["lists"].values()) == [
        "1-revocation.json",
        "1-suspension.json",
    ]
    ok = published.check("clean")
    assert codes(ok) == [(CheckStatus.PASSED, Code.OK)] * 2
    assert "as of 2026-01-15T12:00:00+00:00" in ok[0].message
    assert (CheckStatus.FAILED, Code.REVOKED) in codes(published.check("revoked"))
    assert (CheckStatus.FAILED, Code.SUSPENDED) in codes(published.check("suspended"))


def test_reinstated_after_republish(published: Fixture) -> None:
    published.registry.reinstate(published.creds["suspended"]["id"], "cleared")
    publish(published.registry.store, published.registry.issuer, published.out)
    assert codes(published.check("suspended")) == [(CheckStatus.PASSED, Code.OK)] * 2


def test_publish_reads_one_state_for_every_list(
    published: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential suspended, then revoked by another process between the reads of its two
    lists, must be in one of them: publish reads every list in one snapshot."""
    from vcportable.store import Store

    store = published.registry.store
    other = RegistryIssuer(
        Store.open(str(published.out.parent / "r.db")), published.registry.issuer
    )
    suspended = published.creds["suspended"]["id"]
    reads = Store.flagged_indices

    def racing(self: Store, *args: Any, **kwargs: Any) -> Any:
        found = list(reads(self, *args, **kwargs))
        if other.store.credential(suspended).state == "suspended":
            other.revoke(suspended, "fraud found meanwhile")  # another process, between reads
        return iter(found)

    monkeypatch.setattr(Store, "flagged_indices", racing)
    publish(store, published.registry.issuer, published.out)
    monkeypatch.undo()
    assert other.store.credential(suspended).state == "revoked"
    assert (CheckStatus.FAILED, Code.SUSPENDED) in codes(published.check("suspended"))
    other.store.close()


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.time = now

    def now(self) -> datetime:
        return self.time


def test_a_list_that_does_not_verify_yet_is_not_kept(published: Fixture) -> None:
    """A verifier whose clock lags the publisher's sees the list's proof created in the future;
    once its time has come, the same StatusCheck (a server shares one) reads the list: a kept
    refusal would hide the revocation for as long as the list's bytes stayed the same."""
    clock = _Clock(NOW - timedelta(minutes=2))
    shared = StatusCheck(StatusDirectory(published.out), Verifier(clock=clock))
    expected = [(CheckStatus.WARNING, Code.STATUS_NOT_CHECKED), (CheckStatus.FAILED, Code.REVOKED)]
    for at, (status, code) in zip((clock.time, NOW + timedelta(hours=1)), expected, strict=True):
        clock.time = at
        view = SignedView(credential=published.creds["revoked"], format="di", signers=(), now=at)
        check = shared.check(view)[0]  # the revocation entry
        assert (check.status, check.code) == (status, code), check.message


def test_a_list_file_that_is_a_badge_or_a_pipe_is_not_read(published: Fixture) -> None:
    """The verifier opens badges, photos and QR envelopes; the list is read from the file's
    bytes: a badge holding one of the issuer's credentials (the revoked one itself) around a
    forged list passed as 'not revoked'. A FIFO named like a list blocked the verification."""
    import os

    from vcportable.envelope import bake

    revocation = published.out / "1-revocation.json"
    genuine = revocation.read_bytes()
    forged = json.dumps(json.loads(genuine) | {"proof": None}).encode()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><!--' + forged + b"--></svg>"
    revocation.write_bytes(bake(svg, json.dumps(published.creds["revoked"])))
    checked = published.check("revoked")[0]
    assert (checked.status, checked.code) == (CheckStatus.WARNING, Code.STATUS_NOT_CHECKED)
    assert "neither JSON nor a compact JWT" in checked.message
    revocation.unlink()
    os.mkfifo(revocation)
    started = time.monotonic()
    checked = published.check("revoked")[0]
    assert checked.code is Code.STATUS_NOT_CHECKED and time.monotonic() - started < 5


def test_a_list_signed_by_another_key_is_refused_whatever_the_policy(published: Fixture) -> None:
    """A credential's policy may allow foreign keys (the W3C vectors); its status list must
    still be signed by its issuer, or any key could clear a revocation."""
    from vcportable.checks.status import list_policy
    from vcportable.policy import VerificationPolicy

    revocation = published.out / "1-revocation.json"
    document = json.loads(revocation.read_text())
    del document["proof"]
    subject = document["credentialSubject"]
    subject["encodedList"] = Bitstring(len(decode_list(subject["encodedList"]))).encode()
    revocation.write_text(
        json.dumps(Issuer(KeyPair.generate(), clock=FixedClock(NOW)).prove(document))
    )
    lax = VerificationPolicy(require_issuer_binding=False)
    view = SignedView(credential=published.creds["revoked"], format="di", signers=(), now=NOW)
    verifier = Verifier(clock=FixedClock(NOW), policy=list_policy(lax))  # as `verify` builds it
    check = StatusCheck(StatusDirectory(published.out), verifier)
    checked = check.check(view)[0]
    assert (checked.status, checked.code) == (CheckStatus.WARNING, Code.STATUS_NOT_CHECKED)


def test_jwt_lists(published: Fixture, tmp_path: Path) -> None:
    folder = tmp_path / "jwt"
    publish(published.registry.store, published.registry.issuer, folder, fmt="jwt")
    assert (folder / "1-revocation.jwt").read_text().count(".") == 2
    assert (CheckStatus.FAILED, Code.REVOKED) in codes(published.check("revoked", folder=folder))
    assert codes(published.check("clean", folder=folder)) == [(CheckStatus.PASSED, Code.OK)] * 2


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_stale_lists_still_tell_the_last_known_status(published: Fixture, fmt: str) -> None:
    publish(published.registry.store, published.registry.issuer, published.out, fmt=fmt)  # type: ignore[arg-type]
    past_ttl = NOW + timedelta(days=2)
    assert (
        codes(published.check("clean", past_ttl)) == [(CheckStatus.WARNING, Code.STATUS_STALE)] * 2
    )
    expired = NOW + timedelta(days=8)
    clean = published.check("clean", expired)
    assert codes(clean) == [(CheckStatus.WARNING, Code.STATUS_STALE)] * 2
    assert "expired" in clean[0].message and "last known" in clean[0].message
    revoked = published.check("revoked", expired)
    assert revoked[0].code is Code.REVOKED and "stale" in revoked[0].message


def test_missing_tampered_and_foreign_lists_are_not_checked(
    published: Fixture, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "index.json").write_text('{"version": 1, "lists": {}}')
    missing = published.check("revoked", folder=empty)
    assert codes(missing) == [(CheckStatus.WARNING, Code.STATUS_NOT_CHECKED)] * 2
    assert "no status list" in missing[0].message

    path = published.out / "1-revocation.json"
    document = json.loads(path.read_text())
    document["credentialSubject"]["encodedList"] = Bitstring(131_072).encode()
    path.write_text(json.dumps(document))
    tampered = published.check("revoked")[0]
    assert tampered.code is Code.STATUS_NOT_CHECKED and "does not verify" in tampered.message

    other = Issuer(KeyPair.generate(), clock=FixedClock(NOW))
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    path.write_text(json.dumps(other.issue({**unsigned, "issuer": other.key.controller})))
    foreign = published.check("revoked")[0]
    assert foreign.code is Code.STATUS_NOT_CHECKED and "not by the credential's issuer" in (
        foreign.message
    )

    # Signed by the right issuer but naming no id: it could be any of the issuer's lists.
    issuer = published.registry.issuer
    nameless = {k: v for k, v in unsigned.items() if k != "id"}
    path.write_text(json.dumps(issuer.issue(nameless)))
    anonymous = published.check("revoked")[0]
    assert anonymous.code is Code.STATUS_NOT_CHECKED and "names no id" in anonymous.message


ENTRY = {
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "7",
    "statusListCredential": "https://status.example/riverside/1-revocation",
}


@pytest.mark.parametrize(
    "change",
    [
        {"statusListIndex": "-1"},
        {"statusListIndex": "07"},
        {"statusListIndex": 7},
        {"statusListCredential": None},
        {"statusPurpose": ""},
        {"statusSize": 2},
        {"statusSize": 0},
        {"statusSize": 1, "statusMessage": [{"status": "0x0", "message": "ok"}]},
    ],
)
def test_malformed_entries(change: dict[str, Any]) -> None:
    with pytest.raises(EntryError):
        read_entry({k: v for k, v in {**ENTRY, **change}.items() if v is not None})


def test_entry_checks_in_the_report(published: Fixture) -> None:
    credential = dict(published.creds["clean"])
    credential["credentialStatus"] = {**ENTRY, "statusListIndex": "x"}
    published.creds["bad"] = credential
    assert codes(published.check("bad")) == [(CheckStatus.FAILED, Code.STATUS_ENTRY_INVALID)]
    credential["credentialStatus"] = {**ENTRY, "statusListIndex": "131072"}
    out_of_range = published.check("bad")
    assert (
        out_of_range[0].code is Code.STATUS_ENTRY_INVALID and "outside" in out_of_range[0].message
    )
    credential["credentialStatus"] = {"type": "StatusList2021Entry"}
    assert codes(published.check("bad")) == [(CheckStatus.WARNING, Code.STATUS_NOT_CHECKED)]
    del credential["credentialStatus"]
    assert codes(published.check("bad")) == [(CheckStatus.SKIPPED, Code.OK)]


def list_folder(published: Fixture, folder: Path, url: str, bits: Bitstring, purpose: str) -> Path:
    """``folder`` holding one list at ``url``, signed by the fixture's issuer, with its index."""
    issuer = published.registry.issuer
    document = list_credential(
        url,
        issuer.key.controller,
        purpose,
        bits,
        valid_from=NOW,
        valid_until=NOW + timedelta(days=1),
        ttl=timedelta(hours=1),
    )
    folder.mkdir()
    (folder / "list.json").write_text(json.dumps(issuer.issue(document)))
    (folder / "index.json").write_text(
        json.dumps({"version": 1, "lists": {url: {"file": "list.json"}}})
    )
    return folder


def test_status_size_and_messages(published: Fixture, tmp_path: Path) -> None:
    url = "https://status.example/riverside/messages"
    bits = Bitstring(131_072, status_size=2)
    bits.set(7, 2)
    folder = list_folder(published, tmp_path / "messages", url, bits, "message")
    messages = [{"status": f"0x{n}", "message": f"message {n}"} for n in range(4)]
    credential = dict(published.creds["clean"])
    credential["credentialStatus"] = {
        **ENTRY,
        "statusPurpose": "message",
        "statusListCredential": url,
        "statusSize": 2,
        "statusMessage": messages,
    }
    published.creds["msg"] = credential
    (check,) = published.check("msg", folder=folder)
    assert check.status is CheckStatus.PASSED and "message 2" in check.message
    credential["credentialStatus"]["statusPurpose"] = "revocation"
    (check,) = published.check("msg", folder=folder)
    assert check.code is Code.STATUS_NOT_CHECKED and "is for message" in check.message


@pytest.mark.parametrize(
    ("entries", "size", "refused"),
    [
        (16, 1, True),
        (131_064, 1, True),
        (65_536, 2, True),
        (131_072, 1, False),
        (131_072, 2, False),
    ],
)
def test_lists_shorter_than_the_minimum_are_refused(
    published: Fixture, tmp_path: Path, entries: int, size: int, refused: bool
) -> None:
    """Bitstring Status List 3.2: fewer than 131,072 entries (bits / statusSize) is a
    STATUS_LIST_LENGTH_ERROR, even in a list the issuer signed, whatever the bit says: a list
    that short tells its publisher whose credential is being checked."""
    url = "https://status.example/riverside/short"
    bits = Bitstring(entries, status_size=size)
    purpose = "message" if size > 1 else "revocation"
    folder = list_folder(published, tmp_path / "short", url, bits, purpose)
    credential = dict(published.creds["clean"])
    credential["credentialStatus"] = {**ENTRY, "statusListCredential": url}
    if size > 1:
        messages = [{"status": f"0x{n}", "message": f"message {n}"} for n in range(4)]
        credential["credentialStatus"].update(
            statusPurpose="message", statusSize=size, statusMessage=messages
        )
    published.creds["short"] = credential
    (check,) = published.check("short", folder=folder)
    if refused:
        assert check.code is Code.STATUS_ENTRY_INVALID
        assert "STATUS_LIST_LENGTH_ERROR" in check.message and f"{entries} entries" in check.message
    else:
        assert check.status is CheckStatus.PASSED


@pytest.mark.parametrize(
    "index",
    [
        '{"version": 1, "lists": {"https://x/1": {"file": "../secret"}}}',
        '{"version": 2, "lists": {}}',
        "not json",
    ],
)
def test_bad_status_folders_are_refused(tmp_path: Path, index: str) -> None:
    (tmp_path / "index.json").write_text(index)
    with pytest.raises(InputError):
        StatusDirectory(tmp_path)
    with pytest.raises(InputError, match="index.json"):
        StatusDirectory(tmp_path / "nowhere")


def test_a_folder_of_issuer_folders(published: Fixture, tmp_path: Path) -> None:
    other = make_registry(
        str(tmp_path / "other.db"),
        KeyPair.generate(),
        FixedClock(NOW),
        status_base_url="https://status.example/hillside",
    )
    other.issue(ACHIEVEMENT_ID, Subject("X", "did:example:x"))
    region = tmp_path / "region"
    publish(published.registry.store, published.registry.issuer, region / "riverside")
    publish(other.store, other.issuer, region / "hillside", fmt="jwt")
    assert (CheckStatus.FAILED, Code.REVOKED) in codes(published.check("revoked", folder=region))
    publish(other.store, other.issuer, region / "copy", fmt="jwt")
    with pytest.raises(InputError, match="keep one copy"):
        StatusDirectory(region)
    other.store.close()


def test_a_list_whose_status_leads_back_to_itself_terminates(published: Fixture) -> None:
    url = "https://status.example/riverside/1-revocation"
    inner: list[list[Check]] = []

    class Recursing:
        """A verifier that runs the status check on the list itself, as a Verifier(checks=...)
        configured with this same check would."""

        def verify(self, data: bytes) -> VerificationReport:
            document = json.loads(data)
            document["credentialStatus"] = {**ENTRY, "statusListCredential": url}
            view = SignedView(credential=document, format="di", signers=(), now=NOW)
            inner.append(check.check(view))
            return Verifier(clock=FixedClock(NOW)).verify(data)

    check = StatusCheck(StatusDirectory(published.out), Recursing())
    view = SignedView(credential=published.creds["revoked"], format="di", signers=(), now=NOW)
    assert check.check(view)[0].code is Code.REVOKED
    assert "refers back to itself" in inner[0][0].message


def test_one_check_shared_by_threads_keeps_each_answer(published: Fixture) -> None:
    """A server shares one verifier, and so one status check, between its request threads:
    every credential's answer is the one it gets alone, however the threads interleave."""

    class Slow:
        """Keeps each list's verification in flight while the other threads ask for it."""

        def verify(self, data: bytes) -> VerificationReport:
            time.sleep(0.02)
            return Verifier(clock=FixedClock(NOW)).verify(data)

    def status_of(report: VerificationReport) -> list[tuple[str, CheckStatus, Code]]:
        return [(c.id, c.status, c.code) for c in report.checks if c.id.startswith("status")]

    def verifier() -> Verifier:
        check = StatusCheck(StatusDirectory(published.out), Slow())
        return Verifier(clock=FixedClock(NOW), status=check)

    alone = {name: status_of(verifier().verify_credential(published.creds[name]))
             for name in ("clean", "revoked", "suspended")}  # fmt: skip
    assert [c for _, _, c in alone["revoked"]] == [Code.REVOKED, Code.OK]
    assert [c for _, _, c in alone["suspended"]] == [Code.OK, Code.SUSPENDED]
    shared = verifier()
    names = ["clean", "revoked", "suspended"] * 12
    together = threading.Barrier(len(names))

    def verify(name: str) -> list[tuple[str, CheckStatus, Code]]:
        together.wait()  # every thread asks at once, before any list is cached
        return status_of(shared.verify_credential(published.creds[name]))

    with ThreadPoolExecutor(len(names)) as pool:
        answers = list(pool.map(verify, names))
    assert answers == [alone[name] for name in names]
    assert [status_of(shared.verify_credential(published.creds[n])) for n in names] == answers


def test_an_entry_typed_as_a_list_is_still_read(published: Fixture) -> None:
    """`"type": ["BitstringStatusListEntry"]` is the same type: a revoked credential must not
    become a warning by spelling its entry's type as a list."""
    credential = dict(published.creds["revoked"])
    credential["credentialStatus"] = [
        {**entry, "type": [entry["type"]]} for entry in credential["credentialStatus"]
    ]
    published.creds["listed"] = credential
    assert (CheckStatus.FAILED, Code.REVOKED) in codes(published.check("listed"))


@pytest.mark.parametrize("ttl", [0, -1, 10**15, 10**20, 1.5, True])
def test_a_ttl_out_of_range_is_refused_not_a_traceback(ttl: Any) -> None:
    from vcportable.status.reading import read_list

    url = "https://status.example/1"
    document = {
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "validFrom": "9999-12-01T00:00:00Z",
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
            "ttl": ttl,
        },
    }
    with pytest.raises(InputError, match="ttl"):
        read_list(document, url)
    document["credentialSubject"]["ttl"] = 366 * 24 * 3600 * 1000  # the largest, near year 9999
    assert read_list(document, url).stale_reason(NOW) is None


# -- lists larger than the credentials' input limit ---------------------------------------------


def _padded(folder: Path, size: int) -> None:
    """Every list file of ``folder`` padded with trailing JSON whitespace to ``size`` bytes:
    the same signed list, just larger (as a list of many revocations would be)."""
    for entry in read_index(folder).values():
        path = folder / entry["file"]
        data = path.read_bytes()
        path.write_bytes(data + b" " * (size - len(data)))


def test_a_list_file_is_read_up_to_the_status_modules_own_bound(published: Fixture) -> None:
    _padded(published.out, 2 * 1024 * 1024)
    source = StatusDirectory(published.out)
    [url, *_] = read_index(published.out)
    assert len(source.load(url) or b"") == 2 * 1024 * 1024  # whole: over 1 MiB, under 8
    _padded(published.out, MAX_LIST_BYTES + 4096)
    assert len(source.load(url) or b"") == MAX_LIST_BYTES + 1  # enough to tell it is too large


def test_verify_status_dir_checks_a_list_over_one_mib(published: Fixture) -> None:
    credential = published.out.parent / "revoked.json"
    credential.write_text(json.dumps(published.creds["revoked"]))
    args = ["verify", "--json", "--status-dir", str(published.out), str(credential)]
    _padded(published.out, 2 * 1024 * 1024)  # over MAX_INPUT_BYTES, within MAX_LIST_BYTES
    result = CliRunner().invoke(cli, args)
    codes = {c["code"] for c in json.loads(result.stdout)["checks"]}
    assert "REVOKED" in codes and "STATUS_NOT_CHECKED" not in codes, result.stdout
    assert result.exit_code == 1
    _padded(published.out, MAX_LIST_BYTES + 4096)  # over the list bound: still refused
    result = CliRunner().invoke(cli, args)
    checks = json.loads(result.stdout)["checks"]
    assert "REVOKED" not in {c["code"] for c in checks}
    assert any(c["code"] == "STATUS_NOT_CHECKED" and "limit" in c["message"] for c in checks)
