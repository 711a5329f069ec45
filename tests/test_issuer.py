"""The issuer: what it fills in, what it refuses, and that every format validates first."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from conftest import load_json
from vcportable.clock import FixedClock
from vcportable.errors import CanonicalizationError, ConfigurationError, CredentialInvalidError
from vcportable.issuer import Issuer, prepare_credential
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier

CLOCK = FixedClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
KEY = KeyPair.generate()


def test_issuer_object_keeps_its_name_and_gets_the_key_did() -> None:
    unsigned = load_json("interop/sample-unsigned.json")
    prepared = prepare_credential(unsigned, KEY.controller, "2026-01-15T12:00:00Z")
    assert prepared["issuer"] == {**unsigned["issuer"], "id": KEY.controller}
    assert unsigned["issuer"]["id"] == "did:key:PLACEHOLDER"  # input untouched


def test_issuer_string_is_replaced_and_valid_from_set() -> None:
    unsigned = load_json("interop/sample-unsigned.json")
    unsigned["issuer"] = "did:example:someone-else"
    del unsigned["validFrom"]
    signed = Issuer(KEY, clock=CLOCK).issue(unsigned)
    assert signed["issuer"] == KEY.controller
    assert signed["validFrom"] == "2026-01-15T12:00:00Z"
    assert signed["proof"]["created"] == "2026-01-15T12:00:00Z"


def test_vc_1_1_gets_issuance_date_and_a_hint_for_missing_terms() -> None:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:1"},
    }
    with pytest.raises(CanonicalizationError, match="data-integrity/v2"):
        Issuer(KEY, clock=CLOCK).issue(doc)
    doc["@context"].append("https://w3id.org/security/data-integrity/v2")
    signed = Issuer(KEY, clock=CLOCK).issue(doc)
    assert signed["issuanceDate"] == "2026-01-15T12:00:00Z" and "validFrom" not in signed
    assert Verifier(clock=CLOCK).verify(signed).verified


def test_every_problem_is_named_at_once() -> None:
    unsigned = load_json("interop/sample-unsigned.json")
    del unsigned["credentialSubject"]["achievement"]["name"]
    unsigned["validUntil"] = "next year"
    with pytest.raises(CredentialInvalidError) as caught:
        Issuer(KEY, clock=CLOCK).issue(unsigned)
    paths = {path for path, _ in caught.value.problems}
    assert {"credentialSubject.achievement.name", "validUntil"} <= paths


@pytest.mark.parametrize("method", ["issue", "issue_jwt", "issue_sd_jwt"])
def test_every_format_validates_before_signing(method: str) -> None:
    unsigned = load_json("interop/sample-unsigned.json")
    unsigned["type"] = ["OpenBadgeCredential"]
    with pytest.raises(CredentialInvalidError, match="VerifiableCredential"):
        getattr(Issuer(KEY, clock=CLOCK), method)(unsigned)


def test_undefined_term_is_refused_not_silently_unsigned() -> None:
    unsigned = load_json("interop/sample-unsigned.json")
    unsigned["credentialSubject"]["shoeSize"] = 44
    with pytest.raises(CanonicalizationError, match="shoeSize"):
        Issuer(KEY, clock=CLOCK).issue(unsigned)


def test_unknown_suite_fails_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="unknown cryptosuite"):
        Issuer(KEY, cryptosuite="eddsa-2099")


def test_p256_key_with_ecdsa_suite() -> None:
    key = KeyPair.generate(KeyType.P256)
    signed = Issuer(key, cryptosuite="ecdsa-rdfc-2019", clock=CLOCK).issue(
        load_json("interop/sample-unsigned.json")
    )
    assert signed["issuer"]["id"].startswith("did:key:zDn")
    assert Verifier(clock=CLOCK).verify(copy.deepcopy(signed)).verified
