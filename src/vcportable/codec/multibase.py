"""Multibase (base58btc ``z``, base64url ``u``) and base58btc, for Multikeys, proof values and
digests.

base58btc runs in compiled code (``based58``, Rust): decoding a signature in pure Python was 6%
of a whole verification. It is exact: every byte string has exactly one encoding, one ``1`` per
leading zero byte, so decoding never accepts two spellings of one value (the pure-Python
``base58`` package strips trailing whitespace; this codec refuses it). Callers name the prefixes
their specification allows (a Multikey is ``z`` only), and every decode is bounded in length
because base58 costs quadratic time.
"""

from __future__ import annotations

import re
from typing import Final, Literal

import based58

from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.errors import InputError

__all__ = [
    "MAX_MULTIBASE_CHARS",
    "b58decode",
    "b58encode",
    "multibase_decode",
    "multibase_encode",
]

#: Longest multibase or base58 text decoded (a P-384 signature is 132 base58 characters).
MAX_MULTIBASE_CHARS: Final = 1024
_NOT_BASE58: Final = re.compile(r"[^1-9A-HJ-NP-Za-km-z]")


def b58encode(data: bytes) -> str:
    """base58btc (Bitcoin alphabet), one ``1`` per leading zero byte."""
    return based58.b58encode(data).decode("ascii")


def b58decode(text: str, *, what: str = "value", max_chars: int = MAX_MULTIBASE_CHARS) -> bytes:
    """Strict base58btc; :class:`InputError` (``TOO_LARGE`` over ``max_chars``)."""
    if len(text) > max_chars:
        raise InputError(
            f"{what} is {len(text)} characters, over the limit of {max_chars}", code="TOO_LARGE"
        )
    try:
        return based58.b58decode(text.encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        bad = _NOT_BASE58.search(text)
        where = f"{bad.group()!r} at position {bad.start()}" if bad else "a character"
        raise InputError(f"{what} is not base58btc: {where} is not in its alphabet") from None


def multibase_encode(data: bytes, base: Literal["z", "u"] = "z") -> str:
    """``z`` + base58btc, or ``u`` + unpadded base64url."""
    return "z" + b58encode(data) if base == "z" else "u" + b64url_encode(data)


def multibase_decode(
    value: object,
    *,
    what: str = "value",
    bases: Literal["z", "u", "zu"] = "z",
    max_chars: int = MAX_MULTIBASE_CHARS,
) -> bytes:
    """Decode a multibase string whose prefix is one of ``bases`` (``"z"``, ``"u"`` or
    ``"zu"``); :class:`InputError` on any other prefix, an empty body or a bad encoding."""
    if not isinstance(value, str) or len(value) < 2:
        raise InputError(f"{what} must be a multibase string (a prefix, then the encoded data)")
    prefix, body = value[0], value[1:]
    if prefix not in bases:
        allowed = " or ".join(repr(b) for b in bases)
        raise InputError(f"{what} must be multibase with prefix {allowed}, got {prefix!r}")
    if len(value) > max_chars:
        raise InputError(
            f"{what} is {len(value)} characters, over the limit of {max_chars}", code="TOO_LARGE"
        )
    if prefix == "z":
        return b58decode(body, what=what, max_chars=max_chars)
    return b64url_decode(body, what=what)
