"""Recognising what an employer hands the verifier: an envelope text, a photo of its QR code, or
a baked Open Badge. Anything else (JSON, a token) is left to the verifier's own dispatch."""

from __future__ import annotations

from typing import Final

from vcportable.errors import EnvelopeError

from .bake import is_png, is_svg, unbake
from .format import PREFIXES, decode
from .read import read_image

# JPEG, GIF, WebP (RIFF....WEBP): photos and screenshots; PNG is told apart first.
_IMAGE_MAGIC: Final = (b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
# Texts that are QR payloads of other schemes, refused by name rather than passed on as JSON.
_FOREIGN_QR: Final = ("HC1:",)


def open_input(data: bytes) -> bytes | str | None:
    """The credential or presentation inside ``data``, exactly as signed; ``None`` when ``data``
    is neither an envelope text, an image with an envelope's QR code, nor a baked badge.

    Raises :class:`EnvelopeError` for an input that is one of these but cannot be opened (an
    image with no QR code or two, a damaged envelope, a QR code of another scheme).
    """
    if is_png(data):
        baked = unbake(data)
        return baked if baked is not None else decode(read_image(data))
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return decode(read_image(data))
    if is_svg(data):
        baked = unbake(data)
        if baked is None:
            raise EnvelopeError(
                "the SVG holds no baked credential (a QR code drawn as SVG is not read: give a "
                "PNG or a photo of it, or its text)"
            )
        return baked
    head = data[:8].lstrip()
    if head.startswith(tuple(p.encode("ascii") for p in (*PREFIXES.values(), *_FOREIGN_QR))):
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise EnvelopeError("the envelope text holds characters outside ASCII") from None
        return decode(text)
    return None
