"""SD-JWT: spec examples, test-case round trips, our credential profile, every bad input."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jose_fixtures import ISSUER, NOW, RESOLVER, assert_fails, b64, badge, verify
from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import Code
from vcportable.proofs import jose, sdjwt
from vcportable.proofs.jose.jws import JosePolicy, Rejection, TokenRequest
from vcportable.proofs.jose.keys import ALGS_WITH_NIST_CURVES, ControllerDocuments
from vcportable.proofs.sdjwt.disclosures import apply_disclosures

HERE = Path(__file__).parent / "vectors"
HOLDER = KeyPair.from_private_bytes(KeyType.P256, bytes(range(2, 34)))
OTHER = KeyPair.from_private_bytes(KeyType.P256, bytes(range(5, 37)))
NONCE, AUD = "8f2c-nonce", "https://employer.example"
KB_POLICY = JosePolicy(require_key_binding=True)
KB_REQUEST = TokenRequest(nonce=NONCE, aud=AUD)


def verify_kb(token: str) -> jose.JoseResult:
    """Verify as a verifier that requires key binding to its own nonce and audience."""
    return verify(token, KB_POLICY, request=KB_REQUEST)


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def credential() -> dict[str, Any]:
    """The badge with what a worker may withhold: her name, birth date and exam result."""
    return badge(
        ISSUER,
        HOLDER,
        credential_id="urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        subject={
            "name": "Ada Worker",
            "birthDate": "1990-04-01",
            "result": [{"type": ["Result"], "resultDescription": "urn:exam", "value": "92"}],
        },
        achievement={
            "alignment": [{"type": ["Alignment"], "targetCode": "7115", "targetName": "ESCO"}]
        },
    )


def issued(profile: sdjwt.Profile = "vc+sd-jwt", **kw: Any) -> str:
    return sdjwt.issue_sd_jwt(
        credential(), ISSUER, now=NOW, profile=profile, holder_key=HOLDER.public_key, **kw
    )


def bound(token: str, disclose: list[str], **kw: Any) -> str:
    options: dict[str, Any] = {"holder_key": HOLDER, "nonce": NONCE, "aud": AUD, "now": NOW}
    options.update(kw)
    return sdjwt.present_sd_jwt(token, disclose, **options)


# --------------------------------------------------------------------------------------------
# RFC 9901 text examples (draft-ietf-oauth-selective-disclosure-jwt, see PROVENANCE.md)


def test_spec_disclosure_and_digest_example() -> None:
    text = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    disclosure = sdjwt.decode_disclosure(text)
    assert (disclosure.salt, disclosure.name, disclosure.value) == (
        "_26bc4LT-ac6q2KI6cBW5es",
        "family_name",
        "Möbius",
    )
    assert disclosure.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    assert sdjwt.digest_of(text) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


@pytest.mark.parametrize(
    "text",
    [
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
        "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd",
        "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ",
    ],
)
def test_spec_equivalent_encodings_disclose_the_same_claim(text: str) -> None:
    disclosure = sdjwt.decode_disclosure(text)
    assert (disclosure.name, disclosure.value) == ("family_name", "Möbius")
    assert disclosure.digest != "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"  # digest is per text


def test_spec_array_element_disclosure() -> None:
    disclosure = sdjwt.decode_disclosure("WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0")
    assert (disclosure.salt, disclosure.name, disclosure.value) == (
        "lklxF5jMYlGTPUovMNIvCA",
        None,
        "FR",
    )


# --------------------------------------------------------------------------------------------
# Test cases of the IETF draft and of sd-jwt-python: issue, present, verify (round trip)

CASES = sorted((HERE / "sd-jwt" / "cases").glob("*.json"))
SPEC_ISSUER = {
    "kty": "EC",
    "crv": "P-256",
    "d": "Ur2bNKuBPOrAaxsRnbSH6hIhmNTxSGXshDSUD1a1y7g",
    "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
    "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
}
SPEC_HOLDER_D = "5K5SCos8zf9zRemGGUl6yfok-_NiiryNZsvANWMhF-I"


def spec_setup(issuer: str) -> tuple[KeyPair, ControllerDocuments]:
    key = KeyPair.from_private_bytes(KeyType.P256, b64d(SPEC_ISSUER["d"]))
    key = key.with_identity(issuer, issuer + "#key-1")
    public = {k: v for k, v in SPEC_ISSUER.items() if k != "d"}
    document = {
        "id": issuer,
        "verificationMethod": [
            {"id": "#key-1", "type": "JsonWebKey", "controller": issuer, "publicKeyJwk": public}
        ],
        "assertionMethod": ["#key-1"],
    }
    return key, ControllerDocuments([document])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_sd_jwt_case_round_trip(path: Path) -> None:
    case = json.loads(path.read_text())
    claims = dict(case["user_claims"])
    issuer = claims.get("iss", "https://example.com/issuer")
    key, keys = spec_setup(issuer)
    holder = KeyPair.from_private_bytes(KeyType.P256, b64d(SPEC_HOLDER_D))
    added = {"iss": issuer, "vct": "urn:example:vct"}
    if case["key_binding"]:
        added["cnf"] = {"jwk": holder.public_key.to_jwk()}
    for name, value in added.items():
        claims.setdefault(name, value)
    if case["key_binding"]:
        claims["cnf"] = added["cnf"]
    token = sdjwt.sd_jwt_from_claims(
        claims,
        key,
        disclosable=case["disclosable"],
        typ="dc+sd-jwt",
        decoys=3 if case["add_decoy_claims"] else 0,
    )
    assert len(sdjwt.disclosures_of(token)) == len(case["disclosable"])

    # Everything disclosed: the claims come back exactly.
    full = verify(token, resolver=keys)
    assert full.verified, full.failures
    assert full.document == claims

    # The holder's selection (sd-jwt-python semantics: exactly these claims), key-bound if asked.
    # sd-jwt-python ignores a selection naming no claim; vcportable's holder refuses it, so such
    # entries (one upstream example selects a "credentialSubject" it does not have) are dropped.
    chosen = [p for p in case["holder_disclosed"] if _pointer_exists(claims, p)]
    assert len(chosen) == len(case["holder_disclosed"]) or "slide_deck" in path.stem
    if case["key_binding"]:
        presented = sdjwt.present_sd_jwt(
            token, chosen, include_nested=False,
            holder_key=holder, nonce=NONCE, aud=AUD, now=NOW,
        )  # fmt: skip
        policy, request = KB_POLICY, KB_REQUEST
    else:
        presented = sdjwt.present_sd_jwt(token, chosen, include_nested=False)
        policy, request = JosePolicy(), TokenRequest()
    result = verify(presented, policy, request=request, resolver=keys)
    assert result.verified, result.failures
    assert result.document is not None
    got = {k: v for k, v in result.document.items() if k not in added or k in case["user_claims"]}
    assert got == _expected_view(case["user_claims"], case["disclosable"], chosen)
    if case["expect_verified_user_claims"] is not None:  # the upstream oracle agrees
        assert got == case["expect_verified_user_claims"]


def _expected_view(claims: Any, disclosable: list[str], chosen: list[str]) -> Any:
    """What a verifier must see: disclosable claims survive only if chosen (or an ancestor of a
    chosen claim); everything else stays. Computed from the case data, not by vcportable."""
    keep = set(chosen)
    for pointer in chosen:
        parts = pointer.split("/")
        keep.update("/".join(parts[:i]) for i in range(2, len(parts)))
    hidden = set(disclosable) - keep

    def walk(node: Any, pointer: str) -> Any:
        if isinstance(node, dict):
            return {
                k: walk(v, f"{pointer}/{_escape(k)}")
                for k, v in node.items()
                if f"{pointer}/{_escape(k)}" not in hidden
            }
        if isinstance(node, list):
            return [
                walk(v, f"{pointer}/{i}") for i, v in enumerate(node)
                if f"{pointer}/{i}" not in hidden
            ]  # fmt: skip
        return node

    return walk(claims, "")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _pointer_exists(document: Any, pointer: str) -> bool:
    node = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


# --------------------------------------------------------------------------------------------
# W3C VC-JOSE-COSE test-suite issuing cases (vc+sd-jwt), with the suite's P-256 key


def w3c_setup() -> tuple[KeyPair, ControllerDocuments]:
    method = json.loads((HERE / "jose" / "vm-p256.json").read_text())
    secret = method.pop("secretKeyJwk")
    controller = method["controller"]
    key = KeyPair.from_private_bytes(KeyType.P256, b64d(secret["d"]))
    document = {
        "id": controller,
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
    }
    return key.with_identity(controller, method["id"]), ControllerDocuments([document])


@pytest.mark.parametrize(
    "name, paths",
    [
        (
            "credential-selective.json",
            ["credentialSubject.firstName", "credentialSubject.lastName"],
        ),
        (
            "credential-nested-selective.json",
            [
                "credentialSubject.address.street",
                "credentialSubject.address.city",
                "credentialSubject.phoneNumbers[0]",
            ],
        ),
    ],
)
def test_w3c_issuing_cases(name: str, paths: list[str]) -> None:
    key, keys = w3c_setup()
    document = json.loads((HERE / "jose" / name).read_text())
    token = sdjwt.issue_sd_jwt(document, key, now=NOW, disclosable=paths)
    result = verify(token, JosePolicy(allowed_algs=ALGS_WITH_NIST_CURVES), resolver=keys)
    assert result.verified, result.failures
    assert result.document == document
    assert sorted(result.disclosed) == sorted(paths)
    only_first = sdjwt.present_sd_jwt(token, paths[:1])
    result = verify(only_first, resolver=keys)
    assert result.verified and result.disclosed == paths[:1]
    assert result.document != document


# --------------------------------------------------------------------------------------------
# Our credential profile: vc+sd-jwt


def test_default_disclosable_is_the_subject_but_not_the_achievement() -> None:
    assert sdjwt.default_disclosable(credential()) == [
        "credentialSubject.id",
        "credentialSubject.name",
        "credentialSubject.birthDate",
        "credentialSubject.result",
    ]


def test_worker_shows_the_badge_without_birth_date_or_scores() -> None:
    token = issued()
    presented = sdjwt.present_sd_jwt(token, [])
    result = verify(presented)
    assert result.verified, result.failures
    assert result.disclosed == []
    subject = result.document["credentialSubject"] if result.document else {}
    assert subject == {
        "type": ["AchievementSubject"],
        "achievement": credential()["credentialSubject"]["achievement"],
    }
    assert result.document is not None
    assert result.document["validUntil"] == "2030-01-01T00:00:00Z"
    assert "birthDate" not in presented and "92" not in json.dumps(result.document)
    summary = result.summary()
    assert summary["issuer"] == ISSUER.controller and summary["name"] == "Carpenter Level 2"


def test_holder_discloses_a_subset_with_key_binding() -> None:
    presented = bound(issued(), ["credentialSubject.name"])
    result = verify_kb(presented)
    assert result.verified, result.failures
    assert result.disclosed == ["credentialSubject.name"]
    assert result.document is not None
    assert result.document["credentialSubject"]["name"] == "Ada Worker"
    assert "birthDate" not in result.document["credentialSubject"]
    assert {c.id for c in result.checks} >= {"key_binding", "challenge", "domain", "sd_hash"}


def test_full_disclosure_gives_back_the_credential() -> None:
    token = issued()
    result = verify(token)
    assert result.verified and result.document == credential()
    assert sorted(result.disclosed) == sorted(sdjwt.default_disclosable(credential()))


def test_nested_paths_and_include_nested() -> None:
    token = issued(disclosable=["credentialSubject.result", "credentialSubject.result[0].value"])
    with_all = verify(sdjwt.present_sd_jwt(token, ["credentialSubject.result"]))
    assert with_all.verified
    assert sorted(with_all.disclosed) == [
        "credentialSubject.result",
        "credentialSubject.result[0].value",
    ]
    only_outer = verify(
        sdjwt.present_sd_jwt(token, ["credentialSubject.result"], include_nested=False)
    )
    assert only_outer.verified and only_outer.disclosed == ["credentialSubject.result"]
    assert only_outer.document is not None
    assert "value" not in only_outer.document["credentialSubject"]["result"][0]
    inner = verify(sdjwt.present_sd_jwt(token, ["credentialSubject.result[0].value"]))
    assert sorted(inner.disclosed) == [
        "credentialSubject.result",
        "credentialSubject.result[0].value",
    ]


def test_decoys_hide_the_number_of_claims() -> None:
    token = issued(decoys=5)
    payload = json.loads(b64d(token.split("~")[0].split(".")[1]))
    assert len(payload["credentialSubject"]["_sd"]) == 4 + 5
    assert payload["credentialSubject"]["_sd"] == sorted(payload["credentialSubject"]["_sd"])
    assert verify(token).verified


@pytest.mark.parametrize(
    "path", ["validUntil", "validFrom", "issuer", "type", "@context", "credentialStatus"]
)
def test_issuer_refuses_to_hide_what_every_verifier_needs(path: str) -> None:
    doc = credential()
    doc.setdefault("credentialStatus", {"type": "BitstringStatusListEntry"})
    with pytest.raises(InputError):
        sdjwt.issue_sd_jwt(doc, ISSUER, now=NOW, disclosable=[path])


def test_unknown_paths_are_errors_for_issuer_and_holder() -> None:
    with pytest.raises(InputError):
        issued(disclosable=["credentialSubject.nickname"])
    with pytest.raises(InputError):
        sdjwt.present_sd_jwt(issued(), ["credentialSubject.nickname"])
    with pytest.raises(InputError):
        sdjwt.present_sd_jwt(issued(), ["credentialSubject..x"])


def test_holder_key_must_be_the_bound_key() -> None:
    with pytest.raises(ConfigurationError):
        sdjwt.present_sd_jwt(issued(), [], holder_key=OTHER, nonce=NONCE, aud=AUD, now=NOW)
    unbound = sdjwt.issue_sd_jwt(credential(), ISSUER, now=NOW)
    with pytest.raises(ConfigurationError):
        sdjwt.present_sd_jwt(unbound, [], holder_key=HOLDER, nonce=NONCE, aud=AUD, now=NOW)
    with pytest.raises(ConfigurationError):
        sdjwt.present_sd_jwt(issued(), [], holder_key=HOLDER, now=NOW)  # no nonce / aud


def test_json_pointer_paths() -> None:
    token = issued(disclosable=["/credentialSubject/birthDate"])
    presented = sdjwt.present_sd_jwt(token, ["/credentialSubject/birthDate"])
    assert verify(presented).disclosed == ["credentialSubject.birthDate"]


def test_sd_jwt_in_a_vp_jwt() -> None:
    presented = sdjwt.present_sd_jwt(issued(), ["credentialSubject.name"])
    vp = jose.issue_vp_jwt([presented], HOLDER, now=NOW, nonce=NONCE, aud=AUD)
    result = verify(vp, request=KB_REQUEST)
    assert result.verified, result.failures
    assert result.credentials[0].format == "vc+sd-jwt"
    assert result.credentials[0].disclosed == ["credentialSubject.name"]


# --------------------------------------------------------------------------------------------
# IETF SD-JWT VC profile: dc+sd-jwt


def test_sd_jwt_vc_mapping() -> None:
    claims = sdjwt.to_sd_jwt_vc_claims(credential(), vct="urn:example:carpenter")
    assert claims["vct"] == "urn:example:carpenter"
    assert claims["sub"] == HOLDER.controller
    assert claims["jti"] == credential()["id"]
    assert claims["birthDate"] == "1990-04-01" and "achievement" in claims
    assert claims["name"] == "Ada Worker"  # the holder's name
    assert claims["credential"] == {"name": "Carpenter Level 2"}  # the badge's
    assert "credentialSubject" not in claims and "@context" not in claims


def test_sd_jwt_vc_mapping_refuses_reserved_names() -> None:
    doc = credential()
    doc["credentialSubject"]["exp"] = "clash"
    with pytest.raises(InputError):
        sdjwt.to_sd_jwt_vc_claims(doc, vct="urn:x")


def test_dc_sd_jwt_round_trip() -> None:
    token = issued("dc+sd-jwt")
    header = json.loads(b64d(token.split(".")[0]))
    assert header["typ"] == "dc+sd-jwt"
    presented = bound(token, ["credentialSubject.birthDate"])
    result = verify_kb(presented)
    assert result.verified, result.failures
    assert result.format == "dc+sd-jwt"
    assert result.disclosed == ["birthDate"]
    assert result.document is not None
    assert result.document["vct"] == "urn:vcportable:vct:OpenBadgeCredential"
    assert result.document["iss"] == ISSUER.controller
    assert result.document["birthDate"] == "1990-04-01"
    assert "sub" not in result.document and "result" not in result.document
    assert result.summary()["valid_until"] == "2030-01-01T00:00:00Z"
    assert result.summary()["name"] == "Carpenter Level 2"


def test_dc_sd_jwt_needs_vct() -> None:
    token = sdjwt.sd_jwt_from_claims(
        {"iss": ISSUER.controller, "given_name": "Ada"},
        ISSUER,
        disclosable=["given_name"],
        typ="dc+sd-jwt",
        header={"kid": ISSUER.key_id},
    )
    assert_fails(verify(token), Code.CLAIM_INVALID)


# --------------------------------------------------------------------------------------------
# Bad input: each its own case and code


def test_bad_disclosure_not_referenced_by_the_credential() -> None:
    foreign = sdjwt.disclosures_of(issued())[0].encoded  # same claim, another issuance's salt
    token = sdjwt.present_sd_jwt(issued(), [])
    assert_fails(verify(token + foreign + "~"), Code.DISCLOSURE_NOT_REFERENCED)
    forged = b64(json.dumps(["salt", "birthDate", "2001-01-01"]).encode())
    assert_fails(verify(token + forged + "~"), Code.DISCLOSURE_NOT_REFERENCED)


def test_bad_same_disclosure_twice() -> None:
    token = issued()
    first = sdjwt.disclosures_of(token)[0].encoded
    presented = sdjwt.present_sd_jwt(token, [])
    assert_fails(verify(f"{presented}{first}~{first}~"), Code.DISCLOSURE_DUPLICATE)


def test_bad_key_binding_with_the_wrong_nonce() -> None:
    presented = bound(issued(), [], nonce="replayed-nonce")
    assert_fails(verify_kb(presented), Code.CHALLENGE_MISMATCH)


def test_bad_key_binding_with_the_wrong_audience() -> None:
    presented = bound(issued(), [], aud="https://other-verifier.example")
    assert_fails(verify_kb(presented), Code.DOMAIN_MISMATCH)


def test_bad_key_binding_with_the_wrong_sd_hash() -> None:
    token = issued()
    presented = bound(token, ["credentialSubject.name"])
    jwt, name, kb = presented.split("~")
    assert_fails(verify_kb(f"{jwt}~{kb}"), Code.SD_HASH_MISMATCH)  # disclosure removed
    extra = [d.encoded for d in sdjwt.disclosures_of(token) if d.name == "birthDate"][0]
    result = verify_kb(f"{jwt}~{name}~{extra}~{kb}")  # disclosure added
    assert_fails(result, Code.SD_HASH_MISMATCH)


def test_bad_key_binding_missing_when_policy_requires_it() -> None:
    presented = sdjwt.present_sd_jwt(issued(), [])
    assert_fails(verify_kb(presented), Code.KEY_BINDING_MISSING)
    assert verify(presented).verified  # not required: the input cannot ask for it


def test_bad_key_binding_signed_by_another_key() -> None:
    presented = sdjwt.present_sd_jwt(issued(), [])
    kb_claims = {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE}
    digest = sdjwt.HASHES["sha-256"](presented.encode()).digest()
    kb_claims["sd_hash"] = b64(digest)
    header = b64(json.dumps({"alg": "ES256", "typ": "kb+jwt"}).encode())
    unsigned = f"{header}.{b64(json.dumps(kb_claims).encode())}"
    kb = f"{unsigned}.{b64(OTHER.sign(unsigned.encode()))}"
    assert_fails(verify_kb(presented + kb), Code.KEY_BINDING_INVALID)


def test_bad_key_binding_too_old_or_from_the_future() -> None:
    old = bound(issued(), [], now=NOW - timedelta(hours=1))
    assert_fails(verify_kb(old), Code.KEY_BINDING_INVALID)
    future = bound(issued(), [], now=NOW + timedelta(hours=1))
    assert_fails(verify_kb(future), Code.KEY_BINDING_INVALID)


def _key_binding_jwt(presented: str, **claims: Any) -> str:
    """A KB-JWT over ``presented``, signed by the holder, with ``claims`` added."""
    kb_claims = {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE, **claims}
    kb_claims["sd_hash"] = b64(sdjwt.HASHES["sha-256"](presented.encode()).digest())
    header = b64(json.dumps({"alg": "ES256", "typ": "kb+jwt"}).encode())
    unsigned = f"{header}.{b64(json.dumps(kb_claims).encode())}"
    return f"{unsigned}.{b64(HOLDER.sign(unsigned.encode()))}"


def test_bad_key_binding_past_its_exp_or_before_its_nbf() -> None:
    """A KB-JWT is a JWT: its own exp and nbf bind it (RFC 7519 4.1.4, 4.1.5)."""
    presented = sdjwt.present_sd_jwt(issued(), [])
    hour = 3600
    assert verify_kb(presented + _key_binding_jwt(presented)).verified
    for claims in (
        {"exp": int(NOW.timestamp()) - hour},
        {"nbf": int(NOW.timestamp()) + hour},
        {"exp": "tomorrow"},
    ):
        result = verify_kb(presented + _key_binding_jwt(presented, **claims))
        assert_fails(result, Code.KEY_BINDING_INVALID)
        assert result.failures[0].message.startswith("KB-JWT: ")
    fresh = {"exp": int(NOW.timestamp()) + hour, "nbf": int(NOW.timestamp()) - hour}
    assert verify_kb(presented + _key_binding_jwt(presented, **fresh)).verified


def test_bad_key_binding_jwt_of_another_type() -> None:
    presented = sdjwt.present_sd_jwt(issued(), [])
    claims = {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE, "sd_hash": "x"}
    header = b64(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    unsigned = f"{header}.{b64(json.dumps(claims).encode())}"
    kb = f"{unsigned}.{b64(HOLDER.sign(unsigned.encode()))}"
    assert_fails(verify_kb(presented + kb), Code.TYP_MISMATCH)


def test_bad_key_binding_for_a_credential_without_cnf() -> None:
    unbound = sdjwt.issue_sd_jwt(credential(), ISSUER, now=NOW)
    good = bound(issued(), [])
    kb = good.rsplit("~", 1)[1]
    assert_fails(verify_kb(sdjwt.present_sd_jwt(unbound, []) + kb), Code.KEY_BINDING_INVALID)


def test_a_holder_key_is_read_once_and_a_refused_one_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A holder presents many times: its cnf key is read once per key material; a cnf key that
    is refused (here, one with its private part) is refused on every presentation."""
    from vcportable.proofs.jose.keys import JoseKey
    from vcportable.proofs.sdjwt import verify as sd_verify

    reads: list[dict[str, Any]] = []
    read = JoseKey.from_jwk.__func__  # type: ignore[attr-defined]

    def counted(cls: type[JoseKey], jwk: dict[str, Any]) -> JoseKey:
        reads.append(dict(jwk))
        return read(cls, jwk)  # type: ignore[no-any-return]

    monkeypatch.setattr(JoseKey, "from_jwk", classmethod(counted))
    sd_verify._jwk_key.cache_clear()
    token = bound(issued(), [])
    assert verify_kb(token).verified and verify_kb(token).verified
    assert len(reads) == 1
    private = {**HOLDER.public_key.to_jwk(), "d": b64(b"\x01" * 32)}
    leaky = forge_sd({**sd_payload(), "cnf": {"jwk": private}}, [])
    kb = token.rsplit("~", 1)[1]
    for _ in range(2):
        assert_fails(verify_kb(leaky + kb), Code.KEY_BINDING_INVALID)
    assert len(reads) == 3


def forge_sd(payload: dict[str, Any], disclosures: list[str], typ: str = "vc+sd-jwt") -> str:
    header = {"alg": "EdDSA", "typ": typ, "kid": ISSUER.key_id}
    unsigned = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    jwt = f"{unsigned}.{b64(ISSUER.sign(unsigned.encode()))}"
    return "~".join([jwt, *disclosures]) + "~"


def disclosure(*content: Any) -> tuple[str, str]:
    text = b64(json.dumps(list(content)).encode())
    return text, sdjwt.digest_of(text)


def sd_payload(**extra: Any) -> dict[str, Any]:
    doc = credential()
    del doc["validFrom"], doc["validUntil"]
    return {**doc, "iss": ISSUER.controller, **extra}


def test_bad_unsupported_sd_alg() -> None:
    text, digest = disclosure("s1", "nickname", "Ada")
    token = forge_sd(sd_payload(_sd=[digest], _sd_alg="md5"), [text])
    assert_fails(verify(token), Code.SD_ALG_UNSUPPORTED)
    policy = JosePolicy(sd_algs=frozenset({"sha-512"}))
    assert_fails(
        verify(forge_sd(sd_payload(_sd=[digest]), [text]), policy), Code.SD_ALG_UNSUPPORTED
    )


def test_bad_digest_appearing_twice() -> None:
    text, digest = disclosure("s1", "nickname", "Ada")
    payload = sd_payload(_sd=[digest])
    payload["credentialSubject"]["_sd"] = [digest]
    assert_fails(verify(forge_sd(payload, [text])), Code.DIGEST_DUPLICATE)


def test_applying_disclosures_checks_every_digest_and_alters_nothing_signed() -> None:
    """Parts with no disclosure are kept as they are, yet a repeated decoy or a digest that is
    not a string is still found in them; the signed payload itself is never altered."""
    name, name_digest = disclosure("s1", "nickname", "Ada")
    phone, phone_digest = disclosure("s2", "555")
    hidden = sdjwt.digest_of("undisclosed")
    payload = {
        "kept": {"a": [1, {"b": "c"}]},
        "phones": ["111", {"...": hidden}, {"...": phone_digest}, "222"],
        "subject": {"_sd": [name_digest, hidden + "x"], "id": "urn:x"},
    }
    signed = json.loads(json.dumps(payload))
    claims, found = apply_disclosures(payload, [name, phone], "sha-256", JosePolicy())
    assert payload == signed
    assert claims == {
        "kept": {"a": [1, {"b": "c"}]},
        "phones": ["111", "555", "222"],
        "subject": {"id": "urn:x", "nickname": "Ada"},
    }
    assert [(d.path, d.where) for d in found] == [
        ("subject.nickname", ("subject", "nickname")),
        ("phones[1]", ("phones", 1)),
    ]
    for bad, code in (
        ({**payload, "kept": {"a": [{"...": hidden}], "_sd": [hidden]}}, Code.DIGEST_DUPLICATE),
        ({**payload, "kept": {"a": [{"...": 7}]}}, Code.DISCLOSURE_INVALID),
    ):
        with pytest.raises(Rejection) as refused:
            apply_disclosures(bad, [name, phone], "sha-256", JosePolicy())
        assert refused.value.check.code is code


def test_bad_disclosure_overwriting_a_claim() -> None:
    text, digest = disclosure("s1", "name", "Fake Badge")
    assert_fails(verify(forge_sd(sd_payload(_sd=[digest]), [text])), Code.DISCLOSURE_INVALID)


def test_bad_disclosure_of_a_registered_claim() -> None:
    text, digest = disclosure("s1", "exp", 4102444800)
    payload = {"iss": ISSUER.controller, "vct": "urn:x", "_sd": [digest]}
    assert_fails(verify(forge_sd(payload, [text], typ="dc+sd-jwt")), Code.DISCLOSURE_INVALID)


def test_bad_disclosure_kind_mismatch() -> None:
    element, digest = disclosure("s1", "an element")
    assert_fails(verify(forge_sd(sd_payload(_sd=[digest]), [element])), Code.DISCLOSURE_INVALID)
    prop, digest = disclosure("s2", "name", "x")
    payload = sd_payload(tags=[{"...": digest}])
    assert_fails(verify(forge_sd(payload, [prop])), Code.DISCLOSURE_INVALID)


@pytest.mark.parametrize(
    "content",
    [
        ["only-salt"],
        [1, "name", "value"],
        ["salt", "_sd", "value"],
        ["salt", "...", "value"],
        ["salt", 5, "value"],
        ["a", "b", "c", "d"],
    ],
)
def test_bad_malformed_disclosure(content: list[Any]) -> None:
    text = b64(json.dumps(content).encode())
    token = forge_sd(sd_payload(_sd=[sdjwt.digest_of(text)]), [text])
    assert_fails(verify(token), Code.DISCLOSURE_INVALID)


def test_bad_disclosure_that_is_not_json_or_not_base64url() -> None:
    token = sdjwt.present_sd_jwt(issued(), [])
    assert_fails(verify(token + b64(b"{not json") + "~"), Code.MALFORMED)
    assert_fails(verify(token + "WyJh+IiwgImIiXQ~"), Code.MALFORMED)
    assert_fails(verify(token + "WyJhIiwiYiJdB~"), Code.MALFORMED)  # 4n+1 characters


def test_bad_empty_disclosure() -> None:
    token = sdjwt.present_sd_jwt(issued(), [])
    assert_fails(verify(token + "~"), Code.MALFORMED)


def test_bad_too_many_disclosures() -> None:
    token = issued()
    policy = JosePolicy(max_disclosures=2)
    assert_fails(verify(token, policy), Code.TOO_LARGE)


def test_bad_sd_jwt_without_a_tilde() -> None:
    token = issued().split("~")[0]
    assert_fails(sdjwt.verify_sd_jwt(token, resolver=RESOLVER, now=NOW), Code.MALFORMED)
    assert_fails(verify(token), Code.MALFORMED)


def test_bad_expired_sd_jwt() -> None:
    token = issued()
    assert_fails(verify(token, now=datetime(2031, 1, 1, tzinfo=UTC)), Code.EXPIRED)
    assert_fails(verify(token, now=datetime(2025, 1, 1, tzinfo=UTC)), Code.NOT_YET_VALID)


def test_bad_sd_jwt_with_alg_none() -> None:
    token = issued()
    jwt, rest = token.split("~", 1)
    head = json.loads(b64d(jwt.split(".")[0]))
    head["alg"] = "none"
    forged = f"{b64(json.dumps(head).encode())}.{jwt.split('.')[1]}."
    assert_fails(verify(f"{forged}~{rest}"), Code.ALG_NOT_ALLOWED)


def test_bad_token_type_confusion_between_jwt_and_sd_jwt() -> None:
    token = issued()
    assert_fails(
        jose.verify_vc_jwt(token.split("~")[0], resolver=RESOLVER, now=NOW), Code.TYP_MISMATCH
    )
    vc = jose.issue_vc_jwt(credential(), ISSUER, now=NOW)
    assert_fails(sdjwt.verify_sd_jwt(vc + "~", resolver=RESOLVER, now=NOW), Code.TYP_MISMATCH)
    only_vc = frozenset({"vc+sd-jwt"})
    dc = issued("dc+sd-jwt")
    result = sdjwt.verify_sd_jwt(dc, resolver=RESOLVER, now=NOW, typs=only_vc)
    assert_fails(result, Code.TYP_MISMATCH)


def test_a_vp_sd_jwt_needs_a_verifier_of_what_it_encloses_and_never_raises() -> None:
    """The token names its own type: a vp+sd-jwt handed to verify_sd_jwt without ``enclosed``
    is a failed check, not an exception; verify_token verifies it with what it encloses."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": ISSUER.controller,
        "verifiableCredential": [],
    }
    token = sdjwt.sd_jwt_from_claims(presentation, ISSUER, disclosable=[], typ="vp+sd-jwt")
    result = sdjwt.verify_sd_jwt(token, resolver=RESOLVER, now=NOW)
    assert_fails(result, Code.TYP_MISMATCH)
    assert "vp+sd-jwt" in result.failures[0].message
    result = verify(token)
    assert result.verified, result.failures
    assert result.kind == "presentation" and result.format == "vp+sd-jwt"


def test_bad_vp_sd_jwt_whose_disclosed_holder_is_not_its_signer() -> None:
    """The signer of a presentation is read from its claims in the clear; a holder that comes
    out of a disclosure must still be that signer, or anyone could present as anyone."""
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "iss": ISSUER.controller,
        "holder": HOLDER.controller,
        "verifiableCredential": [],
    }
    token = sdjwt.sd_jwt_from_claims(presentation, ISSUER, disclosable=["holder"], typ="vp+sd-jwt")
    result = verify(token)
    assert_fails(result, Code.ISSUER_MISMATCH)
    assert result.failures[0].message == "a disclosed holder differs from the signer"
    presentation["holder"] = ISSUER.controller
    token = sdjwt.sd_jwt_from_claims(presentation, ISSUER, disclosable=["holder"], typ="vp+sd-jwt")
    assert verify(token).verified


@pytest.mark.parametrize(
    "name", ["validUntil", "validFrom", "credentialStatus", "credentialSchema", "exp", "status"]
)
def test_bad_sd_jwt_with_a_disclosed_claim_that_must_stay_visible(name: str) -> None:
    """What a holder could withhold to hide an expiry or a revocation is refused when it comes
    out of a disclosure, in the VC Data Model's words as in SD-JWT VC's."""
    document = credential()
    document[name] = {"id": "urn:x"} if name.startswith("credential") else "2030-01-01T00:00:00Z"
    claims = {**document, "iss": ISSUER.controller}
    token = sdjwt.sd_jwt_from_claims(
        claims, ISSUER, disclosable=[name], typ="vc+sd-jwt", header={"kid": ISSUER.key_id}
    )
    assert_fails(verify(token), Code.DISCLOSURE_INVALID)
    with pytest.raises(InputError, match="cannot be selectively disclosable"):
        sdjwt.issue_sd_jwt(document, ISSUER, now=NOW, disclosable=[name])


def test_dc_sd_jwt_facts_come_from_its_jwt_claims() -> None:
    """In SD-JWT VC the issuer is iss and the validity exp/nbf: claims that happen to be named
    issuer or validUntil are claims, never the report's issuer or validity. Our own mapping
    refuses a subject member that would become such a claim."""
    token = sdjwt.sd_jwt_from_claims(
        {
            "iss": ISSUER.controller,
            "vct": "urn:example:vct",
            "issuer": "did:web:ministry.example",
            "validUntil": "2099-01-01T00:00:00Z",
            "exp": int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()),
        },
        ISSUER,
        disclosable=[],
        typ="dc+sd-jwt",
        header={"kid": ISSUER.key_id},
    )
    result = verify(token)
    assert result.verified, result.failures
    assert result.summary()["issuer"] == ISSUER.controller
    assert result.summary()["valid_until"] == "2030-01-01T00:00:00Z"
    document = credential()
    document["credentialSubject"]["issuer"] = "did:web:ministry.example"
    with pytest.raises(InputError, match="would become the claim 'issuer'"):
        sdjwt.issue_sd_jwt(document, ISSUER, now=NOW, profile="dc+sd-jwt")


def test_bad_tampered_issuer_jwt() -> None:
    token = issued()
    jwt, rest = token.split("~", 1)
    head, body, sig = jwt.split(".")
    payload = json.loads(b64d(body))
    payload["validUntil"] = "2099-01-01T00:00:00Z"
    forged = f"{head}.{b64(json.dumps(payload).encode())}.{sig}"
    assert_fails(verify(f"{forged}~{rest}"), Code.SIGNATURE_INVALID)


PRESENTED = bound(issued(), ["credentialSubject.name"])


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(PRESENTED) - 1), st.sampled_from("A_-.~=+/ Zz09"))
def test_verification_never_raises_on_a_mutated_sd_jwt(index: int, char: str) -> None:
    mutated = PRESENTED[:index] + char + PRESENTED[index + 1 :]
    result = verify_kb(mutated)
    assert result.verified is (mutated == PRESENTED)


@pytest.mark.parametrize(
    ("payload", "too_deep"),
    [
        ({"a": {"b": 1}}, False),
        ({"a": {"b": {"c": 1}}}, True),  # a plain value one level past the limit
        ({"a": [[1]]}, True),
        ({"a": [1, "x"]}, False),
        ({"a": {"b": {}}}, False),  # an empty object at the limit holds nothing deeper
    ],
)
def test_disclosed_claims_are_held_to_the_depth_limit(
    payload: dict[str, Any], too_deep: bool
) -> None:
    """Every value is within ``max_json_depth`` path segments, plain values included."""
    policy = JosePolicy(max_json_depth=2)
    if not too_deep:
        assert apply_disclosures(payload, [], "sha-256", policy) == (payload, [])
        return
    with pytest.raises(Rejection) as refused:
        apply_disclosures(payload, [], "sha-256", policy)
    assert refused.value.check.code is Code.TOO_DEEP
