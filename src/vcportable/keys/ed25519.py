"""RFC 8032 strictness for Ed25519, checked here rather than left to the crypto backend.

Why: a public key of small order (one of the 8 torsion points) verifies a forged signature
over *any* message under cofactored or lax verification, and non-canonical encodings of the
same point (``y >= p``, or the sign bit set on ``x = 0``) let two byte strings name one key.
Backends differ on both (see "Taming the many EdDSAs", Chalkias et al., 2020), so vcportable
refuses them itself, on every key it decodes. On signatures it refuses ``S >= L``
(malleability) and a non-canonical ``R``.
"""

from __future__ import annotations

from vcportable.errors import InvalidKeyError

__all__ = ["check_public_key", "is_canonical_signature"]

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
_Y_MASK = (1 << 255) - 1
#: The canonical encodings of the 8 points of the torsion subgroup (libsodium's blocklist;
#: "Taming the many EdDSAs", Table 6). With ``y < p`` and the sign-bit rule below, every other
#: encoding of these points is refused too: a list lookup instead of a point decompression,
#: which would cost as much as the signature check itself.
_SMALL_ORDER = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # order 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    )
)


def check_public_key(raw: bytes) -> None:
    """Raise InvalidKeyError unless ``raw`` is a canonical encoding of a point outside the
    torsion subgroup. (A ``y`` on no point at all cannot verify anything: the backend refuses
    every signature under it.)"""
    if len(raw) != 32:
        raise InvalidKeyError(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    y = int.from_bytes(raw, "little") & _Y_MASK
    if y >= P:
        raise InvalidKeyError("Ed25519 public key is not canonical (its y is not below p)")
    if raw[31] & 0x80 and y in (1, P - 1):  # the only points with x = 0
        raise InvalidKeyError("Ed25519 public key is not canonical (sign bit set on x = 0)")
    if raw in _SMALL_ORDER:
        raise InvalidKeyError(
            "Ed25519 public key is a point of small order: it would verify forged signatures"
        )


def is_canonical_signature(signature: bytes) -> bool:
    """Whether a 64-byte signature has ``S < L`` and an ``R`` whose y is below p."""
    r_y = int.from_bytes(signature[:32], "little") & _Y_MASK
    return r_y < P and int.from_bytes(signature[32:], "little") < L
