"""Digests of related resources: Subresource Integrity (``digestSRI``) and multibase
multihashes (``digestMultibase``), read strictly and written as VC 2.0 §5.3 describes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Final, Literal

from vcportable.codec.multibase import multibase_decode, multibase_encode
from vcportable.errors import InputError

__all__ = [
    "digest_multibase",
    "digest_sri",
    "parse_digest_multibase",
    "parse_digest_sri",
    "strongest_sri",
]

_SRI_TOKEN_RE: Final = re.compile(
    r"(?P<alg>sha256|sha384|sha512)-(?P<b64>[A-Za-z0-9+/]+={0,2})(?:\?[\x21-\x7e]*)?"
)
_SRI_SIZES: Final = {"sha256": 32, "sha384": 48, "sha512": 64}
_SRI_STRENGTH: Final = {"sha256": 1, "sha384": 2, "sha512": 3}
# multihash code -> (hashlib name, digest size); the codes are single-byte varints.
_MULTIHASH: Final = {0x12: ("sha256", 32), 0x20: ("sha384", 48), 0x13: ("sha512", 64)}
_MAX_DIGEST_CHARS: Final = 1024


def parse_digest_sri(value: object) -> list[tuple[str, bytes]] | None:
    """``[(algorithm, digest)]`` of a Subresource Integrity value (``sha384-<base64> ...``);
    None unless every token is a well-formed sha256/sha384/sha512 digest."""
    if not isinstance(value, str) or len(value) > _MAX_DIGEST_CHARS:
        return None
    digests: list[tuple[str, bytes]] = []
    for token in value.split():
        match = _SRI_TOKEN_RE.fullmatch(token)
        if match is None:
            return None
        b64 = match["b64"]
        try:
            digest = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(digest) != _SRI_SIZES[match["alg"]]:
            return None
        digests.append((match["alg"], digest))
    return digests or None


def strongest_sri(digests: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The entries of the strongest algorithm, the only ones SRI checks (W3C SRI §3.3.4)."""
    best = max(_SRI_STRENGTH[alg] for alg, _ in digests)
    return [(alg, d) for alg, d in digests if _SRI_STRENGTH[alg] == best]


def parse_digest_multibase(value: object) -> tuple[str, bytes] | None:
    """``(algorithm, digest)`` of a multibase (``u`` base64url / ``z`` base58btc) multihash
    of a SHA-2 digest; None when malformed or of another hash function."""
    try:
        raw = multibase_decode(value, bases="zu", max_chars=_MAX_DIGEST_CHARS)
    except InputError:
        return None
    if len(raw) < 2 or raw[0] not in _MULTIHASH:
        return None
    algorithm, size = _MULTIHASH[raw[0]]
    if raw[1] != size or len(raw) != 2 + size:
        return None
    return algorithm, raw[2:]


def digest_multibase(data: bytes, *, base: Literal["u", "z"] = "u") -> str:
    """The ``digestMultibase`` of ``data``: a sha2-256 multihash, base64url or base58btc."""
    return multibase_encode(b"\x12\x20" + hashlib.sha256(data).digest(), base)


def digest_sri(data: bytes, algorithm: Literal["sha256", "sha384", "sha512"] = "sha384") -> str:
    """The ``digestSRI`` of ``data`` (``sha384-<base64>`` by default, as SRI recommends)."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"
