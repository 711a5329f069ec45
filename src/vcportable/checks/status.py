"""The status check: is a credential revoked or suspended, according to cached status lists?

For each ``BitstringStatusListEntry`` the check finds the list credential in its source (a
folder of cached lists, never the network), verifies that list's own signature with a
:class:`~vcportable.verifier.Verifier`, requires the list to come from the credential's own
issuer, and reads the entry's bits. Every outcome says *when* the status was known (the list's
``validFrom``), because an offline verifier can only report the status as of its copy:

- ``REVOKED`` / ``SUSPENDED`` (failed): the bit is set; a revocation in a stale list still
  counts, since revocation is final;
- ``STATUS_STALE`` (warning): the copy is past its ``validUntil`` or its ``ttl``;
- ``STATUS_NOT_CHECKED`` (warning): no list for the URL, or one that does not verify, comes from
  someone else, or has another purpose;
- ``STATUS_ENTRY_INVALID`` (failed): the credential's entry is malformed or points outside its
  list.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..codec.base64url import b64url_decode
from ..codec.json import parse_json
from ..errors import InputError
from ..models.report import Check, CheckStatus, Code
from ..policy import VerificationPolicy
from ..proofs.dispatch import InputFormat, detect
from ..status.bitstring import MIN_ENTRIES
from ..status.reading import ENTRY_TYPE, EntryError, StatusEntry, StatusList, read_entry, read_list
from ..status.source import MAX_LIST_BYTES, StatusSource
from . import issuer_id
from .status_entry import MAX_STATUS_ENTRIES

if TYPE_CHECKING:
    from ..models.report import VerificationReport
    from . import SignedView

#: Verified lists kept in memory, by URL (a batch of credentials shares a few lists).
CACHE_SIZE = 64


def list_policy(policy: VerificationPolicy | None = None) -> VerificationPolicy:
    """``policy`` (by default the default one) with a status list's own input bound,
    :data:`~vcportable.status.source.MAX_LIST_BYTES`, for the verifier that checks the lists'
    signatures: a list of 131,072 entries or more, many of them set, may be larger than a
    credential may (a list refused for its size would leave the status unchecked). Its
    signer must be its issuer, whatever the credential's policy allows (a list signed by any
    key would say anything about anyone's credentials)."""
    return replace(
        policy or VerificationPolicy(), max_input_bytes=MAX_LIST_BYTES, require_issuer_binding=True
    )


class ListVerifier(Protocol):
    """What verifies a list credential: :class:`vcportable.verifier.Verifier` is one."""

    def verify(self, data: bytes) -> VerificationReport: ...


class StatusCheck:
    """A :class:`~vcportable.checks.CredentialCheck` over a :class:`StatusSource`.

    ``verifier`` checks the lists' own signatures; give it the same resolver as the one that
    verifies the credentials (a did:web issuer's key comes from the same cache).

    One instance may serve many threads at once (a server shares one per process): the source
    is asked on every check, so a list that changed is seen at once; the cache of verified lists
    is keyed by content and locked; the guard against a list leading back to itself is per
    thread, so one thread's list being verified is not taken for another's loop.
    """

    def __init__(self, source: StatusSource, verifier: ListVerifier | None = None) -> None:
        if verifier is None:
            from ..verifier import Verifier

            verifier = Verifier(policy=list_policy())
        self.source = source
        self.verifier = verifier
        self._lists: OrderedDict[str, tuple[str, StatusList]] = OrderedDict()
        self._lock = threading.Lock()
        #: Lists this thread is verifying now: a list whose own status entry leads back to a
        #: list being verified would recurse without end.
        self._local = threading.local()

    def check(self, view: SignedView) -> list[Check]:
        status = view.credential.get("credentialStatus")
        if status is None:
            return [Check.skipped("status", "the credential has no status entry")]
        entries = status if isinstance(status, list) else [status]
        if not entries or len(entries) > MAX_STATUS_ENTRIES:
            return [
                Check.failed(
                    "status",
                    Code.STATUS_ENTRY_INVALID,
                    f"credentialStatus must hold 1 to {MAX_STATUS_ENTRIES} entries",
                )
            ]
        issuer = issuer_id(view.credential)
        return [
            self._one(entry, "status" if len(entries) == 1 else f"status[{n}]", issuer, view.now)
            for n, entry in enumerate(entries)
        ]

    def _one(self, raw: Any, cid: str, issuer: str | None, now: datetime) -> Check:
        kind = raw.get("type") if isinstance(raw, Mapping) else None
        kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
        if isinstance(raw, Mapping) and ENTRY_TYPE not in kinds:
            return Check.warning(
                cid, Code.STATUS_NOT_CHECKED, f"status type {kind!r:.60} is not supported"
            )
        try:
            entry = read_entry(raw)
        except EntryError as exc:
            return Check.failed(cid, Code.STATUS_ENTRY_INVALID, str(exc))
        found = self._list(entry.list_url)
        if isinstance(found, str):
            return Check.warning(cid, Code.STATUS_NOT_CHECKED, found)
        if found.issuer != issuer:
            return Check.warning(
                cid,
                Code.STATUS_NOT_CHECKED,
                f"the status list {entry.list_url} is issued by {found.issuer}, not by the "
                f"credential's issuer {issuer}: its status was not checked",
            )
        if entry.purpose not in found.purposes:
            return Check.warning(
                cid,
                Code.STATUS_NOT_CHECKED,
                f"the status list {entry.list_url} is for {', '.join(found.purposes)}, the "
                f"entry for {entry.purpose}",
            )
        return _verdict(cid, entry, found, now)

    def _list(self, url: str) -> StatusList | str:
        """The verified list at ``url``, or why there is none (a verified list is cached by
        content)."""
        data = self.source.load(url)
        if data is None:
            return (
                f"no status list for {url} in {self.source.describe()}: revocation status "
                "not checked"
            )
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            cached = self._lists.get(url)
            if cached is not None and cached[0] == digest:
                self._lists.move_to_end(url)
                return cached[1]
        checking: set[str] = self._local.__dict__.setdefault("checking", set())
        if url in checking:
            return f"the status list {url} refers back to itself: status not checked"
        checking.add(url)
        try:  # outside the lock: two threads may verify one new list, both get the same result
            result = self._verified(url, data)
        finally:
            checking.discard(url)
        if isinstance(result, str):
            # Not kept: why a list does not verify may depend on the time (a proof created
            # ahead of this clock), and a kept refusal would hide a revocation for as long as
            # the list's bytes stay the same.
            return result
        with self._lock:
            self._lists[url] = (digest, result)
            if len(self._lists) > CACHE_SIZE:
                self._lists.popitem(last=False)
        return result

    def _verified(self, url: str, data: bytes) -> StatusList | str:
        if detect(data) is InputFormat.ENVELOPE:
            # The verifier would open a badge, a photo or a QR envelope and check the credential
            # inside, while the list is read from the bytes themselves: checked and read must
            # be one thing.
            return f"the status list {url} is neither JSON nor a compact JWT: status not checked"
        report = self.verifier.verify(data)
        # An expired list still tells the status as of its date: staleness is reported
        # (STATUS_STALE) by the verdict, not as a list that does not verify.
        problems = [
            c for c in report.checks if c.status is CheckStatus.FAILED and c.code != Code.EXPIRED
        ] + [f for sub in report.credentials for f in sub.failures]
        if problems or report.kind != "credential":
            reason = problems[0].message if problems else f"it is a {report.kind}"
            return f"the status list {url} does not verify ({reason}): status not checked"
        try:
            return read_list(_document(data), url)
        except InputError as exc:
            return f"{exc.message}: status not checked"


def _verdict(cid: str, entry: StatusEntry, found: StatusList, now: datetime) -> Check:
    try:
        bits = found.bits(entry.size)
        value = bits.get(entry.index)
    except InputError as exc:
        return Check.failed(cid, Code.STATUS_ENTRY_INVALID, f"{entry.list_url}: {exc.message}")
    if len(bits) < MIN_ENTRIES:
        # Bitstring Status List 3.2: a list this short would tell its publisher whose status
        # is being checked (STATUS_LIST_LENGTH_ERROR), whatever the bit says.
        return Check.failed(
            cid,
            Code.STATUS_ENTRY_INVALID,
            f"{entry.list_url}: the list holds {len(bits)} entries of {entry.size} bit(s), fewer"
            f" than the {MIN_ENTRIES} the specification requires for herd privacy"
            " (STATUS_LIST_LENGTH_ERROR)",
        )
    known = found.valid_from.isoformat() if found.valid_from else "an unstated date"
    stale = found.stale_reason(now)
    note = f"as of {known}" + (f"; the list is stale: {stale}" if stale else "")
    said = f" ({entry.describe(value)})" if entry.size > 1 or entry.messages else ""
    if value and entry.purpose == "revocation":
        return Check.failed(cid, Code.REVOKED, f"revoked{said}, {note}")
    if value and entry.purpose == "suspension":
        return Check.failed(cid, Code.SUSPENDED, f"suspended{said}, {note}")
    if entry.purpose not in ("revocation", "suspension"):
        text = f"{entry.purpose}: {entry.describe(value)}, {note}"
    else:
        text = f"not {'revoked' if entry.purpose == 'revocation' else 'suspended'}, {note}"
    if stale:
        return Check.warning(cid, Code.STATUS_STALE, f"{text} (last known status)")
    return Check.passed(cid, text)


def _document(data: bytes) -> Any:
    """The list credential: the JSON itself, or the payload of a ``vc+jwt`` (already verified,
    so this only reads it)."""
    text = data.strip()
    if text.startswith(b"{"):
        return parse_json(text, max_bytes=MAX_LIST_BYTES, what="status list")
    parts = text.split(b".")
    if len(parts) != 3:
        raise InputError("the status list is neither JSON nor a compact JWT")
    payload = b64url_decode(
        parts[1].decode("ascii", "replace"), what="status list payload", max_bytes=MAX_LIST_BYTES
    )
    document = parse_json(payload, max_bytes=MAX_LIST_BYTES, what="status list payload")
    if not isinstance(document, Mapping):
        raise InputError("the status list payload is not an object")
    return document
