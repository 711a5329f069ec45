"""Issuing through the registry: every credential is recorded before it exists anywhere else.

The order is what makes the registry trustworthy: in one transaction the credential's status
index is allocated and the credential (its claims, without the proof) is recorded with its audit
entry; only after that commit is it signed and written out. A crash before the commit leaves
nothing; a crash after it leaves a recorded credential that :meth:`RegistryIssuer.sign_record`
renders again (same id, same index, same claims), so a re-run never issues twice.

Also here: revoke, suspend and reinstate with reasons, and renewal (a successor with a new id
and validity, linked to its predecessor, which can be revoked in the same transaction).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .clock import format_datetime, parse_datetime
from .codec.json import parse_json
from .errors import ConfigurationError, StorageError
from .issuer import Issuer, validate_credential
from .status.entries import status_entries
from .store import CredentialRecord, IssuerProfile, Store
from .store.registry import checked_reason

Format = Literal["di", "jwt"]
FORMATS: tuple[Format, ...] = ("di", "jwt")
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def canonical_text(document: Mapping[str, Any]) -> str:
    """How the registry stores claims: JSON with sorted keys and no spaces (UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of :func:`canonical_text` of the unsigned credential: the same for DI and JWT,
    and what the registry stores, so an auditor can recompute it from the record or from the
    signed credential without its proof."""
    return text_hash(canonical_text(document))


def text_hash(text: str) -> str:
    """:func:`content_hash` of the claims whose :func:`canonical_text` is ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Subject:
    name: str
    id: str | None = None


def build_credential(
    profile: IssuerProfile,
    achievement: Mapping[str, Any],
    subject: Subject,
    *,
    credential_id: str,
    valid_from: str,
    valid_until: str | None,
    list_id: int,
    index: int,
) -> dict[str, Any]:
    """The unsigned Open Badges 3.0 credential the registry records and then signs (with the
    issuer and ``validFrom`` set, as :func:`~vcportable.issuer.prepare_credential` would)."""
    body: dict[str, Any] = {"type": ["AchievementSubject"], "name": subject.name}
    if subject.id is not None:
        body = {"id": subject.id, **body}
    body["achievement"] = dict(achievement)
    document: dict[str, Any] = {
        "@context": [VC_V2, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.get("name", "Achievement"),
        "issuer": {
            "id": profile.did,
            "type": ["Profile"],
            "name": profile.name,
            "address": {"type": ["Address"], "addressLocality": profile.municipality},
        },
        "validFrom": valid_from,
        "credentialSubject": body,
        "credentialStatus": status_entries(profile.status_base_url, list_id, index),
    }
    if valid_until is not None:
        document["validUntil"] = valid_until
    return document


def draft_credential(
    profile: IssuerProfile,
    achievement: Mapping[str, Any],
    subject: Subject,
    *,
    valid_from: str,
    valid_until: str | None,
) -> dict[str, Any]:
    """A credential as it would be issued (placeholder id and index), validated: raises
    :class:`~vcportable.errors.CredentialInvalidError` naming every problem. A free function
    so that batch worker processes check rows with the profile they were given."""
    document = build_credential(
        profile,
        achievement,
        subject,
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
        valid_from=valid_from,
        valid_until=valid_until,
        list_id=1,
        index=0,
    )
    validate_credential(document)
    return document


@dataclass(frozen=True)
class Issued:
    record: CredentialRecord
    #: The signed credential: JSON text (di) or a compact vc+jwt.
    text: str


class RegistryIssuer:
    """An :class:`~vcportable.issuer.Issuer` bound to a registry whose profile it matches."""

    def __init__(self, store: Store, issuer: Issuer) -> None:
        self.store = store
        self.issuer = issuer
        self.profile = store.profile()
        if issuer.key.controller != self.profile.did:
            raise ConfigurationError(
                f"the key belongs to {issuer.key.controller}; this registry issues as "
                f"{self.profile.did}"
            )

    def now(self) -> str:
        return format_datetime(self.issuer.clock.now())

    def draft(
        self,
        achievement: Mapping[str, Any],
        subject: Subject,
        *,
        valid_from: str,
        valid_until: str | None,
    ) -> dict[str, Any]:
        """:func:`draft_credential` with this registry's profile."""
        return draft_credential(
            self.profile, achievement, subject, valid_from=valid_from, valid_until=valid_until
        )

    def new_records(
        self,
        connection: Any,
        achievement: Mapping[str, Any],
        requests: list[tuple[Subject, str | None, str | None, str | None, str | None]],
        *,
        fmt: Format,
        at: str,
        predecessor_id: str | None = None,
        validate: bool = True,
    ) -> list[CredentialRecord]:
        """Allocate, build, validate and record credentials in the caller's transaction.

        Each request is ``(subject, valid_from, valid_until, row_key, row_hash)``; a missing
        ``valid_from`` means now. ``validate=False`` is for requests whose :meth:`draft` was
        validated already (only the generated id, index and status entries differ)."""
        if fmt not in FORMATS:
            raise ConfigurationError(f"unknown format {fmt!r} (di or jwt)")
        pairs = self.store.allocate(
            connection, len(requests), list_size=self.profile.list_size, at=at
        )
        records = []
        ids = _uuids(len(requests))
        for (subject, start, end, row_key, row_hash), (list_id, index), credential_id in zip(
            requests, pairs, ids, strict=True
        ):
            document = build_credential(
                self.profile,
                achievement,
                subject,
                credential_id=credential_id,
                valid_from=start or at,
                valid_until=end,
                list_id=list_id,
                index=index,
            )
            if validate:
                validate_credential(document)
            text = canonical_text(document)
            records.append(
                CredentialRecord(
                    id=document["id"],
                    subject_id=subject.id,
                    subject_name=subject.name,
                    achievement_id=str(achievement["id"]),
                    format=fmt,
                    list_id=list_id,
                    status_index=index,
                    valid_from=document["validFrom"],
                    valid_until=end,
                    content_hash=text_hash(text),  # the text is also stored
                    document=text,
                    issued_at=at,
                    row_key=row_key,
                    row_hash=row_hash,
                    predecessor_id=predecessor_id,
                )
            )
        return records

    def issue(
        self,
        achievement_id: str,
        subject: Subject,
        *,
        fmt: Format = "di",
        valid_from: str | None = None,
        valid_until: str | None = None,
    ) -> Issued:
        """Record, then sign, one credential."""
        achievement = self.store.achievement(achievement_id)
        at = self.now()
        with self.store.transaction() as connection:
            (record,) = self.new_records(
                connection,
                achievement,
                [(subject, valid_from, valid_until, None, None)],
                fmt=fmt,
                at=at,
            )
            self.store.record(connection, [record], at=at)
        return Issued(record, self.sign_record(record))

    def sign_record(self, record: CredentialRecord) -> str:
        """The signed form of a recorded credential (again, after a crash, with the same claims)."""
        return sign_document(self.issuer, record.document, record.format)

    # -- lifecycle -----------------------------------------------------------------------------

    def revoke(self, credential_id: str, reason: str) -> None:
        self.store.change_state("revoke", credential_id, reason=reason, at=self.now())

    def suspend(self, credential_id: str, reason: str) -> None:
        self.store.change_state("suspend", credential_id, reason=reason, at=self.now())

    def reinstate(self, credential_id: str, reason: str) -> None:
        self.store.change_state("reinstate", credential_id, reason=reason, at=self.now())

    def renew(
        self,
        credential_id: str,
        *,
        valid_until: str | None = None,
        revoke_predecessor: bool = False,
        reason: str | None = None,
    ) -> Issued:
        """Issue a successor: same subject and achievement, a new id, index and validity.

        Without ``valid_until`` the successor lasts as long as the predecessor did, from now.
        The predecessor is kept unless ``revoke_predecessor`` (then in the same transaction)."""
        if reason is not None:
            reason = checked_reason(reason)  # the audit log's rules for any reason
        at = self.now()
        with self.store.transaction() as connection:
            old = self.store.credential(credential_id, connection)
            if old.state == "revoked":
                raise StorageError(
                    f"{credential_id} is revoked; a revoked credential is not renewed"
                )
            if old.state == "suspended":  # an active successor would lift the suspension
                raise StorageError(
                    f"{credential_id} is suspended; reinstate it before renewing it, or revoke it"
                )
            document = parse_json(old.document, what=f"recorded credential {credential_id}")
            subject = Subject(name=old.subject_name or "", id=old.subject_id)
            end = valid_until if valid_until is not None else _same_length(old, at)
            if end is not None and end <= at:
                raise ConfigurationError(f"the renewed credential would end at {end}, before now")
            (record,) = self.new_records(
                connection,
                document["credentialSubject"]["achievement"],
                [(subject, at, end, None, None)],
                fmt=old.format,  # type: ignore[arg-type]
                at=at,
                predecessor_id=old.id,
            )
            self.store.record(
                connection,
                [record],
                at=at,
                audit_entries=[
                    {
                        "action": "renew",
                        "credential_id": old.id,
                        "reason": reason,
                        "details": {"successor": record.id},
                    }
                ],
            )
            if revoke_predecessor:
                self.store.change_state(
                    "revoke",
                    old.id,
                    reason=reason or f"superseded by {record.id}",
                    at=at,
                    connection=connection,
                    details={"successor": record.id},
                )
        return Issued(record, self.sign_record(record))


def _uuids(count: int) -> list[str]:
    """``count`` random (version 4) URN UUIDs from one read of the system's randomness."""
    data = os.urandom(16 * count)
    return [uuid.UUID(bytes=data[i : i + 16], version=4).urn for i in range(0, len(data), 16)]


def _same_length(old: CredentialRecord, at: str) -> str | None:
    if old.valid_until is None:
        return None
    length = parse_datetime(old.valid_until) - parse_datetime(old.valid_from)
    return format_datetime(parse_datetime(at) + length)


def sign_document(issuer: Issuer, document_json: str, fmt: str, *, validated: bool = False) -> str:
    """Sign recorded claims as Data Integrity JSON or a vc+jwt (also in worker processes).

    ``validated``: the claims were validated when they were recorded (a batch validates every
    row before recording it), so they go straight to :meth:`Issuer.prove` instead of being
    validated a second time: validation is a third of the cost of issuing one credential."""
    document = parse_json(document_json, what="recorded credential")
    if fmt == "jwt":
        return issuer.prove_jwt(document) if validated else issuer.issue_jwt(document)
    signed = issuer.prove(document) if validated else issuer.issue(document)
    return json.dumps(signed, indent=2, ensure_ascii=False)
