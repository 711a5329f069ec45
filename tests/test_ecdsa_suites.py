"""ecdsa-rdfc-2019 (P-256 and P-384) and ecdsa-jcs-2019 against the W3C vc-di-ecdsa vectors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from conftest import load_json, load_text, resolve_method
from vcportable import jsonld
from vcportable.clock import FixedClock, parse_datetime
from vcportable.codec.multibase import multibase_decode
from vcportable.dids import OfflineResolver
from vcportable.errors import CanonicalizationTooComplex, ConfigurationError, InvalidSignature
from vcportable.keys import KeyPair, KeyType, PublicKey
from vcportable.policy import VerificationPolicy
from vcportable.proofs import dataintegrity as di
from vcportable.verifier import Verifier

ECDSA = "vc-di-ecdsa"
LOADER = jsonld.DocumentLoader(
    extra={
        "https://w3id.org/citizenship/v4rc1": load_json(
            f"{ECDSA}/contexts/citizenship-v4rc1.jsonld"
        )
    }
)
# The vectors' issuer is a URL, not the did:key that signs them.
VERIFIER = Verifier(
    loader=LOADER,
    clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    policy=VerificationPolicy(require_issuer_binding=False),
)

# (folder, file suffix, key pair file, unsigned document)
VECTORS = [
    ("ecdsa-rdfc-2019-p384", "ECDSAP384", "p384KeyPair.json", "unsigned.json"),
    ("ecdsa-rdfc-2019-p256/employ", "ECDSAP256", "p256KeyPair.json", "employmentAuth.json"),
    ("ecdsa-rdfc-2019-p384/employ", "ECDSAP384", "p384KeyPair.json", "employmentAuth.json"),
    ("ecdsa-jcs-2019-p256", "JCSECDSAP256", "p256KeyPair.json", "unsigned.json"),
    ("ecdsa-jcs-2019-p384", "JCSECDSAP384", "p384KeyPair.json", "unsigned.json"),
]
IDS = [v[0] for v in VECTORS]


def _key(name: str) -> KeyPair:
    return KeyPair.from_multibase_private(load_json(f"{ECDSA}/{name}")["secretKeyMultibase"])


def _public_key(proof: dict[str, Any]) -> PublicKey:
    method, _ = resolve_method(OfflineResolver(), proof["verificationMethod"])
    return method.public_key


@pytest.mark.parametrize(("folder", "suffix", "keyfile", "unsigned"), VECTORS, ids=IDS)
def test_hashes_match_the_vector(folder: str, suffix: str, keyfile: str, unsigned: str) -> None:
    path = f"{ECDSA}/{folder}"
    config = load_json(f"{path}/proofConfig{suffix}.json")
    document = load_json(f"{ECDSA}/{unsigned}")
    suite = di.match_suite(config)
    assert suite is not None
    key_type = _key(keyfile).type
    rdfc_hash = "sha384" if key_type is KeyType.P384 else "sha256"  # RDFC-1.0's own hash
    assert suite.canonicalize(document, LOADER, rdfc_hash).decode() == load_text(
        f"{path}/canonDoc{suffix}.txt"
    )
    assert suite.canonicalize(config, LOADER, rdfc_hash).decode() == load_text(
        f"{path}/proofCanon{suffix}.txt"
    )
    combined = suite.hash_data(document, config, LOADER, key_type)
    assert combined.hex() == load_text(f"{path}/combinedHash{suffix}.txt").strip()


@pytest.mark.parametrize(("folder", "suffix", "keyfile", "unsigned"), VECTORS, ids=IDS)
def test_vector_signature_verifies(folder: str, suffix: str, keyfile: str, unsigned: str) -> None:
    path = f"{ECDSA}/{folder}"
    signed = load_json(f"{path}/signed{suffix}.json")
    proof = signed["proof"]
    assert proof["proofValue"] == load_text(f"{path}/sigBTC58{suffix}.txt").strip()
    assert (
        multibase_decode(proof["proofValue"]).hex()
        == load_text(f"{path}/sigHex{suffix}.txt").strip()
    )
    suite = di.match_suite(proof)
    assert suite is not None
    di.verify_signature(signed, proof, suite, _public_key(proof), LOADER)
    report = VERIFIER.verify(signed)
    assert report.verified, [c for c in report.checks if c.status.value == "failed"]


@pytest.mark.parametrize(("folder", "suffix", "keyfile", "unsigned"), VECTORS, ids=IDS)
def test_tampered_vector_fails(folder: str, suffix: str, keyfile: str, unsigned: str) -> None:
    signed = load_json(f"{ECDSA}/{folder}/signed{suffix}.json")
    signed["validFrom"] = "2001-01-01T00:00:00Z"
    proof = signed["proof"]
    suite = di.match_suite(proof)
    assert suite is not None
    with pytest.raises(InvalidSignature):
        di.verify_signature(signed, proof, suite, _public_key(proof), LOADER)
    assert not VERIFIER.verify(signed).verified


@pytest.mark.parametrize(("folder", "suffix", "keyfile", "unsigned"), VECTORS, ids=IDS)
def test_sign_with_the_vector_key(folder: str, suffix: str, keyfile: str, unsigned: str) -> None:
    """ECDSA is randomized: sign as the vector did, compare the proof options, then verify."""
    config = load_json(f"{ECDSA}/{folder}/proofConfig{suffix}.json")
    key = _key(keyfile)
    signed = di.add_proof(
        load_json(f"{ECDSA}/{unsigned}"),
        key,
        created=parse_datetime(config["created"]),
        loader=LOADER,
        cryptosuite=config["cryptosuite"],
    )
    expected = load_json(f"{ECDSA}/{folder}/signed{suffix}.json")
    assert {k: v for k, v in signed["proof"].items() if k != "proofValue"} == {
        k: v for k, v in expected["proof"].items() if k != "proofValue"
    }
    assert (
        len(multibase_decode(signed["proof"]["proofValue"])) == key.public_key.curve.signature_size
    )
    assert VERIFIER.verify(signed).verified


@pytest.mark.parametrize("cryptosuite", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"])
@pytest.mark.parametrize("key_type", [KeyType.P256, KeyType.P384])
def test_round_trip_with_our_keys(cryptosuite: str, key_type: KeyType) -> None:
    key = KeyPair.generate(key_type)
    credential = load_json(f"{ECDSA}/unsigned.json") | {"issuer": key.controller}
    signed = di.add_proof(
        credential,
        key,
        created=parse_datetime("2025-01-01T00:00:00Z"),
        loader=LOADER,
        cryptosuite=cryptosuite,
    )
    report = Verifier(loader=LOADER, clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC))).verify(
        signed
    )
    assert report.verified, [c for c in report.checks if c.status.value == "failed"]


def test_p384_hashes_with_sha384() -> None:
    suite = di.suite_by_name("ecdsa-jcs-2019")
    document = load_json(f"{ECDSA}/unsigned.json")
    config = {"@context": document["@context"], "type": "DataIntegrityProof"}  # as verified
    assert len(suite.hash_data(document, config, LOADER, KeyType.P384)) == 96
    assert len(suite.hash_data(document, config, LOADER, KeyType.P256)) == 64
    assert (
        suite.hash_data(document, config, LOADER, KeyType.P384)[48:]
        == hashlib.sha384(suite.canonicalize(document, LOADER)).digest()
    )


def test_the_sha384_relabelling_stays_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a P-384 key RDFC-1.0 labels blank nodes again with SHA-384: that second pass is
    bounded by the caller's budget as the first is, not by the default one."""
    from vcportable.proofs.dataintegrity import nquads, suites

    document = load_json(f"{ECDSA}/unsigned.json")
    document["credentialSubject"] = {"knows": [{"name": f"n{i}"} for i in range(4)]}
    tight = jsonld.CanonicalizationBudget(max_blank_nodes=1)
    with pytest.raises(CanonicalizationTooComplex, match="max_blank_nodes"):
        nquads.canonicalize_quads(
            nquads.quads_of(jsonld.canonize_signed(document, LOADER)), "sha384", tight
        )
    budgets: list[jsonld.CanonicalizationBudget] = []

    def spy(quads: Any, hash_algorithm: str, budget: jsonld.CanonicalizationBudget) -> Any:
        budgets.append(budget)
        return nquads.canonicalize_quads(quads, hash_algorithm, budget)

    monkeypatch.setattr(suites, "canonicalize_quads", spy)
    own = jsonld.CanonicalizationBudget(max_blank_nodes=100)
    suites.canonize_rdfc(document, LOADER, "sha384", own)
    assert budgets == [own]


@pytest.mark.parametrize("cryptosuite", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023"])
def test_ed25519_keys_do_not_fit(cryptosuite: str) -> None:
    with pytest.raises(ConfigurationError, match="needs a p256 key"):
        di.add_proof(
            load_json(f"{ECDSA}/unsigned.json"),
            KeyPair.generate(KeyType.ED25519),
            created=parse_datetime("2025-01-01T00:00:00Z"),
            loader=LOADER,
            cryptosuite=cryptosuite,
        )


def test_a_p384_signature_does_not_pass_for_p256() -> None:
    """The same proof checked with a key of the other curve fails (no hash confusion)."""
    signed = load_json(f"{ECDSA}/ecdsa-rdfc-2019-p384/signedECDSAP384.json")
    suite = di.match_suite(signed["proof"])
    assert suite is not None
    with pytest.raises(InvalidSignature):
        di.verify_signature(
            signed, signed["proof"], suite, KeyPair.generate(KeyType.P256).public_key, LOADER
        )


def test_suite_names_are_exposed() -> None:
    assert {"ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023"} <= set(di.SIGNING_SUITES)
