"""Key pairs, their encodings (Multikey, JWK, PEM) and key files, checked against the W3C vector
keys; every validation rule has a test that an unchecked decoder fails."""

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
from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.errors import InputError, InvalidKeyError, InvalidSignature, KeyFileError
from vcportable.keys import (
    KeyPair,
    KeyType,
    PreviousKey,
    PublicKey,
    key_file_is_encrypted,
    passphrase_from_env,
    read_key_file_info,
)
from vcportable.keys.curves import CURVES

ED25519_VECTOR = load_json("keys/ed25519KeyPair.json")
P256_VECTOR = load_json("keys/p256KeyPair.json")
P384_VECTOR = load_json("keys/p384KeyPair.json")
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
PASSPHRASE = b"correct horse battery"


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


def test_p384_vector_public_key_and_did_match_signed_credential() -> None:
    pair = KeyPair.from_multibase_private(P384_VECTOR["secretKeyMultibase"])
    assert pair.type is KeyType.P384
    assert pair.public_key.to_multibase() == P384_VECTOR["publicKeyMultibase"]
    assert pair.public_key.to_multibase().startswith("z82")
    assert pair.to_multibase_private() == P384_VECTOR["secretKeyMultibase"]
    assert pair.key_id == load_json("keys/signedECDSAP384.json")["proof"]["verificationMethod"]
    assert pair.public_key.jws_alg == "ES384"


@pytest.mark.parametrize(
    ("vector", "hash_file", "sig_file"),
    [
        (ED25519_VECTOR, "keys/combinedHashDataInt.txt", "keys/sigHexDataInt.txt"),
        (P256_VECTOR, "keys/combinedHashECDSAP256.txt", "keys/sigHexECDSAP256.txt"),
        (P384_VECTOR, "keys/combinedHashECDSAP384.txt", "keys/sigHexECDSAP384.txt"),
    ],
    ids=["eddsa-rdfc-2022", "ecdsa-rdfc-2019-p256", "ecdsa-rdfc-2019-p384"],
)
def test_vector_signatures_verify(vector: dict[str, str], hash_file: str, sig_file: str) -> None:
    public_key = PublicKey.from_multibase(vector["publicKeyMultibase"])
    data = bytes.fromhex(load_text(hash_file).strip())
    signature = bytes.fromhex(load_text(sig_file).strip())
    public_key.verify(signature, data)
    with pytest.raises(InvalidSignature):
        public_key.verify(signature, data[:-1] + bytes([data[-1] ^ 1]))


@pytest.mark.parametrize("name", ["vm-ed25519.json", "vm-p256.json", "vm-p384.json"])
def test_vc_jose_cose_jwks_read_with_alg_and_kid(name: str) -> None:
    jwk = load_json(f"keys/{name}")["publicKeyJwk"]
    public_key = PublicKey.from_jwk(jwk)
    assert public_key.jws_alg == jwk["alg"]
    assert public_key.to_jwk() == {k: v for k, v in jwk.items() if k not in ("alg", "kid")}


# --- round trips --------------------------------------------------------------------------------


SHAPES = {
    KeyType.ED25519: ("z6Mk", 32, "EdDSA"),
    KeyType.P256: ("zDn", 33, "ES256"),
    KeyType.P384: ("z82", 49, "ES384"),
    KeyType.P521: ("z2J9", 67, "ES512"),
}


@pytest.mark.parametrize("key_type", list(KeyType))
def test_round_trips(key_type: KeyType) -> None:
    pair = KeyPair.generate(key_type)
    public_key = pair.public_key
    assert PublicKey.from_multibase(public_key.to_multibase()) == public_key
    assert PublicKey.from_jwk(public_key.to_jwk()) == public_key
    assert KeyPair.from_multibase_private(pair.to_multibase_private()).public_key == public_key
    assert KeyPair.from_jwk(pair.to_jwk()).public_key == public_key
    prefix, size, alg = SHAPES[key_type]
    assert public_key.to_multibase().startswith(prefix)
    assert len(public_key.raw) == size
    assert public_key.jws_alg == alg


@pytest.mark.parametrize("key_type", list(KeyType))
def test_sign_verify_and_tampering(key_type: KeyType) -> None:
    pair = KeyPair.generate(key_type)
    signature = pair.sign(b"payload")
    assert len(signature) == pair.public_key.curve.signature_size
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


# --- strict decoding: Multikey and raw -----------------------------------------------------------

ED_RAW = PublicKey.from_multibase(ED25519_VECTOR["publicKeyMultibase"]).raw
P256_RAW = PublicKey.from_multibase(P256_VECTOR["publicKeyMultibase"]).raw
P384_RAW = PublicKey.from_multibase(P384_VECTOR["publicKeyMultibase"]).raw
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P384_P = 2**384 - 2**128 - 2**96 + 2**32 - 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("u7QE", "prefix 'z', got 'u'"),
        ("", "must be a multibase string"),
        ("z0OIl", "not base58btc"),
        ("z" + "1" * 200, "over the limit"),
        (_z(b"\xed\x01" + ED_RAW[:31]), "31-byte ed25519 key, expected 32"),
        (_z(b"\x80\x24" + P256_RAW + b"\x00"), "34-byte p256 key"),
        (_z(b"\x80\x24\x04" + P256_RAW[1:]), "33-byte compressed point"),
        (_z(b"\x80\x24\x02" + b"\xff" * 32), "not a point on the curve"),
        (_z(b"\x81\x24" + P256_RAW), "33-byte p384 key, expected 49"),
        (_z(b"\x81\x24\x02" + b"\xff" * 48), "P-384 public key is not a point on the curve"),
        (_z(b"\xe7\x01" + P256_RAW), "prefix 0xe701"),  # secp256k1-pub
        (_z(b"\xec\x01" + ED_RAW), "prefix 0xec01"),  # x25519-pub
    ],
)
def test_from_multibase_rejects(value: str, message: str) -> None:
    with pytest.raises(InvalidKeyError, match=message) as info:
        PublicKey.from_multibase(value)
    assert info.value.code == "INVALID_KEY"


@pytest.mark.parametrize(("key_type", "prime"), [(KeyType.P256, P256_P), (KeyType.P384, P384_P)])
def test_compressed_x_at_or_above_the_prime_is_refused(key_type: KeyType, prime: int) -> None:
    """x and x + p name the same point when reduced: only the canonical one is a key."""
    size = CURVES[key_type].size
    x = next(x for x in range(1, 100) if _on_curve(key_type, x))
    for bad in (prime, prime + x):
        if bad < 2 ** (8 * size):
            with pytest.raises(InvalidKeyError, match="not a point on the curve"):
                PublicKey(key_type, b"\x02" + bad.to_bytes(size, "big"))


def _on_curve(key_type: KeyType, x: int) -> bool:
    try:
        PublicKey(key_type, b"\x02" + x.to_bytes(CURVES[key_type].size, "big"))
    except InvalidKeyError:
        return False
    return True


def test_private_multibase_rejects_public_key_and_out_of_range_scalar() -> None:
    with pytest.raises(InputError, match="expected one of ed25519-priv"):
        KeyPair.from_multibase_private(ED25519_VECTOR["publicKeyMultibase"])
    with pytest.raises(InputError, match="out of range"):
        KeyPair.from_multibase_private(_z(b"\x86\x26" + P256_ORDER.to_bytes(32, "big")))
    with pytest.raises(InputError, match="out of range"):
        KeyPair.from_multibase_private(_z(b"\x87\x26" + bytes(48)))
    with pytest.raises(InputError, match="must be 32 bytes"):
        KeyPair.from_private_bytes(KeyType.ED25519, b"\x01" * 31)


# --- Ed25519 per RFC 8032: small order, non-canonical encodings, S >= L -------------------------

ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
#: The eight torsion points (libsodium's blocklist; "Taming the many EdDSAs", Table 6).
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # order 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
]
#: Other spellings of small-order points: y + p (y >= p), and the sign bit set on x = 0.
NON_CANONICAL = {
    "y = p (0 + p)": (ED_P).to_bytes(32, "little").hex(),
    "y = p + 1 (1 + p)": (ED_P + 1).to_bytes(32, "little").hex(),
    "y = 2^255 - 1": ((1 << 255) - 1).to_bytes(32, "little").hex(),
    "identity, sign bit set": "0100000000000000000000000000000000000000000000000000000000000080",
    "order 2, sign bit set": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
}


def _ed(hex_key: str) -> bytes:
    return bytes.fromhex(hex_key)


def _decompress(encoded: bytes) -> tuple[int, int] | None:
    """RFC 8032 §5.1.3, independently of the module under test."""
    d = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
    n = int.from_bytes(encoded, "little")
    y, sign = n & ((1 << 255) - 1), n >> 255
    x2 = (y * y - 1) * pow(d * y * y + 1, ED_P - 2, ED_P) % ED_P
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    if (x * x - x2) % ED_P or y >= ED_P:
        return None
    return (ED_P - x if x & 1 != sign else x), y


def _times_8_is_neutral(x: int, y: int) -> bool:
    d = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
    for _ in range(3):  # affine doubling on -x^2 + y^2 = 1 + d x^2 y^2
        x, y = (
            2 * x * y * pow(1 + d * x * x * y * y, ED_P - 2, ED_P) % ED_P,
            (y * y + x * x) * pow(1 - d * x * x * y * y, ED_P - 2, ED_P) % ED_P,
        )
    return (x, y) == (0, 1)


def test_the_small_order_list_is_the_torsion_subgroup() -> None:
    """Recomputed from the curve equation: eight distinct points, each times 8 is neutral."""
    points = [_decompress(_ed(hex_key)) for hex_key in SMALL_ORDER]
    assert all(p is not None and _times_8_is_neutral(*p) for p in points)
    assert len(set(points)) == 8
    generator = _decompress(ED_RAW)
    assert generator is not None and not _times_8_is_neutral(*generator)


@pytest.mark.parametrize("hex_key", SMALL_ORDER)
def test_small_order_keys_forge_signatures_unless_refused(hex_key: str) -> None:
    """The backend alone accepts (R = identity, S = 0) for some messages under these keys;
    vcportable refuses the key in every encoding, so no forgery reaches verification."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    forged = _ed(SMALL_ORDER[0]) + bytes(32)
    backend = ed25519.Ed25519PublicKey.from_public_bytes(_ed(hex_key))
    accepted = 0
    for n in range(64):
        with contextlib.suppress(Exception):
            backend.verify(forged, b"any content %d" % n)
            accepted += 1
    if hex_key != SMALL_ORDER[-1]:
        assert accepted > 0, "the backend did not accept the forgery: the test proves nothing"
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_ed(hex_key))}
    for decode in (
        lambda: PublicKey(KeyType.ED25519, _ed(hex_key)),
        lambda: PublicKey.from_multibase(_z(b"\xed\x01" + _ed(hex_key))),
        lambda: PublicKey.from_jwk(jwk),
    ):
        with pytest.raises(InvalidKeyError, match="small order"):
            decode()


@pytest.mark.parametrize("hex_key", list(NON_CANONICAL.values()), ids=list(NON_CANONICAL))
def test_non_canonical_ed25519_encodings_are_refused(hex_key: str) -> None:
    with pytest.raises(InvalidKeyError, match="not canonical"):
        PublicKey(KeyType.ED25519, _ed(hex_key))
    with pytest.raises(InvalidKeyError, match="not canonical"):
        PublicKey.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_ed(hex_key))})


def test_ed25519_y_on_no_point_verifies_nothing() -> None:
    y = next(y for y in range(2, 50) if _decompress(y.to_bytes(32, "little")) is None)
    key = PublicKey(KeyType.ED25519, y.to_bytes(32, "little"))
    with pytest.raises(InvalidSignature):
        key.verify(KeyPair.generate().sign(b"x"), b"x")


def test_ed25519_signature_with_s_at_or_above_l_is_refused() -> None:
    pair = KeyPair.generate()
    signature = pair.sign(b"content")
    s = int.from_bytes(signature[32:], "little")
    malleable = signature[:32] + (s + ED_L).to_bytes(32, "little")
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(malleable, b"content")
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(signature[:32] + ED_L.to_bytes(32, "little"), b"content")
    pair.public_key.verify(signature, b"content")


def test_ed25519_signature_with_non_canonical_r_is_refused() -> None:
    pair = KeyPair.generate()
    signature = pair.sign(b"content")
    r_y = ED_P + 1  # the identity's y, spelled above p
    with pytest.raises(InvalidSignature):
        pair.public_key.verify(r_y.to_bytes(32, "little") + signature[32:], b"content")


# --- strict decoding: JWK ------------------------------------------------------------------------

P256_JWK = PublicKey.from_multibase(P256_VECTOR["publicKeyMultibase"]).to_jwk()
P384_JWK = PublicKey.from_multibase(P384_VECTOR["publicKeyMultibase"]).to_jwk()
ED_JWK = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(ED_RAW)}


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({**P256_JWK, "kty": "RSA"}, "unsupported JWK"),
        ({**P256_JWK, "crv": "P-384"}, "must encode 48 bytes, got 32"),
        ({**P256_JWK, "crv": "secp256k1"}, "unsupported JWK"),
        ({**ED_JWK, "crv": "X25519"}, "unsupported JWK"),
        ({**ED_JWK, "crv": "Ed448"}, "unsupported JWK"),
        ({k: v for k, v in P256_JWK.items() if k != "y"}, "'y' is missing"),
        ({**P256_JWK, "x": None}, "'x' is missing"),
        ({**P256_JWK, "x": "AAAA"}, "must encode 32 bytes"),
        ({**P256_JWK, "x": b64url_encode(b"\x00" + b64url_decode(P256_JWK["x"]))}, "33"),
        ({**P256_JWK, "y": "not base64!"}, "not base64url"),
        ({**ED_JWK, "x": ED_JWK["x"] + "="}, "not base64url"),
        ({**P256_JWK, "alg": "ES384"}, "does not fit a P-256 key"),
        ({**P384_JWK, "alg": "ES256"}, "does not fit a P-384 key"),
        ({**ED_JWK, "alg": "ES256"}, "does not fit a Ed25519 key"),
        ({**P256_JWK, "d": P256_JWK["x"]}, "private member 'd'"),
        ({**ED_JWK, "d": ED_JWK["x"]}, "private member 'd'"),
        ({**P256_JWK, "k": "AAAA"}, "private member 'k'"),
        ({**ED_JWK, "y": ED_JWK["x"]}, "no member 'y'"),
        ({**P256_JWK, "use": "enc"}, "use 'enc'"),
        ({**P256_JWK, "key_ops": ["encrypt"]}, "key_ops"),
        ({**P256_JWK, "key_ops": [{}]}, "key_ops"),
        ({**P256_JWK, "x5c": ["MIIB"]}, "certificate chain"),
        ({**P256_JWK, "x5u": "https://attacker.example/c"}, "certificate chain"),
        ([P256_JWK], "must be a JSON object"),
    ],
)
def test_from_jwk_rejects(jwk: Any, message: str) -> None:
    with pytest.raises(InvalidKeyError, match=message):
        PublicKey.from_jwk(jwk)


@pytest.mark.parametrize(("jwk", "curve"), [(P256_JWK, "P-256"), (P384_JWK, "P-384")])
def test_from_jwk_rejects_points_off_the_curve(jwk: dict[str, str], curve: str) -> None:
    y = bytearray(b64url_decode(jwk["y"]))
    y[-1] ^= 1
    with pytest.raises(InvalidKeyError, match=f"{curve} public key is not a point on the curve"):
        PublicKey.from_jwk({**jwk, "y": b64url_encode(bytes(y))})


def test_jwk_y_above_the_prime_is_refused() -> None:
    """A coordinate spelled as y + p is the same point to lax decoders."""
    point = PublicKey.from_jwk(P256_JWK)
    y = int.from_bytes(b64url_decode(P256_JWK["y"]), "big")
    if y + P256_P < 2**256:
        bad = {**P256_JWK, "y": b64url_encode((y + P256_P).to_bytes(32, "big"))}
        with pytest.raises(InvalidKeyError, match="not a point"):
            PublicKey.from_jwk(bad)
    assert PublicKey.from_jwk(P256_JWK) == point


def test_from_jwk_accepts_harmless_members_and_the_rfc9864_alg() -> None:
    extra = {**ED_JWK, "kid": "k1", "use": "sig", "key_ops": ["verify"], "ext": True, "x-note": 1}
    assert PublicKey.from_jwk(extra).raw == ED_RAW
    assert PublicKey.from_jwk({**ED_JWK, "alg": "Ed25519"}).raw == ED_RAW


# --- private keys from other tools: JWK and PEM ---------------------------------------------------


@pytest.mark.parametrize("name", ["vm-ed25519.json", "vm-p256.json", "vm-p384.json"])
def test_private_jwk_import(name: str) -> None:
    method = load_json(f"keys/{name}")
    pair = KeyPair.from_jwk(method["secretKeyJwk"])
    assert pair.public_key == PublicKey.from_jwk(method["publicKeyJwk"])
    assert pair.to_jwk()["d"] == method["secretKeyJwk"]["d"]


def test_private_jwk_with_a_foreign_public_part_is_refused() -> None:
    secret = load_json("keys/vm-ed25519.json")["secretKeyJwk"]
    for hex_key in (SMALL_ORDER[0], KeyPair.generate().public_key.raw.hex()):
        with pytest.raises(InvalidKeyError, match="do not match"):
            KeyPair.from_jwk({**secret, "x": b64url_encode(bytes.fromhex(hex_key))})
    with pytest.raises(InvalidKeyError, match="exactly the private member 'd'"):
        KeyPair.from_jwk({k: v for k, v in secret.items() if k != "d"})


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256, KeyType.P384])
def test_pem_round_trip(key_type: KeyType) -> None:
    pair = KeyPair.generate(key_type)
    assert KeyPair.from_pem(pair.to_pem(None).encode(), None).public_key == pair.public_key
    sealed = pair.to_pem(PASSPHRASE).encode()
    assert b"ENCRYPTED PRIVATE KEY" in sealed
    assert KeyPair.from_pem(sealed, PASSPHRASE).public_key == pair.public_key
    with pytest.raises(InvalidKeyError, match="wrong passphrase"):
        KeyPair.from_pem(sealed, b"not the passphrase")
    with pytest.raises(InputError, match="passphrase is required"):
        KeyPair.from_pem(sealed, None)
    assert "BEGIN PUBLIC KEY" in pair.public_key.to_pem()


def _pem(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return bytes(private.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))


def test_pem_import_refuses_weak_and_unknown_keys() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa, x25519

    refused = {
        "RSA": rsa.generate_private_key(65537, 2048),
        "secp256k1": ec.generate_private_key(ec.SECP256K1()),
        "Ed448": ed448.Ed448PrivateKey.generate(),
        "X25519": x25519.X25519PrivateKey.generate(),
    }
    for name, private in refused.items():
        with pytest.raises(InvalidKeyError, match=name):
            KeyPair.from_pem(_pem(private), None)
    sec1 = KeyPair.generate(KeyType.P256)._private.private_bytes(  # type: ignore[union-attr]
        *_sec1_format()
    )
    with pytest.raises(InvalidKeyError, match="BEGIN EC PRIVATE KEY.*openssl pkcs8"):
        KeyPair.from_pem(sec1, None)
    with pytest.raises(InvalidKeyError, match="no PEM block"):
        KeyPair.from_pem(b"hello", None)


def _sec1_format() -> tuple[Any, Any, Any]:
    from cryptography.hazmat.primitives import serialization as s

    return s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()


# --- key files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", list(KeyType))
def test_key_file_round_trip_encrypted(tmp_path: Path, key_type: KeyType) -> None:
    path = tmp_path / "issuer.key.json"
    pair = KeyPair.generate(key_type).with_identity("did:web:example.com", "did:web:example.com#k")
    pair.save(path, PASSPHRASE)
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
    loaded = KeyPair.load(path, PASSPHRASE)
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
    KeyPair.generate().save(path, PASSPHRASE)
    return path


def test_load_refuses_group_readable_file(encrypted_file: Path) -> None:
    encrypted_file.chmod(0o644)
    with pytest.raises(KeyFileError, match=f"mode 0644.*chmod 600 {encrypted_file}"):
        KeyPair.load(encrypted_file, PASSPHRASE)
    with pytest.raises(KeyFileError, match="chmod 600"):
        key_file_is_encrypted(encrypted_file)


def test_load_refuses_wrong_and_missing_passphrase(encrypted_file: Path) -> None:
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        KeyPair.load(encrypted_file, b"guess")
    with pytest.raises(KeyFileError, match="is encrypted: a passphrase is required"):
        KeyPair.load(encrypted_file, None)


OTHER_KEY = KeyPair.generate().public_key.to_multibase()


def _sealed_with(document: dict[str, Any], **changes: Any) -> str:
    return json.dumps({**document, "privateKey": {**document["privateKey"], **changes}})


def _flipped(encoded: str) -> str:
    """The same base64url text, its first character changed: same size, other bytes."""
    return ("B" if encoded[0] == "A" else "A") + encoded[1:]


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
            lambda d: _sealed_with(d, ciphertext=_flipped(d["privateKey"]["ciphertext"])),
            "wrong passphrase",
        ),
        (lambda d: _sealed_with(d, ciphertext="AAAA"), "'ciphertext' of 3 bytes, not"),
        (lambda d: _sealed_with(d, n=2**30), r"scrypt cost \(n, r, p\) out of a key file's bounds"),
        (lambda d: _sealed_with(d, note="x"), r"privateKey with unknown members \('note'\)"),
        (lambda d: json.dumps({**d, "type": "p256"}), "not the type of publicKeyMultibase"),
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
        "short-ciphertext",
        "scrypt-cost-bomb",
        "extra-member",
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
    passphrase = None if message == "damaged private key" else PASSPHRASE
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
        KeyPair.generate().save(encrypted_file, PASSPHRASE)
    assert encrypted_file.read_bytes() == before
    replacement = KeyPair.generate()
    replacement.save(encrypted_file, b"another passphrase", overwrite=True)
    assert KeyPair.load(encrypted_file, b"another passphrase").public_key == replacement.public_key
    assert os.stat(encrypted_file).st_mode & 0o777 == 0o600


def test_save_leaves_no_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileutil.os, "fsync", fail)
    with pytest.raises(KeyFileError, match="cannot write key file .*No space left"):
        KeyPair.generate().save(tmp_path / "key.json", PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_empty_passphrase_and_missing_folder(tmp_path: Path) -> None:
    for short in (b"", b"elevenchars", "ünicode pw!".encode()):
        with pytest.raises(KeyFileError, match="at least 12 are needed"):
            KeyPair.generate().save(tmp_path / "key.json", short)
    KeyPair.generate().save(tmp_path / "twelve.json", b"twelve chars")
    (tmp_path / "twelve.json").unlink()
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
    with pytest.raises(KeyFileError, match="not the passphrase itself") as caught:
        passphrase_from_env("my secret board passphrase")  # the passphrase, by mistake
    assert "secret" not in caught.value.message  # never echoed


def test_unencrypted_file_with_foreign_public_key_is_inconsistent(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    KeyPair.generate().save(path, None)
    _rewrite(path, json.dumps({**json.loads(path.read_text()), "publicKeyMultibase": OTHER_KEY}))
    with pytest.raises(KeyFileError, match="inconsistent"):
        KeyPair.load(path, None)


def test_previous_keys_round_trip_and_are_bound_to_the_file(tmp_path: Path) -> None:
    did = "did:web:board.example"
    old = KeyPair.generate()
    pair = KeyPair.generate(KeyType.P384).with_identity(
        did, f"{did}#key-2", [PreviousKey(f"{did}#key-1", old.public_key)]
    )
    path = tmp_path / "key.json"
    pair.save(path, PASSPHRASE)
    assert read_key_file_info(path).previous == (PreviousKey(f"{did}#key-1", old.public_key),)
    assert KeyPair.load(path, PASSPHRASE).previous == pair.previous
    document = json.loads(path.read_text())
    for edit in (
        {**document, "previous": []},
        {k: v for k, v in document.items() if k != "previous"},
        {**document, "previous": [{**document["previous"][0], "key_id": f"{did}#evil"}]},
    ):
        _rewrite(path, json.dumps(edit))
        with pytest.raises(KeyFileError, match="wrong passphrase .or the file was altered"):
            KeyPair.load(path, PASSPHRASE)


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        ({}, "must be a list"),
        ([{"publicKeyMultibase": OTHER_KEY}], "string 'key_id'"),
        ([{"key_id": "did:web:x#1", "publicKeyMultibase": _z(b"\xed\x01" + bytes(32))}], "small"),
    ],
)
def test_bad_previous_keys_are_refused(encrypted_file: Path, previous: Any, message: str) -> None:
    document = json.loads(encrypted_file.read_text())
    _rewrite(encrypted_file, json.dumps({**document, "previous": previous}))
    with pytest.raises(KeyFileError, match=message):
        read_key_file_info(encrypted_file)


def test_key_file_json_is_parsed_strictly_and_checked_before_its_mode(encrypted_file: Path) -> None:
    text = encrypted_file.read_text()
    _rewrite(encrypted_file, text.replace('"version": 1,', '"version": 1, "version": 1,'))
    with pytest.raises(KeyFileError, match="not valid JSON"):
        read_key_file_info(encrypted_file)
    not_a_key = encrypted_file.parent / "notes.txt"
    not_a_key.write_text('{"hello": "world"}')
    not_a_key.chmod(0o644)
    with pytest.raises(KeyFileError, match="is it a vcportable key file"):
        read_key_file_info(not_a_key)


def test_a_small_order_public_key_in_a_key_file_is_refused(encrypted_file: Path) -> None:
    document = json.loads(encrypted_file.read_text())
    small = _z(b"\xed\x01" + bytes.fromhex(SMALL_ORDER[4]))
    _rewrite(encrypted_file, json.dumps({**document, "publicKeyMultibase": small}))
    with pytest.raises(KeyFileError, match="small order"):
        read_key_file_info(encrypted_file)


def test_key_file_saved_with_a_bom_still_loads(tmp_path: Path) -> None:
    """Every input accepts a UTF-8 BOM (Windows editors add one), key files included."""
    pair = KeyPair.generate()
    path = tmp_path / "board.key"
    pair.save(path, b"a long enough passphrase")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded = KeyPair.load(path, b"a long enough passphrase")
    assert loaded.public_key == pair.public_key
