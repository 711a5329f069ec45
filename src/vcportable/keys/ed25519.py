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
_D = -121665 * pow(121666, P - 2, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)
_Y_MASK = (1 << 255) - 1


def _x_of(y: int) -> int | None:
    """A square root x of (y² - 1) / (d·y² + 1), or None when y is on no point of the curve."""
    u, v = (y * y - 1) % P, (_D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P == 0:
        return x
    x = x * _SQRT_M1 % P
    return x if (v * x * x - u) % P == 0 else None


def _has_small_order(x: int, y: int) -> bool:
    """Whether [8]P is the neutral element: three doublings in extended coordinates."""
    px, py, pz = x, y, 1
    for _ in range(3):
        a, b, c = px * px % P, py * py % P, 2 * pz * pz % P
        h = a + b
        e = (h - (px + py) ** 2) % P
        g = (a - b) % P
        f = (c + g) % P
        px, py, pz = e * f % P, g * h % P, f * g % P
    return px == 0 and py == pz


def check_public_key(raw: bytes) -> None:
    """Raise InvalidKeyError unless ``raw`` is the canonical encoding of a point of large order."""
    if len(raw) != 32:
        raise InvalidKeyError(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    encoded = int.from_bytes(raw, "little")
    y, sign = encoded & _Y_MASK, encoded >> 255
    if y >= P:
        raise InvalidKeyError("Ed25519 public key is not canonical (its y is not below p)")
    x = _x_of(y)
    if x is None:
        raise InvalidKeyError("Ed25519 public key is not a point on the curve")
    if x == 0 and sign:
        raise InvalidKeyError("Ed25519 public key is not canonical (sign bit set on x = 0)")
    if _has_small_order(x, y):
        raise InvalidKeyError(
            "Ed25519 public key is a point of small order: it would verify forged signatures"
        )


def is_canonical_signature(signature: bytes) -> bool:
    """Whether a 64-byte signature has ``S < L`` and an ``R`` whose y is below p."""
    r_y = int.from_bytes(signature[:32], "little") & _Y_MASK
    return r_y < P and int.from_bytes(signature[32:], "little") < L
