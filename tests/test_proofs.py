"""The one proof interface: every format's ProofVerifier gives one result shape, the dispatch
picks the implementation, and the pipeline runs the same checks whatever implementation it got
(a third one included)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import unsigned_sample
from vcportable import jsonld
from vcportable.checks import Signer
from vcportable.clock import FixedClock
from vcportable.dids import OfflineResolver
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import Check, CheckStatus, Code
from vcportable.policy import VerificationPolicy
from vcportable.proofs.base import ProofContext, ProofRequest, ProofResult, ProofVerifier
from vcportable.proofs.dataintegrity import DataIntegrityVerifier, add_proof
from vcportable.proofs.dispatch import InputFormat, proof_verifier
from vcportable.proofs.jose import issue_vp_jwt
from vcportable.proofs.jose.jws import sign_compact
from vcportable.proofs.tokens import TokenVerifier
from vcportable.verifier import Verifier
from vcportable.wallet import create_presentation, sign_presentation

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
ISSUER = KeyPair.generate(KeyType.ED25519)
HOLDER = KeyPair.generate(KeyType.ED25519)
STRANGER = KeyPair.generate(KeyType.ED25519)
CONTEXT = ProofContext(jsonld.default_loader(), OfflineResolver(), VerificationPolicy(), NOW)

#: Every implementation this project ships, with how it secures a credential.
IMPLEMENTATIONS: dict[str, tuple[ProofVerifier, Callable[[Issuer, dict[str, Any]], Any]]] = {
    "data integrity": (DataIntegrityVerifier(), Issuer.issue),
    "token": (TokenVerifier(), Issuer.issue_jwt),
}


def _unsigned() -> dict[str, Any]:
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["id"] = HOLDER.controller
    return unsigned


def _secured(name: str, key: KeyPair = ISSUER, **changes: Any) -> Any:
    unsigned = _unsigned()
    unsigned.update(changes)
    return IMPLEMENTATIONS[name][1](Issuer(key, clock=CLOCK), unsigned)


def _tampered(name: str) -> Any:
    secured = _secured(name)
    if isinstance(secured, str):  # another signature of the same length
        signed, _, signature = secured.rpartition(".")
        return f"{signed}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    changed = copy.deepcopy(secured)
    changed["credentialSubject"]["achievement"]["name"] = "Master Carpenter"
    return changed


def _assert_shape(result: ProofResult, kind: str) -> None:
    assert isinstance(result, ProofResult)
    assert result.kind == kind
    assert isinstance(result.checks, tuple) and result.checks
    assert all(isinstance(c, Check) for c in result.checks)
    assert isinstance(result.signers, tuple)
    assert all(isinstance(s, Signer) for s in result.signers)
    assert isinstance(result.enclosed, tuple)


def _failed_codes(result: ProofResult) -> set[Code]:
    return {c.code for c in result.checks if c.status is CheckStatus.FAILED}


# -- one result shape, for success and each failure path ------------------------------------


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_a_valid_credential_gives_what_was_signed_and_its_signer(name: str) -> None:
    verifier, _ = IMPLEMENTATIONS[name]
    result = verifier.verify(_secured(name), ProofRequest(), CONTEXT)
    _assert_shape(result, "credential")
    assert not _failed_codes(result)
    assert result.document is not None
    assert result.document["credentialSubject"]["id"] == HOLDER.controller
    assert [s.controller for s in result.signers] == [ISSUER.controller]
    assert result.signers[0].public_key == ISSUER.public_key
    assert result.vc_data_model
    assert result.facts["issuer"] == ISSUER.controller
    assert {c.id for c in result.checks} >= {"proof", "verification_method", "issuer_binding"}


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_an_altered_credential_fails_its_signature_and_has_no_signer(name: str) -> None:
    verifier, _ = IMPLEMENTATIONS[name]
    result = verifier.verify(_tampered(name), ProofRequest(), CONTEXT)
    _assert_shape(result, "credential")
    assert Code.SIGNATURE_INVALID in _failed_codes(result)
    assert result.signers == ()


def _signed_by_stranger(name: str) -> Any:
    """The issuer's credential, signed by a key that is not the issuer's (the Issuer class
    refuses to make one, so it is put together by hand)."""
    document = _secured("data integrity")
    del document["proof"]
    if name == "token":
        header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": STRANGER.key_id}
        return sign_compact(header, document, STRANGER)
    return add_proof(document, STRANGER, created=NOW, loader=CONTEXT.loader)


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_a_key_of_someone_else_fails_issuer_binding(name: str) -> None:
    verifier, _ = IMPLEMENTATIONS[name]
    result = verifier.verify(_signed_by_stranger(name), ProofRequest(), CONTEXT)
    _assert_shape(result, "credential")
    assert _failed_codes(result) & {Code.ISSUER_KEY_MISMATCH, Code.KID_NOT_IN_ISSUER_DID}
    assert ISSUER.controller not in {s.controller for s in result.signers}


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_input_it_cannot_read_is_a_failed_parse_with_nothing_signed(name: str) -> None:
    verifier, _ = IMPLEMENTATIONS[name]
    for data in (42, None, ["a"]):
        result = verifier.verify(data, ProofRequest(), CONTEXT)
        _assert_shape(result, "credential")
        assert result.checks[0].id == "parse"
        assert result.checks[0].status is CheckStatus.FAILED
        assert result.document is None and result.signers == ()


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_an_unknown_signer_fails_the_key_lookup(name: str) -> None:
    unknown = KeyPair.generate(KeyType.ED25519).with_identity(
        "did:web:unknown.example", "did:web:unknown.example#key-1"
    )
    verifier, _ = IMPLEMENTATIONS[name]
    result = verifier.verify(_secured(name, unknown), ProofRequest(), CONTEXT)
    _assert_shape(result, "credential")
    assert Code.DID_NOT_RESOLVED in _failed_codes(result)
    assert result.signers == ()


def _presentation(name: str, challenge: str, domain: str) -> Any:
    credential = _secured(name)
    if name == "token":
        return issue_vp_jwt([credential], HOLDER, now=NOW, nonce=challenge, aud=domain)
    unsigned = create_presentation([credential], holder=HOLDER.controller)
    return sign_presentation(unsigned, HOLDER, challenge=challenge, domain=domain, clock=CLOCK)


@pytest.mark.parametrize("name", IMPLEMENTATIONS)
def test_a_presentation_authenticates_its_holder_and_encloses_results(name: str) -> None:
    verifier, _ = IMPLEMENTATIONS[name]
    presentation = _presentation(name, "c-1", "https://verifier.example")
    result = verifier.verify(presentation, ProofRequest("c-1", "https://verifier.example"), CONTEXT)
    _assert_shape(result, "presentation")
    assert not _failed_codes(result)
    assert result.holder == HOLDER.controller
    assert [s.controller for s in result.signers] == [HOLDER.controller]
    (enclosed,) = result.enclosed
    _assert_shape(enclosed, "credential")
    assert [s.controller for s in enclosed.signers] == [ISSUER.controller]
    replayed = verifier.verify(presentation, ProofRequest("c-2"), CONTEXT)
    _assert_shape(replayed, "presentation")
    assert Code.CHALLENGE_MISMATCH in _failed_codes(replayed)


def test_the_request_kind_overrides_what_the_document_says() -> None:
    credential = _secured("data integrity")
    result = DataIntegrityVerifier().verify(credential, ProofRequest(kind="presentation"), CONTEXT)
    _assert_shape(result, "presentation")
    assert Code.WRONG_PROOF_PURPOSE in _failed_codes(result)


def test_embedded_and_enveloping_are_told_apart() -> None:
    di = DataIntegrityVerifier().verify(_secured("data integrity"), ProofRequest(), CONTEXT)
    token = TokenVerifier().verify(_secured("token"), ProofRequest(), CONTEXT)
    assert di.embedded and di.format == "di"
    assert not token.embedded and token.format == "vc+jwt"


# -- the dispatch -------------------------------------------------------------------------------


def test_the_dispatch_picks_one_implementation_per_format() -> None:
    assert isinstance(proof_verifier(InputFormat.JSON), DataIntegrityVerifier)
    assert isinstance(proof_verifier(InputFormat.TOKEN), TokenVerifier)
    with pytest.raises(ValueError, match="open the envelope first"):
        proof_verifier(InputFormat.ENVELOPE)


# -- a third implementation, plugged in -------------------------------------------------------


class _Recording:
    """A proof verifier of another format: it signs nothing, it reports what it was told."""

    def __init__(self, result: ProofResult) -> None:
        self.result = result
        self.calls: list[tuple[Any, ProofRequest, ProofContext]] = []

    def verify(self, data: Any, request: ProofRequest, context: ProofContext) -> ProofResult:
        self.calls.append((data, request, context))
        return self.result


def _signed_by_issuer(document: dict[str, Any], **fields: Any) -> ProofResult:
    return ProofResult(
        "credential",
        "example+cose",
        (Check.passed("proof", "example signature is valid"),),
        document,
        signers=(Signer(ISSUER.key_id, ISSUER.controller, ISSUER.public_key),),
        **fields,
    )


def test_a_third_implementation_gets_the_same_checks() -> None:
    document = _secured("data integrity")
    plugged = _Recording(_signed_by_issuer(document, embedded=False, answers_challenge=True))
    verifier = Verifier(clock=CLOCK, proof_verifiers={InputFormat.TOKEN: plugged})
    report = verifier.verify("aGVhZA.Ym9keQ.c2ln", challenge="c", domain="d")
    assert report.verified, report.failures
    assert report.format == "example+cose"
    assert [c.id for c in report.checks] == [
        "proof", "data_model", "contexts", "validity", "status"
    ]  # fmt: skip
    ((data, request, context),) = plugged.calls
    assert data == "aGVhZA.Ym9keQ.c2ln"
    assert request == ProofRequest("c", "d")
    assert context.now == NOW and context.policy is verifier.policy


def test_a_challenge_no_proof_answers_fails_whatever_the_format() -> None:
    """A credential shown alone could be anyone's copy: asked a challenge, only a holder's
    proof answers it, and a plugged format that has none fails like the built-in ones."""
    plugged = _Recording(_signed_by_issuer(_secured("data integrity"), embedded=False))
    verifier = Verifier(clock=CLOCK, proof_verifiers={InputFormat.TOKEN: plugged})
    assert verifier.verify("aGVhZA.Ym9keQ.c2ln").verified
    for asked in ({"challenge": "c"}, {"domain": "d"}):
        report = verifier.verify("aGVhZA.Ym9keQ.c2ln", **asked)
        assert [c.code for c in report.failures] == [Code.CHALLENGE_MISMATCH]


def test_a_third_implementation_s_embedded_document_reads_first() -> None:
    document = _secured("data integrity")
    plugged = _Recording(_signed_by_issuer(document))
    verifier = Verifier(clock=CLOCK, proof_verifiers={InputFormat.JSON: plugged})
    report = verifier.verify(document)
    assert [c.id for c in report.checks] == [
        "parse", "data_model", "proof", "validity", "status"
    ]  # fmt: skip


def test_the_later_checks_see_a_third_implementation_s_signers() -> None:
    seen: list[tuple[Signer, ...]] = []

    class Spy:
        def check(self, view: Any) -> list[Check]:
            seen.append(view.signers)
            return [Check.passed("spy", "saw the view")]

    document = _secured("data integrity")
    result = _signed_by_issuer(document)
    verifier = Verifier(
        clock=CLOCK, checks=[Spy()], proof_verifiers={InputFormat.JSON: _Recording(result)}
    )
    assert verifier.verify(document).verified
    assert seen == [result.signers]


def test_a_third_implementation_s_presentation_gets_holder_binding() -> None:
    credential = _secured("data integrity")
    stranger_signed = _signed_by_issuer(credential)
    presentation = ProofResult(
        "presentation",
        "example+cose",
        (Check.passed("proof", "example signature is valid"),),
        create_presentation([credential], holder=STRANGER.controller),
        signers=(Signer(STRANGER.key_id, STRANGER.controller, STRANGER.public_key),),
        holder=STRANGER.controller,
        enclosed=(stranger_signed,),
    )
    verifier = Verifier(clock=CLOCK, proof_verifiers={InputFormat.JSON: _Recording(presentation)})
    report = verifier.verify(credential)
    assert not report.verified
    assert [c.id for c in report.failures] == ["holder_binding"]
    assert report.failures[0].code is Code.HOLDER_NOT_SUBJECT
    assert len(report.credentials) == 1 and report.credentials[0].verified
