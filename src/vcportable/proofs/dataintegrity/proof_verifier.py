"""Data Integrity as a :class:`~vcportable.proofs.base.ProofVerifier`: the proofs of a JSON-LD
credential, or of a presentation and each credential it encloses.

A credential's proofs are checked for ``assertionMethod`` and must include one by its issuer;
a presentation's for ``authentication`` (with the verifier's challenge and domain), and one by
the holder it names authenticates that holder. The proofs sit in the document they sign, so
what was signed is the document itself (the verifier refuses JSON-LD that is not in compacted
form, so its JSON is what the signature covers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ... import canonfast
from ...checks import Signer
from ...models.report import Check, Code, credential_facts
from ..base import ProofContext, ProofRequest, ProofResult
from .proof_set import binding_check, verify_proof_set
from .suites import proofs_of

__all__ = ["DataIntegrityVerifier"]

VP_TYPE: Final = "VerifiablePresentation"


def _types(document: Mapping[str, Any]) -> list[str]:
    value = document.get("type", [])
    values = [value] if isinstance(value, str) else value
    return [t for t in values if isinstance(t, str)] if isinstance(values, list) else []


def _not_an_object(what: str, kind: str = "credential") -> ProofResult:
    return ProofResult(
        kind, None, (Check.failed("parse", Code.MALFORMED, f"{what} is not an object"),)
    )


class DataIntegrityVerifier:
    """The proofs of a JSON-LD document: a presentation when the request or its ``type``
    says so, else a credential."""

    def verify(self, data: Any, request: ProofRequest, context: ProofContext) -> ProofResult:
        if not isinstance(data, Mapping):
            return _not_an_object("the document", request.kind or "credential")
        kind = request.kind or ("presentation" if VP_TYPE in _types(data) else "credential")
        if kind == "presentation":
            return self._presentation(data, request, context)
        return self._credential(data, context)

    def _credential(self, credential: Mapping[str, Any], context: ProofContext) -> ProofResult:
        facts = credential_facts(credential)
        proofs = verify_proof_set(credential, "assertionMethod", ProofRequest(), context)
        binding = binding_check(
            "issuer_binding",
            proofs.signers,
            facts.get("issuer"),
            who="issuer",
            code=Code.ISSUER_KEY_MISMATCH,
            relaxed=not context.policy.require_issuer_binding,
        )
        return ProofResult(
            "credential",
            "di",
            (*proofs.checks, binding),
            credential,
            signers=tuple(proofs.signers),
            facts=facts,
        )

    def _presentation(
        self, presentation: Mapping[str, Any], request: ProofRequest, context: ProofContext
    ) -> ProofResult:
        # The presentation's canonical form holds its credentials and their proofs: what each
        # credential's proof signs is taken from the walk of the presentation's instead of
        # being walked again (canonfast._share, docs/canonicalization.md "Presentations").
        with canonfast.sharing():
            return self._presentation_proofs(presentation, request, context)

    def _presentation_proofs(
        self, presentation: Mapping[str, Any], request: ProofRequest, context: ProofContext
    ) -> ProofResult:
        holder = presentation.get("holder")
        if isinstance(holder, Mapping):
            holder = holder.get("id")
        holder_id = holder if isinstance(holder, str) else None
        checks: list[Check] = []
        signers: tuple[Signer, ...] = ()
        proved = bool(proofs_of(presentation) or context.policy.require_presentation_proof)
        if proved:
            proofs = verify_proof_set(presentation, "authentication", request, context)
            checks += proofs.checks
            if holder_id is None:
                # The data model makes holder optional: nobody is then authenticated as the
                # holder, and the holder binding check decides what that means for the
                # credentials.
                checks.append(Check.skipped("holder_key", "the presentation names no holder"))
            else:
                checks.append(
                    binding_check(
                        "holder_key",
                        proofs.signers,
                        holder_id,
                        who="holder",
                        code=Code.HOLDER_KEY_MISMATCH,
                    )
                )
            signers = tuple(proofs.signers)
        else:
            checks.append(Check.skipped("proof", "unsigned presentation allowed by policy"))
        enclosed = presentation.get("verifiableCredential", [])
        items = enclosed if isinstance(enclosed, list) else [enclosed]
        authenticated = any(s.controller == holder_id for s in signers)
        return ProofResult(
            "presentation",
            "di",
            tuple(checks),
            presentation,
            signers=signers,
            holder=holder_id if authenticated else None,
            enclosed=tuple(
                self._credential(item, context)
                if isinstance(item, Mapping)
                else _not_an_object("enclosed credential")
                for item in items
            ),
            answers_challenge=proved,
            facts={"holder": holder_id},
        )
