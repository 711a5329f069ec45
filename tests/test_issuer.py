"""The issuer: what it fills in, what it refuses, and that every format validates first."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import unsigned_sample
from vcportable.clock import FixedClock
from vcportable.errors import CanonicalizationError, ConfigurationError, CredentialInvalidError
from vcportable.issuer import Issuer, prepare_credential
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier

CLOCK = FixedClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
KEY = KeyPair.generate()


def test_issuer_object_keeps_its_name_and_gets_the_key_did() -> None:
    unsigned = unsigned_sample()
    prepared = prepare_credential(unsigned, KEY.controller, "2026-01-15T12:00:00Z")
    assert prepared["issuer"] == {**unsigned["issuer"], "id": KEY.controller}
    assert "id" not in unsigned["issuer"]  # input untouched


def test_absent_issuer_is_the_key_and_valid_from_set() -> None:
    unsigned = unsigned_sample()
    del unsigned["issuer"]
    del unsigned["validFrom"]
    signed = Issuer(KEY, clock=CLOCK).issue(unsigned)
    assert signed["issuer"] == KEY.controller
    assert signed["validFrom"] == "2026-01-15T12:00:00Z"
    assert signed["proof"]["created"] == "2026-01-15T12:00:00Z"


def test_stated_issuer_must_be_the_keys_identity() -> None:
    """A key never signs for someone else: the issuer is not silently replaced."""
    unsigned = unsigned_sample()
    unsigned["issuer"] = "did:example:someone-else"
    with pytest.raises(CredentialInvalidError, match="not the identity of the signing key"):
        Issuer(KEY, clock=CLOCK).issue(unsigned)
    unsigned["issuer"] = {"id": "https://board.example", "name": "Board"}
    with pytest.raises(CredentialInvalidError, match="issuer.id"):
        Issuer(KEY, clock=CLOCK).issue(unsigned)
    unsigned["issuer"] = KEY.controller
    assert Issuer(KEY, clock=CLOCK).issue(unsigned)["issuer"] == KEY.controller


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_an_issuer_named_by_at_id_is_not_a_second_identity(fmt: str) -> None:
    """``{"@id": "did:web:trusted"}`` got the key's DID added as ``id``: two identities for one
    issuer, which JSON-LD calls colliding keywords (a vc+jwt took no JSON-LD check at all)."""
    unsigned = unsigned_sample()
    unsigned["issuer"] = {"@id": "did:web:trusted-board.example", "name": "Trusted Board"}
    issuer = Issuer(KEY, clock=CLOCK)
    with pytest.raises(CredentialInvalidError, match="@id beside id"):
        issuer.issue(unsigned) if fmt == "di" else issuer.issue_jwt(unsigned)


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_an_inline_keyword_alias_is_refused_in_every_format(fmt: str) -> None:
    """``{"ident": "@id"}`` gave the issuer a second identity beside ``id`` in a vc+jwt (its
    payload gets no JSON-LD processing); nested arrays of a token payload likewise."""
    unsigned = unsigned_sample()
    issuer = Issuer(KEY, clock=CLOCK)
    for alias in ("@id", "id", {"@id": "id"}):  # "id" is @id by the VC context's own alias
        unsigned["@context"] = [*unsigned_sample()["@context"], {"ident": alias}]
        unsigned["issuer"]["ident"] = "did:web:trusted-board.example"
        with pytest.raises(CredentialInvalidError, match="may not alias a keyword"):
            issuer.issue(unsigned) if fmt == "di" else issuer.issue_jwt(unsigned)


def test_a_token_nested_deeper_than_verifiers_read_is_not_signed() -> None:
    """The bound is the verifier's, exactly: the deepest token signed verifies."""

    def nested(levels: int) -> dict[str, Any]:
        unsigned = unsigned_sample()
        deep: dict[str, object] = {"type": ["Result"]}
        for _ in range(levels):
            deep = {"value": deep}
        unsigned["credentialSubject"]["result"] = [deep]
        return unsigned

    issuer = Issuer(KEY, clock=CLOCK)
    assert Verifier(clock=CLOCK).verify(issuer.issue_jwt(nested(27))).verified
    with pytest.raises(CredentialInvalidError, match="nests deeper than the 32 levels"):
        issuer.issue_jwt(nested(28))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "\ud800 lone", object()])
@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_what_json_cannot_hold_is_refused_before_signing(bad: object, fmt: str) -> None:
    """From Python, not from a parsed file: a token with NaN or a lone surrogate would be one
    no reader parses."""
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["achievement"]["creditsAvailable"] = bad
    issuer = Issuer(KEY, clock=CLOCK)
    with pytest.raises(CredentialInvalidError, match="not a JSON document"):
        issuer.issue(unsigned) if fmt == "di" else issuer.issue_jwt(unsigned)


def test_nothing_is_signed_that_a_verifier_would_not_read() -> None:
    """A token longer than verifiers read (128 KiB) was signed, then refused by `verify`."""
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["name"] = "N" * 200_000
    issuer = Issuer(KEY, clock=CLOCK)
    for sign in (issuer.issue_jwt, issuer.issue_sd_jwt):
        with pytest.raises(CredentialInvalidError, match="over the 131072 a verifier reads"):
            sign(unsigned)


@pytest.mark.parametrize("issuer", ["board of riverside", 42, ["did:example:a"], {"id": 7}])
def test_non_url_issuer_is_refused(issuer: object) -> None:
    unsigned = unsigned_sample()
    unsigned["issuer"] = issuer
    with pytest.raises(CredentialInvalidError, match="issuer"):
        Issuer(KEY, clock=CLOCK).issue(unsigned)


def test_vc_1_1_gets_issuance_date_and_the_data_integrity_context() -> None:
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:1", "type": "https://example.org/Worker"},
    }
    signed = Issuer(KEY, clock=CLOCK).issue(doc)
    assert signed["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    assert doc["@context"] == ["https://www.w3.org/2018/credentials/v1"]  # input untouched
    assert signed["issuanceDate"] == "2026-01-15T12:00:00Z" and "validFrom" not in signed
    assert Verifier(clock=CLOCK).verify(signed).verified


def test_every_problem_is_named_at_once() -> None:
    unsigned = unsigned_sample()
    del unsigned["credentialSubject"]["achievement"]["name"]
    unsigned["validUntil"] = "next year"
    with pytest.raises(CredentialInvalidError) as caught:
        Issuer(KEY, clock=CLOCK).issue(unsigned)
    paths = {path for path, _ in caught.value.problems}
    assert {"credentialSubject.achievement.name", "validUntil"} <= paths


@pytest.mark.parametrize("method", ["issue", "issue_jwt", "issue_sd_jwt"])
def test_every_format_validates_before_signing(method: str) -> None:
    unsigned = unsigned_sample()
    unsigned["type"] = ["OpenBadgeCredential"]
    with pytest.raises(CredentialInvalidError, match="VerifiableCredential"):
        getattr(Issuer(KEY, clock=CLOCK), method)(unsigned)


def test_undefined_term_is_refused_not_silently_unsigned() -> None:
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["shoeSize"] = 44
    with pytest.raises(CanonicalizationError, match="shoeSize"):
        Issuer(KEY, clock=CLOCK).issue(unsigned)


def test_unknown_suite_fails_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="unknown cryptosuite"):
        Issuer(KEY, cryptosuite="eddsa-2099")


def test_p256_key_with_ecdsa_suite() -> None:
    key = KeyPair.generate(KeyType.P256)
    signed = Issuer(key, cryptosuite="ecdsa-rdfc-2019", clock=CLOCK).issue(unsigned_sample())
    assert signed["issuer"]["id"].startswith("did:key:zDn")
    assert Verifier(clock=CLOCK).verify(copy.deepcopy(signed)).verified
