"""Open Badges 3.0 baking: the credential travels inside the badge image itself.

PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``, uncompressed, holding the JSON
credential or the compact JWS. SVG: an ``<openbadges:credential>`` element right after the
``<svg>`` start tag, with the JWS in its ``verify`` attribute or the JSON in CDATA (1EdTech
Open Badges 3.0, "Badge Baking"). An image that already holds a credential is refused rather
than holding two (the specification allows one).

The SVG is not parsed as XML: only the ``<svg>`` start tag and that one element are read, so
entity expansion and external references in a hostile file never come into play.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from html import escape, unescape
from typing import Final

from vcportable.errors import EnvelopeError

from .read import MAX_IMAGE_BYTES

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
KEYWORD: Final = b"openbadgecredential"
OB_NAMESPACE: Final = "https://purl.imsglobal.org/ob/v3p0"
#: Longest credential baked or unbaked, in bytes.
MAX_CREDENTIAL_BYTES: Final = 1024 * 1024

_SVG_START: Final = re.compile(r"""<svg\b(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ELEMENT: Final = re.compile(
    r"""<openbadges:credential\b((?:[^>"']|"[^"]*"|'[^']*')*?)(/?)>""", re.IGNORECASE
)
_VERIFY: Final = re.compile(r"""\bverify\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CDATA_START: Final = "<![CDATA["
_CDATA_END: Final = "]]>"
_END: Final = "</openbadges:credential>"


def is_png(data: bytes) -> bool:
    return data.startswith(PNG_SIGNATURE)


def is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data


def bake(image: bytes, credential: str) -> bytes:
    """The badge ``image`` (PNG or SVG bytes) with ``credential`` (JSON text or compact JWS)
    baked in."""
    _check_sizes(image, credential)
    text = credential.strip()
    if is_png(image):
        return _bake_png(image, text)
    if is_svg(image):
        return _bake_svg(image, text)
    raise EnvelopeError("a badge image must be PNG or SVG")


def unbake(image: bytes) -> str | None:
    """The credential text baked into a PNG or SVG badge; ``None`` when it holds none."""
    if len(image) > MAX_IMAGE_BYTES:
        raise EnvelopeError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    if is_png(image):
        return _unbake_png(image)
    if is_svg(image):
        return _unbake_svg(image)
    raise EnvelopeError("a baked badge must be PNG or SVG")


def _check_sizes(image: bytes, credential: str) -> None:
    if len(image) > MAX_IMAGE_BYTES:
        raise EnvelopeError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    if len(credential.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise EnvelopeError(f"the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")


# --------------------------------------------------------------------------------------------
# PNG


def _chunks(png: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(offset, type, length) of each chunk up to IEND, lazily: a file of a million empty
    chunks costs time, not memory. EnvelopeError for a damaged file."""
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(png):
            raise EnvelopeError("the PNG is truncated (it ends before its IEND chunk)")
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if pos + 12 + length > len(png):
            raise EnvelopeError(f"the PNG is truncated inside its {kind!r} chunk")
        yield pos, kind, length
        if kind == b"IEND":
            return
        pos += 12 + length


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _credential_chunk(data: bytes) -> bytes | None:
    """The text of an iTXt chunk whose keyword is ``openbadgecredential``, else None."""
    keyword, _, rest = data.partition(b"\0")
    if keyword != KEYWORD:
        return None
    if len(rest) < 2:
        raise EnvelopeError("the PNG's openbadgecredential chunk is damaged")
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        if method != 0:
            raise EnvelopeError("the PNG's openbadgecredential chunk names an unknown compression")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error:
            raise EnvelopeError("the compressed openbadgecredential chunk is damaged") from None
        if len(text) > MAX_CREDENTIAL_BYTES or not inflater.eof:
            raise EnvelopeError("the PNG's compressed openbadgecredential chunk is too large")
        if inflater.unused_data:
            raise EnvelopeError("the PNG's openbadgecredential chunk has bytes after its data")
    return text


def _unbake_png(png: bytes) -> str | None:
    for pos, kind, length in _chunks(png):
        if kind == b"iTXt":
            text = _credential_chunk(png[pos + 8 : pos + 8 + length])
            if text is not None:
                return _utf8(text, "the PNG's openbadgecredential chunk")
    return None


def _bake_png(png: bytes, credential: str) -> bytes:
    chunks = _chunks(png)
    _, first, length = next(chunks)
    if first != b"IHDR":
        raise EnvelopeError("the PNG does not start with its IHDR chunk")
    if _unbake_png(png) is not None:
        raise EnvelopeError("the PNG already holds a baked credential; bake into the plain badge")
    after_header = len(PNG_SIGNATURE) + 12 + length
    data = KEYWORD + b"\0\0\0\0\0" + credential.encode("utf-8")
    return png[:after_header] + _chunk(b"iTXt", data) + png[after_header:]


# --------------------------------------------------------------------------------------------
# SVG


def _unbake_svg(svg: bytes) -> str | None:
    text = _utf8(svg, "the SVG")
    element = _ELEMENT.search(text)
    if element is None:
        return None
    verify = _VERIFY.search(element.group(1))
    if verify is not None:
        return unescape(verify.group(1) or verify.group(2) or "")
    if element.group(2):
        raise EnvelopeError("the SVG's openbadges:credential element is empty")
    end = text.find(_END, element.end())
    if end < 0:
        raise EnvelopeError("the SVG's openbadges:credential element is never closed")
    return _element_text(text, element.end(), end).strip()


def _element_text(text: str, pos: int, end: int) -> str:
    """The character data of ``text[pos:end]``: CDATA sections as they are, the rest with its
    references unescaped; one pass (no pattern that rescans), and no elements allowed."""
    pieces = []
    while pos < end:
        opening = text.find(_CDATA_START, pos, end)
        plain = text[pos : end if opening < 0 else opening]
        if "<" in plain:
            raise EnvelopeError("the SVG's openbadges:credential element holds other elements")
        pieces.append(unescape(plain))
        if opening < 0:
            break
        closing = text.find(_CDATA_END, opening, end)
        if closing < 0:
            raise EnvelopeError("the SVG's openbadges:credential element has an unclosed CDATA")
        pieces.append(text[opening + len(_CDATA_START) : closing])
        pos = closing + len(_CDATA_END)
    return "".join(pieces)


def _bake_svg(svg: bytes, credential: str) -> bytes:
    text = _utf8(svg, "the SVG")
    if _ELEMENT.search(text):
        raise EnvelopeError("the SVG already holds a baked credential; bake into the plain badge")
    start = _SVG_START.search(text)
    if start is None:
        raise EnvelopeError("the SVG has no <svg> start tag")
    tag = start.group()
    if tag.endswith("/>"):
        raise EnvelopeError("the SVG is empty (<svg/>): there is no badge to bake into")
    if "xmlns:openbadges" not in tag:
        tag = f'{tag[:-1]} xmlns:openbadges="{OB_NAMESPACE}">'
    if credential.startswith("{"):
        cdata = credential.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    else:
        element = f'<openbadges:credential verify="{escape(credential)}">'
        element += "</openbadges:credential>"
    baked = text[: start.start()] + tag + element + text[start.end() :]
    return baked.encode("utf-8")


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvelopeError(f"{what} is not UTF-8 text (byte {exc.start})") from None
