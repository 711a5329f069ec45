"""Keys: one :class:`PublicKey` for every curve, validated wherever it enters; :class:`KeyPair`,
the only holder of a private key; and the encrypted key file.

Modules: :mod:`.curves` (the table of key types), :mod:`.ed25519` (RFC 8032 strictness),
:mod:`.jwk` (JWK members), :mod:`.material` (keys and their encodings), :mod:`.keyfile` (the
file format at rest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .curves import KeyType
from .material import KeyPair, PublicKey

if TYPE_CHECKING:
    from .keyfile import (
        MIN_PASSPHRASE_LENGTH,
        KeyFileInfo,
        PreviousKey,
        check_new_passphrase,
        key_file_is_encrypted,
        passphrase_from_env,
        read_key_file_info,
    )

_KEYFILE_NAMES = frozenset(
    {
        "MIN_PASSPHRASE_LENGTH",
        "KeyFileInfo",
        "PreviousKey",
        "check_new_passphrase",
        "key_file_is_encrypted",
        "passphrase_from_env",
        "read_key_file_info",
    }
)

__all__ = [
    "MIN_PASSPHRASE_LENGTH",
    "KeyFileInfo",
    "KeyPair",
    "KeyType",
    "PreviousKey",
    "PublicKey",
    "check_new_passphrase",
    "key_file_is_encrypted",
    "passphrase_from_env",
    "read_key_file_info",
]


def __getattr__(name: str) -> Any:
    """The key file's names import :mod:`.keyfile` (scrypt, AES-GCM, file writing) on first
    use: verifying a credential needs none of it."""
    if name not in _KEYFILE_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import keyfile

    return getattr(keyfile, name)
