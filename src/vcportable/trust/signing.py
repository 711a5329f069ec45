"""Signing a trust list by joint governance: JWS JSON serialization with several signatures.

A signed list is the general JWS JSON serialization (RFC 7515 §7.2.1)::

    {"payload": "<base64url of the list's JSON>",
     "signatures": [{"protected": "<base64url of {alg, kid, typ}>", "signature": "..."}, ...]}

Each board signs the same payload with its own key (Ed25519 ``EdDSA`` or P-256 ``ES256``);
``kid`` is the board's ``publicKeyMultibase``. A verifier is pinned to the governance keys and
a threshold: it counts *distinct* pinned keys whose signature verifies and accepts nothing
below the threshold. Everything a signature does not cover is refused rather than ignored
(unprotected headers, ``crit``, unknown members), and the payload is parsed only after the
threshold is met (except a list read back from the verifier's own cache, whose governance keys
are in it).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jiter

from ..codec.base64url import b64url_decode, b64url_encode
from ..codec.json import parse_json
from ..errors import ConfigurationError, InputError, InvalidSignature, TrustListError
from ..keys import KeyPair, PublicKey
from .model import GovernanceSet, TrustList, parse_trust_list

__all__ = [
    "GovernanceAnchor",
    "MAX_SIGNED_LIST_BYTES",
    "SignedTrustList",
    "TRUST_LIST_TYP",
    "sign_trust_list",
    "verify_trust_list",
]

TRUST_LIST_TYP: Final = "vcportable-trust-list+json"
#: A signed list of 20,000 issuers and 100,000 catalogue entries fits; nothing bigger is read.
MAX_SIGNED_LIST_BYTES: Final = 64 * 1024 * 1024
MAX_SIGNATURES: Final = 16
_MAX_HEADER_BYTES: Final = 1024
_HEADER_MEMBERS: Final = frozenset({"alg", "kid", "typ"})


@dataclass(frozen=True)
class GovernanceAnchor:
    """What a verifier is pinned to: the governance keys and how many of them must sign."""

    keys: tuple[PublicKey, ...]
    threshold: int

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigurationError("a governance anchor needs at least one key")
        if len(set(self.keys)) != len(self.keys):
            raise ConfigurationError("the same governance key is given twice")
        if not 1 <= self.threshold <= len(self.keys):
            raise ConfigurationError(
                f"threshold {self.threshold} must be between 1 and the {len(self.keys)} "
                "governance key(s)"
            )

    @classmethod
    def of(cls, governance: GovernanceSet) -> GovernanceAnchor:
        """The anchor a list's own governance set (current or ``next``) names."""
        return cls(governance.public_keys(), governance.threshold)


@dataclass(frozen=True)
class _Signature:
    key: PublicKey | None  # None: the kid is not a key we can read
    protected: str
    signature: bytes


@dataclass(frozen=True)
class SignedTrustList:
    """A signed list, decoded but not yet trusted: nothing here has been verified."""

    payload: bytes
    encoded_payload: str
    signatures: tuple[_Signature, ...]
    _raw_signatures: tuple[Mapping[str, str], ...]
    #: Each signature's verdict once checked (by its position): a list is checked against its
    #: pin, then against its own governance keys, and a signature hashes megabytes.
    _verdicts: dict[int, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: bytes | str) -> SignedTrustList:
        """Decode the JWS JSON serialization strictly; :class:`TrustListError` otherwise."""
        envelope = _parse_envelope(data)
        if not isinstance(envelope, dict) or "payload" not in envelope:
            raise TrustListError(
                "not a signed trust list (a JWS JSON object with 'payload' and 'signatures'); "
                "sign it with `vcportable trust sign`"
            )
        extra = set(envelope) - {"payload", "signatures"}
        if extra:
            raise TrustListError(
                f"signed trust list has members no signature covers: {sorted(extra)}"
            )
        raw = envelope.get("signatures")
        if not isinstance(raw, list) or not raw:
            raise TrustListError("the trust list is not signed (no signatures)")
        if len(raw) > MAX_SIGNATURES:
            raise TrustListError(f"{len(raw)} signatures, over the limit of {MAX_SIGNATURES}")
        encoded = envelope["payload"]
        if not isinstance(encoded, str):
            raise TrustListError("the signed trust list's payload is not a base64url string")
        payload = _decode(encoded, "payload")
        signatures = tuple(_signature(entry, n) for n, entry in enumerate(raw, 1))
        return cls(payload, encoded, signatures, tuple(raw))

    def valid_signers(self, keys: Iterable[PublicKey]) -> set[PublicKey]:
        """The distinct keys among ``keys`` whose signature verifies (each counts once)."""
        wanted = set(keys)
        found: set[PublicKey] = set()
        for position, entry in enumerate(self.signatures):
            if entry.key is None or entry.key not in wanted or entry.key in found:
                continue
            if self._verifies(position):
                found.add(entry.key)
        return found

    def _verifies(self, position: int) -> bool:
        """Whether signature ``position`` verifies under the key it names (checked once: it
        hashes megabytes)."""
        if position not in self._verdicts:
            entry = self.signatures[position]
            key = entry.key
            assert key is not None  # valid_signers asks only for signatures of a known key
            # '<protected>.<payload>', built only for a signature that is checked.
            signing_input = b".".join((entry.protected.encode(), self.encoded_payload.encode()))
            try:
                key.verify(entry.signature, signing_input)
            except InvalidSignature:
                self._verdicts[position] = False
            else:
                self._verdicts[position] = True
        return self._verdicts[position]

    def require(self, anchor: GovernanceAnchor) -> None:
        """Raise :class:`TrustListError` unless ``anchor.threshold`` of its keys signed."""
        valid = self.valid_signers(anchor.keys)
        if len(valid) >= anchor.threshold:
            return
        known = set(anchor.keys)
        unknown = sum(1 for s in self.signatures if s.key is None or s.key not in known)
        by_known = [s.key for s in self.signatures if s.key is not None and s.key in known]
        repeated = len(by_known) - len(set(by_known))  # a key's second signature counts once
        invalid = len(by_known) - repeated - len(valid)
        details = []
        if unknown:
            details.append(f"{unknown} by a key that is not a governance key")
        if repeated:
            details.append(f"{repeated} more by a key that signed already (counted once)")
        if invalid:
            details.append(f"{invalid} that do not verify (altered list or wrong signature)")
        detail = f" ({'; '.join(details)})" if details else ""
        raise TrustListError(
            f"the trust list carries {len(valid)} valid signature(s) of the governance keys, "
            f"{anchor.threshold} are required{detail}"
        )

    def verified_list(self, anchor: GovernanceAnchor | None = None) -> TrustList:
        """:meth:`require` ``anchor``, then :meth:`trust_list`. Without ``anchor``, the
        threshold of the list's own governance keys must have signed it (a list this verifier
        accepted before, read back from its cache by ``latest()``, or given again when its
        recorded digest is missing or differs, or for an audit: its signatures are checked
        again, after the parse that names them)."""
        if anchor is not None:
            self.require(anchor)
            return self.trust_list()
        trust_list = self.trust_list()
        self.require(GovernanceAnchor.of(trust_list.governance))
        return trust_list

    def trust_list(self) -> TrustList:
        """The payload as a :class:`TrustList` (call only after :meth:`require`).

        A large list is a few hundred thousand small objects, none of them garbage: the cyclic
        collector is paused while they are built (see :func:`_collector_paused`)."""
        with _collector_paused():
            try:
                value = parse_json(
                    self.payload,
                    max_bytes=MAX_SIGNED_LIST_BYTES,
                    what="trust list",
                    schema_bounds_numbers=True,  # TrustList: its numbers are bounded ints
                )
            except InputError as exc:
                raise TrustListError(exc.message) from None
            return parse_trust_list(value)

    def with_signatures(self, keys: Sequence[KeyPair]) -> bytes:
        """The same payload with the signatures of ``keys`` added (a board co-signing). A key
        has signed when its signature verifies, not when an entry names it: an entry that does
        not verify (appended by anyone relaying the file) is dropped for the key's own."""
        signing = {key.public_key for key in keys}
        present = self.valid_signers(signing)
        kept = [
            raw
            for position, raw in enumerate(self._raw_signatures)
            if self.signatures[position].key not in signing - present
        ]
        added = [_sign(self.encoded_payload, key) for key in keys if key.public_key not in present]
        return _serialize(self.encoded_payload, [*kept, *added])


def sign_trust_list(trust_list: TrustList, keys: Sequence[KeyPair]) -> bytes:
    """The list signed by each of ``keys`` (the JSON text to publish)."""
    if not keys:
        raise ConfigurationError("signing a trust list needs at least one key")
    payload = json.dumps(trust_list.to_json_dict(), ensure_ascii=False, separators=(",", ":"))
    encoded = b64url_encode(payload.encode("utf-8"))
    return SignedTrustList(b"", encoded, (), ()).with_signatures(keys)


def verify_trust_list(data: bytes | str, anchor: GovernanceAnchor) -> TrustList:
    """Check the signatures against the anchor, then parse the list (no rollback cache)."""
    return SignedTrustList.parse(data).verified_list(anchor)


def _parse_envelope(data: bytes | str) -> Any:
    """The JWS JSON object, parsed by jiter alone: its members are strings only, each checked
    by :meth:`SignedTrustList.parse`, so the numbers and the deep nesting that
    :func:`parse_json` scans megabytes for could not pass anyway. Whatever jiter refuses
    (duplicate members, lone surrogates, bad UTF-8, ...) is parsed again by ``parse_json``
    for its message."""
    with contextlib.suppress(ValueError):  # UnicodeEncodeError too: a lone surrogate
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if len(raw) <= MAX_SIGNED_LIST_BYTES:
            return jiter.from_json(raw, allow_inf_nan=False, catch_duplicate_keys=True)
    try:
        return parse_json(data, max_bytes=MAX_SIGNED_LIST_BYTES, what="signed trust list")
    except InputError as exc:
        raise TrustListError(exc.message) from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No collection while a list is built (its hundreds of thousands of objects are none of
    them garbage, and would be scanned again and again); then they go straight to the oldest
    generation, moved and not scanned (freeze, then unfreeze), where the next young collection
    would have put them after scanning them all. Not when the program keeps objects frozen
    itself (a server that forks), whose freeze an unfreeze would undo."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _sign(encoded_payload: str, key: KeyPair) -> dict[str, str]:
    header = {"alg": key.public_key.jws_alg, "kid": key.public_key.to_multibase()}
    header["typ"] = TRUST_LIST_TYP
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signature = key.sign(f"{protected}.{encoded_payload}".encode("ascii"))
    return {"protected": protected, "signature": b64url_encode(signature)}


def _serialize(encoded_payload: str, signatures: Sequence[Mapping[str, Any]]) -> bytes:
    document = {"payload": encoded_payload, "signatures": list(signatures)}
    return (json.dumps(document, indent=1) + "\n").encode("utf-8")


def _decode(value: str, what: str) -> bytes:
    try:
        return b64url_decode(
            value, what=f"signed trust list {what}", max_bytes=MAX_SIGNED_LIST_BYTES
        )
    except InputError as exc:
        raise TrustListError(exc.message) from None


def _signature(entry: Any, number: int) -> _Signature:
    where = f"signature {number}"
    if not isinstance(entry, dict) or set(entry) != {"protected", "signature"}:
        raise TrustListError(
            f"{where} must hold exactly 'protected' and 'signature' (unprotected headers are "
            "refused: no signature covers them)"
        )
    protected, signature = entry["protected"], entry["signature"]
    if not isinstance(protected, str) or not isinstance(signature, str):
        raise TrustListError(f"{where}: 'protected' and 'signature' must be strings")
    if len(protected) > _MAX_HEADER_BYTES:
        raise TrustListError(f"{where}: protected header is over {_MAX_HEADER_BYTES} characters")
    try:
        header = parse_json(_decode(protected, f"{where} header"), max_depth=2, what=where)
    except InputError as exc:
        raise TrustListError(exc.message) from None
    if not isinstance(header, dict) or set(header) != _HEADER_MEMBERS:
        raise TrustListError(f"{where}: the protected header must hold exactly alg, kid and typ")
    if header["typ"] != TRUST_LIST_TYP:
        raise TrustListError(f"{where}: typ is {header['typ']!r}, expected {TRUST_LIST_TYP!r}")
    key: PublicKey | None
    try:
        key = PublicKey.from_multibase(header["kid"]) if isinstance(header["kid"], str) else None
    except InputError:
        key = None
    if key is not None and header["alg"] != key.jws_alg:
        raise TrustListError(f"{where}: alg {header['alg']!r} does not fit its {key.type} key")
    return _Signature(key, protected, _decode(signature, where))
