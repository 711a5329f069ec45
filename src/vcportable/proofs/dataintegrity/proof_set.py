"""Verifying the Data Integrity proofs of a document: a proof set or a proof chain.

Each proof is checked on its own (purpose, challenge and domain, dates, the key its controller
publishes, the signature) and reported as its own checks; the proofs whose signature holds
become :class:`~vcportable.checks.Signer` entries. Binding (is one of them the issuer's, or the
holder's?) is decided over all of them at once: a proof set may carry a co-signer's proof
beside the issuer's, and one valid proof by the issuer is what binding asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ... import jsonld
from ...checks import Signer
from ...codec.dates import parse_datetime_stamp
from ...dids import MAX_DID_LENGTH, find_method
from ...errors import (
    CanonicalizationError,
    ContextNotAllowedError,
    InputError,
    InvalidSignature,
    ResolutionError,
    VcPortableError,
)
from ...models.report import Check, CheckStatus, Code
from ...policy import VerificationPolicy
from ..base import ProofContext, ProofRequest
from . import suites as di


@dataclass
class ProofSetResult:
    """The checks of every proof, and who signed validly."""

    checks: list[Check] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)


def code_of(error: VcPortableError) -> Code:
    """The report code of a library error (MALFORMED for codes the report does not know)."""
    try:
        return Code(error.code)
    except ValueError:
        return Code.MALFORMED


def verify_proof_set(
    document: Mapping[str, Any], purpose: str, request: ProofRequest, context: ProofContext
) -> ProofSetResult:
    """Check every proof of ``document`` for ``purpose`` ("assertionMethod" for a credential,
    "authentication" for a presentation); never raises for anything inside it."""
    policy = context.policy
    proofs = di.proofs_of(document)
    result = ProofSetResult()
    if not proofs:
        result.checks.append(Check.failed("proof", Code.PROOF_MISSING, "the document has no proof"))
        return result
    if len(proofs) > policy.max_proofs:
        result.checks.append(
            Check.failed(
                "proof",
                Code.MALFORMED,
                f"{len(proofs)} proofs, over the limit of {policy.max_proofs}",
            )
        )
        return result
    hashes: di.DocumentHashes = {}  # each canonicalization of the document done once
    for index, proof in enumerate(proofs):
        suffix = f"[{index}]" if len(proofs) > 1 else ""
        _verify_one(document, proof, purpose, request, suffix, context, result, hashes)
    return result


def _verify_one(
    document: Mapping[str, Any],
    proof: Any,
    purpose: str,
    request: ProofRequest,
    suffix: str,
    context: ProofContext,
    result: ProofSetResult,
    hashes: di.DocumentHashes,
) -> None:
    pid = f"proof{suffix}"
    policy = context.policy
    checks = result.checks
    if not isinstance(proof, Mapping):
        checks.append(Check.failed(pid, Code.MALFORMED, "proof is not an object"))
        return
    suite = di.match_suite(proof)
    allowed = policy.allowed_cryptosuites
    if suite is None or (allowed is not None and suite.name not in allowed):
        described = proof.get("cryptosuite") or proof.get("type")
        names = sorted(allowed if allowed is not None else {s.name for s in di.SUITES.values()})
        checks.append(
            Check.failed(
                pid,
                Code.UNSUPPORTED_CRYPTOSUITE,
                f"proof type/cryptosuite {described!r} is not supported or not allowed "
                f"(supported: {', '.join(names)})",
            )
        )
        return
    purpose_ok = _purpose(proof, purpose, suffix, checks)
    checks += _challenge_domain(proof, purpose, request, suffix)
    checks += _proof_dates(proof, suffix, context.now, policy)
    vm_id = proof.get("verificationMethod")
    if isinstance(vm_id, Mapping):
        vm_id = vm_id.get("id")
    try:
        if not isinstance(vm_id, str) or not 0 < len(vm_id) <= MAX_DID_LENGTH:
            raise ResolutionError("the proof's verificationMethod is not a usable method id")
        # One lookup for every proof format: the key must be published in its controller's
        # own document and listed there under the proof's purpose (a method's `controller`
        # field naming someone else proves nothing).
        controller = context.resolver.resolve(vm_id.partition("#")[0])
        method = find_method(controller, vm_id, purpose)
    except ResolutionError as exc:
        checks.append(Check.failed(f"verification_method{suffix}", code_of(exc), exc.message))
        checks.append(Check.skipped(pid, "signature not checked: no key"))
        return
    if not suite.accepts(method.public_key.type):
        checks.append(
            Check.failed(
                f"verification_method{suffix}",
                Code.KEY_TYPE_MISMATCH,
                f"{suite.name} needs a {suite.key_type.value} key; {vm_id} is "
                f"{method.public_key.type.value}{suite.key_rule_note}",
            )
        )
        # No signature of this suite can hold under that key: not "altered", just unusable.
        checks.append(Check.skipped(pid, "signature not checked: the key does not fit the suite"))
        return
    authorized = f"{vm_id} is authorized for {purpose} by {controller.id}"
    checks.append(Check.passed(f"verification_method{suffix}", authorized))
    budget = policy.canonicalization_budget or jsonld.DEFAULT_BUDGET
    signature = _signature(
        document, proof, suite, method.public_key, pid, context.loader, budget, hashes
    )
    checks.append(signature)
    if signature.status is CheckStatus.PASSED and purpose_ok:
        result.signers.append(Signer(vm_id, controller.id, method.public_key))


def _purpose(proof: Mapping[str, Any], purpose: str, suffix: str, checks: list[Check]) -> bool:
    actual = proof.get("proofPurpose")
    if actual == purpose:
        checks.append(Check.passed(f"proof_purpose{suffix}", f"proof purpose is {purpose}"))
        return True
    checks.append(
        Check.failed(
            f"proof_purpose{suffix}",
            Code.WRONG_PROOF_PURPOSE,
            f"proof purpose is {actual!r}; {purpose!r} is required",
        )
    )
    return False


def _signature(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: di.Cryptosuite,
    public_key: Any,
    pid: str,
    loader: jsonld.DocumentLoader,
    budget: jsonld.CanonicalizationBudget,
    hashes: di.DocumentHashes,
) -> Check:
    try:
        di.verify_signature(document, proof, suite, public_key, loader, budget, hashes)
    except InvalidSignature:
        return Check.failed(
            pid,
            Code.SIGNATURE_INVALID,
            f"{suite.name} signature does not match the content: it was altered or "
            "signed by another key",
        )
    except (ContextNotAllowedError, CanonicalizationError, InputError) as exc:
        return Check.failed(pid, code_of(exc), exc.message)
    return Check.passed(pid, f"{suite.name} signature is valid")


def _challenge_domain(
    proof: Mapping[str, Any], purpose: str, request: ProofRequest, suffix: str
) -> list[Check]:
    checks = []
    challenge, domain = request.challenge, request.domain
    if challenge is None and purpose == "authentication":
        checks.append(
            Check.warning(
                f"challenge{suffix}",
                Code.CHALLENGE_NOT_REQUESTED,
                "this verifier asked no challenge, so the presentation may be a replay "
                "(verify with --challenge)",
            )
        )
    if challenge is not None:
        got = proof.get("challenge")
        checks.append(
            Check.passed(f"challenge{suffix}", "challenge matches")
            if got == challenge
            else Check.failed(
                f"challenge{suffix}",
                Code.CHALLENGE_MISMATCH,
                f"proof challenge is {got!r}, expected {challenge!r}",
            )
        )
    if domain is not None:
        got = proof.get("domain")
        domains = got if isinstance(got, list) else [got]
        checks.append(
            Check.passed(f"domain{suffix}", "domain matches")
            if domain in domains
            else Check.failed(
                f"domain{suffix}",
                Code.DOMAIN_MISMATCH,
                f"proof domain is {got!r}, expected {domain!r}",
            )
        )
    return checks


def _proof_dates(
    proof: Mapping[str, Any], suffix: str, now: datetime, policy: VerificationPolicy
) -> list[Check]:
    """``created`` may not lie in the future and ``expires`` not in the past (beyond the
    policy's clock skew): a proof dated ahead was made with a wrong clock or is a forgery
    prepared for later."""
    cid = f"proof_dates{suffix}"
    skew = policy.clock_skew
    for name in ("created", "expires"):
        value = proof.get(name)
        if value is None:
            continue
        instant = parse_datetime_stamp(value)
        if instant is None:
            return [Check.failed(cid, Code.MALFORMED, f"proof {name} {value!r} is not a date-time")]
        if name == "created" and instant > now + skew:
            return [
                Check.failed(cid, Code.PROOF_NOT_YET_VALID, f"proof created in the future: {value}")
            ]
        if name == "expires" and instant < now - skew:
            return [Check.failed(cid, Code.PROOF_EXPIRED, f"proof expired at {value}")]
    return []


def binding_check(
    check_id: str,
    signers: Sequence[Signer],
    expected: str | None,
    *,
    who: str,
    code: Code,
    relaxed: bool = False,
) -> Check:
    """Whether at least one valid proof was made with a key of ``expected`` (the issuer, or
    the presentation's holder). ``relaxed`` turns a mismatch into a warning."""
    if expected is None:
        return Check.failed(check_id, code, f"the document names no {who}")
    if any(s.controller == expected for s in signers):
        return Check.passed(check_id, f"signed with a key of the {who} {expected}")
    if not signers:
        return Check.skipped(check_id, f"no valid proof, so no key of the {who} to match")
    others = ", ".join(sorted({s.controller for s in signers}))
    message = f"signed only by keys of {others}, none of the {who} {expected}"
    if relaxed:
        return Check.warning(check_id, code, message + " (allowed by policy)")
    return Check.failed(check_id, code, message)
