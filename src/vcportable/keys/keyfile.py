"""The vcportable key file: a private key encrypted at rest, with its identity in clear.

The file is JSON (version 1)::

    {"version": 1, "type": "ed25519", "controller": DID, "key_id": DID URL,
     "publicKeyMultibase": "z6Mk...", "encrypted": true,
     "privateKey": {"kdf": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": b64url,
                    "cipher": "A256GCM", "nonce": b64url, "ciphertext": b64url},
     "previous": [{"key_id": DID URL, "publicKeyMultibase": "z..."}]}

The public fields are readable without the passphrase (``did show``), and they are the AES-GCM
associated data of the sealed private key, so editing any of them (the identity, the public
key, the ``previous`` list) makes the file fail to open. ``previous`` (optional) lists the
public keys this identity used before ``key rotate``: they go into its published DID document,
so credentials signed before the rotation still verify. Files are written atomically with mode
0600, and never over an existing key file unless the caller insists (the CLI never does).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.codec.json import parse_json
from vcportable.codec.multibase import multibase_encode
from vcportable.errors import InputError, KeyFileError
from vcportable.fileutil import write_atomic

from .material import KeyPair, PublicKey

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "KeyFileInfo",
    "PreviousKey",
    "check_new_passphrase",
    "key_file_is_encrypted",
    "load_key_file",
    "passphrase_from_env",
    "read_key_file_info",
    "save_key_file",
]

#: Shortest passphrase accepted for a new key file, in characters (NIST SP 800-63B asks at
#: least 8 for a memorised secret; a key file can be guessed offline, so more).
MIN_PASSPHRASE_LENGTH = 12
_MAX_KEY_FILE_BYTES = 64 * 1024
_MAX_PREVIOUS_KEYS = 64
_VERSION = 1
# scrypt cost for new files (about 0.1 s and 32 MiB), and the most a file may ask for, so a
# crafted key file cannot make loading take minutes or gigabytes.
_SCRYPT_NEW = {"n": 2**15, "r": 8, "p": 1}
_SCRYPT_MAX = {"n": 2**20, "r": 16, "p": 4}
_FIELDS: dict[str, type] = {
    "version": int,
    "type": str,
    "controller": str,
    "key_id": str,
    "publicKeyMultibase": str,
    "encrypted": bool,
}


def invalid_field(document: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first clear field of a key file that is missing or of the wrong type, as (name,
    expected type), or None."""
    for name, kind in _FIELDS.items():
        value = document.get(name)
        # bool is an int subclass: a version of `true` must not pass as 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return name, kind.__name__
    return None


#: The sealed private key as :func:`_seal` writes it: scrypt with a 16-byte salt, AES-GCM with a
#: 12-byte nonce and a 16-byte tag.
_SEALED_MEMBERS = frozenset({"kdf", "n", "r", "p", "salt", "cipher", "nonce", "ciphertext"})
_SALT_BYTES, _NONCE_BYTES, _TAG_BYTES = 16, 12, 16
_SEALED_DATA = ("salt", "nonce", "ciphertext")


def sealed_problem(sealed: Any, public_key: PublicKey) -> str | None:
    """What is wrong with the shape of a sealed private key of ``public_key`` (as "has ..."),
    checked without the passphrase, or None: its members, scrypt cost, and the sizes of its
    salt, nonce and ciphertext (the private key's multibase, whose length the curve fixes up to
    its base58 digits, plus the tag). Every reader of a key file checks it
    (:func:`key_file_info`)."""
    if not isinstance(sealed, dict):
        return "has no encrypted privateKey"
    missing, unknown = _SEALED_MEMBERS - set(sealed), set(sealed) - _SEALED_MEMBERS
    if missing:
        return f"has an encrypted privateKey without {', '.join(sorted(missing))}"
    if unknown:
        names = ", ".join(repr(name)[:40] for name in sorted(unknown)[:5])
        return f"has an encrypted privateKey with unknown members ({names})"
    if sealed["kdf"] != "scrypt" or sealed["cipher"] != "A256GCM":
        return "has a privateKey not sealed with scrypt and A256GCM"
    if scrypt_cost(sealed) is None:
        return "has a privateKey scrypt cost (n, r, p) out of a key file's bounds"
    if sealed["n"] < 2 or sealed["n"] & (sealed["n"] - 1):
        return "has a privateKey scrypt 'n' that is not a power of 2"
    curve = public_key.curve
    low = len(multibase_encode(curve.private_codec + b"\x00" * curve.size))
    high = len(multibase_encode(curve.private_codec + b"\xff" * curve.size))
    sizes = {
        "salt": (_SALT_BYTES, _SALT_BYTES),
        "nonce": (_NONCE_BYTES, _NONCE_BYTES),
        "ciphertext": (low + _TAG_BYTES, high + _TAG_BYTES),
    }
    for name, (least, most) in sizes.items():
        try:
            # Decoded within the file's own bound: a size off by a little is told as a size.
            size = len(b64url_decode(sealed[name], what=name, max_bytes=_MAX_KEY_FILE_BYTES))
        except InputError as exc:
            return f"has an unreadable privateKey {name!r} ({exc.message})"
        if not least <= size <= most:
            count = str(least) if least == most else f"{least} to {most}"
            kind = curve.key_type
            return f"has a privateKey {name!r} of {size} bytes, not {count} (a {kind} key)"
    return None


def scrypt_cost(sealed: Mapping[str, Any]) -> dict[str, int] | None:
    """A sealed private key's scrypt cost (n, r, p), or None when one is not an integer within
    the bounds a key file may ask for (a crafted file must not cost minutes or gigabytes)."""
    cost: dict[str, int] = {}
    for name, limit in _SCRYPT_MAX.items():
        value = sealed.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
            return None
        cost[name] = value
    return cost


@dataclass(frozen=True)
class PreviousKey:
    """A public key the identity signed with before a rotation."""

    key_id: str
    public_key: PublicKey


@dataclass(frozen=True)
class KeyFileInfo:
    """The public part of a key file, readable without its passphrase."""

    public_key: PublicKey
    controller: str
    key_id: str
    encrypted: bool
    previous: tuple[PreviousKey, ...] = ()


def check_new_passphrase(passphrase: bytes) -> None:
    """Refuse a passphrase too short to protect a key that can be guessed offline."""
    length = len(passphrase.decode("utf-8", "replace"))
    if length < MIN_PASSPHRASE_LENGTH:
        raise KeyFileError(
            f"passphrase is {length} characters; at least {MIN_PASSPHRASE_LENGTH} are needed"
        )


def _associated_data(document: Mapping[str, Any]) -> bytes:
    names = ("version", "type", "controller", "key_id", "publicKeyMultibase")
    fields = [document[k] for k in names]
    if "previous" in document:
        fields.append(document["previous"])
    return json.dumps(fields).encode("utf-8")


def _scrypt_key(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _seal(secret: bytes, passphrase: bytes, associated: bytes) -> dict[str, Any]:
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
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
    """The sealed private key, opened (its shape was checked: :func:`sealed_problem`)."""
    salt, nonce, ciphertext = (b64url_decode(sealed[name], what=name) for name in _SEALED_DATA)
    key = _scrypt_key(passphrase, salt, sealed["n"], sealed["r"], sealed["p"])
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except InvalidTag:
        raise KeyFileError(
            f"cannot decrypt key file {path}: wrong passphrase (or the file was altered)"
        ) from None


def save_key_file(
    pair: KeyPair,
    path: str | os.PathLike[str],
    passphrase: bytes | None,
    *,
    overwrite: bool = False,
) -> None:
    """Write ``pair`` (with its identity and previous keys) as a key file, mode 0600, atomically.

    ``passphrase=None`` stores the key unencrypted (``"encrypted": false``): test keys only.
    """
    if passphrase is not None:
        check_new_passphrase(passphrase)
    document: dict[str, Any] = {
        "version": _VERSION,
        "type": pair.type.value,
        "controller": pair.controller,
        "key_id": pair.key_id,
        "publicKeyMultibase": pair.public_key.to_multibase(),
        "encrypted": passphrase is not None,
    }
    if pair.previous:
        document["previous"] = [
            {"key_id": old.key_id, "publicKeyMultibase": old.public_key.to_multibase()}
            for old in pair.previous
        ]
    secret = pair.to_multibase_private().encode("ascii")
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
        raise KeyFileError(f"key file {path} already exists; refusing to overwrite it") from None
    except OSError as exc:
        raise KeyFileError(f"cannot write key file {path}: {exc.strerror or exc}") from None


def load_key_file(path: str | os.PathLike[str], passphrase: bytes | None) -> KeyPair:
    """Read a key file; every problem is a :class:`~vcportable.errors.KeyFileError` naming it."""
    path = Path(path)
    document, info = _read(path)
    sealed = document.get("privateKey")
    if info.encrypted and passphrase is None:
        raise KeyFileError(f"key file {path} is encrypted: a passphrase is required")
    if not info.encrypted and passphrase is not None:
        raise KeyFileError(
            f"key file {path} is not encrypted but a passphrase was given; load it without "
            "a passphrase (--no-passphrase) or save it again with one"
        )
    if passphrase is not None:  # so encrypted: key_file_info checked the sealed key's shape
        secret = _open(document["privateKey"], passphrase, _associated_data(document), path)
    elif isinstance(sealed, str):
        secret = sealed.encode("ascii", "replace")
    else:
        raise KeyFileError(f"key file {path} holds a damaged private key")
    try:
        pair = KeyPair.from_multibase_private(secret.decode("ascii", "replace"))
    except InputError:
        raise KeyFileError(f"key file {path} holds a damaged private key") from None
    if pair.public_key != info.public_key:
        raise KeyFileError(
            f"key file {path} is inconsistent: its private key does not match its "
            "type/publicKeyMultibase"
        )
    return pair.with_identity(info.controller, info.key_id, info.previous)


def _read(path: Path) -> tuple[dict[str, Any], KeyFileInfo]:
    """The key file's document and what it says (:func:`key_file_info`). Opened once, then mode
    and size are checked on the open descriptor (no check-then-open race)."""
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
        if info.st_size > _MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"key file {path} is too large to be a key file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(_MAX_KEY_FILE_BYTES + 1)
    finally:
        os.close(fd)
    # A key file opened and saved in a Windows editor gains a UTF-8 BOM: not part of the key
    # (the sealed secret is authenticated with the parsed fields, not these bytes).
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        document = parse_json(raw, max_bytes=_MAX_KEY_FILE_BYTES, what=f"key file {path}")
    except InputError:
        raise KeyFileError(f"key file {path} is not valid JSON") from None
    if not isinstance(document, dict):
        raise KeyFileError(f"key file {path} is not a JSON object")
    key_info = key_file_info(document, f"key file {path}")
    # Only now, once it is known to be a key file, does its mode matter: a file that is not a
    # key is reported as such, not as a permissions problem.
    if os.name == "posix" and info.st_mode & 0o077:
        raise KeyFileError(
            f"key file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
        )
    return document, key_info


def key_file_info(document: Mapping[str, Any], where: str) -> KeyFileInfo:
    """What a key file's document says about itself, checked without its passphrase: its clear
    fields and version, its public key against its type, its previous keys, and the shape of
    its sealed private key (:func:`sealed_problem`). ``where`` names the file in errors. Every
    reader of a key file checks it so (load, info, export, and a wallet backup's import, which
    has only the document): a file one of them refuses, all refuse, for the same reason."""
    invalid = invalid_field(document)
    if invalid is not None:
        raise KeyFileError(
            f"{where} lacks a valid {invalid[0]!r} ({invalid[1]}); is it a vcportable key file?"
        )
    if document["version"] != _VERSION:
        raise KeyFileError(f"{where} has unsupported version {document['version']}")
    try:
        public_key = PublicKey.from_multibase(document["publicKeyMultibase"])
        if public_key.type.value != document["type"]:
            raise InputError(f"type {document['type']!r} is not the type of publicKeyMultibase")
        previous = _previous(document.get("previous", []))
    except InputError as exc:
        raise KeyFileError(f"{where}: {exc.message}") from None
    if document["encrypted"]:
        problem = sealed_problem(document.get("privateKey"), public_key)
        if problem is not None:
            raise KeyFileError(f"{where} {problem}")
    return KeyFileInfo(
        public_key, document["controller"], document["key_id"], document["encrypted"], previous
    )


def _previous(entries: Any) -> tuple[PreviousKey, ...]:
    if not isinstance(entries, list) or len(entries) > _MAX_PREVIOUS_KEYS:
        raise InputError(f"'previous' must be a list of at most {_MAX_PREVIOUS_KEYS} keys")
    keys = []
    for entry in entries:
        key_id = entry.get("key_id") if isinstance(entry, dict) else None
        if not isinstance(key_id, str):
            raise InputError("each 'previous' key needs a string 'key_id'")
        keys.append(PreviousKey(key_id, PublicKey.from_multibase(entry.get("publicKeyMultibase"))))
    return tuple(keys)


def read_key_file_info(path: str | os.PathLike[str]) -> KeyFileInfo:
    """Read what a key file says about itself (same checks as :func:`load_key_file`)."""
    return _read(Path(path))[1]


def key_file_is_encrypted(path: str | os.PathLike[str]) -> bool:
    """Whether :func:`load_key_file` needs a passphrase, so a CLI prompts only when it must."""
    return read_key_file_info(path).encrypted


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def passphrase_from_env(var: str) -> bytes:
    """Read a key file passphrase from an environment variable (so it is not on a command line)."""
    if not _ENV_NAME.fullmatch(var):  # never echoed: it may be the passphrase typed by mistake
        raise KeyFileError(
            "the passphrase option names an environment variable (letters, digits and _), "
            "not the passphrase itself"
        )
    value = os.environ.get(var)
    if not value:
        raise KeyFileError(
            f"environment variable {var} is not set or empty; it must hold the passphrase"
        )
    return value.encode("utf-8")
