"""The verification report: what a verifier returns instead of raising.

A report is plain data: ``verified`` plus one :class:`Check` per step of the pipeline, each with
a stable :class:`Code`. It serialises to JSON for ``vcportable verify --json`` and the VC-API.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
    CONTEXT_NOT_ALLOWED = "CONTEXT_NOT_ALLOWED"
    DATA_LOSS = "DATA_LOSS"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    PROOF_EXPIRED = "PROOF_EXPIRED"
    CHALLENGE_MISMATCH = "CHALLENGE_MISMATCH"
    DOMAIN_MISMATCH = "DOMAIN_MISMATCH"
    RELATED_RESOURCE_MISMATCH = "RELATED_RESOURCE_MISMATCH"
    CREDENTIAL_INVALID = "CREDENTIAL_INVALID"
    STATUS_NOT_CHECKED = "STATUS_NOT_CHECKED"
    # Codes of later parts of the pipeline (trust list, status lists), declared here so the
    # vocabulary is one list.
    ISSUER_NOT_TRUSTED = "ISSUER_NOT_TRUSTED"
    NOT_ACCREDITED = "NOT_ACCREDITED"
    NOT_RECOGNISED = "NOT_RECOGNISED"
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"
    STATUS_STALE = "STATUS_STALE"
    TRUST_LIST_STALE = "TRUST_LIST_STALE"


class Check(BaseModel):
    """One step of verification and its outcome."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: CheckStatus
    code: Code
    message: str

    @classmethod
    def passed(cls, id: str, message: str) -> Check:
        return cls(id=id, status=CheckStatus.PASSED, code=Code.OK, message=message)

    @classmethod
    def failed(cls, id: str, code: Code, message: str) -> Check:
        return cls(id=id, status=CheckStatus.FAILED, code=code, message=message)

    @classmethod
    def warning(cls, id: str, code: Code, message: str) -> Check:
        return cls(id=id, status=CheckStatus.WARNING, code=code, message=message)

    @classmethod
    def skipped(cls, id: str, message: str, code: Code = Code.OK) -> Check:
        return cls(id=id, status=CheckStatus.SKIPPED, code=code, message=message)


class VerificationReport(BaseModel):
    """The verdict on one credential or presentation.

    ``verified`` is true only when no check failed. ``credentials`` holds the reports of the
    credentials enclosed in a presentation.
    """

    verified: bool
    kind: str = Field(description='"credential" or "presentation"')
    checks: list[Check]
    issuer: str | None = None
    credential_id: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    credentials: list[VerificationReport] = Field(default_factory=list)

    @classmethod
    def from_checks(cls, kind: str, checks: list[Check], **fields: Any) -> VerificationReport:
        verified = all(c.status is not CheckStatus.FAILED for c in checks)
        subs: list[VerificationReport] = fields.get("credentials", [])
        verified = verified and all(r.verified for r in subs)
        return cls(verified=verified, kind=kind, checks=checks, **fields)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def codes(self) -> set[Code]:
        """Codes of every failed or warning check, including enclosed credentials."""
        found = {c.code for c in self.checks if c.status in (CheckStatus.FAILED, CheckStatus.WARNING)}
        for sub in self.credentials:
            found |= sub.codes()
        return found

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
