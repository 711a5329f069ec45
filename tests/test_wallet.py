"""The wallet library: only credentials that verify get in, stored exactly as signed; the
schema is versioned and foreign files are refused; the holder key stays encrypted; backups
round-trip and a backup that is not ours, or was altered, changes nothing; presentations in
every format verify with the verifier's challenge and domain."""

from __future__ import annotations

import copy
import json
import os
import re
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from test_envelope import CLOCK, HOLDER_KEY, NOW, issuer, sample
from vcportable.clock import FixedClock
from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.dids import did_jwk_document
from vcportable.envelope import encode
from vcportable.errors import (
    ConfigurationError,
    ConflictError,
    InputError,
    KeyFileError,
    StorageError,
)
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier
from vcportable.wallet import (
    PresentationFormat,
    Wallet,
    create_holder_key,
    credential_types,
    default_folder,
    export_backup,
    holder_key_info,
    import_backup,
    load_holder_key,
    present,
)
from vcportable.wallet.store import APPLICATION_ID, SCHEMA_VERSION

PASSPHRASE = b"correct horse battery staple"
CHALLENGE = "5d41402abc4b2a76b9719d911017c592"
DOMAIN = "https://employer.example"


def verifier() -> Verifier:
    return Verifier(clock=CLOCK)


@pytest.fixture
def wallet(tmp_path: Path) -> Wallet:
    return Wallet(tmp_path / "wallet")


@pytest.fixture(scope="module")
def signed() -> dict[str, Any]:
    return issuer().issue(sample())


@pytest.fixture(scope="module")
def signed_text(signed: dict[str, Any]) -> str:
    return json.dumps(signed, indent=2)


# -- the store ------------------------------------------------------------------------------


def test_a_credential_is_stored_exactly_as_signed(wallet: Wallet, signed_text: str) -> None:
    stored = wallet.add(signed_text, verifier(), now=NOW)
    assert wallet.get(stored.id).content == signed_text  # the very text, spaces and all
    assert [c.id for c in wallet.list()] == [stored.id]
    assert stored.summary.subject == HOLDER_KEY.controller
    assert stored.summary.achievement == "Carpenter Level 2"
    assert stored.summary.format == "di"


@pytest.mark.parametrize("form", ["vc+jwt", "sd-jwt"])
def test_tokens_are_stored_as_their_text(wallet: Wallet, form: str) -> None:
    token = (
        issuer().issue_jwt(sample())
        if form == "vc+jwt"
        else issuer().issue_sd_jwt(sample(), holder_key=HOLDER_KEY.public_key)
    )
    stored = wallet.add(token, verifier(), now=NOW)
    assert wallet.get(stored.id).content == token


def test_the_same_credential_twice_is_a_conflict(wallet: Wallet, signed_text: str) -> None:
    first = wallet.add(signed_text, verifier(), now=NOW)
    with pytest.raises(ConflictError, match=f"already in the wallet as {first.id}"):
        wallet.add(signed_text, verifier(), now=NOW)
    assert len(wallet.list()) == 1


def _tampered(signed: dict[str, Any]) -> str:
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["achievement"]["name"] = "Master Carpenter"
    return json.dumps(changed)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_tampered, "does not verify"),
        (lambda s: json.dumps({**s, "proof": None}), "does not verify"),
        (lambda s: "not a credential at all", "no credential found"),
        (lambda s: "[1, 2]", "no credential found"),
        (lambda s: encode(s), "a wallet keeps a credential as signed"),  # the QR code's text
    ],
    ids=["tampered", "no proof", "junk", "array", "envelope text"],
)
def test_what_does_not_verify_is_refused_and_nothing_is_stored(
    wallet: Wallet, signed: dict[str, Any], make: Any, words: str
) -> None:
    with pytest.raises(InputError, match=words):
        wallet.add(make(signed), verifier(), now=NOW)
    assert not wallet.exists()  # not even an empty wallet was made


def test_an_expired_credential_is_refused(wallet: Wallet, signed: dict[str, Any]) -> None:
    later = Verifier(clock=FixedClock(NOW.replace(year=2031)))
    with pytest.raises(InputError, match="expired"):
        wallet.add(json.dumps(signed), later, now=NOW)


def test_a_presentation_is_not_a_credential(wallet: Wallet, signed_text: str) -> None:
    vp = present(signed_text, HOLDER_KEY, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    with pytest.raises(InputError, match="presentation, not a credential"):
        wallet.add(vp, verifier(), now=NOW)


def test_remove(wallet: Wallet, signed_text: str) -> None:
    stored = wallet.add(signed_text, verifier(), now=NOW)
    assert wallet.remove(stored.id.upper()).id == stored.id
    assert wallet.list() == []
    with pytest.raises(StorageError, match="no credential"):
        wallet.get(stored.id)


@pytest.mark.parametrize("bad_id", ["", "zz", "1234567", "' OR 1=1 --", "a" * 1000])
def test_an_unknown_id_is_named(wallet: Wallet, signed_text: str, bad_id: str) -> None:
    wallet.add(signed_text, verifier(), now=NOW)
    with pytest.raises(StorageError, match="no credential"):
        wallet.get(bad_id)


def test_files_are_private_and_the_schema_is_versioned(wallet: Wallet, signed_text: str) -> None:
    wallet.add(signed_text, verifier(), now=NOW)
    assert stat.S_IMODE(wallet.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(wallet.database.stat().st_mode) == 0o600
    with sqlite3.connect(wallet.database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_wallet_of_a_newer_vcportable_is_refused(wallet: Wallet, signed_text: str) -> None:
    wallet.add(signed_text, verifier(), now=NOW)
    with sqlite3.connect(wallet.database) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError, match="newer than this vcportable reads"):
        wallet.list()


def test_a_database_of_another_program_is_left_alone(wallet: Wallet, signed_text: str) -> None:
    wallet.folder.mkdir()
    with sqlite3.connect(wallet.database) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    before = wallet.database.read_bytes()
    with pytest.raises(StorageError, match="another program"):
        wallet.add(signed_text, verifier(), now=NOW)
    assert wallet.database.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(wallet: Wallet) -> None:
    wallet.folder.mkdir()
    wallet.database.write_bytes(b"hello, this is not SQLite" * 100)
    with pytest.raises(StorageError, match="not a vcportable wallet"):
        wallet.list()


def test_a_file_where_the_folder_should_be(tmp_path: Path, signed_text: str) -> None:
    (tmp_path / "wallet").write_text("x")
    with pytest.raises(StorageError, match="is a file"):
        Wallet(tmp_path / "wallet").add(signed_text, verifier(), now=NOW)


def test_default_folder(tmp_path: Path) -> None:
    assert default_folder({"VCPORTABLE_WALLET": str(tmp_path / "w")}) == tmp_path / "w"
    xdg = {"HOME": "/home/maria", "XDG_DATA_HOME": "/data"}
    assert default_folder(xdg) == Path("/data/vcportable/wallet")
    relative = {"HOME": "/home/maria", "XDG_DATA_HOME": "relative"}  # ignored, per XDG
    assert default_folder(relative) == Path("/home/maria/.local/share/vcportable/wallet")


# -- the holder key -------------------------------------------------------------------------


def test_the_holder_key_is_encrypted_and_never_replaced(wallet: Wallet) -> None:
    pair = create_holder_key(wallet, PASSPHRASE)
    info = holder_key_info(wallet)
    assert info.encrypted and info.controller == pair.controller
    assert stat.S_IMODE(wallet.key_path.stat().st_mode) == 0o600
    assert load_holder_key(wallet, PASSPHRASE).public_key == pair.public_key
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_holder_key(wallet, b"wrong passphrase!!")
    with pytest.raises(KeyFileError, match="never replaced"):
        create_holder_key(wallet, PASSPHRASE)


def test_no_holder_key_yet(wallet: Wallet) -> None:
    with pytest.raises(KeyFileError, match="wallet key create"):
        holder_key_info(wallet)


# -- backups --------------------------------------------------------------------------------


def test_no_backup_of_a_wallet_that_is_not_there(tmp_path: Path) -> None:
    """A mistyped --wallet must not give an empty backup that reads as a good one."""
    with pytest.raises(StorageError, match="no wallet at .*nothing to back up"):
        export_backup(Wallet(tmp_path / "typo"), now=NOW)
    (tmp_path / "a-file").write_text("x")
    for action in (lambda w: export_backup(w, now=NOW), Wallet.list):
        with pytest.raises(StorageError, match="is a file; --wallet names the wallet's folder"):
            action(Wallet(tmp_path / "a-file"))


def test_a_backup_round_trips(tmp_path: Path, signed_text: str) -> None:
    old = Wallet(tmp_path / "old")
    create_holder_key(old, PASSPHRASE)
    stored = old.add(signed_text, verifier(), now=NOW)
    backup = export_backup(old, now=NOW)
    new = Wallet(tmp_path / "new")
    restored = import_backup(new, backup, verifier())
    assert restored.added == [stored.id] and restored.key_written
    assert new.get(stored.id).content == signed_text
    assert new.get(stored.id).added == stored.added
    assert load_holder_key(new, PASSPHRASE).public_key == holder_key_info(old).public_key
    assert stat.S_IMODE(new.key_path.stat().st_mode) == 0o600
    again = import_backup(new, backup, verifier())  # idempotent
    assert again.added == [] and again.already_there == [stored.id]


def test_an_expired_credential_in_a_backup_is_kept(tmp_path: Path, signed_text: str) -> None:
    old = Wallet(tmp_path / "old")
    old.add(signed_text, verifier(), now=NOW)
    later = Verifier(clock=FixedClock(NOW.replace(year=2031)))
    assert (
        len(import_backup(Wallet(tmp_path / "new"), export_backup(old, now=NOW), later).added) == 1
    )


def _backup_of(wallet: Wallet, signed_text: str) -> dict[str, Any]:
    wallet.add(signed_text, verifier(), now=NOW)
    document: dict[str, Any] = json.loads(export_backup(wallet, now=NOW))
    return document


def _forged(document: dict[str, Any], signed: dict[str, Any]) -> dict[str, Any]:
    """An altered credential whose id was recomputed: only verifying it again catches it."""
    from vcportable.wallet.store import credential_id

    content = _tampered(signed)
    document["credentials"][0].update(content=content, id=credential_id(content))
    return document


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d, s: {"hello": "world"}, "not a vcportable wallet backup"),
        (lambda d, s: [d], "not a vcportable wallet backup"),
        (lambda d, s: {**d, "version": 2}, "version 2 is not supported"),
        (lambda d, s: {**d, "credentials": "all"}, "must be a list"),
        (lambda d, s: {**d, "credentials": [{"id": "x"}]}, "lacks its content"),
        (
            lambda d, s: {**d, "credentials": [{**d["credentials"][0], "content": "{}"}]},
            "does not match its id",
        ),
        (_forged, "does not verify"),
        (lambda d, s: {**d, "holderKey": {"version": 1}}, "holder key is unusable"),
        (lambda d, s: {**d, "holderKey": "key"}, "not a key file"),
    ],
    ids=[
        "foreign", "array", "version", "not a list", "no content", "id mismatch", "forged",
        "bad key", "key not object",
    ],
)  # fmt: skip
def test_a_bad_backup_changes_nothing(
    tmp_path: Path, signed: dict[str, Any], signed_text: str, edit: Any, words: str
) -> None:
    document = edit(_backup_of(Wallet(tmp_path / "old"), signed_text), signed)
    target = Wallet(tmp_path / "new")
    with pytest.raises(InputError, match=words):
        import_backup(target, json.dumps(document).encode(), verifier())
    assert target.list() == [] and not target.key_path.exists()


def test_an_unencrypted_key_in_a_backup_is_refused(tmp_path: Path, signed_text: str) -> None:
    old = Wallet(tmp_path / "old")
    old.create_folder()
    KeyPair.generate().save(old.key_path, None)
    backup = export_backup(old, now=NOW)
    target = Wallet(tmp_path / "new")
    with pytest.raises(InputError, match="not encrypted"):
        import_backup(target, backup, verifier())
    assert not target.key_path.exists()


OTHER_DID = "did:key:z6MkhZF7Q7KBYm9r8EupuBagUjXQvxDcZr3fkh1g9gNcuJng"


def _keyed_backup(tmp_path: Path, signed_text: str) -> dict[str, Any]:
    old = Wallet(tmp_path / "old")
    create_holder_key(old, PASSPHRASE)
    return _backup_of(old, signed_text)


def _sealed(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    document["holderKey"]["privateKey"].update(changes)
    return document


def _other_did(document: dict[str, Any]) -> dict[str, Any]:
    document["holderKey"].update(controller=OTHER_DID, key_id=f"{OTHER_DID}#{OTHER_DID[8:]}")
    return document


def _other_public_key(document: dict[str, Any]) -> dict[str, Any]:
    document["holderKey"]["publicKeyMultibase"] = OTHER_DID[8:]
    return document


def _no_private_key(document: dict[str, Any]) -> dict[str, Any]:
    document["holderKey"]["privateKey"] = None
    return document


def _key_id_of_other_did(document: dict[str, Any]) -> dict[str, Any]:
    key = document["holderKey"]
    key["key_id"] = f"{OTHER_DID}#{key['publicKeyMultibase']}"
    return document


def _member_dropped(document: dict[str, Any]) -> dict[str, Any]:
    del document["holderKey"]["privateKey"]["salt"]
    return document


def _short_ciphertext(document: dict[str, Any]) -> dict[str, Any]:
    sealed = document["holderKey"]["privateKey"]
    return _sealed(document, ciphertext=sealed["ciphertext"][:40])


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_other_did, f"names {OTHER_DID} as its DID, but its public key's DID is did:key:z6Mk"),
        (_other_public_key, f"its public key's DID is {OTHER_DID}"),
        (_no_private_key, "has no encrypted privateKey"),
        (_key_id_of_other_did, f"has key_id {OTHER_DID}#"),
        (
            lambda d: {**d, "holderKey": {**d["holderKey"], "publicKeyMultibase": "z6Mkxx"}},
            "unusable: its key file: publicKeyMultibase has multicodec prefix",
        ),
        (
            lambda d: {**d, "holderKey": {**d["holderKey"], "type": "p256"}},
            "type 'p256' is not the type of publicKeyMultibase",
        ),
        (_member_dropped, "has an encrypted privateKey without salt"),
        (lambda d: _sealed(d, extra=1), "privateKey with unknown members ('extra')"),
        (lambda d: _sealed(d, kdf="pbkdf2"), "not sealed with scrypt and A256GCM"),
        (lambda d: _sealed(d, cipher="none"), "not sealed with scrypt and A256GCM"),
        (lambda d: _sealed(d, n="32768"), "scrypt cost (n, r, p) out of"),
        (lambda d: _sealed(d, r=True), "scrypt cost (n, r, p) out of"),
        (lambda d: _sealed(d, n=2**40), "scrypt cost (n, r, p) out of"),
        (lambda d: _sealed(d, n=3000), "'n' that is not a power of 2"),
        (lambda d: _sealed(d, salt="AAAA"), "'salt' of 3 bytes, not 16"),
        (lambda d: _sealed(d, nonce=None), "unreadable privateKey 'nonce'"),
        (lambda d: _sealed(d, nonce="!!"), "unreadable privateKey 'nonce'"),
        (_short_ciphertext, "'ciphertext' of 30 bytes, not"),
        (lambda d: {**d, "holderKey": {**d["holderKey"], "version": 2}}, "unsupported version 2"),
        (
            lambda d: {**d, "holderKey": {**d["holderKey"], "previous": "none"}},
            "'previous' must be a list",
        ),
        (lambda d: _sealed(d, ciphertext="A" * 400), "'ciphertext' of 300 bytes, not 64"),
    ],
    ids=[
        "controller and key_id of another DID", "public key of another DID", "no private key",
        "key_id of another DID", "public key does not decode", "type not the key's",
        "member missing", "member added", "kdf", "cipher", "n a string", "r a bool",
        "n too costly", "n not a power of 2", "salt size", "nonce missing", "nonce not base64url",
        "ciphertext too short", "ciphertext too long", "version", "previous",
    ],
)  # fmt: skip
def test_a_tampered_holder_key_is_refused_before_anything_is_written(
    tmp_path: Path, signed_text: str, edit: Any, words: str
) -> None:
    """Its public fields are sealed with it, but only the passphrase checks that: import checks
    without it what can be, so no wallet is left naming a DID its key cannot sign as."""
    document = edit(_keyed_backup(tmp_path, signed_text))
    target = Wallet(tmp_path / "new")
    with pytest.raises(InputError, match=re.escape(words)) as caught:
        import_backup(target, json.dumps(document).encode(), verifier())
    assert "holder key" in caught.value.message
    assert not target.folder.exists()


def test_an_untampered_holder_key_is_restored_with_its_did(
    tmp_path: Path, signed_text: str
) -> None:
    document = _keyed_backup(tmp_path, signed_text)
    target = Wallet(tmp_path / "new")
    restored = import_backup(target, json.dumps(document).encode(), verifier())
    assert restored.key_written and restored.key is not None
    assert restored.key.controller == document["holderKey"]["controller"]
    assert load_holder_key(target, PASSPHRASE).controller == holder_key_info(target).controller


@pytest.mark.parametrize("key_type", list(KeyType))
def test_holder_keys_of_every_type_and_did_jwk_pass_the_checks(
    tmp_path: Path, key_type: KeyType
) -> None:
    pairs = [KeyPair.generate(key_type)]
    did = did_jwk_document(pairs[0].public_key)["id"]
    pairs.append(pairs[0].with_identity(did, f"{did}#0"))
    for number, pair in enumerate(pairs):
        old, new = Wallet(tmp_path / f"old{number}"), Wallet(tmp_path / f"new{number}")
        old.create_folder()
        pair.save(old.key_path, PASSPHRASE)
        restored = import_backup(new, export_backup(old, now=NOW), verifier())
        assert restored.key is not None and restored.key.controller == pair.controller


def test_a_did_jwk_holder_is_compared_as_a_key_not_as_text(tmp_path: Path) -> None:
    """A did:jwk whose JSON members come in another order names the same key (it resolves to
    it): restored. One naming another key, or a key id other than its ``#0``, is refused."""
    pair = KeyPair.generate()
    jwk = json.loads(
        b64url_decode(did_jwk_document(pair.public_key)["id"].removeprefix("did:jwk:"))
    )
    reordered = "did:jwk:" + b64url_encode(json.dumps(dict(reversed(jwk.items()))).encode())
    assert reordered != did_jwk_document(pair.public_key)["id"]
    old = Wallet(tmp_path / "old")
    old.create_folder()
    pair.with_identity(reordered, f"{reordered}#0").save(old.key_path, PASSPHRASE)
    document = json.loads(export_backup(old, now=NOW))
    restored = import_backup(Wallet(tmp_path / "new"), json.dumps(document).encode(), verifier())
    assert restored.key is not None and restored.key.controller == reordered
    for number, (controller, key_id, words) in enumerate(
        [
            (did_jwk_document(KeyPair.generate().public_key)["id"], None, "as its DID, but"),
            (reordered, f"{reordered}#1", "but its public key's is did:jwk:"),
        ]
    ):
        key = {
            **document["holderKey"],
            "controller": controller,
            "key_id": key_id or f"{controller}#0",
        }
        target = Wallet(tmp_path / f"other{number}")
        with pytest.raises(InputError, match=words):
            import_backup(target, json.dumps({**document, "holderKey": key}).encode(), verifier())
        assert not target.folder.exists()


def test_a_did_web_holder_key_is_checked_as_far_as_it_can_be_offline(tmp_path: Path) -> None:
    """Whether the key is in the did:web's published document is not known offline; that its
    key id is one of that DID's is."""
    pair = KeyPair.generate().with_identity("did:web:example.org", "did:web:example.org#key-1")
    old = Wallet(tmp_path / "old")
    old.create_folder()
    pair.save(old.key_path, PASSPHRASE)
    document = json.loads(export_backup(old, now=NOW))
    assert import_backup(Wallet(tmp_path / "new"), json.dumps(document).encode(), verifier()).key
    document["holderKey"]["key_id"] = "did:web:attacker.example#key-1"
    target = Wallet(tmp_path / "other")
    with pytest.raises(InputError, match="not a key of did:web:example.org"):
        import_backup(target, json.dumps(document).encode(), verifier())
    assert not target.folder.exists()


def test_a_backup_never_replaces_a_different_key_without_force(
    tmp_path: Path, signed_text: str
) -> None:
    old, new = Wallet(tmp_path / "old"), Wallet(tmp_path / "new")
    create_holder_key(old, PASSPHRASE)
    old.add(signed_text, verifier(), now=NOW)
    mine = create_holder_key(new, PASSPHRASE)
    backup = export_backup(old, now=NOW)
    with pytest.raises(KeyFileError, match="add --force"):
        import_backup(new, backup, verifier())
    assert holder_key_info(new).controller == mine.controller and new.list() == []
    import_backup(new, backup, verifier(), force=True)
    assert holder_key_info(new).controller == holder_key_info(old).controller


# -- presentations --------------------------------------------------------------------------


def test_a_data_integrity_presentation_verifies_only_with_its_challenge(signed_text: str) -> None:
    vp = present(signed_text, HOLDER_KEY, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    assert verifier().verify(vp, challenge=CHALLENGE, domain=DOMAIN).verified
    replay = verifier().verify(vp, challenge="another-challenge", domain=DOMAIN)
    assert not replay.verified


def test_someone_elses_credential_does_not_verify(signed_text: str) -> None:
    thief = KeyPair.generate()
    vp = present(signed_text, thief, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    report = verifier().verify(vp, challenge=CHALLENGE, domain=DOMAIN)
    assert not report.verified
    assert "holder_binding" in {c.id for c in report.failures}


@pytest.mark.parametrize("fmt", [PresentationFormat.SD_JWT, PresentationFormat.JWT])
def test_sd_jwt_presentations(fmt: PresentationFormat) -> None:
    sd_jwt = issuer().issue_sd_jwt(sample(), holder_key=HOLDER_KEY.public_key)
    shown = present(
        sd_jwt, HOLDER_KEY, now=NOW, format=fmt, challenge=CHALLENGE, domain=DOMAIN,
        disclose=["credentialSubject.name"],
    )  # fmt: skip
    report = verifier().verify(shown, challenge=CHALLENGE, domain=DOMAIN)
    assert report.verified, report.failures
    assert not verifier().verify(shown, challenge="other", domain=DOMAIN).verified


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"format": "jwt"}, "cannot be presented as jwt"),
        ({"format": "cbor"}, "unknown presentation format"),
        ({"disclose": ["credentialSubject.name"]}, "only an SD-JWT"),
    ],
)
def test_combinations_that_cannot_work(signed_text: str, kwargs: Any, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        present(signed_text, HOLDER_KEY, now=NOW, **kwargs)


def test_a_key_bound_sd_jwt_needs_challenge_and_domain() -> None:
    sd_jwt = issuer().issue_sd_jwt(sample(), holder_key=HOLDER_KEY.public_key)
    with pytest.raises(ConfigurationError, match="challenge and a domain"):
        present(sd_jwt, HOLDER_KEY, now=NOW, challenge=CHALLENGE)


def test_credential_types(signed_text: str) -> None:
    assert "OpenBadgeCredential" in credential_types(signed_text)
    sd_jwt = issuer().issue_sd_jwt(sample(), holder_key=HOLDER_KEY.public_key)
    assert "OpenBadgeCredential" in credential_types(sd_jwt)
    assert credential_types("not.a.token") == []


def test_the_data_integrity_presentation_fits_qr_version_22(signed_text: str) -> None:
    from vcportable.envelope import encode, qr_version
    from vcportable.request import create_request

    asked = create_request(now=NOW, domain=DOMAIN)
    vp = present(signed_text, HOLDER_KEY, now=NOW, challenge=asked.challenge, domain=asked.domain)
    assert qr_version(encode(vp), ec="M") <= 22


def test_environment_is_not_read_behind_the_callers_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCPORTABLE_WALLET", "/somewhere/else")
    assert default_folder({}) != Path("/somewhere/else")
    assert default_folder() == Path("/somewhere/else")
    assert os.environ["VCPORTABLE_WALLET"] == "/somewhere/else"
