"""Credential checks: each one a unit over the view of what was signed.

The proof stage establishes *which keys signed* a credential; the checks here decide what that
means (is the issuer on the trust list, accredited for this achievement, recognised in the
verifier's municipality; is the credential revoked). Every check reads a :class:`SignedView`:
the credential exactly as its signature covers it (the verifier refuses JSON-LD that is not in
compacted form for its own contexts, so the JSON object *is* what was signed) and the signers
whose proofs verified. A check returns :class:`~vcportable.models.report.Check` entries and
never raises for anything inside the credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..keys import PublicKey
    from ..models.report import Check


@dataclass(frozen=True)
class Signer:
    """A key whose proof over the credential verified."""

    #: The verification method as the proof (or the JWS ``kid``) names it.
    verification_method: str
    #: The DID or URL whose controller document lists the method.
    controller: str
    public_key: PublicKey


@dataclass(frozen=True)
class SignedView:
    """What a check may rely on: the signed credential, its format and its valid signers."""

    credential: Mapping[str, Any]
    #: "di", "vc+jwt", "vc+sd-jwt", "jwt" (VC-JWT 1.1)...
    format: str
    signers: tuple[Signer, ...]
    now: datetime


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The credential's issuer: the string, or an issuer object's ``id``."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


class CredentialCheck(Protocol):
    """One unit of the pipeline after the proofs: ``Verifier(checks=[...])`` runs each."""

    def check(self, view: SignedView) -> list[Check]: ...
