"""The JWK members of a key (RFC 7517, 7518, 8037), read strictly.

A JWK is refused when a member would change what the key means: a private member in a public
JWK, ``y`` on an OKP key, an ``alg`` that does not fit the curve, a ``use`` other than ``sig``,
``key_ops`` without ``verify``/``sign``, or certificate members (``x5c``, ``x5u``...) that bind
the key to a chain vcportable does not check. Members with no bearing on the key (``kid``,
``ext``, unknown names) are ignored, as RFC 7517 §4 asks. Coordinates must have the exact
length of the curve: a shorter or padded one is another spelling of the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.errors import InputError, InvalidKeyError

from .curves import CURVES, Curve

__all__ = ["JwkParts", "read_jwk", "write_jwk"]

_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_CERTIFICATE = ("x5c", "x5u", "x5t", "x5t#S256")
# RFC 9864 adds the fully-specified name "Ed25519" for EdDSA over Ed25519.
_ALG_ALIASES = {"Ed25519": "EdDSA"}


@dataclass(frozen=True)
class JwkParts:
    """The decoded members: ``y`` is None for Ed25519, ``d`` None for a public JWK."""

    curve: Curve
    x: bytes
    y: bytes | None
    d: bytes | None


def _curve(jwk: Mapping[str, Any]) -> Curve:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    for curve in CURVES.values():
        if (curve.jwk_kty, curve.jwk_crv) == (kty, crv):
            return curve
    raise InvalidKeyError(
        f"unsupported JWK (kty={str(kty)[:20]!r}, crv={str(crv)[:20]!r}); expected OKP/Ed25519 "
        "or EC/P-256, P-384, P-521"
    )


def _member(jwk: Mapping[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKeyError(f"JWK member {name!r} is missing or not a string")
    try:
        data = b64url_decode(value, what=f"JWK member {name!r}", max_bytes=2 * size)
    except InputError as exc:
        raise InvalidKeyError(exc.message) from None
    if len(data) != size:
        raise InvalidKeyError(f"JWK member {name!r} must encode {size} bytes, got {len(data)}")
    return data


def read_jwk(jwk: Any, *, private: bool) -> JwkParts:
    """Decode a public (``private=False``: ``d`` refused) or private (``d`` required) JWK."""
    if not isinstance(jwk, Mapping):
        raise InvalidKeyError("JWK must be a JSON object")
    curve = _curve(jwk)
    present = [name for name in _PRIVATE if name in jwk]
    if not private and present:
        raise InvalidKeyError(
            f"public JWK holds private member {present[0]!r}; refusing to handle a private key "
            "as a public one"
        )
    if private and present != ["d"]:
        raise InvalidKeyError("private JWK must hold exactly the private member 'd'")
    certificate = [name for name in _CERTIFICATE if name in jwk]
    if certificate:
        raise InvalidKeyError(
            f"JWK member {certificate[0]!r} binds the key to a certificate chain, which "
            "vcportable does not check; remove it"
        )
    alg = jwk.get("alg")
    if alg is not None and _ALG_ALIASES.get(alg, alg) != curve.jws_alg:
        raise InvalidKeyError(f"JWK alg {str(alg)[:20]!r} does not fit a {curve.jwk_crv} key")
    if jwk.get("use", "sig") != "sig":
        raise InvalidKeyError(
            f"JWK use {str(jwk['use'])[:20]!r}: only signature keys (use 'sig') are usable"
        )
    ops = jwk.get("key_ops")
    if ops is not None and (
        not isinstance(ops, list)
        or not all(isinstance(op, str) for op in ops)
        or not {"sign", "verify"} & set(ops)
    ):
        raise InvalidKeyError("JWK key_ops allows neither 'sign' nor 'verify'")
    if curve.ec_curve is None and "y" in jwk:
        raise InvalidKeyError("an OKP (Ed25519) JWK has no member 'y'")
    return JwkParts(
        curve,
        _member(jwk, "x", curve.size),
        None if curve.ec_curve is None else _member(jwk, "y", curve.size),
        _member(jwk, "d", curve.size) if private else None,
    )


def write_jwk(curve: Curve, x: bytes, y: bytes | None, d: bytes | None = None) -> dict[str, str]:
    """A JWK with only the key's own members (no ``alg``/``kid``), so it is canonical."""
    jwk = {"kty": curve.jwk_kty, "crv": curve.jwk_crv, "x": b64url_encode(x)}
    if y is not None:
        jwk["y"] = b64url_encode(y)
    if d is not None:
        jwk["d"] = b64url_encode(d)
    return jwk
