"""The verification report: what a verifier returns instead of raising.

A report is plain data: ``verified`` plus one :class:`Check` per step of the pipeline, each with
a stable :class:`Code`. It serialises to JSON for ``vcportable verify --json`` and the VC-API.
Plain dataclasses, not pydantic: the report is built by our own code, never parsed from input,
and a cold ``vcportable verify`` should not pay for importing a validation library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any, TypedDict

from .facts import (
    AchievementFact,
    EvidenceFact,
    Languages,
    achievement_of,
    evidence_of,
    is_object,
    single_subject,
    stated_texts,
)


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


class Code(StrEnum):
    """Stable codes of checks; documented one by one in ``docs/errors.md``."""

    OK = "OK"
    MALFORMED = "MALFORMED"
    TOO_LARGE = "TOO_LARGE"
    TOO_DEEP = "TOO_DEEP"
    DATA_MODEL_INVALID = "DATA_MODEL_INVALID"
    PROOF_MISSING = "PROOF_MISSING"
    UNSUPPORTED_CRYPTOSUITE = "UNSUPPORTED_CRYPTOSUITE"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    WRONG_PROOF_PURPOSE = "WRONG_PROOF_PURPOSE"
    KEY_TYPE_MISMATCH = "KEY_TYPE_MISMATCH"
    DID_NOT_RESOLVED = "DID_NOT_RESOLVED"
    VERIFICATION_METHOD_NOT_AUTHORIZED = "VERIFICATION_METHOD_NOT_AUTHORIZED"
    ISSUER_KEY_MISMATCH = "ISSUER_KEY_MISMATCH"
    HOLDER_KEY_MISMATCH = "HOLDER_KEY_MISMATCH"
    CONTEXT_NOT_ALLOWED = "CONTEXT_NOT_ALLOWED"
    DATA_LOSS = "DATA_LOSS"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    PROOF_EXPIRED = "PROOF_EXPIRED"
    CHALLENGE_MISMATCH = "CHALLENGE_MISMATCH"
    CHALLENGE_NOT_REQUESTED = "CHALLENGE_NOT_REQUESTED"
    HOLDER_NOT_SUBJECT = "HOLDER_NOT_SUBJECT"
    DOMAIN_MISMATCH = "DOMAIN_MISMATCH"
    RELATED_RESOURCE_MISMATCH = "RELATED_RESOURCE_MISMATCH"
    RELATED_RESOURCE_NOT_CHECKED = "RELATED_RESOURCE_NOT_CHECKED"
    CREDENTIAL_INVALID = "CREDENTIAL_INVALID"
    STATUS_NOT_CHECKED = "STATUS_NOT_CHECKED"
    # JOSE family (vc+jwt, vp+jwt, VC-JWT 1.1, SD-JWT); documented in docs/jose.md.
    NOT_A_JWS = "NOT_A_JWS"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    ALG_NOT_ALLOWED = "ALG_NOT_ALLOWED"
    TYP_MISMATCH = "TYP_MISMATCH"
    CRIT_UNSUPPORTED = "CRIT_UNSUPPORTED"
    HEADER_KEY_REFUSED = "HEADER_KEY_REFUSED"
    KID_NOT_IN_ISSUER_DID = "KID_NOT_IN_ISSUER_DID"
    ISSUER_MISMATCH = "ISSUER_MISMATCH"
    CLAIM_INVALID = "CLAIM_INVALID"
    CLAIM_MISMATCH = "CLAIM_MISMATCH"
    SD_ALG_UNSUPPORTED = "SD_ALG_UNSUPPORTED"
    DISCLOSURE_INVALID = "DISCLOSURE_INVALID"
    DISCLOSURE_NOT_REFERENCED = "DISCLOSURE_NOT_REFERENCED"
    DISCLOSURE_DUPLICATE = "DISCLOSURE_DUPLICATE"
    DIGEST_DUPLICATE = "DIGEST_DUPLICATE"
    KEY_BINDING_MISSING = "KEY_BINDING_MISSING"
    KEY_BINDING_INVALID = "KEY_BINDING_INVALID"
    SD_HASH_MISMATCH = "SD_HASH_MISMATCH"
    # Checks read what was signed; keys and work are bounded (verifier core).
    NOT_COMPACTED = "NOT_COMPACTED"
    CANONICALIZATION_TOO_COMPLEX = "CANONICALIZATION_TOO_COMPLEX"
    INVALID_KEY = "INVALID_KEY"
    PROOF_NOT_YET_VALID = "PROOF_NOT_YET_VALID"
    STATUS_ENTRY_INVALID = "STATUS_ENTRY_INVALID"
    # Trust list and mutual recognition.
    ISSUER_NOT_TRUSTED = "ISSUER_NOT_TRUSTED"
    NOT_ACCREDITED = "NOT_ACCREDITED"
    NOT_RECOGNISED = "NOT_RECOGNISED"
    RECOGNISED_WITH_CONDITIONS = "RECOGNISED_WITH_CONDITIONS"
    TRUST_LIST_STALE = "TRUST_LIST_STALE"
    TRUST_LIST_NOT_CHECKED = "TRUST_LIST_NOT_CHECKED"
    # Status lists.
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"
    STATUS_STALE = "STATUS_STALE"
    # QR envelope.
    ENVELOPE_INVALID = "ENVELOPE_INVALID"


class DisclosedClaim(TypedDict):
    """A claim an SD-JWT holder revealed: its path (``credentialSubject.name``) and value. A
    plain dict, so that a disclosed ``null`` stays in the JSON report."""

    path: str
    value: Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Check:
    """One step of verification and its outcome.

    Immutable, so that one instance can be shared (module constants of fixed checks). A whole
    verification builds ten or more: the helpers below fill the slots directly, at half the
    cost of the frozen ``__init__`` (which looks ``object.__setattr__`` up once per field).
    """

    id: str
    status: CheckStatus
    code: Code
    message: str

    @classmethod
    def passed(cls, id: str, message: str) -> Check:
        return _check(cls, id, _PASSED, _OK, message)

    @classmethod
    def failed(cls, id: str, code: Code, message: str) -> Check:
        return _check(cls, id, _FAILED, code, message)

    @classmethod
    def warning(cls, id: str, code: Code, message: str) -> Check:
        return _check(cls, id, _WARNING, code, message)

    @classmethod
    def skipped(cls, id: str, message: str, code: Code = Code.OK) -> Check:
        return _check(cls, id, _SKIPPED, code, message)


_PASSED, _FAILED, _WARNING, _SKIPPED = (
    CheckStatus.PASSED,
    CheckStatus.FAILED,
    CheckStatus.WARNING,
    CheckStatus.SKIPPED,
)
_OK = Code.OK
_new = object.__new__
# The setters of the four slots themselves: what object.__setattr__ finds by name each time.
_SET_ID, _SET_STATUS, _SET_CODE, _SET_MESSAGE = (
    Check.__dict__[name].__set__ for name in ("id", "status", "code", "message")
)


def _check(cls: type[Check], id: str, status: CheckStatus, code: Code, message: str) -> Check:
    """A :class:`Check` with its four slots set, as its ``__init__`` would (no validation
    there either)."""
    check = _new(cls)
    _SET_ID(check, id)
    _SET_STATUS(check, status)
    _SET_CODE(check, code)
    _SET_MESSAGE(check, message)
    return check


@dataclass(kw_only=True)
class VerificationReport:
    """The verdict on one credential or presentation.

    ``verified`` is true only when no check failed. ``credentials`` holds the reports of the
    credentials enclosed in a presentation.
    """

    verified: bool
    kind: str  # "credential", "presentation", or "unknown" when the input could not be parsed
    checks: list[Check]
    #: "di" (Data Integrity JSON-LD) or the token type: "vc+jwt", "vc+sd-jwt", "dc+sd-jwt"...
    format: str | None = None
    issuer: str | None = None
    #: The issuer's name as the credential states it (self-declared, not vouched for).
    issuer_name: str | None = None
    holder: str | None = None
    credential_id: str | None = None
    name: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    #: What was certified, as the credential states it (see :mod:`vcportable.models.facts`).
    subject: str | None = None
    subject_name: str | None = None
    achievement: AchievementFact | None = None
    evidence: list[EvidenceFact] | None = None
    credentials: list[VerificationReport] = field(default_factory=list)
    #: SD-JWT: each selectively disclosable claim the holder revealed, with its value.
    disclosed: list[DisclosedClaim] | None = None
    #: ``name``, ``issuer_name``, ``subject_name`` when the credential gives them in several
    #: languages (those fields hold the English one, else the first): see
    #: :func:`.facts.in_language`.
    languages: Languages | None = None

    @classmethod
    def from_checks(cls, kind: str, checks: list[Check], **fields: Any) -> VerificationReport:
        verified = all(c.status is not _FAILED for c in checks)
        subs: list[VerificationReport] = fields.get("credentials", [])
        verified = verified and all(r.verified for r in subs)
        return cls(verified=verified, kind=kind, checks=checks, **fields)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def codes(self) -> set[Code]:
        """Codes of every failed or warning check, including enclosed credentials."""
        found = {
            c.code for c in self.checks if c.status in (CheckStatus.FAILED, CheckStatus.WARNING)
        }
        for sub in self.credentials:
            found |= sub.codes()
        return found

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready form: enums as their values, absent fields left out (what
        ``json.dumps(report, default=json_fields)`` writes)."""
        loaded: dict[str, Any] = json.loads(json.dumps(self, default=json_fields))
        return loaded


def json_fields(value: object) -> dict[str, Any]:
    """The ``default`` of ``json.dumps`` for reports: a dataclass field by field, absent fields
    left out (json writes an enum member as its value), with no copy of the values first, as
    ``dataclasses.asdict`` makes: a server answers with it straight from the report."""
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        if not is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"{type(value).__name__} is not JSON")
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    return {name: v for name in names if (v := getattr(value, name)) is not None}


#: The field names of each dataclass :func:`json_fields` has met (``dataclasses.fields``
#: builds them anew on every call: a third of a server answer's encoding).
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def validity_period(credential: Mapping[str, Any]) -> tuple[Any, Any]:
    """The credential's stated start and end, as given: ``validFrom``/``validUntil`` (VC 2.0)
    or ``issuanceDate``/``expirationDate`` (VC 1.1)."""
    start = credential.get("validFrom", credential.get("issuanceDate"))
    end = credential.get("validUntil", credential.get("expirationDate"))
    return start, end


def credential_facts(credential: Mapping[str, Any]) -> dict[str, Any]:
    """What a report says about a credential: issuer, its stated name, id, name, validity (the
    strings among them), and what was certified (subject, achievement, evidence)."""
    issuer = credential.get("issuer")
    issuer_object = issuer if is_object(issuer) else {}
    start, end = validity_period(credential)
    subject = single_subject(credential) or {}
    found: dict[str, Any] = {}
    for key, value in (
        ("issuer", issuer_object.get("id") if issuer_object else issuer),
        ("credential_id", credential.get("id")),
        ("valid_from", start),
        ("valid_until", end),
        ("subject", subject.get("id")),
    ):
        if isinstance(value, str):
            found[key] = value
    texts = {
        "name": credential.get("name"),
        "issuer_name": issuer_object.get("name"),
        "subject_name": subject.get("name"),
    }
    found.update(stated_texts(texts))
    achievement, evidence = achievement_of(subject), evidence_of(credential)
    if achievement is not None:
        found["achievement"] = achievement
    if evidence is not None:
        found["evidence"] = evidence
    return found
