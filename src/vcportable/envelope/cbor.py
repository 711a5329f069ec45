"""The subset of CBOR (RFC 8949) the QR envelope uses, with a decoder that accepts nothing else.

Why not a general CBOR library for reading: a general decoder gives meaning to dozens of tags
(shared references that build cycles, regular expressions, decimal fractions with huge
exponents, big integers of any size). A QR code is untrusted input, so this decoder knows only
what the envelope writes, bounds every length by the bytes actually present and every nesting
by :data:`MAX_DEPTH`, and refuses the rest by name.

Items: unsigned and negative integers; big integers (tags 2 and 3, at most
:data:`MAX_BIGNUM_BYTES`); byte and text strings of definite length; arrays; maps whose keys
are unsigned integers or text, each once; ``false``/``true``/``null``; unassigned simple values
(:class:`Simple`, 0-19 and 32-255); half, single and double floats that are finite.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Final, TypeAlias

from vcportable.codec.json import MAX_INT_DIGITS
from vcportable.errors import EnvelopeError

#: Deepest nesting of arrays and maps (the JSON limit, plus the container's own levels).
MAX_DEPTH: Final = 72
#: Longest big integer (tags 2/3): 32 bytes hold every integer of 64 decimal digits.
MAX_BIGNUM_BYTES: Final = 32


@dataclass(frozen=True, slots=True)
class Simple:
    """An unassigned CBOR simple value; the envelope uses them for dictionary strings."""

    value: int


Item: TypeAlias = (
    "None | bool | int | float | str | bytes | Simple | list[Item] | dict[int | str, Item]"
)

_UINT64: Final = 1 << 64


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise AssertionError("argument beyond 64 bits")  # pragma: no cover - callers bound it


def _float(value: float) -> bytes:
    """The shortest of half, single and double that holds ``value`` exactly."""
    for info, fmt in ((25, ">e"), (26, ">f")):
        try:
            packed = struct.pack(fmt, value)
        except OverflowError:
            continue
        if struct.unpack(fmt, packed)[0] == value:
            return bytes([0xE0 | info]) + packed
    return b"\xfb" + struct.pack(">d", value)


def encode(item: Item) -> bytes:
    """CBOR bytes of ``item`` (maps keep their order)."""
    out = bytearray()
    _encode(item, out)
    return bytes(out)


def _encode(item: Item, out: bytearray) -> None:
    if item is None:
        out.append(0xF6)
    elif item is True:
        out.append(0xF5)
    elif item is False:
        out.append(0xF4)
    elif isinstance(item, int):
        major, magnitude = (0, item) if item >= 0 else (1, -1 - item)
        if magnitude < _UINT64:
            out += _head(major, magnitude)
        else:
            raw = magnitude.to_bytes((magnitude.bit_length() + 7) // 8, "big")
            if len(raw) > MAX_BIGNUM_BYTES:
                raise EnvelopeError(f"integer of {len(str(item))} digits is too long for the QR")
            out += _head(6, 2 + major) + _head(2, len(raw)) + raw
    elif isinstance(item, float):
        out += _float(item)
    elif isinstance(item, str):
        raw = item.encode("utf-8")
        out += _head(3, len(raw)) + raw
    elif isinstance(item, bytes):
        out += _head(2, len(item)) + item
    elif isinstance(item, Simple):
        out += _head(7, item.value)
    elif isinstance(item, list):
        out += _head(4, len(item))
        for element in item:
            _encode(element, out)
    else:
        out += _head(5, len(item))
        for key, value in item.items():
            _encode(key, out)
            _encode(value, out)


def decode(data: bytes, *, depth: int = 0) -> Item:
    """The one item that ``data`` holds entirely; :class:`EnvelopeError` for anything else.

    ``depth``: how deep ``data`` itself sits (an item nested in a byte string counts its
    container's levels, so nesting cannot escape :data:`MAX_DEPTH`)."""
    reader = _Reader(data)
    item = reader.item(depth)
    if reader.pos != len(data):
        raise EnvelopeError(f"the envelope has {len(data) - reader.pos} bytes after its content")
    return item


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise EnvelopeError("the envelope's content ends in the middle of an item")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int, int]:
        """Major type, additional information, argument."""
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if info < 24:
            return major, info, info
        if info > 27:
            what = "indefinite length" if info == 31 else f"reserved value {info}"
            raise EnvelopeError(f"the envelope's content uses CBOR {what}, which it never writes")
        return major, info, int.from_bytes(self.take(1 << (info - 24)), "big")

    def item(self, depth: int) -> Item:
        if depth > MAX_DEPTH:
            raise EnvelopeError(f"the envelope's content nests deeper than {MAX_DEPTH} levels")
        major, info, arg = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self.take(arg)
        if major == 3:
            try:
                return self.take(arg).decode("utf-8")
            except UnicodeDecodeError:
                raise EnvelopeError("the envelope holds a text that is not UTF-8") from None
        if major == 4:
            self._fits(arg)
            return [self.item(depth + 1) for _ in range(arg)]
        if major == 5:
            return self._map(arg, depth)
        if major == 6:
            return self._bignum(arg)
        return self._simple(info, arg)

    def _fits(self, count: int) -> None:
        # Every element takes at least one byte: a count beyond the rest is a lie, refused
        # before any work.
        if count > len(self.data) - self.pos:
            raise EnvelopeError("the envelope's content ends in the middle of an item")

    def _map(self, count: int, depth: int) -> dict[int | str, Item]:
        self._fits(2 * count)
        result: dict[int | str, Item] = {}
        for _ in range(count):
            key = self.item(depth + 1)
            if (
                not isinstance(key, int | str)
                or isinstance(key, bool)
                or (isinstance(key, int) and key < 0)
            ):
                raise EnvelopeError("the envelope holds a map key that is neither text nor a term")
            if key in result:
                raise EnvelopeError(f"the envelope holds the map key {key!r} twice")
            result[key] = self.item(depth + 1)
        return result

    def _bignum(self, tag: int) -> int:
        if tag not in (2, 3):
            raise EnvelopeError(f"the envelope holds CBOR tag {tag}, which it never writes")
        major, _, length = self.head()
        if major != 2 or length > MAX_BIGNUM_BYTES:
            raise EnvelopeError(
                f"the envelope holds a big integer that is not {MAX_BIGNUM_BYTES} bytes or fewer"
            )
        magnitude = int.from_bytes(self.take(length), "big")
        value = magnitude if tag == 2 else -1 - magnitude
        # one encoding per number (a bignum only past 64 bits, as the encoder writes it), and
        # no number the JSON reader would refuse (MAX_INT_DIGITS)
        if magnitude < _UINT64 or len(str(abs(value))) > MAX_INT_DIGITS:
            raise EnvelopeError(
                "the envelope holds a big integer that is not one the encoder writes (past 64 "
                f"bits, of at most {MAX_INT_DIGITS} digits)"
            )
        return value

    def _simple(self, info: int, arg: int) -> Item:
        if info == 24 and arg < 32:
            raise EnvelopeError(f"the envelope holds the reserved simple value {arg}")
        if info < 25:
            constants: dict[int, Item] = {20: False, 21: True, 22: None}
            if arg in constants:
                return constants[arg]
            if arg == 23:
                raise EnvelopeError("the envelope holds CBOR undefined, which JSON cannot hold")
            return Simple(arg)
        fmt = {25: ">e", 26: ">f", 27: ">d"}[info]
        value: float = struct.unpack(fmt, arg.to_bytes(1 << (info - 24), "big"))[0]
        if not math.isfinite(value):
            raise EnvelopeError("the envelope holds a number that is not finite")
        return value
