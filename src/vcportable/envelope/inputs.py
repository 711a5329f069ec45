"""Recognising what an employer hands the verifier: an envelope text, a photo of its QR code, or
a baked Open Badge. Anything else (JSON, a token) is left to the verifier's own dispatch."""

from __future__ import annotations

import json
from typing import Final

from vcportable.errors import EnvelopeError

from .bake import is_png, is_svg, unbake
from .format import PREFIXES, Kind, decode, decode_envelope
from .read import read_codes, read_image

# JPEG, GIF, WebP (RIFF....WEBP): photos and screenshots; PNG is told apart first.
_IMAGE_MAGIC: Final = (b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
# Texts that are QR payloads of other schemes, refused by name rather than passed on as JSON.
_FOREIGN_QR: Final = ("HC1:",)
#: Leading whitespace skipped before an envelope (a pasted text, indented or after blank lines).
_MAX_LEADING: Final = 4096


def open_input(data: bytes, *, requests: bool = False) -> bytes | str | None:
    """The credential or presentation inside ``data``, exactly as signed; ``None`` when ``data``
    is neither an envelope text, an image with an envelope's QR code, nor a baked badge.

    Raises :class:`EnvelopeError` for an input that is one of these but cannot be opened (an
    image with no QR code or two, a damaged envelope, a QR code of another scheme), or that
    holds a presentation request (``VR:``) unless ``requests``.
    """
    if is_png(data):
        baked = unbake(data)
        return _opened(read_image(data), requests) if baked is None else _one_of(baked, data)
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return _opened(read_image(data), requests)
    if is_svg(data):
        baked = unbake(data)
        if baked is None:
            raise EnvelopeError(
                "the SVG holds no baked credential (a QR code drawn as SVG is not read: give a "
                "PNG or a photo of it, or its text)"
            )
        return baked
    prefix = data[:_MAX_LEADING]
    start = len(prefix) - len(prefix.lstrip())
    head = data[start : start + 8]
    if head.startswith(tuple(p.encode("ascii") for p in (*PREFIXES.values(), *_FOREIGN_QR))):
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise EnvelopeError("the envelope text holds characters outside ASCII") from None
        return _opened(text, requests)
    return None


def _opened(text: str, requests: bool) -> bytes | str:
    envelope = decode_envelope(text)
    if envelope.kind is Kind.REQUEST and not requests:
        raise EnvelopeError(
            "this QR code holds a presentation request, not a credential: answer it with "
            "`vcportable wallet present --request`"
        )
    return envelope.content


def _one_of(baked: str, image: bytes) -> str:
    """The credential baked into a PNG, unless a QR code the picture shows (what a phone's
    camera reads) holds another, or cannot be read: then which one is meant is a guess, and
    the image is refused. A picture with no envelope's QR code is a badge image."""
    for text in read_codes(image):
        if not text.lstrip().startswith(tuple(PREFIXES.values())):
            continue  # another scheme's code (a link, say): not a credential
        try:
            shown = decode(text)
        except EnvelopeError as exc:
            raise EnvelopeError(
                f"the image holds a baked credential and a QR code that cannot be read: "
                f"{exc.message}"
            ) from None
        if _content(shown) != _content(baked):
            raise EnvelopeError(
                "the image holds a baked credential and shows the QR code of another: which "
                "one is meant cannot be told"
            )
    return baked


def _content(signed: bytes | str) -> object:
    text = signed.decode("utf-8", "replace") if isinstance(signed, bytes) else signed
    text = text.strip()
    try:
        return json.loads(text) if text.startswith("{") else text
    except ValueError:
        return text
