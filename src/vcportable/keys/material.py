"""Key material: :class:`PublicKey` for every curve, and :class:`KeyPair` (the only holder of a
private key), in the encodings keys travel in (raw, Multikey, JWK, PEM).

Every way into a :class:`PublicKey` ends in one validation, so a key is checked where it enters,
whatever its encoding: Ed25519 keys must be canonical and of large order
(:mod:`~vcportable.keys.ed25519`); P-256/P-384/P-521 keys must be compressed SEC1 points (Multikey)
or exact-length JWK coordinates, below the field prime and on the curve. A bad key is an
:class:`~vcportable.errors.InvalidKeyError` (code ``INVALID_KEY``) that names what is wrong, so
a malformed key never reaches the crypto layer. Signature failures are
:class:`~vcportable.errors.InvalidSignature`, never an exception from ``cryptography``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from vcportable.codec.multibase import multibase_decode, multibase_encode
from vcportable.errors import InputError, InvalidKeyError, InvalidSignature

from . import ed25519 as strict
from .curves import CURVES, Curve, KeyType, curve_of_ec
from .jwk import read_jwk, write_jwk

# cryptography's serialization package (it imports SSH, DH, DSA and RSA) is imported by the
# functions that encode or decode keys: verifying with a key needs none of it.

if TYPE_CHECKING:
    from .keyfile import PreviousKey

__all__ = ["KeyPair", "PublicKey"]

# A Multikey is at most 2 + 67 bytes (~95 base58 chars); the cap keeps base58 decoding cheap.
_MAX_MULTIBASE_CHARS = 128
_MAX_PEM_BYTES = 16 * 1024

_PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
_PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _decode_multibase(value: Any, what: str) -> bytes:
    try:
        return multibase_decode(value, what=what, max_chars=_MAX_MULTIBASE_CHARS)
    except InputError as exc:
        raise InvalidKeyError(exc.message) from None


def _split_codec(data: bytes, what: str, private: bool) -> tuple[Curve, bytes]:
    for curve in CURVES.values():
        prefix = curve.private_codec if private else curve.public_codec
        if data.startswith(prefix):
            return curve, data[len(prefix) :]
    kind = "priv" if private else "pub"
    names = ", ".join(f"{c.key_type.value}-{kind}" for c in CURVES.values())
    raise InvalidKeyError(
        f"{what} has multicodec prefix 0x{data[:2].hex()}, expected one of {names}"
    )


def _ec_public(curve: Curve, point: bytes) -> ec.EllipticCurvePublicKey:
    """A SEC1 point (02/03/04 prefix) whose coordinates are below the prime and on the curve."""
    assert curve.ec_curve is not None
    size = curve.size
    if not any(int.from_bytes(point[i : i + size], "big") >= curve.prime for i in (1, 1 + size)):
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve.ec_curve, point)
        except ValueError:
            pass
    raise InvalidKeyError(f"{curve.jwk_crv} public key is not a point on the curve")


def _load_public(key_type: KeyType, raw: bytes) -> _PublicKeyObject:
    if not isinstance(raw, bytes):
        raise InvalidKeyError("raw public key must be bytes")
    curve = CURVES[key_type]
    if curve.ec_curve is None:
        strict.check_public_key(raw)
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if len(raw) != curve.public_size or raw[0] not in (2, 3):
        raise InvalidKeyError(
            f"{curve.jwk_crv} public key must be a {curve.public_size}-byte compressed point "
            "(02/03 prefix)"
        )
    return _ec_public(curve, raw)


@cache
def _ecdsa(key_type: KeyType) -> ec.ECDSA:
    """The ECDSA algorithm object of a curve (stateless: made once, not per signature)."""
    hash_type = CURVES[key_type].hash
    assert hash_type is not None
    return ec.ECDSA(hash_type())


def _compressed(key: ec.EllipticCurvePublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


@dataclass(frozen=True)
class PublicKey:
    """A public key of any supported curve; ``raw`` is 32 bytes (Ed25519) or a compressed point.

    Construction validates the key and raises :class:`~vcportable.errors.InvalidKeyError`.
    """

    type: KeyType
    raw: bytes
    _key: _PublicKeyObject = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "type", KeyType(self.type))
        except ValueError:
            raise InvalidKeyError(f"unsupported key type {self.type!r}") from None
        object.__setattr__(self, "_key", _load_public(self.type, self.raw))

    @property
    def curve(self) -> Curve:
        return CURVES[self.type]

    @property
    def jws_alg(self) -> str:
        return self.curve.jws_alg

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise InvalidSignature unless ``signature`` signs ``data``.

        Ed25519 takes the 64-byte signature (``S < L``, canonical ``R``); ECDSA takes raw
        ``r||s`` (JWS style) over the curve's hash (SHA-256, SHA-384, SHA-512) of ``data``.
        """
        curve = CURVES[self.type]
        if len(signature) != curve.signature_size:
            raise InvalidSignature()
        try:
            if self.type is KeyType.ED25519:
                if not strict.is_canonical_signature(signature):
                    raise InvalidSignature()
                # cast, not isinstance: the ABC check costs more than the rest of this method
                cast(ed25519.Ed25519PublicKey, self._key).verify(signature, data)
            else:
                r = int.from_bytes(signature[: curve.size], "big")
                s = int.from_bytes(signature[curve.size :], "big")
                key = cast(ec.EllipticCurvePublicKey, self._key)
                key.verify(encode_dss_signature(r, s), data, _ecdsa(self.type))
        except _CryptoInvalidSignature:
            raise InvalidSignature() from None

    def to_multibase(self) -> str:
        """Multikey ``publicKeyMultibase``: ``z6Mk...`` (Ed25519), ``zDn...`` (P-256),
        ``z82...`` (P-384)."""
        return multibase_encode(self.curve.public_codec + self.raw)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        curve, raw = _split_codec(
            _decode_multibase(value, "publicKeyMultibase"), "publicKeyMultibase", False
        )
        if len(raw) != curve.public_size:
            raise InvalidKeyError(
                f"publicKeyMultibase holds a {len(raw)}-byte {curve.key_type.value} key, "
                f"expected {curve.public_size} bytes"
            )
        return cls(curve.key_type, raw)

    def to_jwk(self) -> dict[str, str]:
        """Public JWK with only the key's members (no ``alg``/``kid``), so it is canonical."""
        x, y = self._coordinates()
        return write_jwk(self.curve, x, y)

    def _coordinates(self) -> tuple[bytes, bytes | None]:
        if isinstance(self._key, ed25519.Ed25519PublicKey):
            return self.raw, None
        numbers, size = self._key.public_numbers(), self.curve.size
        return numbers.x.to_bytes(size, "big"), numbers.y.to_bytes(size, "big")

    @classmethod
    def from_jwk(cls, jwk: Any) -> PublicKey:
        """Read a public JWK strictly (see :mod:`~vcportable.keys.jwk`); ``d`` is refused."""
        parts = read_jwk(jwk, private=False)
        if parts.y is None:
            return cls(parts.curve.key_type, parts.x)
        point = _ec_public(parts.curve, b"\x04" + parts.x + parts.y)
        return cls(parts.curve.key_type, _compressed(point))

    def to_pem(self) -> str:
        """SubjectPublicKeyInfo PEM, for tools that read no Multikey or JWK."""
        from cryptography.hazmat.primitives import serialization

        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _public_of(private: _PrivateKeyObject) -> PublicKey:
    from cryptography.hazmat.primitives import serialization

    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(KeyType.ED25519, raw)
    curve = curve_of_ec(private.curve)
    assert curve is not None  # checked by KeyPair.__init__
    return PublicKey(curve.key_type, _compressed(private.public_key()))


class KeyPair:
    """A private key with the identity it signs as: ``controller`` (a DID) and ``key_id``.

    By default both come from the key's did:key; :meth:`with_identity` binds it to another DID
    (e.g. a did:web issuer). ``previous`` lists the public keys this identity signed with
    before a rotation (kept in its key file). The private key never appears in ``repr``.
    """

    __slots__ = ("_controller", "_key_id", "_previous", "_private", "_public")

    def __init__(
        self,
        private_key: _PrivateKeyObject,
        *,
        controller: str | None = None,
        key_id: str | None = None,
        previous: Iterable[PreviousKey] = (),
    ) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            if curve_of_ec(private_key.curve) is None:
                raise InvalidKeyError(
                    f"unsupported curve {private_key.curve.name}; P-256, P-384 and P-521 are"
                )
        elif not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise InvalidKeyError(
                f"unsupported private key {type(private_key).__name__}; Ed25519, P-256, P-384 "
                "and P-521 are"
            )
        self._private = private_key
        self._public = _public_of(private_key)
        multibase = self._public.to_multibase()
        self._controller = controller if controller is not None else f"did:key:{multibase}"
        self._key_id = key_id if key_id is not None else f"did:key:{multibase}#{multibase}"
        self._previous = tuple(previous)

    @property
    def type(self) -> KeyType:
        return self._public.type

    @property
    def public_key(self) -> PublicKey:
        return self._public

    @property
    def controller(self) -> str:
        return self._controller

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def previous(self) -> tuple[PreviousKey, ...]:
        return self._previous

    def __repr__(self) -> str:
        return f"KeyPair(type={self.type.value!r}, key_id={self._key_id!r})"

    @classmethod
    def generate(cls, type: KeyType = KeyType.ED25519) -> KeyPair:
        curve = CURVES[KeyType(type)]
        if curve.ec_curve is None:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(curve.ec_curve))

    @classmethod
    def from_private_bytes(
        cls,
        type: KeyType,
        raw: bytes,
        *,
        controller: str | None = None,
        key_id: str | None = None,
    ) -> KeyPair:
        """Build from a 32-byte Ed25519 seed or a big-endian EC scalar of the curve's size."""
        try:
            curve = CURVES[KeyType(type)]
        except ValueError:
            raise InvalidKeyError(f"unsupported key type {type!r}") from None
        if len(raw) != curve.size:
            raise InvalidKeyError(
                f"{curve.key_type.value} private key must be {curve.size} bytes, got {len(raw)}"
            )
        private: _PrivateKeyObject
        if curve.ec_curve is None:
            private = ed25519.Ed25519PrivateKey.from_private_bytes(raw)
        else:
            scalar = int.from_bytes(raw, "big")
            if not 0 < scalar < curve.order:
                raise InvalidKeyError(f"{curve.jwk_crv} private key is out of range")
            private = ec.derive_private_key(scalar, curve.ec_curve)
        return cls(private, controller=controller, key_id=key_id)

    def _private_bytes(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        scalar = self._private.private_numbers().private_value
        return scalar.to_bytes(self._public.curve.size, "big")

    @classmethod
    def from_multibase_private(cls, value: str) -> KeyPair:
        """Read ``privateKeyMultibase``/``secretKeyMultibase`` (ed25519-priv, p256-priv...)."""
        what = "private key multibase"
        curve, raw = _split_codec(_decode_multibase(value, what), what, True)
        return cls.from_private_bytes(curve.key_type, raw)

    def to_multibase_private(self) -> str:
        """The unencrypted private key as multibase: for test vectors and key files only."""
        return multibase_encode(self._public.curve.private_codec + self._private_bytes())

    @classmethod
    def from_jwk(cls, jwk: Any) -> KeyPair:
        """Read a private JWK (``d`` with the public members, which must match it)."""
        parts = read_jwk(jwk, private=True)
        assert parts.d is not None
        pair = cls.from_private_bytes(parts.curve.key_type, parts.d)
        if pair.public_key._coordinates() != (parts.x, parts.y):
            raise InvalidKeyError("JWK public members do not match its private key 'd'")
        return pair

    def to_jwk(self) -> dict[str, str]:
        """The private JWK (with ``d``): handle it as the secret it is."""
        x, y = self._public._coordinates()
        return write_jwk(self._public.curve, x, y, self._private_bytes())

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes | None) -> KeyPair:
        """Read one PKCS#8 private key (``PRIVATE KEY`` or ``ENCRYPTED PRIVATE KEY``).

        Other key types (RSA, DSA, secp256k1, X25519, Ed448...) are refused by name.
        """
        from cryptography.hazmat.primitives import serialization

        if len(data) > _MAX_PEM_BYTES:
            raise InputError("PEM is too large to be one private key")
        labels = [line for line in data.splitlines() if line.startswith(b"-----BEGIN ")]
        if len(labels) != 1 or labels[0].strip() not in (
            b"-----BEGIN PRIVATE KEY-----",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----",
        ):
            found = labels[0].strip().decode("ascii", "replace")[:60] if labels else "no PEM block"
            raise InvalidKeyError(
                f"expected one PKCS#8 private key (BEGIN PRIVATE KEY), found {found}; convert "
                "with: openssl pkcs8 -topk8 -in KEY.pem"
            )
        encrypted = b"ENCRYPTED" in labels[0]
        if encrypted and passphrase is None:
            raise InputError("the PEM private key is encrypted: a passphrase is required")
        try:
            private = serialization.load_pem_private_key(data, passphrase if encrypted else None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            reason = "wrong passphrase or damaged key" if encrypted else "not a valid key"
            raise InvalidKeyError(f"cannot read the PEM private key: {reason} ({exc})") from None
        if isinstance(private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            return cls(private)
        raise InvalidKeyError(
            f"{type(private).__name__.removeprefix('_').replace('PrivateKey', '')} keys are "
            "not supported; use Ed25519, P-256 or P-384"
        )

    def to_pem(self, passphrase: bytes | None) -> str:
        """PKCS#8 PEM, encrypted under ``passphrase`` (the format's own, PBKDF2-based
        encryption: weaker than a key file, so keep exported files short-lived)."""
        from cryptography.hazmat.primitives import serialization

        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if passphrase is None
            else serialization.BestAvailableEncryption(passphrase)
        )
        return self._private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature, or ECDSA over the curve's hash as raw ``r||s`` (JWS style)."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        curve = self._public.curve
        assert curve.hash is not None
        r, s = decode_dss_signature(self._private.sign(data, ec.ECDSA(curve.hash())))
        return r.to_bytes(curve.size, "big") + s.to_bytes(curve.size, "big")

    def with_identity(
        self, controller: str, key_id: str, previous: Iterable[PreviousKey] | None = None
    ) -> KeyPair:
        """The same private key signing as ``controller``/``key_id`` (e.g. a did:web issuer)."""
        kept = self._previous if previous is None else previous
        return KeyPair(self._private, controller=controller, key_id=key_id, previous=kept)

    def save(
        self, path: str | os.PathLike[str], passphrase: bytes | None, *, overwrite: bool = False
    ) -> None:
        """Write the key file (see :mod:`~vcportable.keys.keyfile`): encrypted, mode 0600,
        atomic."""
        from .keyfile import save_key_file  # keyfile builds KeyPairs: imported on use

        save_key_file(self, path, passphrase, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike[str], passphrase: bytes | None) -> KeyPair:
        """Read a key file written by :meth:`save`; every problem is a clear KeyFileError."""
        from .keyfile import load_key_file

        return load_key_file(path, passphrase)
