"""Key pairs (Ed25519, P-256), their Multikey and JWK forms, and encrypted key files.

This is the only module that touches private keys. Everything else sees :class:`PublicKey`
(verify, encode) or calls :meth:`KeyPair.sign`. Decoding is strict: a wrong multicodec prefix,
length or curve point is an :class:`~vcportable.errors.InputError` naming what was wrong, so a
malformed key never reaches the crypto layer. Signature failures are
:class:`~vcportable.errors.InvalidSignature`, never an exception from ``cryptography``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vcportable.errors import InputError, InvalidSignature, KeyFileError
from vcportable.fileutil import write_atomic

__all__ = [
    "KeyFileInfo",
    "KeyPair",
    "KeyType",
    "PublicKey",
    "key_file_is_encrypted",
    "passphrase_from_env",
    "read_key_file_info",
]

# Multicodec varint prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv).
_ED25519_PUB = b"\xed\x01"  # ed25519-pub 0xed
_P256_PUB = b"\x80\x24"  # p256-pub 0x1200
_ED25519_PRIV = b"\x80\x26"  # ed25519-priv 0x1300
_P256_PRIV = b"\x86\x26"  # p256-priv 0x1306

# A Multikey is at most 2 + 33 bytes (~48 base58 chars); the cap keeps base58 decoding cheap.
_MAX_MULTIBASE_CHARS = 128
_MAX_KEY_FILE_BYTES = 64 * 1024
_KEY_FILE_VERSION = 1
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_B64URL = re.compile(r"[A-Za-z0-9_-]*")

_PublicKeyObject = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
_PrivateKeyObject = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


class KeyType(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"


_PUBLIC_CODECS = ((_ED25519_PUB, KeyType.ED25519, 32), (_P256_PUB, KeyType.P256, 33))


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as JOSE and did:jwk use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str, *, what: str = "value") -> bytes:
    """Strict base64url: no padding, no stray characters, canonical trailing bits."""
    if not _B64URL.fullmatch(value) or len(value) % 4 == 1:
        raise InputError(f"{what} is not unpadded base64url")
    data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    if b64url_encode(data) != value:
        raise InputError(f"{what} is not canonical base64url")
    return data


def _decode_multibase(value: str, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise InputError(f"{what} must be a non-empty string")
    if len(value) > _MAX_MULTIBASE_CHARS:
        raise InputError(f"{what} is too long ({len(value)} characters) for a Multikey")
    if value[0] != "z":
        raise InputError(
            f"{what} must be base58btc multibase (start with 'z'), got prefix {value[0]!r}"
        )
    try:
        return bytes(base58.b58decode(value[1:]))
    except ValueError as exc:
        raise InputError(f"{what} is not valid base58btc: {exc}") from None


def _encode_multibase(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 or P-256 public key; ``raw`` is 32 bytes (Ed25519) or a 33-byte compressed point.

    Construction validates the key (length, point on the curve) and raises InputError.
    """

    type: KeyType
    raw: bytes
    _key: _PublicKeyObject = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "type", KeyType(self.type))
        except ValueError:
            raise InputError(f"unsupported key type {self.type!r}") from None
        object.__setattr__(self, "_key", _load_public(self.type, self.raw))

    @property
    def jws_alg(self) -> str:
        return "EdDSA" if self.type is KeyType.ED25519 else "ES256"

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise InvalidSignature unless ``signature`` signs ``data``.

        Ed25519 takes the 64-byte signature; P-256 takes raw ``r||s`` (64 bytes, ES256 style)
        over SHA-256 of ``data``.
        """
        if len(signature) != 64:
            raise InvalidSignature()
        try:
            if isinstance(self._key, ed25519.Ed25519PublicKey):
                self._key.verify(signature, data)
            else:
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                self._key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except _CryptoInvalidSignature:
            raise InvalidSignature() from None

    def to_multibase(self) -> str:
        """Multikey ``publicKeyMultibase``: ``z6Mk...`` (Ed25519) or ``zDn...`` (P-256)."""
        prefix = _ED25519_PUB if self.type is KeyType.ED25519 else _P256_PUB
        return _encode_multibase(prefix + self.raw)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        data = _decode_multibase(value, "publicKeyMultibase")
        for prefix, key_type, size in _PUBLIC_CODECS:
            if data.startswith(prefix):
                raw = data[len(prefix) :]
                if len(raw) != size:
                    raise InputError(
                        f"publicKeyMultibase holds a {len(raw)}-byte {key_type.value} key, "
                        f"expected {size} bytes"
                    )
                return cls(key_type, raw)
        raise InputError(
            f"publicKeyMultibase has multicodec prefix 0x{data[:2].hex()}, expected "
            "ed25519-pub (0xed01) or p256-pub (0x8024)"
        )

    def to_jwk(self) -> dict[str, str]:
        """Public JWK: OKP/Ed25519 or EC/P-256 (no ``alg``/``kid``, so it is canonical)."""
        if self.type is KeyType.ED25519:
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw)}
        assert isinstance(self._key, ec.EllipticCurvePublicKey)
        numbers = self._key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Read an OKP/Ed25519 or EC/P-256 JWK. Private members (``d``) are ignored."""
        if not isinstance(jwk, Mapping):
            raise InputError("JWK must be a JSON object")
        kty, crv, alg = jwk.get("kty"), jwk.get("crv"), jwk.get("alg")
        if kty == "OKP" and crv == "Ed25519":
            if alg not in (None, "EdDSA", "Ed25519"):
                raise InputError(f"JWK alg {alg!r} does not fit an Ed25519 key")
            return cls(KeyType.ED25519, _jwk_coordinate(jwk, "x"))
        if kty == "EC" and crv == "P-256":
            if alg not in (None, "ES256"):
                raise InputError(f"JWK alg {alg!r} does not fit a P-256 key")
            point = b"\x04" + _jwk_coordinate(jwk, "x") + _jwk_coordinate(jwk, "y")
            try:
                key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            except ValueError:
                raise InputError("JWK x/y is not a point on P-256") from None
            return cls(KeyType.P256, _compressed(key))
        raise InputError(
            f"unsupported JWK (kty={kty!r}, crv={crv!r}); expected OKP/Ed25519 or EC/P-256"
        )


def _jwk_coordinate(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InputError(f"JWK member {name!r} is missing or not a string")
    data = b64url_decode(value, what=f"JWK member {name!r}")
    if len(data) != 32:
        raise InputError(f"JWK member {name!r} must encode 32 bytes, got {len(data)}")
    return data


def _compressed(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def _load_public(key_type: KeyType, raw: bytes) -> _PublicKeyObject:
    if not isinstance(raw, bytes):
        raise InputError("raw public key must be bytes")
    if key_type is KeyType.ED25519:
        if len(raw) != 32:
            raise InputError(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if len(raw) != 33 or raw[0] not in (2, 3):
        raise InputError("P-256 public key must be a 33-byte compressed point (02/03 prefix)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise InputError("P-256 public key is not a point on the curve") from None


def _public_of(private: _PrivateKeyObject) -> PublicKey:
    if isinstance(private, ed25519.Ed25519PrivateKey):
        raw = private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return PublicKey(KeyType.ED25519, raw)
    return PublicKey(KeyType.P256, _compressed(private.public_key()))


class KeyPair:
    """A private key with the identity it signs as: ``controller`` (a DID) and ``key_id``.

    By default both come from the key's did:key; :meth:`with_identity` binds it to another DID
    (e.g. a did:web issuer). The private key never appears in ``repr``.
    """

    __slots__ = ("_controller", "_key_id", "_private", "_public")

    def __init__(
        self,
        private_key: _PrivateKeyObject,
        *,
        controller: str | None = None,
        key_id: str | None = None,
    ) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise InputError("private key must be Ed25519 or P-256")
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            raise InputError(f"unsupported curve {private_key.curve.name}; only P-256 is supported")
        self._private = private_key
        self._public = _public_of(private_key)
        multibase = self._public.to_multibase()
        self._controller = controller if controller is not None else f"did:key:{multibase}"
        self._key_id = key_id if key_id is not None else f"did:key:{multibase}#{multibase}"

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

    def __repr__(self) -> str:
        return f"KeyPair(type={self.type.value!r}, key_id={self._key_id!r})"

    @classmethod
    def generate(cls, type: KeyType = KeyType.ED25519) -> KeyPair:
        if type is KeyType.ED25519:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_private_bytes(
        cls,
        type: KeyType,
        raw: bytes,
        *,
        controller: str | None = None,
        key_id: str | None = None,
    ) -> KeyPair:
        """Build from a 32-byte Ed25519 seed or a 32-byte big-endian P-256 scalar."""
        try:
            key_type = KeyType(type)
        except ValueError:
            raise InputError(f"unsupported key type {type!r}") from None
        if len(raw) != 32:
            raise InputError(f"{key_type.value} private key must be 32 bytes, got {len(raw)}")
        private: _PrivateKeyObject
        if key_type is KeyType.ED25519:
            private = ed25519.Ed25519PrivateKey.from_private_bytes(raw)
        else:
            scalar = int.from_bytes(raw, "big")
            if not 0 < scalar < _P256_ORDER:
                raise InputError("P-256 private key is out of range")
            private = ec.derive_private_key(scalar, ec.SECP256R1())
        return cls(private, controller=controller, key_id=key_id)

    @classmethod
    def from_multibase_private(cls, value: str) -> KeyPair:
        """Read ``privateKeyMultibase``/``secretKeyMultibase`` (ed25519-priv / p256-priv)."""
        data = _decode_multibase(value, "private key multibase")
        for prefix, key_type in ((_ED25519_PRIV, KeyType.ED25519), (_P256_PRIV, KeyType.P256)):
            if data.startswith(prefix):
                return cls.from_private_bytes(key_type, data[len(prefix) :])
        raise InputError(
            f"private key multibase has multicodec prefix 0x{data[:2].hex()}, expected "
            "ed25519-priv (0x8026) or p256-priv (0x8626)"
        )

    def to_multibase_private(self) -> str:
        """The unencrypted private key as multibase: for test vectors only, never for storage."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            raw = self._private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            return _encode_multibase(_ED25519_PRIV + raw)
        scalar = self._private.private_numbers().private_value
        return _encode_multibase(_P256_PRIV + scalar.to_bytes(32, "big"))

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature, or ECDSA P-256 over SHA-256 as raw ``r||s`` (64 bytes)."""
        if isinstance(self._private, ed25519.Ed25519PrivateKey):
            return self._private.sign(data)
        r, s = decode_dss_signature(self._private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def with_identity(self, controller: str, key_id: str) -> KeyPair:
        return KeyPair(self._private, controller=controller, key_id=key_id)

    def save(
        self, path: str | os.PathLike[str], passphrase: bytes | None, *, overwrite: bool = False
    ) -> None:
        """Write the key file with mode 0600, atomically: no partial file, even on a crash.

        The private key is sealed with AES-256-GCM under a key derived from the passphrase by
        scrypt; the file's public fields are bound to the ciphertext as associated data, so
        editing the controller or key id makes the file fail to open. ``passphrase=None``
        stores the key unencrypted (``"encrypted": false``): test keys only.
        """
        if passphrase is not None and not passphrase:
            raise KeyFileError("passphrase must not be empty")
        document: dict[str, Any] = {
            "version": _KEY_FILE_VERSION,
            "type": self.type.value,
            "controller": self._controller,
            "key_id": self._key_id,
            "publicKeyMultibase": self._public.to_multibase(),
            "encrypted": passphrase is not None,
        }
        secret = self.to_multibase_private().encode("ascii")
        document["privateKey"] = (
            secret.decode("ascii")
            if passphrase is None
            else _seal(secret, passphrase, _associated_data(document))
        )
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        path = Path(path)
        try:
            write_atomic(path, data, mode=0o600, overwrite=overwrite)
        except FileExistsError:
            raise KeyFileError(
                f"key file {path} already exists; refusing to overwrite it"
            ) from None
        except OSError as exc:
            raise KeyFileError(f"cannot write key file {path}: {exc.strerror or exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike[str], passphrase: bytes | None) -> KeyPair:
        """Read a key file written by :meth:`save`; every problem is a clear KeyFileError."""
        path = Path(path)
        document = _read_key_file(path)
        encrypted = document["encrypted"]
        sealed = document.get("privateKey")
        if encrypted and passphrase is None:
            raise KeyFileError(f"key file {path} is encrypted: a passphrase is required")
        if not encrypted and passphrase is not None:
            raise KeyFileError(
                f"key file {path} is not encrypted but a passphrase was given; load it without "
                "a passphrase (--no-passphrase) or save it again with one"
            )
        if encrypted:
            if not isinstance(sealed, dict) or passphrase is None:
                raise KeyFileError(f"key file {path} holds a damaged private key")
            secret = _open(sealed, passphrase, _associated_data(document), path)
        elif isinstance(sealed, str):
            secret = sealed.encode("ascii", "replace")
        else:
            raise KeyFileError(f"key file {path} holds a damaged private key")
        try:
            pair = cls.from_multibase_private(secret.decode("ascii", "replace"))
        except InputError:
            raise KeyFileError(f"key file {path} holds a damaged private key") from None
        if (
            pair.type.value != document["type"]
            or pair.public_key.to_multibase() != document["publicKeyMultibase"]
        ):
            raise KeyFileError(
                f"key file {path} is inconsistent: its private key does not match its "
                "type/publicKeyMultibase"
            )
        try:
            return pair.with_identity(document["controller"], document["key_id"])
        except InputError as exc:
            raise KeyFileError(f"key file {path}: {exc.message}") from None


# scrypt cost for new files (about 0.1 s and 32 MiB), and the most a file may ask for, so a
# crafted key file cannot make loading take minutes or gigabytes.
_SCRYPT_NEW = {"n": 2**15, "r": 8, "p": 1}
_SCRYPT_MAX = {"n": 2**20, "r": 16, "p": 4}


def _associated_data(document: Mapping[str, Any]) -> bytes:
    names = ("version", "type", "controller", "key_id", "publicKeyMultibase")
    fields = [document[k] for k in names]
    return json.dumps(fields).encode("utf-8")


def _scrypt_key(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _seal(secret: bytes, passphrase: bytes, associated: bytes) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _scrypt_key(passphrase, salt, **_SCRYPT_NEW)
    return {
        "kdf": "scrypt",
        **_SCRYPT_NEW,
        "salt": b64url_encode(salt),
        "cipher": "A256GCM",
        "nonce": b64url_encode(nonce),
        "ciphertext": b64url_encode(AESGCM(key).encrypt(nonce, secret, associated)),
    }


def _open(sealed: Mapping[str, Any], passphrase: bytes, associated: bytes, path: Path) -> bytes:
    damaged = KeyFileError(f"key file {path} holds a damaged private key")
    if sealed.get("kdf") != "scrypt" or sealed.get("cipher") != "A256GCM":
        raise damaged
    cost: dict[str, int] = {}
    for name, limit in _SCRYPT_MAX.items():
        value = sealed.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
            raise damaged
        cost[name] = value
    try:
        salt = b64url_decode(str(sealed.get("salt")), what="salt")
        nonce = b64url_decode(str(sealed.get("nonce")), what="nonce")
        ciphertext = b64url_decode(str(sealed.get("ciphertext")), what="ciphertext")
        key = _scrypt_key(passphrase, salt, cost["n"], cost["r"], cost["p"])
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except InvalidTag:
        raise KeyFileError(
            f"cannot decrypt key file {path}: wrong passphrase (or the file was altered)"
        ) from None
    except (InputError, ValueError):
        raise damaged from None


_KEY_FILE_FIELDS: dict[str, type] = {
    "version": int,
    "type": str,
    "controller": str,
    "key_id": str,
    "publicKeyMultibase": str,
    "encrypted": bool,
}


def _read_key_file(path: Path) -> dict[str, Any]:
    """Open once, then check mode and size on the open descriptor (no check-then-open race)."""
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang the caller; no effect on files.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist") from None
    except OSError as exc:
        raise KeyFileError(f"cannot open key file {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"key file {path} is not a regular file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise KeyFileError(
                f"key file {path} is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
            )
        if info.st_size > _MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"key file {path} is too large to be a key file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(_MAX_KEY_FILE_BYTES + 1)
    finally:
        os.close(fd)
    try:
        document = json.loads(raw)
    except ValueError:  # includes UnicodeDecodeError
        raise KeyFileError(f"key file {path} is not valid JSON") from None
    if not isinstance(document, dict):
        raise KeyFileError(f"key file {path} is not a JSON object")
    for name, kind in _KEY_FILE_FIELDS.items():
        value = document.get(name)
        # bool is an int subclass: a version of `true` must not pass as 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise KeyFileError(
                f"key file {path} lacks a valid {name!r} ({kind.__name__}); is it a vcportable "
                "key file?"
            )
    if document["version"] != _KEY_FILE_VERSION:
        raise KeyFileError(f"key file {path} has unsupported version {document['version']}")
    return document


@dataclass(frozen=True)
class KeyFileInfo:
    """The public part of a key file, readable without its passphrase."""

    public_key: PublicKey
    controller: str
    key_id: str
    encrypted: bool


def read_key_file_info(path: str | os.PathLike[str]) -> KeyFileInfo:
    """Read what a key file says about itself (same checks as :meth:`KeyPair.load`)."""
    path = Path(path)
    document = _read_key_file(path)
    try:
        public_key = PublicKey.from_multibase(document["publicKeyMultibase"])
    except InputError as exc:
        raise KeyFileError(f"key file {path}: {exc.message}") from None
    return KeyFileInfo(
        public_key, document["controller"], document["key_id"], document["encrypted"]
    )


def key_file_is_encrypted(path: str | os.PathLike[str]) -> bool:
    """Whether :meth:`KeyPair.load` needs a passphrase, so a CLI prompts only when it must."""
    return read_key_file_info(path).encrypted


def passphrase_from_env(var: str) -> bytes:
    """Read a key file passphrase from an environment variable (so it is not on a command line)."""
    value = os.environ.get(var)
    if not value:
        raise KeyFileError(
            f"environment variable {var} is not set or empty; it must hold the passphrase"
        )
    return value.encode("utf-8")
