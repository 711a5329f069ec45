"""Semantic CBOR: JSON values and compact tokens as small CBOR items, losslessly.

What shrinks (``docs/qr-format.md`` has the exact rules):

- member names and string values found in the dictionary become one or two bytes;
- strings with a binary body become a byte string whose first byte names the *form*
  (base58btc multibase such as ``proofValue``, ``did:key`` DIDs and their key ids,
  ``urn:uuid``, base64url, dates of ``xsd:dateTime`` in UTC as integers);
- a token's base64url segments become their JSON (itself compacted) or their raw bytes.

A form is used only when writing it back gives the very same string, so any string survives:
unknown contexts, other languages, long texts. Numbers keep their type (``1.0`` stays a float,
``1`` an integer).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.codec.json import (
    MAX_INPUT_BYTES,
    MAX_INT_DIGITS,
    MAX_JSON_DEPTH,
    dumps_compact,
    parse_json,
)
from vcportable.codec.multibase import b58decode, b58encode
from vcportable.errors import EnvelopeError, InputError

from . import cbor
from .cbor import Item, Simple
from .dictionary import KEY_TERMS, VALUE_TERMS

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
#: Longest base58btc body written as bytes (base58 costs time quadratic in its length).
MAX_BASE58_BYTES: Final = 256
#: What decoding one envelope may produce, counted over every string and value (a credential
#: over MAX_INPUT_BYTES would not be read by a verifier anyway).
MAX_EXPANDED_BYTES: Final = 2 * MAX_INPUT_BYTES

_KEY_INDEX: Final = {term: index for index, term in enumerate(KEY_TERMS)}
_VALUE_INDEX: Final = {term: index for index, term in enumerate(VALUE_TERMS)}
# Simple values 20-31 are taken or reserved in CBOR: entries from 20 on skip them.
_SIMPLE_GAP: Final = 12


def _simple_for(index: int) -> Simple:
    return Simple(index if index < 20 else index + _SIMPLE_GAP)


def _term_for(simple: Simple) -> str:
    index = simple.value if simple.value < 20 else simple.value - _SIMPLE_GAP
    if not 0 <= index < len(VALUE_TERMS):
        raise EnvelopeError(f"the envelope names dictionary value {simple.value}, which is unknown")
    return VALUE_TERMS[index]


# --------------------------------------------------------------------------------------------
# String forms: (form byte, encoder that returns the body or None, decoder of the body)

_DATE_SECONDS: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_DATE_MILLIS: Final = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_INSTANT: Final = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
_UUID: Final = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BASE58: Final = re.compile(r"[1-9A-HJ-NP-Za-km-z]{20,400}")
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*[0-9_-][A-Za-z0-9_-]*")
_DID_KEY: Final = "did:key:z"


def _base58_body(text: str) -> bytes | None:
    if _BASE58.fullmatch(text) is None:
        return None
    body = b58decode(text)
    return body if len(body) <= MAX_BASE58_BYTES else None


def _base58_text(body: bytes) -> str:
    if len(body) > MAX_BASE58_BYTES:
        raise EnvelopeError(f"the envelope holds a base58 value of {len(body)} bytes (too long)")
    return b58encode(body)


def _multibase58(text: str) -> bytes | None:
    return _base58_body(text[1:]) if text.startswith("z") else None


def _did_key(text: str) -> bytes | None:
    return _base58_body(text[len(_DID_KEY) :]) if text.startswith(_DID_KEY) else None


def _did_key_method(text: str) -> bytes | None:
    did, _, fragment = text.partition("#")
    if not did.startswith(_DID_KEY) or fragment != did[len(_DID_KEY) - 1 :]:
        return None
    return _base58_body(fragment[1:])


def _did_key_method_text(body: bytes) -> str:
    key = "z" + _base58_text(body)
    return f"did:key:{key}#{key}"


def _urn_uuid(text: str) -> bytes | None:
    return uuid.UUID(text[9:]).bytes if _UUID.fullmatch(text) else None


def _urn_uuid_text(body: bytes) -> str:
    if len(body) != 16:
        raise EnvelopeError(f"the envelope holds a UUID of {len(body)} bytes instead of 16")
    return f"urn:uuid:{uuid.UUID(bytes=body)}"


def _base64url(text: str) -> bytes | None:
    if len(text) < 22 or _BASE64URL.fullmatch(text) is None:
        return None
    try:
        return b64url_decode(text)
    except InputError:
        return None


def _multibase64url(text: str) -> bytes | None:
    return _base64url(text[1:]) if text.startswith("u") else None


def _date(text: str, pattern: re.Pattern[str], unit: int) -> bytes | None:
    if pattern.fullmatch(text) is None:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.year < 1970:
        return None
    count = (instant - _EPOCH) // timedelta(seconds=1) * unit + instant.microsecond // 1000
    return count.to_bytes((count.bit_length() + 7) // 8 or 1, "big")


def _date_text(body: bytes, unit: int) -> str:
    count = int.from_bytes(body, "big")
    if len(body) > 8 or count > _LAST_INSTANT.timestamp() * unit:
        raise EnvelopeError("the envelope holds a date after the year 9999")
    instant = datetime.fromtimestamp(count // unit, UTC)
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{count % unit:03d}Z" if unit == 1000 else "Z")


_FORMS: Final[tuple[tuple[Callable[[str], bytes | None], Callable[[bytes], str]], ...]] = (
    (_multibase58, lambda body: "z" + _base58_text(body)),  # 1
    (_did_key, lambda body: _DID_KEY + _base58_text(body)),  # 2
    (_did_key_method, _did_key_method_text),  # 3
    (_urn_uuid, _urn_uuid_text),  # 4
    (_multibase64url, lambda body: "u" + b64url_encode(body)),  # 5
    (_base64url, b64url_encode),  # 6
    (lambda t: _date(t, _DATE_SECONDS, 1), lambda body: _date_text(body, 1)),  # 7
    (lambda t: _date(t, _DATE_MILLIS, 1000), lambda body: _date_text(body, 1000)),  # 8
)


# Form 9: a token enveloped in a data: URL, as a vp+jwt carries its credentials. Its body is
# the CBOR of [media type, token item], decoded with the depth of where it sits.
_ENVELOPED: Final = re.compile(r"data:application/([a-z0-9.+-]{1,40}),([A-Za-z0-9_\-.~]+)")
_FORM_ENVELOPED: Final = len(_FORMS) + 1


def _string_item(text: str, depth: int = 0) -> Item:
    index = _VALUE_INDEX.get(text)
    if index is not None:
        return _simple_for(index)
    for form, (compact, expand) in enumerate(_FORMS, 1):
        body = compact(text)
        if body is not None and expand(body) == text:
            return bytes([form]) + body
    enveloped = _ENVELOPED.fullmatch(text)
    if enveloped is not None:
        media, token = enveloped.groups()
        # The decoder reads the token one level down: count the levels the same way.
        item = [_string_item(media), token_to_item(token, depth + 1)]
        return bytes([_FORM_ENVELOPED]) + cbor.encode(item)
    return text


class OutputBudget:
    """What decoding may produce: a few bytes of CBOR name long dictionary terms, and enveloped
    tokens nest (each level writes its contents again as base64url), so a text of a hundred
    characters could otherwise expand to hundreds of megabytes. Every string made and every
    value counts against one budget per envelope."""

    def __init__(self, limit: int = MAX_EXPANDED_BYTES) -> None:
        self.limit = limit
        self.remaining = limit

    def spend(self, amount: int) -> None:
        self.remaining -= amount
        if self.remaining < 0:
            raise EnvelopeError(
                f"the envelope expands to more than {self.limit} bytes: refused before it is "
                "decoded further"
            )


def _string_of(item: bytes, depth: int, budget: OutputBudget) -> str:
    form = item[0] if item else None
    if form == _FORM_ENVELOPED:
        nested = cbor.decode(item[1:], depth=depth + 1)
        if not isinstance(nested, list) or len(nested) != 2:
            raise EnvelopeError("the envelope holds an enveloped token that is not [type, token]")
        media = from_item(nested[0], depth + 1, budget)
        if not isinstance(media, str) or not _ENVELOPED.fullmatch(f"data:application/{media},x"):
            raise EnvelopeError("the envelope holds an enveloped token of no media type")
        return f"data:application/{media},{token_from_item(nested[1], depth + 1, budget)}"
    if form is None or not 1 <= form <= len(_FORMS):
        found = "none" if form is None else form
        raise EnvelopeError(f"the envelope holds a string of unknown form ({found})")
    return _FORMS[form - 1][1](item[1:])


# --------------------------------------------------------------------------------------------
# JSON values


def to_item(value: Any, depth: int = 0) -> Item:
    """The CBOR item of a JSON value (as :func:`json.loads` returns it)."""
    if depth > MAX_JSON_DEPTH:
        raise EnvelopeError(f"the document nests deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise EnvelopeError("a string holds a lone surrogate (not JSON text)")
        return _string_item(value, depth)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and len(str(abs(value))) > MAX_INT_DIGITS:
        raise EnvelopeError(f"an integer has more than {MAX_INT_DIGITS} digits")
    if isinstance(value, float) and not math.isfinite(value):
        raise EnvelopeError("a number is not finite (not JSON)")
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        result: dict[int | str, Item] = {}
        for key, member in value.items():
            if not isinstance(key, str):
                raise EnvelopeError(f"member name {key!r} is not a string (not JSON)")
            result[_KEY_INDEX.get(key, key)] = to_item(member, depth + 1)
        return result
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [to_item(element, depth + 1) for element in value]
    raise EnvelopeError(f"a {type(value).__name__} is not a JSON value")


def from_item(item: Item, depth: int = 0, budget: OutputBudget | None = None) -> Any:
    """The JSON value of a CBOR item written by :func:`to_item`, within ``budget``."""
    if depth > MAX_JSON_DEPTH:
        raise EnvelopeError(f"the envelope nests deeper than {MAX_JSON_DEPTH} levels")
    budget = budget if budget is not None else OutputBudget()
    budget.spend(1)
    if isinstance(item, Simple):
        term = _term_for(item)
        budget.spend(len(term) if isinstance(term, str) else 0)
        return term
    if isinstance(item, bytes):
        text = _string_of(item, depth, budget)
        budget.spend(len(text))
        return text
    if isinstance(item, str):
        budget.spend(len(item))
        return item
    if isinstance(item, list):
        return [from_item(element, depth + 1, budget) for element in item]
    if isinstance(item, dict):
        result: dict[str, Any] = {}
        for key, member in item.items():
            if isinstance(key, int):
                if key >= len(KEY_TERMS):
                    raise EnvelopeError(f"the envelope names dictionary member {key}, unknown")
                key = KEY_TERMS[key]
            if key in result:
                raise EnvelopeError(f"the envelope holds the member {key!r} twice")
            budget.spend(len(key))
            result[key] = from_item(member, depth + 1, budget)
        return result
    return item


# --------------------------------------------------------------------------------------------
# Compact tokens (JWT, SD-JWT with disclosures and key binding)

_TOKEN: Final = re.compile(r"[A-Za-z0-9_\-.~]+")


def token_to_item(token: str, depth: int = 0) -> list[Item]:
    """Parts separated by ``~``, each a list of segments separated by ``.``; a segment's JSON
    counts its nesting from ``depth`` + 2, as :func:`token_from_item` does."""
    if _TOKEN.fullmatch(token) is None:
        raise EnvelopeError("the text is neither JSON nor a compact token (JWT or SD-JWT)")
    return [
        [_segment_item(segment, depth + 2) for segment in part.split(".")]
        for part in token.split("~")
    ]


def _segment_item(segment: str, depth: int) -> Item:
    try:
        raw = b64url_decode(segment)
    except InputError:
        return segment
    if raw[:1] in (b"{", b"["):
        try:
            value = parse_json(raw)
        except InputError:
            return raw
        if dumps_compact(value) == raw:
            return to_item(value, depth)
    return raw


def token_from_item(item: Item, depth: int = 0, budget: OutputBudget | None = None) -> str:
    """The token text of an item written by :func:`token_to_item`, within ``budget``."""
    if not isinstance(item, list) or not all(isinstance(part, list) for part in item):
        raise EnvelopeError("the envelope's token is not a list of parts")
    budget = budget if budget is not None else OutputBudget()
    parts = [
        ".".join(_segment_text(segment, depth + 2, budget) for segment in part)
        for part in item
        if isinstance(part, list)  # all are (checked above); narrows the type
    ]
    token = "~".join(parts)
    if _TOKEN.fullmatch(token) is None:
        raise EnvelopeError("the envelope's token holds characters a compact token cannot")
    return token


def _segment_text(item: Item, depth: int, budget: OutputBudget) -> str:
    if isinstance(item, str):
        text = item
    elif isinstance(item, bytes):
        text = b64url_encode(item)
    elif isinstance(item, dict | list):
        text = b64url_encode(dumps_compact(from_item(item, depth, budget)))
    else:
        raise EnvelopeError("the envelope's token holds a segment that is neither text nor bytes")
    budget.spend(len(text))
    return text
