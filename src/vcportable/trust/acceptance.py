"""Accepting a signed list over time: key rotation, rollback protection, the offline cache,
and freshness.

A verifier keeps the last list it accepted in a cache folder. That list is the *pin*: a new
list must be signed by the threshold of the pinned list's governance keys, or by the ``next``
keys it announced (rotation with continuity; the new list then becomes the pin), and must not
carry a lower sequence number (no rollback to a list that still trusted a withdrawn issuer).
The configured anchor (governance keys and threshold) is used only while the cache is empty.
Freshness is reported, not assumed: past ``nextUpdate`` a list is stale, tolerated with a
warning during a grace period, refused after it.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Final

from ..errors import TrustListError
from ..fileutil import write_atomic
from .model import TrustList
from .signing import MAX_SIGNED_LIST_BYTES, GovernanceAnchor, SignedTrustList

__all__ = ["DEFAULT_GRACE", "Freshness", "TrustListCache", "freshness"]

DEFAULT_GRACE: Final = timedelta(days=7)
#: How far a verifier's clock may lag the list's ``issued`` before it is "not yet issued".
CLOCK_SKEW: Final = timedelta(minutes=5)


class Freshness(StrEnum):
    FRESH = "fresh"
    #: Past ``nextUpdate``, within the grace period: usable, with a warning.
    GRACE = "grace"
    #: Past the grace period: refused.
    STALE = "stale"
    #: ``issued`` is in the future (a wrong clock, or a list dated ahead): refused.
    NOT_YET_ISSUED = "not_yet_issued"


def freshness(trust_list: TrustList, now: datetime, grace: timedelta = DEFAULT_GRACE) -> Freshness:
    if now < trust_list.issued - CLOCK_SKEW:
        return Freshness.NOT_YET_ISSUED
    if now <= trust_list.next_update:
        return Freshness.FRESH
    if now <= trust_list.next_update + grace:
        return Freshness.GRACE
    return Freshness.STALE


@dataclass(frozen=True)
class TrustListCache:
    """The folder where accepted lists are kept for offline use: the latest, and its digest."""

    folder: Path
    FILE: Final = "accepted-trust-list.json"
    #: The SHA-256 of the pinned file, recorded when it was accepted (see :meth:`accept`).
    DIGEST_FILE: Final = "accepted-trust-list.sha256"

    @property
    def path(self) -> Path:
        return self.folder / self.FILE

    @property
    def digest_path(self) -> Path:
        return self.folder / self.DIGEST_FILE

    def latest(self) -> TrustList | None:
        """The last accepted list (its own signatures checked again), or None."""
        data = self._read()
        if data is None:
            return None
        return SignedTrustList.parse(data).verified_list()

    def accept(
        self, data: bytes | str, anchor: GovernanceAnchor, *, recheck: bool = False
    ) -> TrustList:
        """Verify ``data`` against the pin (or ``anchor`` when nothing is pinned yet), refuse a
        rollback, and keep it as the new pin. Raises :class:`TrustListError`.

        Every list kept is signed by the threshold of its own governance keys too, by which it
        is checked when read back. ``recheck``: the pinned file given again is checked by its
        signatures even when its recorded digest matches (an audit, `trust verify --cache`)."""
        text = data.encode("utf-8") if isinstance(data, str) else data
        signed = SignedTrustList.parse(text)
        pinned_text = self._read()
        if pinned_text == text:
            # The pinned file itself (a verifier starting up). Its signatures were checked when
            # it was accepted, and checking them again against the keys it names itself would
            # stop nothing that can write this folder. What can happen is damage on disk,
            # when the list given is the pinned file itself: the digest recorded at acceptance
            # (a fifth of the signatures' time) tells. Without it (a cache written by an older
            # version, or a crash between the two writes), or if it differs, the signatures.
            if not recheck and self._recorded_digest() == _digest(text):
                return signed.trust_list()
            trust_list = signed.verified_list()
            self._record_digest(text)
            return trust_list
        pinned_signed = None if pinned_text is None else SignedTrustList.parse(pinned_text)
        if pinned_signed is None:
            trust_list = signed.verified_list(anchor)
        elif signed.payload == pinned_signed.payload:
            # The pinned list, signed again (a board co-signing): its own signatures, and it
            # becomes the pin, so that the next start given this file takes the digest.
            trust_list = signed.verified_list()
        else:
            pinned = pinned_signed.trust_list()
            trust_list = self._successor(signed, pinned)
            if trust_list.sequence == pinned.sequence:  # equal payloads returned above
                raise TrustListError(
                    f"the trust list has sequence {trust_list.sequence}, like the accepted "
                    "one, but different content: one of them was not published by the "
                    "governance body as-is"
                )
        _self_signed(signed, trust_list)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, text)
        except OSError as exc:
            raise TrustListError(
                f"cannot keep the accepted list in {self.folder}: {exc.strerror or exc}"
            ) from None
        self._record_digest(text)
        return trust_list

    def _successor(self, signed: SignedTrustList, pinned: TrustList) -> TrustList:
        current = pinned.governance
        try:
            signed.require(GovernanceAnchor.of(current))
        except TrustListError as exc:
            if current.next is None:
                raise TrustListError(
                    f"{exc.message}; the pinned list (sequence {pinned.sequence}, in "
                    f"{self.path}) announces no next governance keys"
                ) from None
            signed.require(GovernanceAnchor.of(current.next))
        trust_list = signed.trust_list()
        allowed = [set(current.public_keys())]
        if current.next is not None:
            allowed.append(set(current.next.public_keys()))
        if set(trust_list.governance.public_keys()) not in allowed:
            raise TrustListError(
                "the trust list names governance keys that the accepted list did not announce "
                "as current or next: key rotation must be announced one list ahead"
            )
        if trust_list.sequence < pinned.sequence:
            raise TrustListError(
                f"the trust list has sequence {trust_list.sequence}, lower than the accepted "
                f"list's {pinned.sequence}: an older list is refused (rollback)"
            )
        return trust_list

    def _recorded_digest(self) -> str | None:
        try:
            with self.digest_path.open("rb") as handle:
                return handle.read(128).decode("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None

    def _record_digest(self, text: bytes) -> None:
        """Best effort: without it, the next start checks the signatures instead."""
        with contextlib.suppress(OSError):
            write_atomic(self.digest_path, f"{_digest(text)}\n".encode("ascii"))

    def _read(self) -> bytes | None:
        """The pinned file's bytes, or None when nothing is pinned yet."""
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_SIGNED_LIST_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TrustListError(f"cannot read {self.path}: {exc.strerror}") from None
        return data


def _digest(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def _self_signed(signed: SignedTrustList, trust_list: TrustList) -> None:
    """Refuse a list that its own governance keys did not sign (to their threshold): read back
    from the cache it is checked by them, and would be refused then, not now. (One signed by
    the outgoing boards alone while naming the incoming ones, say; `trust sign` makes none.)"""
    own = GovernanceAnchor.of(trust_list.governance)
    signers = signed.valid_signers(own.keys)
    if len(signers) < own.threshold:
        raise TrustListError(
            f"this list names {len(own.keys)} governance key(s), threshold {own.threshold}, "
            f"and carries {len(signers)} valid signature(s) of them: a list must be signed by "
            "the boards it names (after `trust bump --rotate`, the new set)"
        )
