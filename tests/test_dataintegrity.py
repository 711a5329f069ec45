"""Data Integrity cryptosuites against the official W3C vectors, byte for byte."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import pytest

from conftest import load_json, load_text, resolve_method
from vcportable import jsonld
from vcportable.clock import parse_datetime
from vcportable.dids import OfflineResolver
from vcportable.errors import ConfigurationError, InputError, InvalidSignature
from vcportable.keys import KeyPair, KeyType
from vcportable.proofs import dataintegrity as di

LOADER = jsonld.default_loader()
RESOLVER = OfflineResolver()

# (folder, suffix, unsigned document, key pair file)
DETERMINISTIC = [
    (
        "vc-di-eddsa/eddsa-rdfc-2022",
        "DataInt",
        "vc-di-eddsa/unsigned.json",
        "vc-di-eddsa/keyPair.json",
    ),
    ("vc-di-eddsa/eddsa-jcs-2022", "JCS", "vc-di-eddsa/unsigned.json", "vc-di-eddsa/keyPair.json"),
]


def _key(path: str) -> KeyPair:
    pair = load_json(path)
    return KeyPair.from_multibase_private(
        pair.get("privateKeyMultibase") or pair["secretKeyMultibase"]
    )


def _public_key(proof: dict[str, Any]) -> Any:
    method, _ = resolve_method(RESOLVER, proof["verificationMethod"])
    return method.public_key


@pytest.mark.parametrize(("folder", "suffix", "unsigned", "keyfile"), DETERMINISTIC)
def test_sign_reproduces_vector_byte_for_byte(
    folder: str, suffix: str, unsigned: str, keyfile: str
) -> None:
    config = load_json(f"{folder}/proofConfig{suffix}.json")
    document = load_json(unsigned)
    suite = di.suite_by_name(config["cryptosuite"])
    assert suite.canonicalize(document, LOADER).decode() == load_text(
        f"{folder}/canonDoc{suffix}.txt"
    )
    assert suite.canonicalize(config, LOADER).decode() == load_text(
        f"{folder}/proofCanon{suffix}.txt"
    )
    assert (
        hashlib.sha256(suite.canonicalize(document, LOADER)).hexdigest()
        == load_text(f"{folder}/docHash{suffix}.txt").strip()
    )
    signed = di.add_proof(
        document,
        _key(keyfile),
        created=parse_datetime(config["created"]),
        loader=LOADER,
        cryptosuite=config["cryptosuite"],
    )
    assert signed["proof"]["proofValue"] == load_text(f"{folder}/sigBTC58{suffix}.txt").strip()
    assert signed == load_json(f"{folder}/signed{suffix}.json")


SIGNED_VECTORS = [
    "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
    "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json",
    "vc-di-eddsa/Ed25519Signature2020/signedEdSig.json",
    "vc-di-ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
    "vc-di-eddsa/proof-set-chain/signedProofSet1.json",
    "vc-di-eddsa/proof-set-chain/signedProofSet2.json",
    "vc-di-eddsa/proof-set-chain/signedProofChain1.json",
    "vc-di-eddsa/proof-set-chain/signedProofChain2.json",
]


@pytest.mark.parametrize("shared", [False, True], ids=["alone", "sharing hashes"])
@pytest.mark.parametrize("path", SIGNED_VECTORS)
def test_official_signatures_verify(path: str, shared: bool) -> None:
    """Each proof on its own, and the proofs of one document sharing its canonicalization (as
    a verifier does): the sets' and the chains' proofs hold either way."""
    document = load_json(path)
    hashes: di.DocumentHashes | None = {} if shared else None
    for proof in di.proofs_of(document):
        suite = di.match_suite(proof)
        assert suite is not None
        di.verify_signature(
            document, proof, suite, _public_key(proof), LOADER, document_hashes=hashes
        )


@pytest.mark.parametrize("path", SIGNED_VECTORS)
def test_tampered_official_vector_fails(path: str) -> None:
    document = load_json(path)
    document["validFrom"] = "2099-01-01T00:00:00Z"
    for proof in di.proofs_of(document):
        suite = di.match_suite(proof)
        assert suite is not None
        with pytest.raises(InvalidSignature):
            di.verify_signature(document, proof, suite, _public_key(proof), LOADER)


def test_ecdsa_p256_hashes_match_vector() -> None:
    folder = "vc-di-ecdsa/ecdsa-rdfc-2019-p256"
    config = load_json(f"{folder}/proofConfigECDSAP256.json")
    document = load_json("vc-di-ecdsa/unsigned.json")
    suite = di.suite_by_name("ecdsa-rdfc-2019")
    assert suite.canonicalize(document, LOADER).decode() == load_text(
        f"{folder}/canonDocECDSAP256.txt"
    )
    assert suite.canonicalize(config, LOADER).decode() == load_text(
        f"{folder}/proofCanonECDSAP256.txt"
    )
    combined = suite.hash_data(document, config, LOADER)
    assert combined.hex() == load_text(f"{folder}/combinedHashECDSAP256.txt").strip()
    # ECDSA signatures are randomized: sign with the vector key, then verify.
    key = _key("vc-di-ecdsa/p256KeyPair.json")
    assert key.type is KeyType.P256
    signed = di.add_proof(
        document,
        key,
        created=parse_datetime(config["created"]),
        loader=LOADER,
        cryptosuite="ecdsa-rdfc-2019",
    )
    di.verify_signature(signed, signed["proof"], suite, key.public_key, LOADER)


def test_legacy_suite_cannot_sign() -> None:
    with pytest.raises(ConfigurationError, match="unknown cryptosuite"):
        di.suite_by_name("Ed25519Signature2020")


def test_key_type_must_fit_suite(fixed_now: datetime) -> None:
    with pytest.raises(ConfigurationError, match="needs a p256 key"):
        di.add_proof(
            load_json("vc-di-eddsa/unsigned.json"),
            KeyPair.generate(KeyType.ED25519),
            created=fixed_now,
            loader=LOADER,
            cryptosuite="ecdsa-rdfc-2019",
        )


def test_refuses_to_sign_a_signed_document(fixed_now: datetime) -> None:
    with pytest.raises(ConfigurationError, match="already has a proof"):
        di.add_proof(
            load_json("vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json"),
            KeyPair.generate(),
            created=fixed_now,
            loader=LOADER,
        )


@pytest.mark.parametrize("value", [None, 12, "u" + "A" * 10, "z0OIl", "z" + "1" * 600])
def test_bad_proof_value_is_input_error(value: Any) -> None:
    with pytest.raises(InputError):
        di.decode_signature(value)


def test_match_suite_is_exact() -> None:
    assert di.match_suite({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"})
    assert di.match_suite({"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2023"}) is None
    assert di.match_suite({"type": "DataIntegrityProof"}) is None
    assert di.match_suite({"type": "Ed25519Signature2018"}) is None
    assert di.match_suite({"type": ["DataIntegrityProof"]}) is None


def test_chain_pointing_to_missing_proof_is_input_error() -> None:
    document = load_json("vc-di-eddsa/proof-set-chain/signedProofChain2.json")
    chained = dict(document["proof"][-1], previousProof="urn:uuid:nope")
    with pytest.raises(InputError, match="previousProof"):
        di.unsecured_document(document, chained)


@pytest.mark.parametrize(
    ("folder", "suffix"),
    [
        ("vc-di-eddsa/eddsa-rdfc-2022/employ", "DataInt"),
        ("vc-di-ecdsa/ecdsa-rdfc-2019-p256/employ", "ECDSAP256"),
    ],
)
def test_employment_vector_needs_an_unpublished_context(folder: str, suffix: str) -> None:
    """These vectors use https://w3id.org/citizenship/v4rc1, which no offline source provides.

    Verifying them refuses the context (nothing is fetched); their signature still verifies
    over the canonical forms the vector itself publishes.
    """
    from vcportable.errors import ContextNotAllowedError

    signed = load_json(f"{folder}/signed{suffix}.json")
    proof = signed["proof"]
    suite = di.match_suite(proof)
    assert suite is not None
    with pytest.raises(ContextNotAllowedError, match="citizenship"):
        di.verify_signature(signed, proof, suite, _public_key(proof), LOADER)
    data = (
        hashlib.sha256(load_text(f"{folder}/proofCanon{suffix}.txt").encode()).digest()
        + hashlib.sha256(load_text(f"{folder}/canonDoc{suffix}.txt").encode()).digest()
    )
    _public_key(proof).verify(di.decode_signature(proof["proofValue"]), data)


@pytest.mark.parametrize("case", ["alias", "contexts that clash", "redefined term"])
def test_a_jcs_document_is_one_document_as_json_and_as_json_ld(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """eddsa-jcs-2022 signs the JSON, but a reader may take the JSON-LD view: a document that
    means something else there (an alias stating a second ``issuer``), or is no JSON-LD at all
    (VC 1.1 after 2.0 redefines protected terms; an embedded context redefines ``name``), is
    refused as it is under eddsa-rdfc-2022, even when a lax issuer signed it."""
    from conftest import unsigned_sample
    from vcportable.clock import FixedClock
    from vcportable.errors import (
        CanonicalizationError,
        ContextNotAllowedError,
        NotCompactedError,
    )
    from vcportable.models.report import Code
    from vcportable.verifier import Verifier

    key, other = KeyPair.generate(), KeyPair.generate()
    document = unsigned_sample()
    document["issuer"]["id"] = key.controller
    if case == "alias":
        alias = {"issuer2": {"@id": "https://www.w3.org/2018/credentials#issuer", "@type": "@id"}}
        document["@context"] = [*document["@context"], alias]
        document["issuer2"] = other.controller
    elif case == "contexts that clash":
        document["@context"] = [*document["@context"], "https://www.w3.org/2018/credentials/v1"]
    else:
        document["credentialSubject"]["@context"] = {"name": "https://evil.example/#n"}
    created = parse_datetime("2026-01-15T00:00:00Z")
    for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022"):
        with pytest.raises((CanonicalizationError, NotCompactedError, ContextNotAllowedError)):
            di.add_proof(document, key, created=created, loader=LOADER, cryptosuite=suite)
    with monkeypatch.context() as lax:  # an issuer that signs the JSON without looking
        lax.setattr(jsonld, "canonize_signed", lambda *args, **kwargs: "")
        signed = di.add_proof(
            document, key, created=created, loader=LOADER, cryptosuite="eddsa-jcs-2022"
        )
    report = Verifier(clock=FixedClock(created)).verify(signed)
    assert not report.verified
    failed = {(c.id, c.code) for c in report.failures}
    refused = {Code.NOT_COMPACTED, Code.DATA_LOSS, Code.CONTEXT_NOT_ALLOWED}
    assert failed & {("proof", code) for code in refused}, failed
