"""Key pairs, Multikey/JWK encodings and key files, checked against the W3C vector keys."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import load_json, load_text
from vcportable import fileutil
from vcportable.errors import InputError, InvalidSignature, KeyFileError
from vcportable.keys import (
    KeyPair,
    KeyType,
    PublicKey,
    b64url_decode,
    b64url_encode,
    key_file_is_encrypted,
    passphrase_from_env,
    read_key_file_info,
)

ED25519_VECTOR = load_json("keys/ed25519KeyPair.json")
P256_VECTOR = load_json("keys/p256KeyPair.json")
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _z(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode()


# --- official vectors ---------------------------------------------------------------------------


def test_ed25519_vector_public_key_comes_from_private_key() -> None:
    pair = KeyPair.from_multibase_private(ED25519_VECTOR["privateKeyMultibase"])
    assert pair.type is KeyType.ED25519
    assert pair.public_key.to_multibase() == ED25519_VECTOR["publicKeyMultibase"]
    assert pair.to_multibase_private() == ED25519_VECTOR["privateKeyMultibase"]
    multibase = ED25519_VECTOR["publicKeyMultibase"]
    assert pair.controller == f"did:key:{multibase}"
    assert pair.key_id == f"did:key:{multibase}#{multibase}"


def test_p256_vector_public_key_and_did_match_signed_credential() -> None:
    pair = KeyPair.from_multibase_private(P256_VECTOR["secretKeyMultibase"])
    assert pair.type is KeyType.P256
    assert pair.public_key.to_multibase() == P256_VECTOR["publicKeyMultibase"]
    assert pair.to_multibase_private() == P256_VECTOR["secretKeyMultibase"]
    signed = load_json("keys/signedECDSAP256.json")
    assert pair.key_id == signed["proof"]["verificationMethod"]
    assert pair.controller == "did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"


@pytest.mark.parametrize(
    ("vector", "hash_file", "sig_file"),
    [
        (ED25519_VECTOR, "keys/combinedHashDataInt.txt", "keys/sigHexDataInt.txt"),
        (P256_VECTOR, "keys/combinedHashECDSAP256.txt", "keys/sigHexECDSAP256.txt"),
    ],
    ids=["eddsa-rdfc-2022", "ecdsa-rdfc-2019-p256"],
)
def test_vector_signatures_verify(vector: dict[str, str], hash_file: str, sig_file: str) -> None:
    public_key = PublicKey.from_multibase(vector["publicKeyMultibase"])
    data = bytes.fromhex(load_text(hash_file).strip())
    signature = bytes.fromhex(load_text(sig_file).strip())
    public_key.verify(signature, data)
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, data[:-1] + bytes([data[-1] ^ 1]))


@pytest.mark.parametrize("name", ["vm-ed25519.json", "vm-p256.json"])
def test_vc_jose_cose_jwks_read_with_alg_and_kid(name: str) -> None:
    jwk = load_json(f"keys/{name}")["publicKeyJwk"]
    public_key = PublicKey.from_jwk(jwk)
    assert public_key.jws_alg == jwk["alg"]
    assert public_key.to_jwk() == {k: v for k, v in jwk.items() if k not in ("alg", "kid")}


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trips(key_type: KeyType) -> None:
    pair = KeyPair.generate(key_type)
    public_key = pair.public_key
    assert PublicKey.from_multibase(public_key.to_multibase()) == public_key
    assert PublicKey.from_jwk(public_key.to_jwk()) == public_key
    assert KeyPair.from_multibase_private(pair.to_multibase_private()).public_key == public_key
    assert public_key.to_multibase().startswith("z6Mk" if key_type is KeyType.ED25519 else "zDn")
    assert len(public_key.raw) == (32 if key_type is KeyType.ED25519 else 33)
    assert public_key.jws_alg == ("EdDSA" if key_type is KeyType.ED25519 else "ES256")


@pytest.mark.parametrize("key_type", list(KeyType))
def test_sign_verify_and_tampering(key_type: KeyType) -> None:
    pair = KeyPair.generate(key_type)
    signature = pair.sign(b"payload")
    assert len(signature) == 64
    pair.public_key.verify(signature, b"payload")
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(signature, b"payload!")
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(bytes([signature[0] ^ 1]) + signature[1:], b"payload")
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(signature[:-1], b"payload")
    with pytest.raises(InvalidSignature):
        KeyPair.generate(key_type).public_key.verify(signature, b"payload")


def test_with_identity_keeps_key_and_hides_private_key_in_repr() -> None:
    pair = KeyPair.generate()
    bound = pair.with_identity("did:web:example.com", "did:web:example.com#key-1")
    assert bound.public_key == pair.public_key
    assert (bound.controller, bound.key_id) == ("did:web:example.com", "did:web:example.com#key-1")
    assert bound.public_key.verify(bound.sign(b"x"), b"x") is None
    assert pair.to_multibase_private() not in repr(pair)


@settings(max_examples=50, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32))
def test_ed25519_multibase_round_trip_property(seed: bytes) -> None:
    pair = KeyPair.from_private_bytes(KeyType.ED25519, seed)
    assert KeyPair.from_multibase_private(pair.to_multibase_private()).public_key == pair.public_key
    assert PublicKey.from_multibase(pair.public_key.to_multibase()) == pair.public_key


@settings(max_examples=50, deadline=None)
@given(scalar=st.integers(min_value=1, max_value=P256_ORDER - 1))
def test_p256_multibase_round_trip_property(scalar: int) -> None:
    pair = KeyPair.from_private_bytes(KeyType.P256, scalar.to_bytes(32, "big"))
    assert KeyPair.from_multibase_private(pair.to_multibase_private()).public_key == pair.public_key
    assert PublicKey.from_multibase(pair.public_key.to_multibase()) == pair.public_key
    assert PublicKey.from_jwk(pair.public_key.to_jwk()) == pair.public_key


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_from_multibase_raises_only_input_error(text: str) -> None:
    with contextlib.suppress(InputError):
        PublicKey.from_multibase(text)


# --- strict decoding ----------------------------------------------------------------------------

ED_RAW = PublicKey.from_multibase(ED25519_VECTOR["publicKeyMultibase"]).raw
P256_RAW = PublicKey.from_multibase(P256_VECTOR["publicKeyMultibase"]).raw


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("u7QE", "start with 'z'"),
        ("", "non-empty"),
        ("z0OIl", "not valid base58btc"),
        ("z" + "1" * 200, "too long"),
        (_z(b"\xed\x01" + ED_RAW[:31]), "31-byte ed25519 key, expected 32"),
        (_z(b"\x80\x24" + P256_RAW + b"\x00"), "34-byte p256 key"),
        (_z(b"\x80\x24\x04" + P256_RAW[1:]), "33-byte compressed point"),
        (_z(b"\x80\x24\x02" + b"\xff" * 32), "not a point on the curve"),
        (_z(b"\x81\x24" + P256_RAW), "prefix 0x8124"),  # p384-pub is not supported
        (_z(b"\xe7\x01" + P256_RAW), "prefix 0xe701"),  # secp256k1-pub
    ],
)
def test_from_multibase_rejects(value: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        PublicKey.from_multibase(value)


def test_private_multibase_rejects_public_key_and_out_of_range_scalar() -> None:
    with pytest.raises(InputError, match="expected ed25519-priv"):
        KeyPair.from_multibase_private(ED25519_VECTOR["publicKeyMultibase"])
    with pytest.raises(InputError, match="out of range"):
        KeyPair.from_multibase_private(_z(b"\x86\x26" + P256_ORDER.to_bytes(32, "big")))
    with pytest.raises(InputError, match="must be 32 bytes"):
        KeyPair.from_private_bytes(KeyType.ED25519, b"\x01" * 31)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kty": "RSA"}, "unsupported JWK"),
        ({"crv": "P-384"}, "unsupported JWK"),
        ({"x": None}, "'x' is missing"),
        ({"x": "AAAA"}, "must encode 32 bytes"),
        ({"y": "not base64!"}, "not unpadded base64url"),
        ({"alg": "ES384"}, "does not fit a P-256 key"),
    ],
)
def test_from_jwk_rejects(change: dict[str, object], message: str) -> None:
    jwk = {**PublicKey.from_multibase(P256_VECTOR["publicKeyMultibase"]).to_jwk(), **change}
    with pytest.raises(InputError, match=message):
        PublicKey.from_jwk(jwk)


def test_from_jwk_rejects_point_off_curve_and_padding() -> None:
    jwk = PublicKey.from_multibase(P256_VECTOR["publicKeyMultibase"]).to_jwk()
    y = bytearray(b64url_decode(jwk["y"]))
    y[-1] ^= 1
    with pytest.raises(InputError, match="not a point on P-256"):
        PublicKey.from_jwk({**jwk, "y": b64url_encode(bytes(y))})
    with pytest.raises(InputError, match="not unpadded base64url"):
        PublicKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(ED_RAW) + "="})


def test_from_jwk_ignores_private_member() -> None:
    jwk = load_json("keys/vm-ed25519.json")["secretKeyJwk"]
    assert PublicKey.from_jwk(jwk).to_jwk()["x"] == jwk["x"]


# --- key files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_file_round_trip_encrypted(tmp_path: Path, key_type: KeyType) -> None:
    path = tmp_path / "issuer.key.json"
    pair = KeyPair.generate(key_type).with_identity("did:web:example.com", "did:web:example.com#k")
    pair.save(path, b"correct horse")
    assert os.stat(path).st_mode & 0o777 == 0o600
    document = json.loads(path.read_text())
    assert document["encrypted"] is True
    assert document["privateKey"]["kdf"] == "scrypt"
    assert document["privateKey"]["cipher"] == "A256GCM"
    assert pair.to_multibase_private() not in path.read_text()
    assert key_file_is_encrypted(path) is True
    info = read_key_file_info(path)
    assert (info.public_key, info.controller, info.key_id) == (
        pair.public_key,
        pair.controller,
        pair.key_id,
    )
    loaded = KeyPair.load(path, b"correct horse")
    assert loaded.public_key == pair.public_key
    assert (loaded.controller, loaded.key_id) == (pair.controller, pair.key_id)
    loaded.public_key.verify(pair.sign(b"x"), b"x")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_key_file_without_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "test.key.json"
    pair = KeyPair.generate()
    pair.save(path, None)
    assert json.loads(path.read_text())["encrypted"] is False
    assert key_file_is_encrypted(path) is False
    assert KeyPair.load(path, None).public_key == pair.public_key
    with pytest.raises(KeyFileError, match="not encrypted but a passphrase was given"):
        KeyPair.load(path, b"secret")


@pytest.fixture
def encrypted_file(tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    KeyPair.generate().save(path, b"secret")
    return path


def test_load_refuses_group_readable_file(encrypted_file: Path) -> None:
    encrypted_file.chmod(0o644)
    with pytest.raises(KeyFileError, match=f"mode 0644.*chmod 600 {encrypted_file}"):
        KeyPair.load(encrypted_file, b"secret")
    with pytest.raises(KeyFileError, match="chmod 600"):
        key_file_is_encrypted(encrypted_file)


def test_load_refuses_wrong_and_missing_passphrase(encrypted_file: Path) -> None:
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        KeyPair.load(encrypted_file, b"guess")
    with pytest.raises(KeyFileError, match="is encrypted: a passphrase is required"):
        KeyPair.load(encrypted_file, None)


OTHER_KEY = KeyPair.generate().public_key.to_multibase()


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: "[]", "not a JSON object"),
        (lambda d: json.dumps({**d, "encrypted": "yes"}), "valid 'encrypted'"),
        (lambda d: json.dumps({k: v for k, v in d.items() if k != "key_id"}), "valid 'key_id'"),
        (lambda d: json.dumps({**d, "version": 2}), "unsupported version 2"),
        (lambda d: json.dumps({**d, "version": True}), "valid 'version'"),
        (
            lambda d: json.dumps({**d, "privateKey": {**d["privateKey"], "ciphertext": "AAAA"}}),
            "wrong passphrase",
        ),
        (lambda d: json.dumps({**d, "privateKey": {**d["privateKey"], "n": 2**30}}), "damaged"),
        (lambda d: json.dumps({**d, "type": "p256"}), "altered"),
        (lambda d: json.dumps({**d, "publicKeyMultibase": OTHER_KEY}), "altered"),
        (lambda d: json.dumps({**d, "controller": "did:web:evil.example"}), "altered"),
        (lambda d: json.dumps({**d, "encrypted": False}), "damaged private key"),
    ],
    ids=[
        "corrupt-json",
        "not-object",
        "bad-flag",
        "missing-field",
        "version",
        "bool-version",
        "bad-ciphertext",
        "scrypt-cost-bomb",
        "wrong-type",
        "other-public-key",
        "other-controller",
        "lying-flag",
    ],
)
def test_load_refuses_damaged_files(
    encrypted_file: Path, edit: Callable[[dict[str, Any]], str], message: str
) -> None:
    document = json.loads(encrypted_file.read_text())
    _rewrite(encrypted_file, edit(document))
    passphrase = None if message == "damaged private key" else b"secret"
    with pytest.raises(KeyFileError, match=message):
        KeyPair.load(encrypted_file, passphrase)


def test_read_key_file_info_rejects_bad_public_key(encrypted_file: Path) -> None:
    document = json.loads(encrypted_file.read_text())
    _rewrite(encrypted_file, json.dumps({**document, "publicKeyMultibase": "zzz"}))
    with pytest.raises(KeyFileError, match="publicKeyMultibase has multicodec prefix"):
        read_key_file_info(encrypted_file)


def test_load_refuses_missing_directory_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        KeyPair.load(tmp_path / "nope.json", None)
    with pytest.raises(KeyFileError, match="not a regular file"):
        KeyPair.load(tmp_path, None)
    huge = tmp_path / "huge.json"
    _rewrite(huge, " " * (65 * 1024))
    with pytest.raises(KeyFileError, match="too large"):
        KeyPair.load(huge, None)


def test_save_refuses_to_overwrite_unless_asked(encrypted_file: Path) -> None:
    before = encrypted_file.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        KeyPair.generate().save(encrypted_file, b"secret")
    assert encrypted_file.read_bytes() == before
    replacement = KeyPair.generate()
    replacement.save(encrypted_file, b"other", overwrite=True)
    assert KeyPair.load(encrypted_file, b"other").public_key == replacement.public_key
    assert os.stat(encrypted_file).st_mode & 0o777 == 0o600


def test_save_leaves_no_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileutil.os, "fsync", fail)
    with pytest.raises(KeyFileError, match="cannot write key file .*No space left"):
        KeyPair.generate().save(tmp_path / "key.json", b"secret")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_empty_passphrase_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="must not be empty"):
        KeyPair.generate().save(tmp_path / "key.json", b"")
    with pytest.raises(KeyFileError, match="cannot write key file"):
        KeyPair.generate().save(tmp_path / "missing" / "key.json", None)
    assert list(tmp_path.iterdir()) == []


def test_passphrase_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VCP_TEST_PASS", "pässword")
    assert passphrase_from_env("VCP_TEST_PASS") == "pässword".encode()
    monkeypatch.setenv("VCP_TEST_PASS", "")
    with pytest.raises(KeyFileError, match="VCP_TEST_PASS is not set or empty"):
        passphrase_from_env("VCP_TEST_PASS")
    monkeypatch.delenv("VCP_TEST_PASS")
    with pytest.raises(KeyFileError, match="not set"):
        passphrase_from_env("VCP_TEST_PASS")


def test_unencrypted_file_with_foreign_public_key_is_inconsistent(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    KeyPair.generate().save(path, None)
    _rewrite(path, json.dumps({**json.loads(path.read_text()), "publicKeyMultibase": OTHER_KEY}))
    with pytest.raises(KeyFileError, match="inconsistent"):
        KeyPair.load(path, None)
