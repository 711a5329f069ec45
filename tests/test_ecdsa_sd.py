"""ecdsa-sd-2023: the W3C vectors step by step, our own round trips, and what an attacker sends."""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import cbor2
import pytest

from conftest import load_json, load_text, resolve_method, status_entry
from vcportable import jsonld
from vcportable.clock import FixedClock, parse_datetime
from vcportable.codec.multibase import multibase_encode
from vcportable.dids import OfflineResolver
from vcportable.errors import (
    CanonicalizationError,
    ConfigurationError,
    InputError,
    InvalidSignature,
)
from vcportable.keys import KeyPair, KeyType, PublicKey
from vcportable.models.report import Code
from vcportable.policy import VerificationPolicy
from vcportable.proofs import dataintegrity as di
from vcportable.proofs.dataintegrity import ecdsa_sd as sd
from vcportable.proofs.dataintegrity.ecdsa_sd_select import canonicalize_and_group, select_json_ld
from vcportable.proofs.dataintegrity.suites import canonize_rdfc
from vcportable.verifier import Verifier

SD = "vc-di-ecdsa/ecdsa-sd-2023"
CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"
LOADER = jsonld.DocumentLoader(
    extra={CITIZENSHIP: load_json("vc-di-ecdsa/contexts/citizenship-v4rc1.jsonld")}
)
MATERIAL = load_json(f"{SD}/SDKeyMaterial.json")
HMAC_KEY = bytes.fromhex(MATERIAL["hmacKeyString"])
# (vector folder, mandatory pointers, selective pointers)
EXAMPLES = [
    ("employ", "vc-di-ecdsa/employMandatory.json", "vc-di-ecdsa/employSelective.json"),
    ("prc", "vc-di-ecdsa/prCredMandatory.json", "vc-di-ecdsa/prCredSelective.json"),
]
# The vectors' issuer is not the key that signs them; their validity ends in 2025 and 2029.
VECTOR_VERIFIER = Verifier(
    loader=LOADER,
    clock=FixedClock(datetime(2025, 6, 1, tzinfo=UTC)),
    policy=VerificationPolicy(require_issuer_binding=False),
)


def _map(entries: dict[str, Any]) -> dict[int, str]:
    """A vector's serialized JavaScript Map of index -> N-Quad."""
    assert entries["dataType"] == "Map"
    return {index: line for index, line in entries["value"]}


def _unsigned(example: str) -> dict[str, Any]:
    # The credential the intermediate files were computed from (for prc it differs from
    # prCredUnsigned.json in its description: see PROVENANCE.md).
    signed = load_json(f"{SD}/{example}/addSignedSDBase.json")
    return {k: v for k, v in signed.items() if k != "proof"}


def _issuer_key(proof: dict[str, Any]) -> PublicKey:
    method, _ = resolve_method(OfflineResolver(), proof["verificationMethod"])
    return method.public_key


def _proof_value_parts(value: str) -> tuple[bytes, Any]:
    data = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
    return data[:3], cbor2.loads(data[3:])


def _with_parts(header: bytes, parts: Any) -> str:
    return multibase_encode(header + cbor2.dumps(parts), "u")


# -- the vectors, step by step ----------------------------------------------------------------


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_base_proof_groups_statements_as_the_vector(
    example: str, mandatory: str, selective: str
) -> None:
    pointers = load_json(mandatory)
    grouped = canonicalize_and_group(
        _unsigned(example), LOADER, sd._hmac_labels(HMAC_KEY), {"mandatory": pointers}
    )
    assert grouped.nquads == load_json(f"{SD}/{example}/addBaseDocHMACCanon.json")
    transform = load_json(f"{SD}/{example}/addBaseTransform.json")
    group = grouped.groups["mandatory"]
    assert group.matching == _map(transform["mandatory"])
    assert group.non_matching == _map(transform["nonMandatory"])
    hashes = load_json(f"{SD}/{example}/addHashData.json")
    assert (
        hashlib.sha256("".join(group.matching.values()).encode()).hexdigest()
        == (hashes["mandatoryHash"])
    )
    config = load_json(f"{SD}/{example}/addProofConfig.json")
    expected = load_text(f"{SD}/{example}/addProofConfigCanon.txt")
    assert canonize_rdfc(config, LOADER).decode() == expected
    assert hashlib.sha256(canonize_rdfc(config, LOADER)).hexdigest() == hashes["proofHash"]


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_base_proof_signs_what_the_vector_signs(
    example: str, mandatory: str, selective: str
) -> None:
    """ECDSA is randomized: sign with the vector's keys, then compare everything else and check
    the vector's own signatures over our statements."""
    config = load_json(f"{SD}/{example}/addProofConfig.json")
    proof = {k: v for k, v in config.items() if k != "@context"}
    issuer = KeyPair.from_multibase_private(MATERIAL["baseKeyPair"]["secretKeyMultibase"])
    proof_key = KeyPair.from_multibase_private(MATERIAL["proofKeyPair"]["secretKeyMultibase"])
    value = sd._sign_base(
        _unsigned(example),
        proof,
        issuer,
        LOADER,
        load_json(mandatory),
        HMAC_KEY,
        proof_key,
        sd.DEFAULT_LIMITS,
    )
    header, ours = _proof_value_parts(value)
    _, theirs = _proof_value_parts(
        load_json(f"{SD}/{example}/addSignedSDBase.json")["proof"]["proofValue"]
    )
    assert header == b"\xd9\x5d\x00"
    assert ours[1:3] == theirs[1:3] and ours[4] == theirs[4]  # proof key, HMAC key, pointers
    assert len(ours[3]) == len(theirs[3])
    statements = _map(load_json(f"{SD}/{example}/addBaseTransform.json")["nonMandatory"]).values()
    scoped = proof_key.public_key
    for signature, line in zip(theirs[3], statements, strict=True):
        scoped.verify(signature, line.encode())
    hashes = load_json(f"{SD}/{example}/addHashData.json")
    signed_data = (
        bytes.fromhex(hashes["proofHash"]) + ours[1] + bytes.fromhex(hashes["mandatoryHash"])
    )
    issuer.public_key.verify(ours[0], signed_data)
    issuer.public_key.verify(theirs[0], signed_data)


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_derive_reproduces_the_vector_byte_for_byte(
    example: str, mandatory: str, selective: str
) -> None:
    signed = load_json(f"{SD}/{example}/addSignedSDBase.json")
    derived = sd.derive(signed, load_json(selective), LOADER)
    assert derived == load_json(f"{SD}/{example}/derivedRevealDocument.json")


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_derive_groups_as_the_vector(example: str, mandatory: str, selective: str) -> None:
    pointers, chosen = load_json(mandatory), load_json(selective)
    grouped = canonicalize_and_group(
        _unsigned(example),
        LOADER,
        sd._hmac_labels(HMAC_KEY),
        {"mandatory": pointers, "selective": chosen, "combined": pointers + chosen},
    )
    expected = load_json(f"{SD}/{example}/derivedAllGroupData.json")["groups"]
    for name, group in grouped.groups.items():
        assert group.matching == _map(expected[name]["matching"]), name
        assert group.non_matching == _map(expected[name]["nonMatching"]), name
    reveal = select_json_ld(_unsigned(example), pointers + chosen)
    assert reveal == load_json(f"{SD}/{example}/derivedUnsignedReveal.json")


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_vector_derived_proof_verifies(example: str, mandatory: str, selective: str) -> None:
    derived = load_json(f"{SD}/{example}/derivedRevealDocument.json")
    sd.verify_derived(derived, derived["proof"], _issuer_key(derived["proof"]), LOADER)
    report = VECTOR_VERIFIER.verify(derived)
    assert report.verified, report.checks


@pytest.mark.parametrize(("example", "mandatory", "selective"), EXAMPLES)
def test_vector_base_proof_is_not_verifiable(example: str, mandatory: str, selective: str) -> None:
    signed = load_json(f"{SD}/{example}/addSignedSDBase.json")
    with pytest.raises(InputError, match="base proof"):
        sd.verify_derived(signed, signed["proof"], _issuer_key(signed["proof"]), LOADER)
    report = VECTOR_VERIFIER.verify(signed)
    assert not report.verified
    assert any(c.code == "MALFORMED" and "base proof" in c.message for c in report.checks)


# -- our own keys: issue, derive, verify ---------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> KeyPair:
    return KeyPair.generate(KeyType.P256)


def _credential(issuer: KeyPair) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential"],
        "issuer": issuer.controller,
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Welding certificate",
        "credentialSubject": {
            "id": "did:example:worker",
            "name": "Jane Doe",
            "description": "Level 3 welder",
            "knows": [{"name": "MIG"}, {"name": "TIG"}, {"name": "arc"}],
        },
    }


@pytest.fixture(scope="module")
def base(issuer: KeyPair) -> dict[str, Any]:
    return sd.add_base_proof(
        _credential(issuer),
        issuer,
        created=parse_datetime("2026-01-02T00:00:00Z"),
        loader=LOADER,
        mandatory_pointers=["/issuer", "/validFrom", "/credentialSubject/description"],
    )


OWN_VERIFIER = Verifier(loader=LOADER, clock=FixedClock(datetime(2026, 6, 1, tzinfo=UTC)))


@pytest.mark.parametrize(
    "selective",
    [
        ["/credentialSubject/name"],
        ["/credentialSubject/knows/1"],
        ["/credentialSubject/knows/2/name", "/credentialSubject/knows/0"],
        ["/credentialSubject"],
        ["/name", "/credentialSubject/description"],
        [],
        [""],
    ],
)
def test_round_trip_with_our_keys(
    base: dict[str, Any], issuer: KeyPair, selective: list[str]
) -> None:
    derived = sd.derive(base, selective, LOADER)
    assert derived["issuer"] == issuer.controller and "validFrom" in derived
    sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)
    report = OWN_VERIFIER.verify(derived)
    assert report.verified, [c for c in report.checks if c.status.value == "failed"]


def test_derived_discloses_only_what_was_selected(base: dict[str, Any]) -> None:
    derived = sd.derive(base, ["/credentialSubject/knows/1/name"], LOADER)
    assert derived["credentialSubject"] == {
        "id": "did:example:worker",
        "description": "Level 3 welder",
        "knows": [{"name": "TIG"}],
    }
    assert "name" not in derived


def test_generic_add_proof_makes_a_base_proof(issuer: KeyPair) -> None:
    signed = di.add_proof(
        _credential(issuer),
        issuer,
        created=parse_datetime("2026-01-02T00:00:00Z"),
        loader=LOADER,
        cryptosuite="ecdsa-sd-2023",
    )
    assert signed["proof"]["proofValue"].startswith("u2V0A")
    derived = sd.derive(signed, ["/credentialSubject/name"], LOADER)
    # issuer and validity are mandatory whatever is selected: the verifier decides by them
    expected = {"@context", "type", "issuer", "credentialSubject", "proof"}
    assert set(derived) == expected | ({"validFrom"} & set(signed))
    assert OWN_VERIFIER.verify(derived).verified


def test_validity_and_status_are_always_disclosed(issuer: KeyPair) -> None:
    """A holder cannot leave an expiry or a status entry out of a disclosure: the base proof
    makes them mandatory whatever the issuer asked for (here nothing)."""
    credential = _credential(issuer)
    credential["validUntil"] = "2030-01-01T00:00:00Z"
    credential["credentialStatus"] = status_entry()
    signed = di.add_proof(
        credential,
        issuer,
        created=parse_datetime("2026-01-02T00:00:00Z"),
        loader=LOADER,
        cryptosuite="ecdsa-sd-2023",
    )
    derived = sd.derive(signed, [], LOADER)
    for name in ("issuer", "validUntil", "credentialStatus"):
        assert derived[name] == credential[name]


# -- what an attacker sends -----------------------------------------------------------------------


def _checks_fail(derived: dict[str, Any], issuer: KeyPair, error: type[Exception]) -> None:
    with pytest.raises(error):
        sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)
    assert not OWN_VERIFIER.verify(derived).verified


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "name"), "John Doe"),  # a disclosed, optional statement
        (("issuer",), "did:example:someone-else"),  # a mandatory statement
        (("validFrom",), "2020-01-01T00:00:00Z"),
        (("credentialSubject", "description"), "Level 1 welder"),
        (("name",), "Welding certificate"),  # one not disclosed
        (("proof", "created"), "2026-01-03T00:00:00Z"),  # the proof options
    ],
)
def test_any_change_to_a_derived_credential_fails(
    base: dict[str, Any], issuer: KeyPair, path: tuple[str, ...], value: Any
) -> None:
    derived = sd.derive(base, ["/credentialSubject/name"], LOADER)
    target = derived
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _checks_fail(derived, issuer, InvalidSignature)


def test_another_issuers_key_fails(base: dict[str, Any]) -> None:
    derived = sd.derive(base, ["/credentialSubject/name"], LOADER)
    with pytest.raises(InvalidSignature):
        sd.verify_derived(
            derived, derived["proof"], KeyPair.generate(KeyType.P256).public_key, LOADER
        )


def _tampered(base: dict[str, Any], change: Any) -> dict[str, Any]:
    derived = sd.derive(base, ["/credentialSubject/name", "/credentialSubject/knows/0"], LOADER)
    header, parts = _proof_value_parts(derived["proof"]["proofValue"])
    derived["proof"]["proofValue"] = change(header, parts)
    return derived


@pytest.mark.parametrize(
    ("change", "error"),
    [
        # a signature dropped, or one too many
        (lambda h, p: _with_parts(h, [p[0], p[1], p[2][1:], p[3], p[4]]), InvalidSignature),
        (lambda h, p: _with_parts(h, [p[0], p[1], p[2] + p[2][:1], p[3], p[4]]), InvalidSignature),
        # two blank nodes given one label (so signed statements about both seem about one)
        (lambda h, p: _with_parts(h, [*p[:3], dict.fromkeys(p[3], p[3][0]), p[4]]), InputError),
        # a blank node without a label
        (lambda h, p: _with_parts(h, [*p[:3], {}, p[4]]), InputError),
        # mandatory indexes: past the end, unordered, repeated, negative, not integers
        (lambda h, p: _with_parts(h, [*p[:4], [0, 99]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:4], p[4][::-1]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:4], [0, 0]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:4], [-1]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:4], ["0"]]), InputError),
        # a mandatory statement moved to the optional ones (its signature would be missing)
        (lambda h, p: _with_parts(h, [*p[:4], p[4][1:]]), InvalidSignature),
        # wrong sizes and types
        (lambda h, p: _with_parts(h, [p[0][:-1], *p[1:]]), InputError),
        (lambda h, p: _with_parts(h, [p[0], p[1][:-1], *p[2:]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:2], [b"x" * 65], *p[3:]]), InputError),
        (lambda h, p: _with_parts(h, [*p[:3], {"c14n0": p[3][0]}, p[4]]), InputError),
        (lambda h, p: _with_parts(h, p[:4]), InputError),
        (lambda h, p: _with_parts(h, {"a": 1}), InputError),
        # a proof-scoped key that is not P-256, or not a point
        (lambda h, p: _with_parts(h, [p[0], b"\xed\x01" + p[1][2:34], *p[2:]]), InputError),
        (lambda h, p: _with_parts(h, [p[0], p[1][:2] + b"\x05" + p[1][3:], *p[2:]]), InputError),
        # CBOR that is not what it seems: tags, trailing bytes, indefinite lengths, duplicates
        (lambda h, p: multibase_encode(h + cbor2.dumps(cbor2.CBORTag(35, "a")), "u"), InputError),
        (lambda h, p: multibase_encode(h + cbor2.dumps(p) + b"\x00", "u"), InputError),
        (lambda h, p: multibase_encode(h + b"\x9f\xff", "u"), InputError),
        (lambda h, p: multibase_encode(h + bytes.fromhex("85a20000000040"), "u"), InputError),
        (lambda h, p: multibase_encode(h + b"\x85\x5b" + b"\xff" * 8, "u"), InputError),
        # not the derived header, not base64url, not multibase
        (lambda h, p: _with_parts(b"\xd9\x5d\x02", p), InputError),
        (lambda h, p: "z" + "1" * 10, InputError),
        (lambda h, p: "u" + "!" * 10, InputError),
        (lambda h, p: "u" + "A" * 700_000, InputError),
        (lambda h, p: None, InputError),
    ],
)
def test_malformed_proof_values_fail_cleanly(
    base: dict[str, Any], issuer: KeyPair, change: Any, error: type[Exception]
) -> None:
    _checks_fail(_tampered(base, change), issuer, error)


def test_too_many_signatures_are_refused_before_any_work(
    base: dict[str, Any], issuer: KeyPair
) -> None:
    many = [b"\x01" * 64] * (sd.DEFAULT_LIMITS.max_statements + 1)
    derived = _tampered(base, lambda h, p: _with_parts(h, [p[0], p[1], many, p[3], p[4]]))
    with pytest.raises(InputError, match="over the limit"):
        sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)


# -- the holder's input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pointers",
    [
        ["/credentialSubject/nope"],
        ["/credentialSubject/knows/3"],
        ["/credentialSubject/knows/01"],
        ["/credentialSubject/knows/-"],
        ["/name/0"],
        ["credentialSubject"],
        ["/a~2b"],
        "/credentialSubject",
        [7],
        ["/x"] * 257,
        ["/" + "a" * 1024],
    ],
)
def test_bad_selective_pointers_are_input_errors(base: dict[str, Any], pointers: Any) -> None:
    with pytest.raises(InputError):
        sd.derive(base, pointers, LOADER)


def test_derive_needs_a_base_proof(base: dict[str, Any], issuer: KeyPair) -> None:
    unsigned = {k: v for k, v in base.items() if k != "proof"}
    with pytest.raises(InputError, match="exactly one ecdsa-sd-2023 proof"):
        sd.derive(unsigned, ["/name"], LOADER)
    derived = sd.derive(base, ["/name"], LOADER)
    with pytest.raises(InputError, match="derived proof, not a base proof"):
        sd.derive(derived, ["/name"], LOADER)


def test_derive_refuses_an_altered_credential(base: dict[str, Any]) -> None:
    altered = copy.deepcopy(base)
    altered["credentialSubject"]["knows"].append({"name": "laser"})
    with pytest.raises(InputError, match="does not fit"):
        sd.derive(altered, ["/name"], LOADER)


def test_nothing_to_disclose_is_an_input_error(issuer: KeyPair) -> None:
    """Only a document with none of the always-mandatory members can come to this."""
    document = {k: v for k, v in _credential(issuer).items() if k not in sd.ALWAYS_MANDATORY}
    signed = sd.add_base_proof(
        document, issuer, created=parse_datetime("2026-01-02T00:00:00Z"), loader=LOADER
    )
    with pytest.raises(InputError, match="nothing to disclose"):
        sd.derive(signed, [], LOADER)


# -- the issuer's input ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P384])
def test_issuing_needs_a_key_the_suite_takes(issuer: KeyPair, key_type: KeyType) -> None:
    """The Recommendation defines ecdsa-sd-2023 for P-256 only; the refusal says where."""
    with pytest.raises(ConfigurationError, match="needs a p256 key") as refused:
        sd.add_base_proof(
            _credential(issuer),
            KeyPair.generate(key_type),
            created=parse_datetime("2026-01-02T00:00:00Z"),
            loader=LOADER,
        )
    assert "vc-di-ecdsa 1.0 section 3.5.8 parseDerivedProofValue" in str(refused.value)


# -- P-384: what the specification fixes ---------------------------------------------------------
# vc-di-ecdsa 1.0 section 3.5.8: "a byte array of length 64; a byte array of length 36 [sic: the
# vectors' P-256 Multikey is 35]; an array of byte arrays, each of length 64; a map of integers
# to byte arrays, each of length 32; and an array of integers"; section 3.6.2: the HMAC key
# "MUST be the same length as the digest size"; section 3.6.5: the proof-scoped key is "a
# locally generated P-256 ECDSA key pair" signing with ES256.


def test_the_vectors_are_p256_with_a_sha256_hmac() -> None:
    """The official ecdsa-sd-2023 vectors have no P-384 case to test against."""
    for pair in ("baseKeyPair", "proofKeyPair"):
        key = PublicKey.from_multibase(MATERIAL[pair]["publicKeyMultibase"])
        assert key.type is KeyType.P256
    assert len(HMAC_KEY) == hashlib.sha256().digest_size


def test_what_we_issue_has_the_sizes_the_spec_fixes(base: dict[str, Any]) -> None:
    header, parts = _proof_value_parts(base["proof"]["proofValue"])
    assert header == b"\xd9\x5d\x00"
    base_signature, proof_key, hmac_key, signatures, _ = parts
    assert len(base_signature) == 64 and len(hmac_key) == 32
    assert proof_key[:2] == b"\x80\x24" and len(proof_key) == 35  # p256-pub + compressed
    assert {len(s) for s in signatures} == {64}
    derived = sd.derive(base, ["/credentialSubject/name"], LOADER)
    header, parts = _proof_value_parts(derived["proof"]["proofValue"])
    assert header == b"\xd9\x5d\x01"
    assert len(parts[0]) == 64 and {len(v) for v in parts[3].values()} == {32}


@pytest.mark.parametrize(
    "change",
    [
        # what a P-384 issuer would write: a 96-byte base signature, HMAC-SHA-384 labels
        lambda h, p: _with_parts(h, [p[0] + bytes(32), *p[1:]]),
        lambda h, p: _with_parts(h, [*p[:3], {k: v + bytes(16) for k, v in p[3].items()}, p[4]]),
    ],
    ids=["p384-base-signature", "sha384-labels"],
)
def test_p384_sized_derived_proofs_are_malformed(
    base: dict[str, Any], issuer: KeyPair, change: Any
) -> None:
    derived = _tampered(base, change)
    with pytest.raises(InputError, match="of (64|32) bytes"):
        sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)
    report = OWN_VERIFIER.verify(derived)
    assert Code.MALFORMED in report.codes()


def test_a_p384_issuer_key_is_refused_with_the_spec_section(base: dict[str, Any]) -> None:
    """A derived credential whose verification method is a P-384 key: the key lookup succeeds,
    the suite refuses the key type, and says why."""
    p384 = KeyPair.generate(KeyType.P384)
    derived = sd.derive(base, ["/credentialSubject/name"], LOADER)
    derived["issuer"] = p384.controller
    derived["proof"]["verificationMethod"] = p384.key_id
    report = OWN_VERIFIER.verify(derived)
    method = next(c for c in report.checks if c.id == "verification_method")
    assert method.code is Code.KEY_TYPE_MISMATCH
    assert "ecdsa-sd-2023 needs a p256 key" in method.message
    assert "section 3.5.8" in method.message
    assert not report.verified


def test_a_json_value_that_is_not_a_node_is_refused(issuer: KeyPair) -> None:
    """Naming blank nodes reads every JSON object as a node; where one is not (an @json
    literal), the names would change what is signed, and issuing refuses."""
    credential = _credential(issuer)
    credential["@context"] = [
        *credential["@context"],
        {"settings": {"@id": "https://example.org/settings", "@type": "@json"}},
    ]
    credential["credentialSubject"]["settings"] = {"mode": "strict"}
    with pytest.raises(CanonicalizationError, match="selective disclosure"):
        sd.add_base_proof(
            credential, issuer, created=parse_datetime("2026-01-02T00:00:00Z"), loader=LOADER
        )


def test_mandatory_pointer_must_match(issuer: KeyPair) -> None:
    with pytest.raises(InputError, match="does not match"):
        sd.add_base_proof(
            _credential(issuer),
            issuer,
            created=parse_datetime("2026-01-02T00:00:00Z"),
            loader=LOADER,
            mandatory_pointers=["/credentialStatus"],
        )


def test_a_node_reduced_to_its_id_is_written_as_compaction_writes_it(issuer: KeyPair) -> None:
    """Signed JSON-LD must be in compacted form: a subject disclosed by its id alone is the
    string compaction gives (the RDF, and so the signatures, are the same)."""
    signed = di.add_proof(
        _credential(issuer),
        issuer,
        created=parse_datetime("2026-01-02T00:00:00Z"),
        loader=LOADER,
        cryptosuite="ecdsa-sd-2023",
    )
    derived = sd.derive(signed, ["/issuer", "/credentialSubject/id"], LOADER)
    assert derived["credentialSubject"] == "did:example:worker"
    sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)


def test_text_that_looks_like_a_blank_node_is_not_renamed(issuer: KeyPair) -> None:
    """Labels are renamed in term positions only, never inside a literal."""
    credential = _credential(issuer)
    credential["credentialSubject"]["name"] = '_:c14n0 _:b0 <x> " .'
    signed = sd.add_base_proof(
        credential,
        issuer,
        created=parse_datetime("2026-01-02T00:00:00Z"),
        loader=LOADER,
        mandatory_pointers=["/issuer"],
    )
    derived = sd.derive(signed, ["/credentialSubject/name"], LOADER)
    assert derived["credentialSubject"]["name"] == '_:c14n0 _:b0 <x> " .'
    sd.verify_derived(derived, derived["proof"], issuer.public_key, LOADER)


def test_a_holder_checks_a_received_credential_by_disclosing_everything(
    base: dict[str, Any], issuer: KeyPair
) -> None:
    """A base proof is not verified as it is; deriving with the whole document ("") is."""
    everything = sd.derive(base, [""], LOADER)
    assert {k: v for k, v in everything.items() if k != "proof"} == {
        k: v for k, v in base.items() if k != "proof"
    }
    assert OWN_VERIFIER.verify(everything).verified
    altered = copy.deepcopy(base)
    altered["credentialSubject"]["name"] = "John Doe"
    assert not OWN_VERIFIER.verify(sd.derive(altered, [""], LOADER)).verified


def test_the_policy_budget_bounds_a_derived_proof_check(base: dict[str, Any]) -> None:
    """ecdsa-sd-2023 checks its proof itself, and canonicalizes within the policy's budget as
    every other suite does: below what the credential needs, CANONICALIZATION_TOO_COMPLEX."""
    derived = sd.derive(base, ["/credentialSubject/name"], LOADER)
    tight = VerificationPolicy(canonicalization_budget=jsonld.CanonicalizationBudget(max_values=5))
    report = Verifier(loader=LOADER, clock=OWN_VERIFIER.clock, policy=tight).verify(derived)
    assert not report.verified
    proof = next(c for c in report.checks if c.id == "proof")
    assert proof.code is Code.CANONICALIZATION_TOO_COMPLEX
    assert OWN_VERIFIER.verify(derived).verified
