"""vc+jwt, vp+jwt and VC-JWT 1.1: issuing, verifying, the W3C vectors, and every bad input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from jose_fixtures import ISSUER, NOW, RESOLVER, assert_fails, b64, badge, codes, verify
from vcportable import jsonld
from vcportable.codec.dates import parse_datetime_stamp
from vcportable.dids import OfflineResolver
from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import CheckStatus, Code
from vcportable.policy import VerificationPolicy
from vcportable.proofs import jose, tokens
from vcportable.proofs.base import ProofContext, ProofRequest, ProofResult
from vcportable.proofs.jose.checks import date_matches
from vcportable.proofs.jose.jws import (
    HeaderMemo,
    JosePolicy,
    Rejection,
    TokenRequest,
    check_header,
    parse_compact,
    verify_signature,
)
from vcportable.proofs.jose.keys import (
    ALGS_WITH_NIST_CURVES,
    ControllerDocuments,
    JoseKey,
    ResolvedKey,
)

VECTORS = Path(__file__).parent / "vectors" / "jose"
ISSUER_P256 = KeyPair.from_private_bytes(KeyType.P256, bytes(range(1, 33)))
HOLDER = KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(2, 34)))
ATTACKER = KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(3, 35)))


def credential(issuer: KeyPair = ISSUER, **extra: Any) -> dict[str, Any]:
    doc = badge(issuer, HOLDER, credential_id="urn:uuid:6a2f8c1e-0b0c-4d8e-9b7a-1f2e3d4c5b6a")
    return {**doc, **extra}


def forge(
    header: dict[str, Any],
    payload: dict[str, Any] | bytes,
    key: KeyPair | None = ISSUER,
    signature: bytes | None = None,
) -> str:
    """A compact JWS with exactly this header (no defaults added)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(body)}"
    if signature is None:
        signature = key.sign(signing_input.encode()) if key is not None else b""
    return f"{signing_input}.{b64(signature)}"


def timeless() -> dict[str, Any]:
    """A credential without validFrom/validUntil, for tests of the JWT time claims alone."""
    doc = credential()
    del doc["validFrom"], doc["validUntil"]
    return doc


def vc_header(key: KeyPair = ISSUER, **extra: Any) -> dict[str, Any]:
    return {"alg": key.public_key.jws_alg, "typ": "vc+jwt", "kid": key.key_id, **extra}


def payload_of(doc: dict[str, Any] | None = None, **claims: Any) -> dict[str, Any]:
    return {
        **(doc or credential()),
        "iss": ISSUER.controller,
        "iat": int(NOW.timestamp()),
        **claims,
    }


# --------------------------------------------------------------------------------------------
# vc+jwt issue / verify


@pytest.mark.parametrize("key", [ISSUER, ISSUER_P256], ids=["EdDSA", "ES256"])
def test_vc_jwt_round_trip(key: KeyPair) -> None:
    token = jose.issue_vc_jwt(credential(key), key, now=NOW)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {
        "alg": key.public_key.jws_alg,
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": key.key_id,
    }
    result = verify(token)
    assert result.verified, result.failures
    assert result.format == "vc+jwt" and result.kind == "credential"
    assert result.document == credential(key)  # JWT claims removed, nothing else changed
    assert result.claims is not None
    assert result.claims["iss"] == key.controller
    assert result.claims["nbf"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    assert result.claims["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert result.claims["jti"] == credential()["id"] and result.claims["sub"] == HOLDER.controller
    assert [c.id for c in result.checks] == [
        "parse", "jose_header", "issuer", "verification_method", "issuer_binding", "proof",
        "claims", "token_validity",
    ]  # fmt: skip
    summary = result.summary()
    assert summary["issuer"] == key.controller
    assert summary["valid_until"] == "2030-01-01T00:00:00Z"


def test_vc_jwt_verifies_in_jwcrypto_and_jwcrypto_tokens_verify_here() -> None:
    token = jose.issue_vc_jwt(credential(ISSUER_P256), ISSUER_P256, now=NOW)
    key = jwcrypto_jwk.JWK(**ISSUER_P256.public_key.to_jwk())
    checker = jwcrypto_jws.JWS()
    checker.deserialize(token)
    checker.verify(key)  # raises if invalid
    private = jwcrypto_jwk.JWK.generate(kty="OKP", crv="Ed25519")
    public = json.loads(private.export_public())
    did = "did:jwk:" + b64(json.dumps(public, sort_keys=True, separators=(",", ":")).encode())
    doc = credential()
    doc["issuer"] = did
    signer = jwcrypto_jws.JWS(json.dumps(payload_of(doc, iss=did)))
    signer.add_signature(
        private, protected=json.dumps({"alg": "EdDSA", "typ": "vc+jwt", "kid": did + "#0"})
    )
    result = verify(signer.serialize(compact=True))
    assert result.verified, result.failures


def test_issue_refuses_a_key_of_another_issuer() -> None:
    with pytest.raises(ConfigurationError):
        jose.issue_vc_jwt(credential(ISSUER), ATTACKER, now=NOW)


@pytest.mark.parametrize("member", ["proof", "vc", "vp"])
def test_issue_refuses_members_that_do_not_belong_in_a_jwt(member: str) -> None:
    with pytest.raises(InputError):
        jose.issue_vc_jwt(credential(**{member: {}}), ISSUER, now=NOW)


def test_kid_may_be_relative_to_the_issuer_did() -> None:
    fragment = "#" + ISSUER.key_id.split("#")[1]
    result = verify(forge(vc_header(kid=fragment), payload_of()))
    assert result.verified, result.failures


def test_iss_is_optional_but_issuer_is_not() -> None:
    doc = payload_of()
    del doc["iss"]
    assert verify(forge(vc_header(), doc)).verified
    del doc["issuer"]
    assert_fails(verify(forge(vc_header(), doc)), Code.DATA_MODEL_INVALID)


def test_did_web_issuer_from_a_local_document() -> None:
    did = "did:web:cb.example"
    key = ISSUER.with_identity(did, did + "#key-1")
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": did + "#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ISSUER.public_key.to_multibase(),
            }
        ],
        "assertionMethod": [did + "#key-1"],
    }
    token = jose.issue_vc_jwt(credential(key), key, now=NOW)
    result = tokens.verify_token(
        token, resolver=OfflineResolver({did: document}), now=NOW, policy=JosePolicy()
    )
    assert result.verified, result.failures
    # The same key, but not listed under assertionMethod: refused.
    document["assertionMethod"] = []
    result = tokens.verify_token(
        token, resolver=OfflineResolver({did: document}), now=NOW, policy=JosePolicy()
    )
    assert_fails(result, Code.VERIFICATION_METHOD_NOT_AUTHORIZED)
    assert_fails(verify(token), Code.DID_NOT_RESOLVED)  # not cached: never fetched


def test_claims_must_agree_with_the_credential() -> None:
    result = verify(forge(vc_header(), payload_of(jti="urn:other")))
    assert_fails(result, Code.CLAIM_MISMATCH)
    result = verify(forge(vc_header(), payload_of(sub="did:example:someone-else")))
    assert_fails(result, Code.CLAIM_MISMATCH)
    result = verify(forge(vc_header(), payload_of(nbf=int(NOW.timestamp()) - 10)))
    assert_fails(result, Code.CLAIM_MISMATCH)


def test_iat_that_is_not_a_number_is_a_warning() -> None:
    result = verify(forge(vc_header(), payload_of(iat="2026-01-01T00:00:00Z")))
    assert result.verified
    assert Code.CLAIM_INVALID in {c.code for c in result.checks if c.status.value == "warning"}


@pytest.mark.parametrize("exp", ["tomorrow", True, None, [1]])
def test_exp_that_is_not_a_number_fails(exp: Any) -> None:
    assert_fails(verify(forge(vc_header(), payload_of(timeless(), exp=exp))), Code.CLAIM_INVALID)


@pytest.mark.parametrize("exp", ["1e400", str(10**400)])
def test_exp_no_json_parser_reads_alike_is_malformed(exp: str) -> None:
    # The strict JSON parser refuses it (overflow, integer length) before any claim is read.
    text = json.dumps(payload_of(timeless()))[:-1] + f', "exp": {exp}}}'
    assert_fails(verify(forge(vc_header(), text.encode())), Code.MALFORMED)


def test_policy_can_require_exp() -> None:
    doc = credential()
    del doc["validUntil"]
    token = jose.issue_vc_jwt(doc, ISSUER, now=NOW)
    assert verify(token).verified
    assert_fails(verify(token, JosePolicy(require_exp=True)), Code.CLAIM_INVALID)


def test_policy_refuses_contradictions() -> None:
    with pytest.raises(ConfigurationError):
        JosePolicy(allowed_algs={"ed25519": frozenset({"HS256"})})
    with pytest.raises(ConfigurationError):
        JosePolicy(allowed_algs={"ed25519": frozenset({"ES256"})})
    with pytest.raises(ConfigurationError, match="nonce and audience"):
        # key binding without this verifier's nonce and audience: a replayable binding
        verify("a.b.c", JosePolicy(require_key_binding=True), request=TokenRequest(nonce="n"))
    with pytest.raises(ConfigurationError):
        TokenRequest(clock_skew=timedelta(seconds=-1))


# --------------------------------------------------------------------------------------------
# vp+jwt


def test_vp_jwt_round_trip_with_nonce_and_audience() -> None:
    vc = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    vp = jose.issue_vp_jwt([vc], HOLDER, now=NOW, nonce="n-123", aud="https://employer.example")
    request = TokenRequest(nonce="n-123", aud="https://employer.example")
    result = verify(vp, request=request)
    assert result.verified, result.failures
    assert result.kind == "presentation" and len(result.credentials) == 1
    assert result.credentials[0].document == credential()
    assert result.credentials[0].verified
    other_nonce, other_aud = replace(request, nonce="other"), replace(request, aud="https://x.ex")
    assert_fails(verify(vp, request=other_nonce), Code.CHALLENGE_MISMATCH)
    assert_fails(verify(vp, request=other_aud), Code.DOMAIN_MISMATCH)
    assert_fails(verify(vp, now=NOW + timedelta(minutes=10)), Code.EXPIRED)


def test_token_verifier_asks_the_request_and_the_policy_and_never_raises() -> None:
    """The proof verifier of tokens: the request's challenge and domain are the presentation's
    nonce and audience, the VerificationPolicy's clock skew applies, and input that is not
    text is a failed check."""
    vp = jose.issue_vp_jwt([], HOLDER, now=NOW, nonce="n-1", aud="https://employer.example")
    context = ProofContext(jsonld.default_loader(), RESOLVER, VerificationPolicy(), NOW)
    verifier = tokens.TokenVerifier()
    asked = ProofRequest(challenge="n-1", domain="https://employer.example")
    assert not _failures(verifier.verify(vp, asked, context))
    assert Code.CHALLENGE_MISMATCH in _failures(
        verifier.verify(vp, replace(asked, challenge="n-2"), context)
    )
    assert Code.DOMAIN_MISMATCH in _failures(
        verifier.verify(vp, replace(asked, domain="https://x.example"), context)
    )
    late = replace(context, now=NOW + timedelta(minutes=5, seconds=30))  # exp + 30 s
    assert Code.EXPIRED not in _failures(verifier.verify(vp, asked, late))
    strict = replace(late, policy=VerificationPolicy(clock_skew=timedelta(0)))
    assert Code.EXPIRED in _failures(verifier.verify(vp, asked, strict))
    assert _failures(verifier.verify({"not": "text"}, asked, context)) == {Code.MALFORMED}


def _failures(result: ProofResult) -> set[Code]:
    return {c.code for c in result.checks if c.status is CheckStatus.FAILED}


def test_vp_jwt_with_a_bad_enclosed_credential_fails() -> None:
    vc = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    head, body, sig = vc.split(".")
    tampered = f"{head}.{body}.{sig[:-4]}AAAA"
    result = verify(jose.issue_vp_jwt([tampered], HOLDER, now=NOW))
    assert_fails(result, Code.CREDENTIAL_INVALID)
    assert Code.SIGNATURE_INVALID in codes(result.credentials[0])


def test_vp_jwt_with_more_enclosed_credentials_than_the_policy_allows_fails() -> None:
    vc = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    vp = jose.issue_vp_jwt([vc, vc], HOLDER, now=NOW)
    assert verify(vp, JosePolicy(max_enclosed_credentials=2)).verified
    result = verify(vp, JosePolicy(max_enclosed_credentials=1))
    assert_fails(result, Code.TOO_LARGE)
    assert result.credentials == []  # none of them was verified


def test_vp_jwt_signed_by_a_key_of_another_holder_fails() -> None:
    vp = jose.issue_vp_jwt([], HOLDER, now=NOW)
    _, body, _ = vp.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    token = forge({"alg": "EdDSA", "typ": "vp+jwt", "kid": ATTACKER.key_id}, payload, ATTACKER)
    assert_fails(verify(token), Code.KID_NOT_IN_ISSUER_DID)


def test_vp_jwt_refuses_embedded_unsecured_credentials() -> None:
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.controller,
        "verifiableCredential": [credential()],
    }
    token = forge({"alg": "EdDSA", "typ": "vp+jwt", "kid": HOLDER.key_id}, payload, HOLDER)
    result = verify(token)
    assert_fails(result, Code.CREDENTIAL_INVALID)
    assert Code.UNSUPPORTED_FORMAT in codes(result.credentials[0])


# --------------------------------------------------------------------------------------------
# VC-JWT 1.1


def vc11(**claims: Any) -> dict[str, Any]:
    return {
        "iss": ISSUER.controller,
        "sub": HOLDER.controller,
        "jti": "http://example.edu/credentials/3732",
        "nbf": int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()),
        "exp": int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        "vc": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential", "UniversityDegreeCredential"],
            "credentialSubject": {"degree": {"type": "BachelorDegree", "name": "BSc"}},
        },
        **claims,
    }


@pytest.mark.parametrize("typ", ["JWT", None])
def test_vc_jwt_1_1_is_mapped_as_the_spec_says(typ: str | None) -> None:
    header = {"alg": "EdDSA", "kid": ISSUER.key_id} | ({"typ": typ} if typ else {})
    result = verify(forge(header, vc11()))
    assert result.verified, result.failures
    assert result.format == "vc-jwt-1.1"
    assert result.document is not None
    assert result.document["issuer"] == ISSUER.controller
    assert result.document["id"] == "http://example.edu/credentials/3732"
    assert result.document["credentialSubject"]["id"] == HOLDER.controller
    assert result.document["issuanceDate"] == "2026-01-01T00:00:00Z"
    assert result.document["expirationDate"] == "2030-01-01T00:00:00Z"


def test_vc_jwt_1_1_without_kid_uses_the_single_key_of_a_did_key() -> None:
    assert verify(forge({"alg": "EdDSA", "typ": "JWT"}, vc11())).verified


def test_vc_jwt_1_1_contradicting_claims_fail() -> None:
    claims = vc11()
    claims["vc"]["issuer"] = ATTACKER.controller
    assert_fails(
        verify(forge({"alg": "EdDSA", "kid": ISSUER.key_id}, claims)), Code.ISSUER_MISMATCH
    )
    claims = vc11()
    claims["vc"]["id"] = "urn:other"
    assert_fails(verify(forge({"alg": "EdDSA", "kid": ISSUER.key_id}, claims)), Code.CLAIM_MISMATCH)
    claims = vc11()  # sub must name one of several subjects too
    claims["vc"]["credentialSubject"] = [{"id": "did:example:someone-else"}, {"name": "x"}]
    assert_fails(verify(forge({"alg": "EdDSA", "kid": ISSUER.key_id}, claims)), Code.CLAIM_MISMATCH)
    claims["vc"]["credentialSubject"][1]["id"] = HOLDER.controller
    assert verify(forge({"alg": "EdDSA", "kid": ISSUER.key_id}, claims)).verified


def test_vc_jwt_1_1_can_be_refused_by_policy() -> None:
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.key_id}, vc11())
    assert_fails(verify(token, JosePolicy(accept_vc_jwt_1_1=False)), Code.TYP_MISMATCH)


@pytest.mark.parametrize("typ", ["vc+jwt", "JWT"])
def test_the_dispatch_hands_on_what_it_decoded(typ: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token is split once and its payload decoded once, also a VC-JWT 1.1 token, whose
    payload the dispatch decodes to look for its vc claim."""
    from vcportable.proofs.jose import jws

    claims = vc11() if typ == "JWT" else {**credential(), "iss": ISSUER.controller}
    token = forge({"alg": "EdDSA", "typ": typ, "kid": ISSUER.key_id}, claims)
    calls: list[str] = []
    decode = jws.decode_segment

    def counted(value: str, **options: Any) -> bytes:
        calls.append(value)
        return decode(value, **options)

    splits: list[str] = []
    split = jws.split_compact

    def counted_split(token: str, *args: Any, **options: Any) -> list[str]:
        splits.append(token)
        return split(token, *args, **options)

    monkeypatch.setattr(jws, "decode_segment", counted)
    monkeypatch.setattr(jws, "split_compact", counted_split)
    assert verify(token).verified
    assert calls.count(token.split(".")[1]) == 1
    assert len(splits) == 1


def test_a_plain_jwt_without_vc_claim_is_not_a_credential() -> None:
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.key_id}, {"iss": ISSUER.controller})
    assert_fails(verify(token), Code.TYP_MISMATCH)


# --------------------------------------------------------------------------------------------
# W3C VC-JOSE-COSE test-suite vectors

EXPECTED = json.loads((VECTORS / "expected.json").read_text())
CASES = sorted(k for k in EXPECTED if not k.startswith("_"))


def vector_keys() -> ControllerDocuments:
    methods = []
    for name in ("vm-p256.json", "vm-p384.json", "vm-p521.json", "vm-ed25519.json"):
        method = json.loads((VECTORS / name).read_text())
        method.pop("secretKeyJwk")
        methods.append(method)
    ids = [m["id"] for m in methods]
    document = {
        "id": "https://example.issuer/vc-jose-cose",
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
    return ControllerDocuments([document], resolver=RESOLVER)


@pytest.mark.parametrize("name", CASES)
def test_w3c_vector(name: str) -> None:
    expected = EXPECTED[name]
    at = datetime.fromtimestamp(expected.get("at", 1735689600), UTC)
    result = tokens.verify_token(
        (VECTORS / name).read_text(),
        resolver=vector_keys(),
        now=at,
        policy=JosePolicy(allowed_algs=ALGS_WITH_NIST_CURVES),
    )
    assert result.verified is expected["verified"], [
        (c.id, c.code, c.message) for c in result.checks
    ]
    assert set(expected.get("codes", [])) <= {c.value for c in codes(result)}
    if "format" in expected:
        assert result.format == expected["format"]
    if "disclosed" in expected:
        assert sorted(result.disclosed) == sorted(expected["disclosed"])
    if "credentials" in expected:
        assert [c.verified for c in result.credentials] == expected["credentials"]


def test_w3c_vectors_with_p384_and_p521_need_the_policy_to_allow_them() -> None:
    text = (VECTORS / "credential-jose-unknown-extensions.txt").read_text()  # ES512
    result = tokens.verify_token(text, resolver=vector_keys(), now=NOW, policy=JosePolicy())
    assert_fails(result, Code.ALG_NOT_ALLOWED)


def test_w3c_vector_key_is_found_only_in_the_issuers_document() -> None:
    text = (VECTORS / "credential-jose-minimal.txt").read_text()
    # The same key, published by another controller, is not the issuer's key.
    method = json.loads((VECTORS / "vm-p256.json").read_text())
    method.pop("secretKeyJwk")
    method["id"] = "https://attacker.example#key-1"
    method["controller"] = "https://attacker.example"
    other = ControllerDocuments(
        [{"id": "https://attacker.example", "verificationMethod": [method],
          "assertionMethod": [method["id"]]}]
    )  # fmt: skip
    assert_fails(verify_with(other, text), Code.DID_NOT_RESOLVED)


def test_a_key_found_answers_only_for_the_document_it_was_found_in() -> None:
    """Keys found are remembered per document object: a controller document given again with
    another key under the same id (a rotation) is read afresh, whichever was seen first."""
    issuer = "https://rotating.example"
    old, new = KeyPair.generate(KeyType.ED25519), KeyPair.generate(KeyType.ED25519)

    def published(key: KeyPair) -> ControllerDocuments:
        method = {"id": f"{issuer}#key-1", "type": "Multikey", "controller": issuer,
                  "publicKeyMultibase": key.public_key.to_multibase()}  # fmt: skip
        return ControllerDocuments(
            [{"id": issuer, "verificationMethod": [method], "assertionMethod": [method["id"]]}]
        )

    claims = {**credential(), "issuer": issuer, "iss": issuer}
    signed_by_new = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": f"{issuer}#key-1"}, claims, new)
    for first, second in ((published(old), published(new)), (published(new), published(old))):
        results = [verify_with(source, signed_by_new) for source in (first, second, first)]
        verdicts = [result.verified for result in results]
        assert verdicts == [verdicts[0], not verdicts[0], verdicts[0]]


def verify_with(source: ControllerDocuments, text: str) -> jose.JoseResult:
    return tokens.verify_token(
        text, resolver=source, now=NOW, policy=JosePolicy(allowed_algs=ALGS_WITH_NIST_CURVES)
    )


# --------------------------------------------------------------------------------------------
# Bad input: each its own case, its own code, never a traceback


def test_bad_alg_none() -> None:
    token = forge({"alg": "none", "typ": "vc+jwt", "kid": ISSUER.key_id}, payload_of(), key=None)
    assert_fails(verify(token), Code.ALG_NOT_ALLOWED)


def test_bad_hs256_signed_with_the_issuers_public_key_as_secret() -> None:
    header = {"alg": "HS256", "typ": "vc+jwt", "kid": ISSUER.key_id}
    unsigned = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload_of()).encode())}"
    for secret in (ISSUER.public_key.raw, ISSUER.public_key.to_multibase().encode()):
        mac = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
        assert_fails(verify(f"{unsigned}.{b64(mac)}"), Code.ALG_NOT_ALLOWED)


def test_bad_es256_header_on_an_ed25519_key() -> None:
    token = forge(vc_header(alg="ES256"), payload_of(), signature=ISSUER_P256.sign(b"x"))
    assert_fails(verify(token), Code.KEY_TYPE_MISMATCH)


def test_bad_eddsa_header_on_a_p256_key() -> None:
    doc = credential(ISSUER_P256)
    token = forge(
        vc_header(ISSUER_P256, alg="EdDSA"), payload_of(doc, iss=ISSUER_P256.controller), ISSUER
    )
    assert_fails(verify(token), Code.KEY_TYPE_MISMATCH)


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "kb+jwt", "vp+jwt", "vc+sd-jwt", "vc+ld+json"])
def test_bad_typ_of_another_token_type(typ: str) -> None:
    token = forge(vc_header(typ=typ), payload_of())
    result = jose.verify_vc_jwt(token, resolver=RESOLVER, now=NOW)
    assert_fails(result, Code.TYP_MISMATCH)


def test_bad_typ_missing() -> None:
    header = vc_header()
    del header["typ"]
    assert_fails(
        jose.verify_vc_jwt(forge(header, payload_of()), resolver=RESOLVER, now=NOW),
        Code.TYP_MISMATCH,
    )


def test_bad_typ_a_credential_where_a_presentation_is_expected() -> None:
    token = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    result = jose.verify_vp_jwt(token, resolver=RESOLVER, now=NOW, enclosed=tokens.verify_enclosed)
    assert_fails(result, Code.TYP_MISMATCH)


def test_typ_comparison_follows_rfc_7515() -> None:
    token = forge(vc_header(typ="application/VC+JWT"), payload_of())
    assert verify(token).verified


def test_bad_a_jwe_where_a_jws_is_expected() -> None:
    header = b64(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM", "typ": "vc+jwt"}).encode())
    jwe = ".".join([header, b64(b"k" * 32), b64(b"i" * 12), b64(b"c" * 40), b64(b"t" * 16)])
    assert_fails(verify(jwe), Code.NOT_A_JWS)
    assert_fails(jose.verify_vc_jwt(jwe, resolver=RESOLVER, now=NOW), Code.NOT_A_JWS)


def test_bad_unknown_crit() -> None:
    token = forge(vc_header(crit=["exp-check"], **{"exp-check": True}), payload_of())
    assert_fails(verify(token), Code.CRIT_UNSUPPORTED)


def test_bad_crit_naming_an_absent_header_and_b64_false() -> None:
    policy = JosePolicy(understood_crit=frozenset({"x"}))
    assert_fails(verify(forge(vc_header(crit=["x"]), payload_of()), policy), Code.CRIT_UNSUPPORTED)
    assert_fails(verify(forge(vc_header(b64=False), payload_of())), Code.CRIT_UNSUPPORTED)


@pytest.mark.parametrize(
    "name, value",
    [
        ("jku", "https://attacker.example/jwks.json"),
        ("x5u", "https://attacker.example/cert.pem"),
        ("jwk", ATTACKER.public_key.to_jwk()),
        ("x5c", ["MIIB..."]),
    ],
)
def test_bad_key_headers_pointing_elsewhere(name: str, value: Any) -> None:
    # Signed by the attacker, whose key the header offers: must not be used, and is refused.
    token = forge(vc_header(**{name: value}), payload_of(), ATTACKER)
    assert_fails(verify(token), Code.HEADER_KEY_REFUSED)
    # Even with a genuine signature, a token carrying such a header is refused.
    assert_fails(verify(forge(vc_header(**{name: value}), payload_of())), Code.HEADER_KEY_REFUSED)


def test_bad_kid_outside_the_issuer_did() -> None:
    token = forge(vc_header(kid=ATTACKER.key_id), payload_of(), ATTACKER)
    assert_fails(verify(token), Code.KID_NOT_IN_ISSUER_DID)


def test_bad_kid_that_is_not_a_did_url() -> None:
    token = forge(vc_header(kid="key-1"), payload_of())
    assert_fails(verify(token), Code.KID_NOT_IN_ISSUER_DID)


def test_bad_kid_naming_a_key_the_issuer_does_not_have() -> None:
    token = forge(vc_header(kid=ISSUER.controller + "#other"), payload_of())
    assert_fails(verify(token), Code.DID_NOT_RESOLVED)


def test_bad_iss_different_from_issuer() -> None:
    token = forge(vc_header(), payload_of(iss=ATTACKER.controller))
    assert_fails(verify(token), Code.ISSUER_MISMATCH)


def test_bad_issuer_of_the_attacker_with_kid_of_the_victim() -> None:
    doc = credential(ATTACKER)
    token = forge(vc_header(), payload_of(doc, iss=ATTACKER.controller), ATTACKER)
    assert_fails(verify(token), Code.KID_NOT_IN_ISSUER_DID)


def test_bad_expired() -> None:
    token = forge(vc_header(), payload_of(timeless(), exp=int(NOW.timestamp()) - 3600))
    assert_fails(verify(token), Code.EXPIRED)


def test_bad_not_yet_valid() -> None:
    token = forge(vc_header(), payload_of(timeless(), nbf=int(NOW.timestamp()) + 3600))
    result = verify(token)
    assert_fails(result, Code.NOT_YET_VALID)


def test_bad_issued_in_the_future() -> None:
    token = forge(vc_header(), payload_of(timeless(), iat=int(NOW.timestamp()) + 3600))
    assert_fails(verify(token), Code.NOT_YET_VALID)


def test_clock_skew_is_configurable() -> None:
    token = forge(vc_header(), payload_of(timeless(), exp=int(NOW.timestamp()) - 30))
    assert verify(token).verified  # within the default 60 s
    assert_fails(verify(token, request=TokenRequest(clock_skew=timedelta(0))), Code.EXPIRED)
    early = forge(vc_header(), payload_of(timeless(), nbf=int(NOW.timestamp()) + 90))
    assert_fails(verify(early), Code.NOT_YET_VALID)
    assert verify(early, request=TokenRequest(clock_skew=timedelta(minutes=2))).verified


def test_bad_tampered_payload() -> None:
    token = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    head, _, sig = token.split(".")
    other = b64(json.dumps(payload_of(name="Master Carpenter")).encode())
    assert_fails(verify(f"{head}.{other}.{sig}"), Code.SIGNATURE_INVALID)


def test_bad_oversized_token() -> None:
    token = forge(vc_header(), payload_of(padding="x" * 200_000))
    assert_fails(verify(token), Code.TOO_LARGE)


def test_bad_oversized_header() -> None:
    token = forge(vc_header(note="x" * 5000), payload_of())
    assert_fails(verify(token), Code.TOO_LARGE)


def test_bad_oversized_signature_segment() -> None:
    token = forge(vc_header(), payload_of(), signature=b"s" * 1000)
    assert_fails(verify(token), Code.TOO_LARGE)


def test_bad_non_canonical_base64url() -> None:
    token = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    head, body, sig = token.split(".")
    # Ed25519 signatures are 64 bytes: 86 characters, the last one carrying 4 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = sig[:-1] + alphabet[alphabet.index(sig[-1]) | 1]
    assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(sig + "==")
    assert_fails(verify(f"{head}.{body}.{twin}"), Code.MALFORMED)


def test_bad_base64url_padding_or_alphabet() -> None:
    token = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    head, body, sig = token.split(".")
    assert_fails(verify(f"{head}.{body}.{sig}=="), Code.MALFORMED)
    standard = base64.b64encode(base64.urlsafe_b64decode(body + "==")).decode().rstrip("=")
    if standard != body:
        assert_fails(verify(f"{head}.{standard}.{sig}"), Code.MALFORMED)
    assert_fails(verify(f"{head}.{body[:-1]} .{sig}"), Code.MALFORMED)


def test_bad_duplicate_json_member_names() -> None:
    header = '{"alg":"EdDSA","typ":"vc+jwt","kid":"' + ISSUER.key_id + '","alg":"none"}'
    body = json.dumps(payload_of()).encode()
    unsigned = f"{b64(header.encode())}.{b64(body)}"
    token = f"{unsigned}.{b64(ISSUER.sign(unsigned.encode()))}"
    assert_fails(verify(token), Code.MALFORMED)
    raw = json.dumps(payload_of())[:-1] + ', "issuer": "did:example:evil"}'
    assert_fails(verify(forge(vc_header(), raw.encode())), Code.MALFORMED)


def test_bad_deeply_nested_payload() -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    assert_fails(verify(forge(vc_header(), payload_of(evidence=deep))), Code.TOO_DEEP)
    text = json.dumps(payload_of())[:-1] + ', "n": ' + "[" * 5000 + "]" * 5000 + "}"
    assert_fails(verify(forge(vc_header(), text.encode())), Code.TOO_DEEP)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a token",
        "a.b",
        "a.b.c.d",
        "....",
        "e30.e30.",
        "eyJhbGciOiJFZERTQSJ9.W10.AA",
        "\u00e9.a.b",
    ],
)
def test_bad_garbage_is_malformed(text: str) -> None:
    result = verify(text)
    assert not result.verified
    assert codes(result) & {Code.MALFORMED, Code.ALG_NOT_ALLOWED, Code.TYP_MISMATCH, Code.NOT_A_JWS}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_verification_never_raises_on_arbitrary_text(text: str) -> None:
    assert not verify(text).verified


TOKEN = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(TOKEN) - 1), st.sampled_from("A_-.~=+/ Zz09"))
def test_verification_never_raises_on_a_mutated_token(index: int, char: str) -> None:
    mutated = TOKEN[:index] + char + TOKEN[index + 1 :]
    result = verify(mutated)
    assert result.verified is (mutated == TOKEN)


# -- the memo of decoded headers ---------------------------------------------------------------


def test_header_memo_hands_out_copies_and_keeps_no_refusal() -> None:
    memo = HeaderMemo(size=2)
    segment = b64(b'{"alg":"EdDSA","typ":"vc+jwt"}')
    first = memo.decode(segment, 2048, what="token", check_id="parse")
    first["alg"] = "none"
    assert memo.decode(segment, 2048, what="token", check_id="parse")["alg"] == "EdDSA"
    # A header read under a larger limit is refused under a smaller one.
    with pytest.raises(Rejection) as refused:
        memo.decode(segment, 8, what="token", check_id="parse")
    assert refused.value.check.code is Code.TOO_LARGE
    duplicate = b64(b'{"alg":"EdDSA","alg":"ES256"}')
    for _ in range(2):
        with pytest.raises(Rejection):
            memo.decode(duplicate, 2048, what="token", check_id="parse")
    # Bounded, and a header with a non-string value is never kept (it could be altered).
    for index in range(5):
        memo.decode(b64(json.dumps({"alg": "EdDSA", "n": str(index)}).encode()), 2048,
                    what="token", check_id="parse")  # fmt: skip
    assert len(memo._entries) <= 2
    nested = b64(b'{"alg":"EdDSA","crit":["x"]}')
    memo.decode(nested, 2048, what="token", check_id="parse")["crit"].append("y")
    assert memo.decode(nested, 2048, what="token", check_id="parse")["crit"] == ["x"]


# -- a NumericDate against the credential's date -----------------------------------------------

_STAMPS = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(-70_000_000_000, 260_000_000_000) | st.floats(-1e12, 1e12),
    _STAMPS.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
    | _STAMPS.map(lambda d: d.isoformat())
    | _STAMPS.map(lambda d: d.astimezone(timezone(timedelta(hours=5))).isoformat())
    | st.text(max_size=25),
    st.booleans(),
)
def test_date_matches_decides_as_the_parse_does(number: float, text: str, same: bool) -> None:
    """A NumericDate matches a date exactly when the parse names the same second."""
    if same:  # the claim and the date name the same second, as an issuer writes them
        instant = parse_datetime_stamp(text)
        assume(instant is not None)
        number = instant.timestamp()
    claims = {"nbf": number}
    parsed = parse_datetime_stamp(text)
    expected = None if parsed is None else math.floor(number) == math.floor(parsed.timestamp())
    assert date_matches(claims, "nbf", text) is expected


# -- the signature check against jwcrypto's --------------------------------------------------
#
# Our JWS path never builds a jwcrypto object: PublicKey.verify calls cryptography on the exact
# signing input. It must accept exactly the tokens jwcrypto accepts, except where it is
# stricter on purpose (the last tests below: signature lengths, non-canonical Ed25519 R).

_SIGNERS = {
    "EdDSA": KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(4, 36))),
    "ES256": KeyPair.from_private_bytes(KeyType.P256, bytes(range(5, 37))),
    "ES384": KeyPair.from_private_bytes(KeyType.P384, bytes(range(6, 54))),
}
_OTHERS = {
    "EdDSA": KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(7, 39))),
    "ES256": KeyPair.from_private_bytes(KeyType.P256, bytes(range(8, 40))),
    "ES384": KeyPair.from_private_bytes(KeyType.P384, bytes(range(9, 57))),
}


def ours_accepts(token: str, key: KeyPair) -> bool:
    """Our header policy and signature check, in the order every token verifier runs them."""
    resolved = ResolvedKey(key.key_id, key.controller, JoseKey(key.public_key))
    policy = JosePolicy(allowed_algs=ALGS_WITH_NIST_CURVES)
    try:
        jws = parse_compact(token, policy)
        check_header(jws.header, policy, typs=frozenset({"vc+jwt"}))
        verify_signature(jws, resolved, policy)
    except Rejection:
        return False
    return True


def jwcrypto_accepts(token: str, key: KeyPair) -> bool:
    checker = jwcrypto_jws.JWS()
    try:
        checker.deserialize(token)
        checker.verify(jwcrypto_jwk.JWK(**key.public_key.to_jwk()))
    except Exception:  # noqa: BLE001 - any refusal of jwcrypto's, whatever its class
        return False
    return True


def _flip(segment: str, index: int, bit: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if raw:
        raw[index % len(raw)] ^= 1 << bit
    return b64(bytes(raw))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(_SIGNERS)),
    # Integers JSON parsers read alike: the strict parser's refusals are tested on their own.
    st.dictionaries(
        st.sampled_from(["sub", "jti", "n", "x"]),
        st.text(max_size=8) | st.integers(-(2**53), 2**53),
    ),
    st.sampled_from(["none", "header", "payload", "signature", "other key", "other alg"]),
    st.integers(0, 200),
    st.integers(0, 7),
)
def test_signature_decisions_match_jwcrypto(
    alg: str, claims: dict[str, Any], change: str, index: int, bit: int
) -> None:
    key = _SIGNERS[alg]
    header = {"alg": alg, "typ": "vc+jwt", "kid": key.key_id}
    if change == "other alg":  # signed by the key, but naming another key type's algorithm
        header["alg"] = "ES256" if alg == "EdDSA" else "EdDSA"
    head, body, sig = forge(header, claims, key).split(".")
    if change in ("header", "payload", "signature"):
        parts = {"header": head, "payload": body, "signature": sig}
        parts[change] = _flip(parts[change], index, bit)
        head, body, sig = parts["header"], parts["payload"], parts["signature"]
    token = f"{head}.{body}.{sig}"
    verifier = _OTHERS[alg] if change == "other key" else key
    ours = ours_accepts(token, verifier)
    assert ours is jwcrypto_accepts(token, verifier)
    assert ours is (change == "none")


def _high_s(signature: bytes, key: KeyPair) -> bytes:
    curve = key.public_key.curve
    r, s = signature[: curve.size], int.from_bytes(signature[curve.size :], "big")
    return r + (curve.order - s).to_bytes(curve.size, "big")


@pytest.mark.parametrize("alg", ["ES256", "ES384"])
def test_ecdsa_high_s_is_accepted_as_jwcrypto_does(alg: str) -> None:
    """ECDSA has no canonical S in JOSE (RFC 7518 §3.4): (r, n - s) verifies in jwcrypto and
    OpenSSL, and here; a token is not an identifier, so this malleability is harmless."""
    key = _SIGNERS[alg]
    head, body, sig = forge({"alg": alg, "typ": "vc+jwt"}, {"n": 1}, key).split(".")
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    token = f"{head}.{body}.{b64(_high_s(signature, key))}"
    assert ours_accepts(token, key) and jwcrypto_accepts(token, key)


@pytest.mark.parametrize("alg", ["ES256", "ES384"])
def test_ecdsa_signature_of_another_length_is_refused_where_jwcrypto_takes_it(alg: str) -> None:
    """Stricter than jwcrypto: r||s must be exactly twice the curve's size (RFC 7518 §3.4);
    jwcrypto splits any length in half, so zero-padded halves verify there."""
    key = _SIGNERS[alg]
    size = key.public_key.curve.size
    head, body, sig = forge({"alg": alg, "typ": "vc+jwt"}, {"n": 1}, key).split(".")
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    padded = b"\0" + signature[:size] + b"\0" + signature[size:]
    token = f"{head}.{body}.{b64(padded)}"
    assert jwcrypto_accepts(token, key) and not ours_accepts(token, key)


def test_ed25519_non_canonical_signature_is_refused() -> None:
    """S >= L is refused by both (RFC 8032 §5.1.7); an R whose y is not below p is refused
    here before OpenSSL is asked."""
    key = _SIGNERS["EdDSA"]
    head, body, sig = forge({"alg": "EdDSA", "typ": "vc+jwt"}, {"n": 1}, key).split(".")
    signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    order = 2**252 + 27742317777372353535851937790883648493
    s_plus_l = (int.from_bytes(signature[32:], "little") + order).to_bytes(32, "little")
    token = f"{head}.{body}.{b64(signature[:32] + s_plus_l)}"
    assert not ours_accepts(token, key) and not jwcrypto_accepts(token, key)
    big_r = (2**255 - 19 + 1).to_bytes(32, "little")  # y = p + 1: y = 1 encoded non-canonically
    token = f"{head}.{body}.{b64(big_r + signature[32:])}"
    assert not ours_accepts(token, key)
