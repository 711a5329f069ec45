"""A presentation's walk serves its credentials' own canonicalizations (canonfast._share).

Within ``canonfast.sharing()`` the presentation and each enclosed credential (without its
proof, as its proof signs it) must canonicalize to exactly pyld's bytes (the full path) and to
what the fast path gives each of them alone; tampering with a credential must still break its
proof, and a presentation of 1, 5 or 20 credentials must verify on the fast path.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import unsigned_sample
from vcportable import canonfast, jsonld
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair
from vcportable.models.report import Code
from vcportable.proofs import dataintegrity as di
from vcportable.verifier import Verifier
from vcportable.wallet import create_presentation, sign_presentation

CLOCK = FixedClock(datetime(2026, 1, 15, tzinfo=UTC))
LOADER = jsonld.default_loader()
HOLDER = KeyPair.generate()
ISSUER = Issuer(KeyPair.generate(), clock=CLOCK)


def _variant(number: int) -> dict[str, Any]:
    """Credentials with blank nodes of several shapes: the sample's criteria (alike in every
    credential: first-degree hashes tie across graphs), evidence alike in some credentials, and
    two alike pieces of evidence in one credential (a tie inside its own dataset too)."""
    document = unsigned_sample()
    document["id"] = f"urn:uuid:0c4e6a52-0000-4000-8000-{number:012d}"
    document["credentialSubject"]["id"] = HOLDER.controller
    achievement = document["credentialSubject"]["achievement"]
    if number % 3 == 1:
        document["evidence"] = [{"type": ["Evidence"], "name": f"Task {number % 2}"}]
    elif number % 3 == 2:
        achievement["criteria"]["narrative"] = f"Passed test {number}."
        document["evidence"] = [{"type": ["Evidence"], "name": "Workshop task"}] * 2
    return ISSUER.issue(document)


CREDENTIALS = [_variant(number) for number in range(20)]


def _presentation(size: int) -> dict[str, Any]:
    unsigned = create_presentation(CREDENTIALS[:size], holder=HOLDER.controller)
    return sign_presentation(unsigned, HOLDER, challenge="c", domain="d", clock=CLOCK)


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return di.unsecured_document(document, di.proofs_of(document)[0])


def _signed_parts(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """What a credential's proof signs: the credential without it, the proof configuration."""
    proof = di.proofs_of(credential)[0]
    return [
        di.unsecured_document(credential, proof),
        di.proof_configuration(credential, proof),
    ]


@pytest.mark.parametrize("size", [1, 5, 20])
def test_presentation_and_its_credentials_are_pyld_bytes(size: int) -> None:
    presentation = _presentation(size)
    parts = [part for c in presentation["verifiableCredential"] for part in _signed_parts(c)]
    alone = [canonfast.canonize_fast(part, LOADER, compacted=True) for part in parts]
    before = canonfast.stats()
    with canonfast.sharing():
        text = jsonld.canonize_signed(_unsecured(presentation), LOADER)
        shared = [jsonld.canonize_signed(part, LOADER) for part in parts]
    after = canonfast.stats()
    assert after.get("fallback", 0) == before.get("fallback", 0)  # all on the fast path
    # every credential and proof configuration took the presentation's walk
    assert after.get("shared walk", 0) - before.get("shared walk", 0) == 2 * size
    assert text == jsonld.canonize(_unsecured(presentation), LOADER)
    assert shared == alone == [jsonld.canonize(part, LOADER) for part in parts]
    assert "_:c14n" in text and all("_:c14n" in part for part in shared)


def test_only_the_enclosed_document_without_its_proof_is_shared() -> None:
    """A copy, the document with its proof, another budget: each is walked on its own."""
    presentation = _presentation(2)
    enclosed = presentation["verifiableCredential"][0]
    budget = jsonld.CanonicalizationBudget(max_values=10_000)
    with canonfast.sharing():
        jsonld.canonize_signed(_unsecured(presentation), LOADER)
        for document in (
            copy.deepcopy(_unsecured(enclosed)),
            enclosed,
            {**_unsecured(enclosed), "name": "Another name"},
        ):
            assert jsonld.canonize_signed(document, LOADER) == jsonld.canonize(document, LOADER)
        document = _unsecured(enclosed)
        assert jsonld.canonize_signed(document, LOADER, budget=budget) == jsonld.canonize(
            document, LOADER
        )


def test_outside_a_sharing_block_nothing_is_kept() -> None:
    presentation = _presentation(2)
    assert canonfast._share.current() is None
    text = jsonld.canonize_signed(_unsecured(presentation), LOADER)
    assert text == jsonld.canonize(_unsecured(presentation), LOADER)


@pytest.mark.parametrize("size", [1, 5, 20])
def test_presentations_verify_on_the_fast_path(size: int) -> None:
    before = canonfast.stats()
    report = Verifier(clock=CLOCK).verify(_presentation(size), challenge="c", domain="d")
    assert report.verified
    after = canonfast.stats()
    assert after.get("fallback", 0) == before.get("fallback", 0)
    assert after.get("shared walk", 0) - before.get("shared walk", 0) == 2 * size


def test_a_tampered_credential_breaks_both_proofs() -> None:
    presentation = _presentation(5)
    presentation["verifiableCredential"][3]["credentialSubject"]["name"] = "Mallory"
    report = Verifier(clock=CLOCK).verify(presentation, challenge="c", domain="d")
    # The presentation's own proof (which covers its credentials) ...
    (proof,) = [c for c in report.checks if c.id == "proof"]
    assert proof.code is Code.SIGNATURE_INVALID
    # ... and the altered credential's, the only credential that fails.
    broken = [r for r in report.credentials if not r.verified]
    assert (
        len(broken) == 1
        and broken[0].credential_id == presentation["verifiableCredential"][3]["id"]
    )
    assert Code.SIGNATURE_INVALID in {c.code for c in broken[0].failures}


def test_a_left_out_value_stated_again_inside_the_proof_is_walked_alone() -> None:
    """A node inside the proof with the proof's own id states ``proofValue`` again: in the
    presentation's walk the proof's member emits that quad first and the node's is a repeat,
    so the proof configuration (without ``proofValue``) must keep the node's, as pyld does."""
    proof = {
        "id": "urn:example:proof",
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": "z1",
        "verificationMethod": {
            "id": "urn:example:proof",
            "type": "DataIntegrityProof",
            "proofValue": "z1",
        },
    }
    credential = {**_unsecured(CREDENTIALS[0]), "proof": proof}
    presentation = create_presentation([credential], holder=HOLDER.controller)
    parts = _signed_parts(presentation["verifiableCredential"][0])
    before = canonfast.stats().get("shared walk", 0)
    with canonfast.sharing():
        jsonld.canonize_signed(presentation, LOADER)
        shared = [jsonld.canonize_signed(part, LOADER) for part in parts]
    assert shared == [jsonld.canonize(part, LOADER) for part in parts]
    assert "proofValue" in shared[1]  # the node's own statement, signed
    assert canonfast.stats().get("shared walk", 0) - before == 1  # the credential only


def test_a_sharing_block_ends_on_an_exception() -> None:
    """An error inside the block (a presentation the fast path declines half-way, then any
    exception) keeps nothing and leaves no session behind for the next verification."""
    presentation = _presentation(1)
    broken = copy.deepcopy(presentation)
    broken["verifiableCredential"][0]["credentialSubject"]["name"] = float("nan")
    with pytest.raises(RuntimeError), canonfast.sharing() as session:
        assert canonfast.canonize_fast(broken, LOADER, compacted=True) is None
        assert not session._enclosed
        raise RuntimeError
    assert canonfast._share.current() is None


def test_a_credential_with_a_context_inside_is_walked_alone() -> None:
    """An object inside the credential brings its own ``@context``: the presentation's walk
    does not keep the credential (that context was read against the presentation's), so its
    unsecured form is walked alone; its proof, which has none inside, still takes the walk."""
    presentation = copy.deepcopy(_presentation(1))
    credential = presentation["verifiableCredential"][0]
    credential["credentialSubject"]["@context"] = {"nick": "https://example.org/vocab#nick"}
    credential["credentialSubject"]["nick"] = "Al"
    parts = _signed_parts(credential)
    alone = [canonfast.canonize_fast(part, LOADER) for part in parts]
    before = canonfast.stats().get("shared walk", 0)
    with canonfast.sharing():
        assert canonfast.canonize_fast(_unsecured(presentation), LOADER) is not None
        shared = [canonfast.canonize_fast(part, LOADER) for part in parts]
    assert shared == alone == [jsonld.canonize(part, LOADER) for part in parts]
    assert "https://example.org/vocab#nick" in shared[0]
    assert canonfast.stats().get("shared walk", 0) - before == 1  # the proof configuration
