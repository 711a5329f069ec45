"""The verification pipeline: every check, every failure path, never an exception."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import DELETE, load_json, set_path, unsigned_sample
from vcportable.clock import FixedClock
from vcportable.dids import OfflineResolver
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import CheckStatus, Code, VerificationReport
from vcportable.proofs.dispatch import InputFormat, detect
from vcportable.verifier import VerificationPolicy, Verifier, verify
from vcportable.wallet import create_presentation, sign_presentation

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
#: After every fixture made by the reference harness.
LATER = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return KeyPair.generate(KeyType.ED25519)


@pytest.fixture(scope="module")
def holder_key() -> KeyPair:
    return KeyPair.generate()


@pytest.fixture(scope="module")
def signed(issuer_key: KeyPair, holder_key: KeyPair) -> dict[str, Any]:
    """The worker's credential: its subject is the holder's DID, so she can present it."""
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["id"] = holder_key.controller
    return Issuer(issuer_key, clock=CLOCK).issue(unsigned)


def _verify(document: Any, **options: Any) -> VerificationReport:
    options.setdefault("clock", CLOCK)
    return Verifier(**options).verify(document)


def _check(report: VerificationReport, check_id: str) -> Any:
    return next(c for c in report.checks if c.id == check_id)


def test_signed_credential_verifies(signed: dict[str, Any], issuer_key: KeyPair) -> None:
    report = _verify(signed)
    assert report.verified, report.failures
    ids = [c.id for c in report.checks]
    assert ids == [
        "parse",
        "data_model",
        "proof_purpose",
        "verification_method",
        "proof",
        "issuer_binding",
        "validity",
        "status",
    ]
    assert report.issuer == issuer_key.controller
    assert report.name == "Carpenter - Level 2"
    assert _check(report, "status").status is CheckStatus.SKIPPED


@pytest.mark.parametrize(
    "suite,key_type",
    [
        ("eddsa-rdfc-2022", KeyType.ED25519),
        ("eddsa-jcs-2022", KeyType.ED25519),
        ("ecdsa-rdfc-2019", KeyType.P256),
    ],
)
def test_every_suite_round_trips(suite: str, key_type: KeyType) -> None:
    key = KeyPair.generate(key_type)
    signed = Issuer(key, cryptosuite=suite, clock=CLOCK).issue(unsigned_sample())
    assert signed["proof"]["cryptosuite"] == suite
    assert _verify(signed).verified
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Master Carpenter"
    assert Code.SIGNATURE_INVALID in _verify(tampered).codes()


def test_text_and_bytes_inputs(signed: dict[str, Any]) -> None:
    text = json.dumps(signed)
    assert _verify(text).verified
    assert _verify(text.encode()).verified


def test_reference_signed_credential_verifies() -> None:
    """Signed by Digital Bazaar's vc (the interop harness), verified here (after its proof was
    created: a proof dated in the future is refused)."""
    report = _verify(load_json("interop/reference-signed.json"), clock=FixedClock(LATER))
    assert report.verified, report.failures


# -- bad input: each yields verified false with its own code -----------------------------


def _fails_with(document: Any, code: Code, **options: Any) -> VerificationReport:
    report = _verify(document, **options)
    assert not report.verified
    assert code in report.codes(), [c for c in report.checks if c.status is not CheckStatus.PASSED]
    return report


def test_not_json() -> None:
    _fails_with("this is not json", Code.MALFORMED)


def test_truncated_json(signed: dict[str, Any]) -> None:
    _fails_with(json.dumps(signed)[:-20], Code.MALFORMED)


def test_json_not_an_object() -> None:
    _fails_with("[1, 2, 3]", Code.MALFORMED)


def test_too_large(signed: dict[str, Any]) -> None:
    big = dict(signed, padding="x" * (1024 * 1024))
    _fails_with(json.dumps(big), Code.TOO_LARGE)


def test_too_deep() -> None:
    _fails_with("[" * 10_000 + "]" * 10_000, Code.TOO_DEEP)
    _fails_with('{"a":' * 65 + "1" + "}" * 65, Code.TOO_DEEP)
    at_limit = _verify('{"a":' * 64 + "1" + "}" * 64)
    assert Code.TOO_DEEP not in at_limit.codes()


def test_duplicate_member_names(signed: dict[str, Any]) -> None:
    text = json.dumps(signed)
    _fails_with('{"id": "urn:x:1", ' + text[1:], Code.MALFORMED)


def test_not_utf8() -> None:
    _fails_with(b'{"name": "\xff"}', Code.MALFORMED)


# One alteration of a signed credential each, and the code it must fail with.
ALTERATIONS = [
    ("missing-proof", ("proof",), DELETE, Code.PROOF_MISSING),
    ("proof-not-an-object", ("proof",), "abc", Code.MALFORMED),
    ("unknown-cryptosuite", ("proof", "cryptosuite"), "eddsa-2099", Code.UNSUPPORTED_CRYPTOSUITE),
    ("mismatched-cryptosuite", ("proof", "cryptosuite"), "ecdsa-rdfc-2019", Code.KEY_TYPE_MISMATCH),
    ("proof-expired", ("proof", "expires"), "2020-01-01T00:00:00Z", Code.PROOF_EXPIRED),
    ("tampered-subject", ("credentialSubject", "name"), "Mallory Example", Code.SIGNATURE_INVALID),
    ("tampered-validity", ("validUntil",), "2099-01-01T00:00:00Z", Code.SIGNATURE_INVALID),
    (
        "tampered-achievement",
        ("credentialSubject", "achievement", "achievementType"),
        "Diploma",
        Code.SIGNATURE_INVALID,
    ),
    ("undefined-term", ("credentialSubject", "favouriteColour"), "blue", Code.DATA_LOSS),
    *[
        (f"previous-proof-{i}", ("proof", "previousProof"), value, Code.MALFORMED)
        for i, value in enumerate([5, True, [["x"]], [{"id": "x"}], {"id": "x"}])
    ],
]


@pytest.mark.parametrize(
    ("path", "value", "code"), [a[1:] for a in ALTERATIONS], ids=[a[0] for a in ALTERATIONS]
)
def test_alteration_fails_with_its_code(
    signed: dict[str, Any], path: tuple[str, ...], value: Any, code: Code
) -> None:
    bad = copy.deepcopy(signed)
    set_path(bad, path, value)
    _fails_with(bad, code)


def test_a_key_of_another_type_is_the_one_cause_given(signed: dict[str, Any]) -> None:
    """An Ed25519 key named by an ECDSA proof fails the key lookup with the reason; the
    signature is not checked (nor blamed as altered): no signature of that suite could hold."""
    bad = copy.deepcopy(signed)
    bad["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    report = _verify(bad)
    assert [(c.id, c.code) for c in report.failures] == [
        ("verification_method", Code.KEY_TYPE_MISMATCH)
    ]
    assert _check(report, "proof").status is CheckStatus.SKIPPED


def test_cryptosuite_not_allowed_by_policy(signed: dict[str, Any]) -> None:
    policy = VerificationPolicy(allowed_cryptosuites=frozenset({"ecdsa-rdfc-2019"}))
    _fails_with(signed, Code.UNSUPPORTED_CRYPTOSUITE, policy=policy)


def test_wrong_proof_purpose(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    bad["proof"]["proofPurpose"] = "authentication"
    report = _fails_with(bad, Code.WRONG_PROOF_PURPOSE)
    assert _check(report, "proof").code is Code.SIGNATURE_INVALID


def test_key_not_controlled_by_issuer(issuer_key: KeyPair) -> None:
    from vcportable import jsonld
    from vcportable.proofs import dataintegrity as di

    # Signed by another key, while naming `issuer_key`'s DID as issuer.
    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    forged = di.add_proof(unsigned, KeyPair.generate(), created=NOW, loader=jsonld.default_loader())
    report = _fails_with(forged, Code.ISSUER_KEY_MISMATCH)
    assert _check(report, "proof").status is CheckStatus.PASSED
    relaxed = _verify(forged, policy=VerificationPolicy(require_issuer_binding=False))
    assert relaxed.verified
    assert _check(relaxed, "issuer_binding").status is CheckStatus.WARNING


def test_official_vector_with_url_issuer_needs_policy() -> None:
    vector = load_json("vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json")
    report = _fails_with(vector, Code.ISSUER_KEY_MISMATCH)
    assert _check(report, "proof").status is CheckStatus.PASSED
    assert _verify(vector, policy=VerificationPolicy(require_issuer_binding=False)).verified


def test_tampered_signature(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    value = bad["proof"]["proofValue"]
    bad["proof"]["proofValue"] = value[:-2] + ("1" if value[-2] != "1" else "2") + value[-1]
    _fails_with(bad, Code.SIGNATURE_INVALID)


def test_remote_context(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    bad["@context"].append("https://evil.example/context.jsonld")
    report = _fails_with(bad, Code.CONTEXT_NOT_ALLOWED)
    assert "evil.example" in _check(report, "proof").message


def test_did_web_not_cached(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    bad["proof"]["verificationMethod"] = "did:web:issuer.example#key-1"
    report = _fails_with(bad, Code.DID_NOT_RESOLVED)
    assert "did:web:issuer.example" in _check(report, "verification_method").message


def test_did_web_from_cache(issuer_key: KeyPair) -> None:
    did = "did:web:certification.example"
    key = issuer_key.with_identity(did, f"{did}#key-1")
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key.to_multibase(),
            }
        ],
        "assertionMethod": [f"{did}#key-1"],
    }
    signed = Issuer(key, clock=CLOCK).issue(unsigned_sample())
    assert signed["issuer"]["id"] == did
    resolver = OfflineResolver(did_web_documents={did: document})
    assert _verify(signed, resolver=resolver).verified
    document["assertionMethod"] = []
    _fails_with(signed, Code.VERIFICATION_METHOD_NOT_AUTHORIZED, resolver=resolver)


def test_expired_and_not_yet_valid(signed: dict[str, Any]) -> None:
    late = FixedClock(datetime(2031, 1, 1, tzinfo=UTC))
    _fails_with(signed, Code.EXPIRED, clock=late)
    early = FixedClock(datetime(2024, 1, 1, tzinfo=UTC))
    _fails_with(signed, Code.NOT_YET_VALID, clock=early)
    edge = FixedClock(datetime(2030, 3, 1, tzinfo=UTC) + timedelta(seconds=30))
    assert _verify(signed, clock=edge).verified  # within the clock skew


def test_data_model_violation(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    bad["type"] = ["OpenBadgeCredential"]
    report = _fails_with(bad, Code.DATA_MODEL_INVALID)
    assert "VerifiableCredential" in _check(report, "data_model").message


def test_status_entry_is_reported_not_checked(issuer_key: KeyPair) -> None:
    unsigned = unsigned_sample()
    unsigned["credentialStatus"] = {
        "id": "https://status.example/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example/1",
    }
    signed = Issuer(issuer_key, clock=CLOCK).issue(unsigned)
    report = _verify(signed)
    assert report.verified
    assert _check(report, "status").code is Code.STATUS_NOT_CHECKED


def test_never_raises_on_garbage() -> None:
    for garbage in [
        "",
        "null",
        "{}",
        '{"proof": {}}',
        '{"proof": [1, "x", null]}',
        '{"@context": 5, "proof": {"type": "DataIntegrityProof"}}',
        '{"type": "VerifiablePresentation", "verifiableCredential": [1]}',
    ]:
        report = verify(garbage, clock=CLOCK)
        assert not report.verified


# -- presentations -------------------------------------------------------------------------


def test_presentation_with_challenge(signed: dict[str, Any], holder_key: KeyPair) -> None:
    vp = create_presentation([signed], holder=holder_key.controller)
    signed_vp = sign_presentation(
        vp, holder_key, challenge="c-123", domain="employer.example", clock=CLOCK
    )
    verifier = Verifier(clock=CLOCK)
    report = verifier.verify(signed_vp, challenge="c-123", domain="employer.example")
    assert report.verified, (report.failures, [r.failures for r in report.credentials])
    assert report.kind == "presentation"
    assert len(report.credentials) == 1 and report.credentials[0].verified
    wrong = verifier.verify(signed_vp, challenge="other", domain="employer.example")
    assert Code.CHALLENGE_MISMATCH in wrong.codes() and not wrong.verified
    wrong = verifier.verify(signed_vp, challenge="c-123", domain="evil.example")
    assert Code.DOMAIN_MISMATCH in wrong.codes()


@pytest.mark.parametrize("form", ["data integrity", "vc+jwt", "sd-jwt without key binding"])
def test_a_credential_answers_no_challenge(form: str) -> None:
    """Anyone may hold a copy of a credential: asked a challenge or a domain, only a holder's
    proof (a presentation, an SD-JWT key binding) answers it, in every format."""
    issuer = Issuer(KeyPair.generate())
    secured: Any = {
        "data integrity": lambda: issuer.issue(unsigned_sample()),
        "vc+jwt": lambda: issuer.issue_jwt(unsigned_sample()),
        "sd-jwt without key binding": lambda: issuer.issue_sd_jwt(
            unsigned_sample(), disclosable=["credentialSubject.achievement"]
        ),
    }[form]()
    verifier = Verifier()  # the issuer signs now
    assert verifier.verify(secured).verified
    for asked in ({"challenge": "c-1"}, {"domain": "employer.example"}):
        report = verifier.verify(secured, **asked)
        assert [c.code for c in report.failures] == [Code.CHALLENGE_MISMATCH], asked


def test_a_token_of_the_other_kind_is_refused(holder_key: KeyPair) -> None:
    from vcportable.proofs import jose

    credential = Issuer(KeyPair.generate()).issue_jwt(unsigned_sample())
    presentation = jose.issue_vp_jwt([credential], holder_key, now=datetime.now(UTC))
    verifier = Verifier()  # the issuer signs now
    assert verifier.verify_token(credential, kind="credential").verified
    for token, kind in ((credential, "presentation"), (presentation, "credential")):
        report = verifier.verify_token(token, kind=kind)  # type: ignore[arg-type]
        assert Code.TYP_MISMATCH in report.codes() and not report.verified


@pytest.mark.parametrize("token", ["abc.def", "eyJhbGciOiJFZERTQSJ9.e30.AA", "a~b", "abc.def~"])
def test_an_unreadable_token_is_refused_for_what_it_is(token: str) -> None:
    """A token that does not decode fails for that alone: it is not called a credential given
    where a presentation is expected, nor one that answers no challenge."""
    verifier = Verifier()
    alone = verifier.verify_token(token).failures
    assert alone and not verifier.verify_token(token).verified
    for asked in ({"kind": "presentation"}, {"challenge": "c-1"}, {"domain": "d.example"}):
        report = verifier.verify_token(token, **asked)  # type: ignore[arg-type]
        assert not report.verified and report.failures == alone, asked


def test_presentation_reports_bad_enclosed_credential(
    signed: dict[str, Any], holder_key: KeyPair
) -> None:
    bad = copy.deepcopy(signed)
    bad["credentialSubject"]["name"] = "Someone Else"
    vp = sign_presentation(
        create_presentation([signed, bad], holder=holder_key.controller), holder_key, clock=CLOCK
    )
    report = _verify(vp)
    assert not report.verified
    assert [r.verified for r in report.credentials] == [True, False]
    assert all(c.status is not CheckStatus.FAILED for c in report.checks)


def test_presentation_signed_with_assertion_purpose_fails(
    signed: dict[str, Any], holder_key: KeyPair
) -> None:
    from vcportable import jsonld
    from vcportable.proofs import dataintegrity as di

    vp = di.add_proof(
        create_presentation([signed], holder=holder_key.controller),
        holder_key,
        created=NOW,
        loader=jsonld.default_loader(),
    )
    _fails_with(vp, Code.WRONG_PROOF_PURPOSE)


def test_presentation_by_someone_else(signed: dict[str, Any], holder_key: KeyPair) -> None:
    thief = KeyPair.generate()
    vp = sign_presentation(
        create_presentation([signed], holder=holder_key.controller), thief, clock=CLOCK
    )
    _fails_with(vp, Code.HOLDER_KEY_MISMATCH)


def test_unsigned_presentation(signed: dict[str, Any]) -> None:
    vp = create_presentation([signed])
    _fails_with(vp, Code.PROOF_MISSING)
    # Without a proof nobody is authenticated as the holder: only bearer credentials pass.
    unsigned_ok = VerificationPolicy(require_presentation_proof=False)
    assert _check(_verify(vp, policy=unsigned_ok), "holder_binding").code is (
        Code.HOLDER_NOT_SUBJECT
    )
    bearer = VerificationPolicy(require_presentation_proof=False, allow_bearer_credentials=True)
    relaxed = _verify(vp, policy=bearer)
    assert relaxed.verified
    assert _check(relaxed, "holder_binding").status is CheckStatus.WARNING


# -- relatedResource digests ------------------------------------------------------------------


def _with_related(
    issuer_key: KeyPair, related: list[dict[str, Any]], secure: Any = Issuer.issue
) -> Any:
    unsigned = unsigned_sample()
    unsigned["relatedResource"] = related
    return secure(Issuer(issuer_key, clock=CLOCK), unsigned)


@pytest.mark.parametrize("secure", [Issuer.issue, Issuer.issue_jwt], ids=["di", "vc+jwt"])
def test_related_resource_digest_of_bundled_context(issuer_key: KeyPair, secure: Any) -> None:
    """Whatever secures the credential: the pipeline after the proofs is the same."""
    from vcportable import jsonld
    from vcportable.codec.digests import digest_sri

    url = "https://www.w3.org/ns/credentials/v2"
    data = jsonld.default_loader().raw_bytes(url)
    assert data is not None
    good = _with_related(issuer_key, [{"id": url, "digestSRI": digest_sri(data)}], secure)
    report = _verify(good)
    assert report.verified and _check(report, "related_resources").status is CheckStatus.PASSED
    bad = _with_related(issuer_key, [{"id": url, "digestSRI": digest_sri(b"other")}], secure)
    _fails_with(bad, Code.RELATED_RESOURCE_MISMATCH)


def test_related_resource_not_available_offline(issuer_key: KeyPair) -> None:
    from vcportable.codec.digests import digest_sri

    url = "https://images.example/badge.png"
    signed = _with_related(issuer_key, [{"id": url, "digestSRI": digest_sri(b"png")}])
    report = _verify(signed)
    assert report.verified
    check = _check(report, "related_resources")
    assert check.code is Code.RELATED_RESOURCE_NOT_CHECKED and url in check.message


# -- regressions from the security review ----------------------------------------------------


def test_controller_claim_in_another_did_document_is_not_trusted() -> None:
    """A DID document cannot lend its key to another DID by naming it as `controller`."""
    from vcportable import jsonld
    from vcportable.proofs import dataintegrity as di

    attacker = KeyPair.generate()
    evil, victim = "did:web:evil.example", "did:web:victim.example"
    evil_doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": evil,
        "verificationMethod": [
            {
                "id": f"{evil}#k",
                "type": "Multikey",
                "controller": victim,
                "publicKeyMultibase": attacker.public_key.to_multibase(),
            }
        ],
        "assertionMethod": [f"{evil}#k"],
    }
    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = victim
    forged = di.add_proof(
        unsigned,
        attacker.with_identity(evil, f"{evil}#k"),
        created=NOW,
        loader=jsonld.default_loader(),
    )
    report = _fails_with(
        forged,
        Code.ISSUER_KEY_MISMATCH,
        resolver=OfflineResolver(did_web_documents={evil: evil_doc}),
    )
    refused = _check(report, "verification_method")
    assert refused.code is Code.ISSUER_KEY_MISMATCH and victim in refused.message
    assert _check(report, "proof").status is CheckStatus.SKIPPED  # no key, no signature check


def test_proof_id_of_the_wrong_type(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    second = dict(bad["proof"], id=["a", "b"], previousProof="urn:x")
    bad["proof"] = [dict(bad["proof"], id={"x": 1}), second]
    assert not _verify(bad).verified


def test_too_many_proofs_is_refused_before_any_work(signed: dict[str, Any]) -> None:
    bad = copy.deepcopy(signed)
    ids = [f"urn:p:{i}" for i in range(200)]
    bad["proof"] = [dict(bad["proof"], id=i, previousProof=ids) for i in ids]
    report = _fails_with(bad, Code.MALFORMED)
    assert "over the limit" in _check(report, "proof").message


@pytest.mark.parametrize(
    "text",
    ['{"n": 1e400}', '{"name": "\\ud800"}', '{"\\udc00": 1}'],
    ids=["non-finite", "lone-surrogate-value", "lone-surrogate-key"],
)
def test_numbers_and_strings_json_cannot_carry(text: str) -> None:
    _fails_with(text, Code.MALFORMED)


def test_jcs_refuses_numbers_outside_i_json(issuer_key: KeyPair) -> None:
    from vcportable import jsonld
    from vcportable.errors import CanonicalizationError
    from vcportable.proofs import dataintegrity as di

    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    unsigned["credentialSubject"]["achievement"]["creditsAvailable"] = 2**60
    with pytest.raises(CanonicalizationError, match="JCS"):
        di.add_proof(
            unsigned,
            issuer_key,
            created=NOW,
            loader=jsonld.default_loader(),
            cryptosuite="eddsa-jcs-2022",
        )


def test_json_string_is_not_mistaken_for_a_token() -> None:
    report = _fails_with('"just a string"', Code.MALFORMED)
    assert "JSON object" in report.checks[0].message


def test_presentation_without_requested_challenge_warns(
    signed: dict[str, Any], holder_key: KeyPair
) -> None:
    vp = sign_presentation(
        create_presentation([signed], holder=holder_key.controller),
        holder_key,
        challenge="c-1",
        clock=CLOCK,
    )
    report = _verify(vp)
    assert report.verified
    assert _check(report, "challenge").code is Code.CHALLENGE_NOT_REQUESTED


def test_stranger_cannot_present_someone_elses_credential(signed: dict[str, Any]) -> None:
    """A valid presentation by a key that is not the credential's subject: refused unless
    the policy says the credential is a bearer credential."""
    stranger = KeyPair.generate()
    vp = sign_presentation(
        create_presentation([signed], holder=stranger.controller),
        stranger,
        challenge="c-9",
        clock=CLOCK,
    )
    report = Verifier(clock=CLOCK).verify(vp, challenge="c-9")
    assert not report.verified
    assert _check(report, "holder_binding").code is Code.HOLDER_NOT_SUBJECT
    assert report.credentials[0].verified  # the credential itself is genuine
    bearer = Verifier(clock=CLOCK, policy=VerificationPolicy(allow_bearer_credentials=True))
    relaxed = bearer.verify(vp, challenge="c-9")
    assert relaxed.verified
    assert _check(relaxed, "holder_binding").status is CheckStatus.WARNING


def test_holder_claimed_but_not_proven(signed: dict[str, Any], holder_key: KeyPair) -> None:
    """Naming the subject as holder while signing with another key binds nothing."""
    stranger = KeyPair.generate()
    vp = sign_presentation(
        create_presentation([signed], holder=holder_key.controller),
        stranger,
        challenge="c-10",
        clock=CLOCK,
    )
    report = Verifier(clock=CLOCK).verify(vp, challenge="c-10")
    assert not report.verified
    assert _check(report, "holder_key").code is Code.HOLDER_KEY_MISMATCH
    assert _check(report, "holder_binding").code is Code.HOLDER_NOT_SUBJECT


def test_holder_who_is_the_subject(issuer_key: KeyPair) -> None:
    holder = KeyPair.generate()
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["id"] = holder.controller
    credential = Issuer(issuer_key, clock=CLOCK).issue(unsigned)
    vp = sign_presentation(
        create_presentation([credential], holder=holder.controller),
        holder,
        challenge="c-2",
        clock=CLOCK,
    )
    report = Verifier(clock=CLOCK).verify(vp, challenge="c-2")
    assert report.verified
    assert _check(report, "holder_binding").status is CheckStatus.PASSED


def test_report_facts_of_a_vc_1_1_credential() -> None:
    from vcportable.models.report import credential_facts

    facts = credential_facts(
        {
            "issuer": {"id": "did:example:board", "name": "Board", "type": 5},
            "issuanceDate": "2020-01-01T00:00:00Z",
            "expirationDate": "2030-01-01T00:00:00Z",
            "name": ["not", "a", "string"],
        }
    )
    assert facts == {
        "issuer": "did:example:board",
        "issuer_name": "Board",
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2030-01-01T00:00:00Z",
    }


def test_vc_1_1_dates_without_timezone_are_utc() -> None:
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:board",
        "issuanceDate": "2019-01-01T00:00:00",
        "expirationDate": "2020-01-01T00:00:00",
        "credentialSubject": {"id": "did:example:worker"},
    }
    report = _verify(document)
    assert _check(report, "validity").code is Code.EXPIRED
    assert _check(report, "data_model").status is CheckStatus.PASSED
    document["expirationDate"] = "the day after tomorrow"
    assert _check(_verify(document), "validity").code is Code.MALFORMED


# -- one dispatch: documents, tokens and QR envelopes --------------------------------------


def test_envelope_text_and_qr_image_verify_like_the_document(signed: dict[str, Any]) -> None:
    from vcportable.envelope import encode, render

    text = encode(signed)
    assert _verify(text).verified
    assert _verify(text.encode("ascii")).verified
    assert _verify(render(text, "png")).verified


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("hello world", Code.MALFORMED),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, Code.ENVELOPE_INVALID),
        ("VC:not-base45!", Code.ENVELOPE_INVALID),
        (
            "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA",
            Code.ENVELOPE_INVALID,
        ),
    ],
)
def test_what_is_neither_document_token_nor_envelope(data: str | bytes, code: Code) -> None:
    report = _verify(data)
    assert not report.verified and report.kind == "unknown"
    assert report.checks[0].code is code, report.checks


def test_verify_many_streams_reports_in_order(signed: dict[str, Any]) -> None:
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Master Carpenter"
    inputs = iter([signed, json.dumps(tampered), "not json"])
    reports = Verifier(clock=CLOCK).verify_many(inputs)
    assert next(reports).verified  # lazy: one input read, one report made
    assert [r.verified for r in reports] == [False, False]


# -- what the attacker tried (issue 7) ------------------------------------------------------


def test_proof_created_in_the_future_is_refused(issuer_key: KeyPair) -> None:
    ahead = Issuer(issuer_key, clock=FixedClock(NOW + timedelta(days=2))).issue(unsigned_sample())
    report = _verify(ahead)
    assert not report.verified
    assert _check(report, "proof_dates").code is Code.PROOF_NOT_YET_VALID
    within_skew = Issuer(issuer_key, clock=FixedClock(NOW + timedelta(seconds=30))).issue(
        unsigned_sample()
    )
    assert _verify(within_skew).verified


def _proof_set(unsigned: dict[str, Any], *keys: KeyPair) -> dict[str, Any]:
    """One document signed independently by each key: a proof set (not a chain)."""
    from vcportable import jsonld
    from vcportable.proofs import dataintegrity as di

    proofs = [
        di.add_proof(unsigned, key, created=NOW, loader=jsonld.default_loader())["proof"]
        for key in keys
    ]
    return {**unsigned, "proof": proofs}


def test_proof_set_binds_through_one_proof_by_the_issuer(issuer_key: KeyPair) -> None:
    """A co-signer's proof beside the issuer's is fine, in any order; every proof is still
    verified and reported on its own."""
    cosigner = KeyPair.generate()
    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    both = _proof_set(unsigned, cosigner, issuer_key)
    report = _verify(both)
    assert report.verified, report.failures
    assert _check(report, "proof[0]").status is CheckStatus.PASSED
    assert _check(report, "proof[1]").status is CheckStatus.PASSED
    assert _check(report, "issuer_binding").status is CheckStatus.PASSED
    only_cosigner = _proof_set(unsigned, cosigner)
    report = _verify(only_cosigner)
    assert _check(report, "issuer_binding").code is Code.ISSUER_KEY_MISMATCH
    assert cosigner.controller in _check(report, "issuer_binding").message
    # The issuer's proof must itself be valid: a broken one does not bind.
    broken = copy.deepcopy(both)
    broken["proof"][1]["proofValue"] = broken["proof"][0]["proofValue"]
    report = _verify(broken)
    assert _check(report, "proof[1]").code is Code.SIGNATURE_INVALID
    assert _check(report, "issuer_binding").code is Code.ISSUER_KEY_MISMATCH


def test_a_proof_set_canonicalizes_its_document_once(
    issuer_key: KeyPair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every proof of a set signs the same document: it is canonicalized once for all of them
    (8 proofs over a crafted document cost 8 canonicalizations before), each proof's own options
    once each; a document that cannot be canonicalized fails every proof with the same error,
    found once."""
    from vcportable import jsonld

    calls: list[str] = []
    canonize = jsonld.canonize_signed

    def counting(document: Any, loader: Any, **kwargs: Any) -> str:
        calls.append("proof options" if "proofValue" not in document and "cryptosuite"
                     in document else "document")  # fmt: skip
        return canonize(document, loader, **kwargs)

    monkeypatch.setattr(jsonld, "canonize_signed", counting)
    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    keys = [issuer_key, *(KeyPair.generate() for _ in range(3))]
    signed = _proof_set(unsigned, *keys)
    calls.clear()
    report = _verify(signed)
    assert report.verified, report.failures
    assert calls.count("document") == 1 and calls.count("proof options") == 4
    calls.clear()
    inline = copy.deepcopy(signed)
    inline["@context"] = [*inline["@context"], {"nick": "https://example.org/nick"}]
    inline["nick"] = "x"
    report = _verify(inline)
    failed = [c for c in report.checks if c.id.startswith("proof[")]
    assert len(failed) == 4 and len({(c.code, c.message) for c in failed}) == 1
    assert failed[0].status is CheckStatus.FAILED
    assert calls.count("document") == 1


def test_vc_jwt_with_an_unbundled_context_is_refused(issuer_key: KeyPair) -> None:
    from vcportable.proofs.jose import issue_vc_jwt

    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    unsigned["@context"] = [*unsigned["@context"], "https://evil.example/remap-everything"]
    token = issue_vc_jwt(unsigned, issuer_key, now=NOW)
    report = _verify(token)
    assert not report.verified
    assert _check(report, "contexts").code is Code.CONTEXT_NOT_ALLOWED


@pytest.mark.parametrize(
    ("path", "also"),
    [
        (("credentialSubject",), {}),
        (("credentialSubject", "achievement", "criteria"), {}),
        (("issuer",), {}),
        (("evidence", 0), {}),
        (("credentialSubject",), {"id": "not a URL"}),  # the id walk stops early: still found
    ],
)
def test_a_token_credential_with_an_unbundled_context_below_its_root_is_refused(
    issuer_key: KeyPair, path: tuple[Any, ...], also: dict[str, Any]
) -> None:
    """Wherever an @context sits, in an object or an array, it must be bundled."""
    from vcportable.proofs.jose import issue_vc_jwt

    unsigned = unsigned_sample()
    unsigned["issuer"]["id"] = issuer_key.controller
    unsigned["evidence"] = [{"type": ["Evidence"], "name": "workshop task"}]
    node: Any = unsigned
    for part in path:
        node = node[part]
    node["@context"] = "https://evil.example/remap-everything"
    node.update(also)
    token = issue_vc_jwt(unsigned, issuer_key, now=NOW)
    report = _verify(token)
    assert not report.verified
    assert _check(report, "contexts").code is Code.CONTEXT_NOT_ALLOWED


def test_vp_jwt_by_a_stranger_is_refused(issuer_key: KeyPair, holder_key: KeyPair) -> None:
    """A worker's vc+jwt wrapped in a vp+jwt that someone else signed."""
    from vcportable.proofs.jose import issue_vp_jwt

    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["id"] = holder_key.controller
    token = Issuer(issuer_key, clock=CLOCK).issue_jwt(unsigned)
    stranger = KeyPair.generate()
    vp = issue_vp_jwt([token], stranger, now=NOW, nonce="n-1", aud="employer.example")
    report = Verifier(clock=CLOCK).verify(vp, challenge="n-1", domain="employer.example")
    assert not report.verified
    assert _check(report, "holder_binding").code is Code.HOLDER_NOT_SUBJECT
    own = issue_vp_jwt([token], holder_key, now=NOW, nonce="n-1", aud="employer.example")
    report = Verifier(clock=CLOCK).verify(own, challenge="n-1", domain="employer.example")
    assert report.verified, report.failures
    assert _check(report, "holder_binding").status is CheckStatus.PASSED


def test_node_references_written_as_objects_verify() -> None:
    """`{"id": x}` is how the data model writes a subject with no claims (and how Digital
    Bazaar's derive writes one): compaction would write the IRI, but both are the same RDF
    and every check reads both, so it is compacted form too."""
    key = KeyPair.generate()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": key.controller},
        "credentialSubject": {"id": "did:example:worker"},
    }
    signed = Issuer(key, clock=CLOCK).issue(document)
    report = _verify(signed)
    assert report.verified, report.failures
    assert report.issuer == key.controller
    # An `@id` spelled out instead of its alias is still refused: the checks read `id`.
    respelled = copy.deepcopy(signed)
    respelled["credentialSubject"] = {"@id": "did:example:worker"}
    assert Code.NOT_COMPACTED in _verify(respelled).codes()


def test_canonicalization_budget_is_a_policy_setting(signed: dict[str, Any]) -> None:
    """The RDFC-1.0 work bound is named and tunable in the one policy: a budget below what a
    credential needs ends its proof check with CANONICALIZATION_TOO_COMPLEX, not a hang."""
    from vcportable.jsonld import CanonicalizationBudget

    tight = VerificationPolicy(canonicalization_budget=CanonicalizationBudget(max_values=5))
    report = _verify(signed, policy=tight)
    assert not report.verified
    assert _check(report, "proof").code is Code.CANONICALIZATION_TOO_COMPLEX
    assert _verify(signed).verified


def test_presentation_without_holder(signed: dict[str, Any], holder_key: KeyPair) -> None:
    """holder is optional in the data model: a signed presentation that names none is fine in
    itself, but authenticates nobody, so it cannot present a person's credential (unless the
    policy allows bearer credentials)."""
    empty = sign_presentation(create_presentation([]), holder_key, challenge="c", clock=CLOCK)
    report = Verifier(clock=CLOCK).verify(empty, challenge="c")
    assert report.verified, report.failures
    assert _check(report, "holder_key").status is CheckStatus.SKIPPED
    with_credential = sign_presentation(
        create_presentation([signed]), holder_key, challenge="c", clock=CLOCK
    )
    report = Verifier(clock=CLOCK).verify(with_credential, challenge="c")
    assert _check(report, "holder_binding").code is Code.HOLDER_NOT_SUBJECT
    bearer = VerificationPolicy(allow_bearer_credentials=True)
    assert Verifier(clock=CLOCK, policy=bearer).verify(with_credential, challenge="c").verified


# -- telling a token from other input ---------------------------------------------------------

_TOKEN_FORM = re.compile(rb"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-.~]*")


@settings(max_examples=500)
@given(
    st.binary(max_size=40)
    | st.text("Aa0_-.~ !+/=\n", max_size=40).map(str.encode)
    | st.from_regex(_TOKEN_FORM, fullmatch=True)
)
@example(b"a~b.c")  # '~' only after the first segment
@example(b".abc")  # a first segment is not empty
@example(b" ab.c~d~\n")
@example(b"ab.c d")
@example(b"ab.c\xff")
def test_a_token_is_told_by_its_form_exactly(data: bytes) -> None:
    """The dispatch takes as a token exactly what has a token's form (as this regex says)."""
    body = data.strip(b" \t\r\n")
    head = data[:64].lstrip(b" \t\r\n")
    if head[:1] and head[0] in b'{["':
        return  # JSON, whatever follows
    expected = InputFormat.TOKEN if _TOKEN_FORM.fullmatch(body) else InputFormat.ENVELOPE
    assert detect(data) is expected
