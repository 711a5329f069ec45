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

from ..status.bitstring import MAX_BITSTRING_BYTES, MIN_ENTRIES

#: The W3C recommendation for herd privacy (16 KiB of bits): what verifiers require.
MIN_LIST_SIZE = MIN_ENTRIES
#: The most a verifier inflates (vcportable's own included): a larger list could not be read.
MAX_LIST_SIZE = 8 * MAX_BITSTRING_BYTES
_ROUNDS = 4


def _half_bits(size: int) -> int:
    bits = max(2, (size - 1).bit_length())
    return (bits + 1) // 2


class Permutation:
    """The index permutation of one list (see :func:`permute`), keyed once: BLAKE2b spends a
    whole compression on its key, so each round copies the keyed state instead of keying
    again (a batch permutes thousands of counters of the same list)."""

    def __init__(self, secret: bytes, size: int) -> None:
        self.size = size
        self._half = _half_bits(size)
        self._keyed = hashlib.blake2b(key=secret, digest_size=8)

    def __call__(self, counter: int) -> int:
        """The index of the ``counter``-th allocation."""
        if not 0 <= counter < self.size:
            raise ValueError(f"counter {counter} outside a list of {self.size}")
        value = self._feistel(counter)
        while value >= self.size:  # cycle walking: stays a bijection of [0, size)
            value = self._feistel(value)
        return value

    def _feistel(self, value: int) -> int:
        half = self._half
        mask = (1 << half) - 1
        left, right = value >> half, value & mask
        for number in range(_ROUNDS):
            keyed = self._keyed.copy()
            keyed.update(bytes([number]) + right.to_bytes(8, "big"))
            left, right = right, left ^ (int.from_bytes(keyed.digest(), "big") & mask)
        return (left << half) | right


def permute(secret: bytes, counter: int, size: int) -> int:
    """The index of the ``counter``-th allocation in a list of ``size`` entries."""
    return Permutation(secret, size)(counter)
