"""The QR envelope: credentials and presentations as short texts that a phone reads in one go.

``encode``/``decode`` turn a credential (JSON-LD with its proof, ``vc+jwt``, SD-JWT) into the
envelope text and back, losslessly; ``render`` draws it as a QR code; ``read_image`` reads it
back from a photo; ``bake`` puts a credential into an Open Badge image; ``open_input``
recognises any of these. The format is specified in ``docs/qr-format.md``.
"""

from __future__ import annotations

from .bake import bake, unbake
from .format import (
    MAX_CONTENT_BYTES,
    MAX_TEXT_CHARS,
    VERSION,
    Envelope,
    Kind,
    decode,
    decode_envelope,
    describe_foreign,
    encode,
)
from .inputs import open_input
from .read import read_image
from .render import qr_version, render

__all__ = [
    "MAX_CONTENT_BYTES",
    "MAX_TEXT_CHARS",
    "VERSION",
    "Envelope",
    "Kind",
    "bake",
    "decode",
    "decode_envelope",
    "describe_foreign",
    "encode",
    "open_input",
    "qr_version",
    "read_image",
    "render",
    "unbake",
]
