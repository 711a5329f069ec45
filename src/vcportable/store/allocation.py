"""Status list indices: random-looking, unique, never reused.

Each list keeps a counter of indices handed out and a secret. The *n*-th credential of a list
gets ``permute(secret, n)``, a keyed bijection of ``[0, size)`` (a four-round Feistel network
over keyed BLAKE2b, with cycle walking down to ``size``). So:

- unique by construction: a bijection maps distinct counters to distinct indices, with no
  retry loop that slows down as the list fills;
- never reused: the counter only grows, inside the transaction that records the credential;
- random to anyone without the secret: neighbours in a roster land far apart in the list, so
  the list reveals nothing about issuance order (herd privacy needs that as much as size).
"""

from __future__ import annotations

import hashlib

#: The W3C recommendation for herd privacy: 16 KiB of bits.
MIN_LIST_SIZE = 131_072
_ROUNDS = 4


def _half_bits(size: int) -> int:
    bits = max(2, (size - 1).bit_length())
    return (bits + 1) // 2


def _round(secret: bytes, number: int, value: int, bits: int) -> int:
    digest = hashlib.blake2b(
        bytes([number]) + value.to_bytes(8, "big"), key=secret, digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") & ((1 << bits) - 1)


def _feistel(secret: bytes, value: int, half: int) -> int:
    mask = (1 << half) - 1
    left, right = value >> half, value & mask
    for number in range(_ROUNDS):
        left, right = right, left ^ _round(secret, number, right, half)
    return (left << half) | right


def permute(secret: bytes, counter: int, size: int) -> int:
    """The index of the ``counter``-th allocation in a list of ``size`` entries."""
    if not 0 <= counter < size:
        raise ValueError(f"counter {counter} outside a list of {size}")
    half = _half_bits(size)
    value = _feistel(secret, counter, half)
    while value >= size:  # cycle walking: stays a bijection of [0, size)
        value = _feistel(secret, value, half)
    return value
