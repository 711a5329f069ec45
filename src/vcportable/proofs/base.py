"""The one interface of every proof format: :class:`ProofVerifier`.

A verification reads its input (:mod:`vcportable.proofs.dispatch` tells the format), hands it
to the proof verifier of that format, and runs the same credential checks on whatever the
result says was signed. Data Integrity
(:class:`~vcportable.proofs.dataintegrity.DataIntegrityVerifier`) and the compact tokens
(:class:`~vcportable.proofs.tokens.TokenVerifier`: ``vc+jwt``, ``vp+jwt``, SD-JWT, VC-JWT 1.1)
implement it; so can any other format, without the pipeline knowing which it got.

A proof verifier never raises for anything inside its input: every problem is a failed
:class:`~vcportable.models.report.Check` of its :class:`ProofResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from ..checks import Signer
    from ..dids import DidResolver
    from ..jsonld import DocumentLoader
    from ..models.report import Check
    from ..policy import VerificationPolicy

__all__ = ["Kind", "ProofContext", "ProofRequest", "ProofResult", "ProofVerifier"]

Kind = Literal["credential", "presentation"]


@dataclass(frozen=True)
class ProofRequest:
    """What this verification asks of the proofs, whatever their format."""

    #: The challenge (a token's ``nonce``) and domain (its ``aud``) this verifier issued to a
    #: presenter; None when it asked none.
    challenge: str | None = None
    domain: str | None = None
    #: What the caller expects (a VC-API route knows); None: what the input declares.
    kind: Kind | None = None


@dataclass(frozen=True)
class ProofContext:
    """What every proof is verified with: the verifier's injected parts and the time."""

    loader: DocumentLoader
    resolver: DidResolver
    policy: VerificationPolicy
    now: datetime


@dataclass(frozen=True)
class ProofResult:
    """What the proofs of one credential or presentation establish, in one shape for every
    format, so that the checks after the proofs never ask which format it was."""

    #: "credential" or "presentation" ("unknown" when the input could not be read at all).
    kind: str
    #: "di", "vc+jwt", "vp+jwt", "vc+sd-jwt", "dc+sd-jwt", "vc-jwt-1.1", "unknown"; None
    #: for something that is no credential (an enclosed value that is not an object).
    format: str | None
    #: The proofs' own checks, in order: each proof's purpose, key, dates, signature, and
    #: whether the issuer (or holder) is among the signers.
    checks: tuple[Check, ...]
    #: What was signed, as a VC data model document (a token's claims without the JWT ones; an
    #: SD-JWT with its disclosures applied); None when the input could not be decoded.
    document: Mapping[str, Any] | None = None
    #: A token's JWT claims as signed (an SD-JWT's ``cnf`` binds its holder); None otherwise.
    claims: Mapping[str, Any] | None = None
    #: The keys whose proofs verified, which the later checks (trust, holder binding) rely on.
    signers: tuple[Signer, ...] = ()
    #: A presentation: the holder its proofs authenticate (None: nobody).
    holder: str | None = None
    #: A presentation: the result of each credential it encloses, in order.
    enclosed: tuple[ProofResult, ...] = ()
    #: An embedded proof (Data Integrity) sits in the document it signs, which was read before
    #: the proofs and whose contexts its canonicalization already checked; an enveloping one
    #: (a token) yields its document only once decoded, and reads no context itself.
    embedded: bool = True
    #: Whether the document follows the VC data model (an SD-JWT VC, ``dc+sd-jwt``, does not).
    vc_data_model: bool = True
    #: Whether a holder's proof answered the request's challenge and domain (a presentation's
    #: verified proof, an SD-JWT's key binding): a credential alone answers none.
    answers_challenge: bool = False
    #: Fields of the report (issuer, name, validity, holder, disclosed claims...).
    facts: Mapping[str, Any] = field(default_factory=dict)


class ProofVerifier(Protocol):
    """Verifies the proofs of one input format."""

    def verify(self, data: Any, request: ProofRequest, context: ProofContext) -> ProofResult:
        """The proofs of ``data`` (as the dispatch read it: a JSON object for Data Integrity,
        the compact text of a token); never raises for anything inside it."""
        ...
