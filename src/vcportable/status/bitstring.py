"""The Bitstring Status List v1.0 codec: a bitstring, GZIP-compressed, as multibase base64url.

Bit 0 is the left-most (most significant) bit of the first byte. A status of ``status_size``
bits occupies bits ``index * status_size`` to ``index * status_size + status_size - 1``, the
first of them the most significant. Decoding is bounded twice: the encoded text before
decompression, and the bitstring while it is being decompressed (a small GZIP member can
inflate to gigabytes).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

from ..codec.multibase import multibase_decode, multibase_encode
from ..errors import InputError

#: Largest bitstring decoded: 16 MiB holds 134 million one-bit entries.
MAX_BITSTRING_BYTES = 16 * 1024 * 1024
#: Longest ``encodedList`` read (a compressed list this long is already suspicious).
MAX_ENCODED_CHARS = 8 * 1024 * 1024
#: The specification's minimum (16 KiB of bits), for herd privacy.
MIN_ENTRIES = 131_072


class Bitstring:
    """A fixed-length sequence of ``entries`` statuses of ``status_size`` bits each."""

    def __init__(self, entries: int, status_size: int = 1, data: bytes | None = None) -> None:
        if entries <= 0 or status_size <= 0:
            raise InputError("a status list needs at least one entry of at least one bit")
        length = -(-entries * status_size // 8)
        if data is not None and len(data) != length:
            raise InputError(f"bitstring is {len(data)} bytes, expected {length}")
        self.entries = entries
        self.status_size = status_size
        self._bits = bytearray(data if data is not None else length)

    @classmethod
    def from_bytes(cls, data: bytes, status_size: int = 1) -> Bitstring:
        """Every whole entry in ``data`` (a decoded list states no length of its own)."""
        entries = len(data) * 8 // status_size
        if entries == 0:
            raise InputError("the status list is empty")
        whole = -(-entries * status_size // 8)
        return cls(entries, status_size, bytes(data[:whole]))

    def __len__(self) -> int:
        return self.entries

    def get(self, index: int) -> int:
        self._check(index)
        value = 0
        first = index * self.status_size
        for bit in range(first, first + self.status_size):
            value = (value << 1) | ((self._bits[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set(self, index: int, value: int = 1) -> None:
        self._check(index)
        if not 0 <= value < (1 << self.status_size):
            raise InputError(f"status {value} does not fit in {self.status_size} bit(s)")
        first = index * self.status_size
        for offset in range(self.status_size):
            bit = first + offset
            mask = 1 << (7 - (bit & 7))
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._bits[bit >> 3] |= mask
            else:
                self._bits[bit >> 3] &= ~mask & 0xFF

    def set_all(self, indices: Iterable[int]) -> None:
        for index in indices:
            self.set(index)

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def encode(self) -> str:
        """``u`` + base64url(GZIP(bits)), as ``encodedList`` wants it (mtime 0: the same list
        always encodes to the same text)."""
        return multibase_encode(gzip.compress(self.to_bytes(), compresslevel=9, mtime=0), "u")

    def _check(self, index: int) -> None:
        if not 0 <= index < self.entries:
            raise InputError(f"status index {index} is outside the list (0..{self.entries - 1})")


def decode_list(
    encoded: object,
    *,
    status_size: int = 1,
    max_bytes: int = MAX_BITSTRING_BYTES,
    max_chars: int = MAX_ENCODED_CHARS,
) -> Bitstring:
    """Read an ``encodedList``; :class:`InputError` (``TOO_LARGE`` over a bound) otherwise."""
    compressed = multibase_decode(encoded, what="encodedList", bases="u", max_chars=max_chars)
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only
    try:
        data = inflater.decompress(compressed, max_bytes)
    except zlib.error as exc:
        raise InputError(f"encodedList is not GZIP data: {exc}") from None
    if inflater.unconsumed_tail:
        raise InputError(
            f"encodedList inflates beyond the limit of {max_bytes} bytes", code="TOO_LARGE"
        )
    if not inflater.eof:
        raise InputError("encodedList is truncated GZIP data")
    if inflater.unused_data:
        raise InputError("encodedList has data after its GZIP member")
    return Bitstring.from_bytes(data, status_size)
