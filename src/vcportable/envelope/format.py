"""The envelope text: type prefix, version byte, form byte, compressed semantic CBOR, base45.

::

    VC:<base45( version | form | brotli( semantic CBOR item ) )>

The prefix says what the QR code holds (``VC:`` credential, ``VP:`` presentation, ``VR:`` a
verifier's request) before anything is decoded; every character is in the QR alphanumeric set,
which packs 5.5 bits a character instead of 8. ``docs/qr-format.md`` is the specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import base45
import brotli

from vcportable.codec.base64url import b64url_decode
from vcportable.codec.json import dumps_compact, parse_json
from vcportable.errors import EnvelopeError, InputError

from . import cbor
from .compact import from_item, to_item, token_from_item, token_to_item

#: The envelope version this code writes and reads (it fixes the dictionary too).
VERSION: Final = 1
#: Longest envelope text: what a version 40 QR code holds in alphanumeric mode.
MAX_TEXT_CHARS: Final = 4296
#: Largest decompressed content; decompression stops here, whatever the input claims.
MAX_CONTENT_BYTES: Final = 64 * 1024

#: Brotli window of the writer; the reader refuses larger ones (RFC 7932 §9.1), so that
#: decoding never allocates a window beyond the content cap.
_WINDOW_BITS: Final = 16

FORM_JSON: Final = 1
FORM_TOKEN: Final = 2


class Kind(StrEnum):
    """What an envelope holds, as its prefix says."""

    CREDENTIAL = "credential"
    PRESENTATION = "presentation"
    REQUEST = "request"


PREFIXES: Final = {Kind.CREDENTIAL: "VC:", Kind.PRESENTATION: "VP:", Kind.REQUEST: "VR:"}


@dataclass(frozen=True)
class Envelope:
    """A decoded envelope: its kind and exactly what was signed (JSON bytes or token text)."""

    kind: Kind
    content: bytes | str


def encode(credential: str | bytes | Mapping[str, Any], *, kind: Kind | str | None = None) -> str:
    """The envelope text of a credential, presentation or request.

    ``credential``: a JSON object (as a mapping, or JSON text) or a compact token (JWT,
    SD-JWT). ``kind`` defaults to what the content says (a ``VerifiablePresentation`` type, a
    ``vp+jwt``, an SD-JWT with key binding are presentations). Raises :class:`EnvelopeError`
    when it is neither JSON nor a token, or when it does not fit in any QR code.
    """
    form, item, detected = _content_item(credential)
    chosen = detected if kind is None else _kind(kind)
    content = cbor.encode(item)
    if len(content) > MAX_CONTENT_BYTES:
        raise EnvelopeError(
            f"the content is {len(content)} bytes once packed, more than an envelope holds "
            f"({MAX_CONTENT_BYTES})"
        )
    packed: bytes = brotli.compress(content, quality=11, lgwin=_WINDOW_BITS)
    body: bytes = base45.b45encode(bytes([VERSION, form]) + packed)
    text = PREFIXES[chosen] + body.decode("ascii")
    if len(text) > MAX_TEXT_CHARS:
        raise EnvelopeError(
            f"the envelope is {len(text)} characters, more than a QR code holds "
            f"({MAX_TEXT_CHARS}); disclose less or leave texts to the trust list's catalogue"
        )
    return text


def decode(text: str) -> bytes | str:
    """Exactly what was signed: compact JSON bytes, or the token text."""
    return decode_envelope(text).content


def decode_envelope(text: str) -> Envelope:
    """The kind and content of an envelope text; :class:`EnvelopeError` naming what was found."""
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise EnvelopeError(
            f"the text is {len(text)} characters, more than a QR code holds ({MAX_TEXT_CHARS})"
        )
    kind = next((k for k, prefix in PREFIXES.items() if text.startswith(prefix)), None)
    if kind is None:
        raise EnvelopeError(describe_foreign(text))
    try:
        raw: bytes = base45.b45decode(text[len(PREFIXES[kind]) :])
    except ValueError:
        raise EnvelopeError(
            "the envelope is not valid base45 (a character outside the QR alphanumeric set, "
            "or a group of three that exceeds 65535): the text was damaged"
        ) from None
    if len(raw) < 2:
        raise EnvelopeError("the envelope is truncated: it ends before its version byte")
    if raw[0] != VERSION:
        raise EnvelopeError(
            f"envelope version {raw[0]} is not supported (this vcportable reads version "
            f"{VERSION}); update vcportable"
        )
    content = cbor.decode(_inflate(raw[2:]))
    if raw[1] == FORM_JSON:
        return Envelope(kind, dumps_compact(from_item(content)))
    if raw[1] == FORM_TOKEN:
        return Envelope(kind, token_from_item(content))
    raise EnvelopeError(f"the envelope's content form {raw[1]} is unknown")


def describe_foreign(text: str) -> str:
    """Why ``text`` is not an envelope, naming what it looks like instead."""
    shown = repr(text[:40] + ("…" if len(text) > 40 else ""))
    expected = ", ".join(PREFIXES.values())
    if text.startswith("HC1:"):
        found = "an EU Digital COVID Certificate (HC1:)"
    elif text.lower().startswith(("http://", "https://")):
        found = f"a web address {shown}"
    elif not text:
        found = "no text at all"
    else:
        found = f"the text {shown}"
    return f"this is {found}, not a vcportable envelope (which starts with {expected})"


def _window_bits(packed: bytes) -> int:
    """The window size a brotli stream declares in its first bits (RFC 7932 §9.1)."""
    first = packed[0] if packed else 0
    if not first & 1:
        return 16
    if (first >> 1) & 7:
        return 17 + ((first >> 1) & 7)
    extra = (first >> 4) & 7
    if extra == 1:  # the "large window" extension: up to 2^30 bytes
        return 30
    return 17 if extra == 0 else 8 + extra


def _inflate(packed: bytes) -> bytes:
    """Brotli, stopped at :data:`MAX_CONTENT_BYTES` and with a window no larger than 64 KiB."""
    if _window_bits(packed) > _WINDOW_BITS:
        raise EnvelopeError(
            f"the envelope's compressed data asks for a window of 2^{_window_bits(packed)} "
            f"bytes, more than the 2^{_WINDOW_BITS} allowed"
        )
    inflater = brotli.Decompressor()
    try:
        content: bytes = inflater.process(packed, output_buffer_limit=MAX_CONTENT_BYTES + 1)
    except brotli.error:
        raise EnvelopeError(
            "the envelope's compressed data is corrupt (or has bytes after its end)"
        ) from None
    if len(content) > MAX_CONTENT_BYTES or not inflater.can_accept_more_data():
        raise EnvelopeError(
            f"the envelope decompresses to more than {MAX_CONTENT_BYTES} bytes (the cap): "
            "refused as a decompression bomb"
        )
    if not inflater.is_finished():
        raise EnvelopeError("the envelope is truncated: its compressed data ends early")
    return content


def _kind(value: Kind | str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        names = ", ".join(k.value for k in Kind)
        raise EnvelopeError(f"unknown envelope kind {value!r} (one of {names})") from None


def _content_item(content: str | bytes | Mapping[str, Any]) -> tuple[int, cbor.Item, Kind]:
    """Form, CBOR item and detected kind of what is to be enveloped."""
    if not isinstance(content, str | bytes):  # a parsed JSON value
        return FORM_JSON, to_item(content), _json_kind(content)
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeError("the input is not UTF-8 text") from None
    text = content.strip()
    if text.startswith(("{", "[")):
        try:
            value = parse_json(text, what="the input")
        except InputError as exc:
            raise EnvelopeError(exc.message) from None
        return FORM_JSON, to_item(value), _json_kind(value)
    if text.split("~", 1)[0].count(".") != 2:  # a JWS (an SD-JWT's first part is one too)
        raise EnvelopeError("the text is neither JSON nor a compact token (JWT or SD-JWT)")
    item = token_to_item(text)
    return FORM_TOKEN, item, _token_kind(text)


def _json_kind(value: Any) -> Kind:
    if isinstance(value, Mapping) and "@context" not in value and _is_request(value):
        return Kind.REQUEST  # a presentation request (request create --out) is no credential
    types = value.get("type") if isinstance(value, Mapping) else None
    listed = types if isinstance(types, list) else [types]
    return Kind.PRESENTATION if "VerifiablePresentation" in listed else Kind.CREDENTIAL


def _is_request(value: Mapping[str, Any]) -> bool:
    """Whether ``value`` reads as a presentation request, by the request's own reader."""
    from ..request import parse_request  # the request module builds envelopes itself

    try:
        parse_request(value)
    except InputError:
        return False
    return True


def _token_kind(token: str) -> Kind:
    parts = token.split("~")
    if len(parts) > 1 and parts[-1]:  # an SD-JWT that ends with a key binding JWT
        return Kind.PRESENTATION
    try:
        header = parse_json(b64url_decode(token.split(".", 1)[0]), what="the token header")
    except InputError:
        return Kind.CREDENTIAL
    typ = header.get("typ") if isinstance(header, dict) else None
    return Kind.PRESENTATION if typ in ("vp+jwt", "application/vp+jwt") else Kind.CREDENTIAL
