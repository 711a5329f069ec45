"""did:key, did:jwk and offline did:web resolution, and verification method lookup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import base58
import pytest

from conftest import load_json, resolve_method
from vcportable.codec.base64url import b64url_encode
from vcportable.dids import (
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    ControllerDocument,
    OfflineResolver,
    did_document_for_key_file,
    did_jwk_document,
    did_key_document,
    did_web_from_url,
    find_method,
)
from vcportable.errors import ConfigurationError, InputError, KeyFileError, ResolutionError
from vcportable.keys import KeyPair, KeyType, PublicKey
from vcportable.models.report import Code

ED25519_MB = load_json("keys/ed25519KeyPair.json")["publicKeyMultibase"]
P256_MB = load_json("keys/p256KeyPair.json")["publicKeyMultibase"]
P384_MB = load_json("keys/p384KeyPair.json")["publicKeyMultibase"]
P256_DID = "did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
# Example from the did:jwk specification (P-256), https://github.com/quartzjer/did-jwk
SPEC_DID_JWK = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6"
    "OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)
ED_X = b64url_encode(PublicKey.from_multibase(ED25519_MB).raw)
X25519_MB = "z" + base58.b58encode(b"\xec\x01" + bytes(range(32))).decode()  # x25519-pub
RESOLVER = OfflineResolver()
WEB_DID = "did:web:example.com:issuers:1"


# --- did:key ------------------------------------------------------------------------------------


@pytest.mark.parametrize("multibase", [ED25519_MB, P256_MB], ids=["ed25519", "p256"])
def test_did_key_document(multibase: str) -> None:
    did = f"did:key:{multibase}"
    vm_id = f"{did}#{multibase}"
    document = did_key_document(PublicKey.from_multibase(multibase))
    assert document == {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
    resolved = RESOLVER.resolve(did)
    assert resolved.raw == document
    assert resolved.assertion_method == resolved.authentication == [vm_id]
    assert resolved.verification_methods[vm_id].public_key.to_multibase() == multibase


def test_p256_vector_verification_method_resolves() -> None:
    vm_id = load_json("keys/signedECDSAP256.json")["proof"]["verificationMethod"]
    assert vm_id.startswith(P256_DID + "#")
    method, document = resolve_method(RESOLVER, vm_id)
    assert document.id == P256_DID
    assert method.controller == P256_DID
    assert (
        method.public_key
        == KeyPair.from_multibase_private(
            load_json("keys/p256KeyPair.json")["secretKeyMultibase"]
        ).public_key
    )


@pytest.mark.parametrize(
    ("did", "message"),
    [
        (f"did:key:{X25519_MB}", "prefix 0xec01"),  # X25519
        ("did:key:zzzz", "not a usable did:key: publicKeyMultibase has multicodec prefix"),
        ("did:key:u6Mk", "prefix 'z', got 'u'"),
    ],
)
def test_did_key_rejects_other_keys(did: str, message: str) -> None:
    with pytest.raises(ResolutionError, match=message) as info:
        RESOLVER.resolve(did)
    assert info.value.code == "INVALID_KEY"


def test_did_key_p384_vector_resolves() -> None:
    vm_id = load_json("keys/signedECDSAP384.json")["proof"]["verificationMethod"]
    document = RESOLVER.resolve(vm_id.partition("#")[0])
    method = find_method(document, vm_id, "assertionMethod")
    assert method.public_key.type is KeyType.P384
    assert method.public_key.to_multibase() == P384_MB


# --- did:jwk ------------------------------------------------------------------------------------


def test_did_jwk_spec_example_round_trips() -> None:
    document = RESOLVER.resolve(SPEC_DID_JWK)
    method = document.verification_methods[f"{SPEC_DID_JWK}#0"]
    assert method.type == "JsonWebKey"
    assert method.public_key.type is KeyType.P256
    assert did_jwk_document(method.public_key)["id"] == SPEC_DID_JWK
    assert document.assertion_method == [f"{SPEC_DID_JWK}#0"]


@pytest.mark.parametrize("key_type", list(KeyType))
def test_did_jwk_document(key_type: KeyType) -> None:
    public_key = KeyPair.generate(key_type).public_key
    document = did_jwk_document(public_key)
    did = document["id"]
    assert document["verificationMethod"] == [
        {
            "id": f"{did}#0",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": public_key.to_jwk(),
        }
    ]
    method, resolved = resolve_method(RESOLVER, f"{did}#0")
    assert method.public_key == public_key
    assert resolved.raw == document


def _did_jwk(member: dict[str, Any] | str) -> str:
    text = member if isinstance(member, str) else json.dumps(member)
    return "did:jwk:" + b64url_encode(text.encode())


@pytest.mark.parametrize(
    ("did", "message"),
    [
        (_did_jwk("not json"), "not valid JSON"),
        (_did_jwk("[1]"), "must be a JSON object"),
        (_did_jwk(f'{{"kty":"OKP","crv":"Ed25519","x":"{ED_X}","x":"{ED_X}"}}'), "duplicate"),
        (_did_jwk({"kty": "OKP", "crv": "X25519", "x": "AAAA"}), "unsupported JWK"),
        (_did_jwk(load_json("keys/vm-ed25519.json")["secretKeyJwk"]), "private key"),
        (_did_jwk({**load_json("keys/vm-p256.json")["publicKeyJwk"], "use": "enc"}), "use 'enc'"),
        ("did:jwk:e30=", "not a DID"),
    ],
)
def test_did_jwk_rejects(did: str, message: str) -> None:
    """Including duplicate members: with json.loads the last one would win, unseen."""
    with pytest.raises(ResolutionError, match=message):
        RESOLVER.resolve(did)


# --- did:web ------------------------------------------------------------------------------------


def _web_document(did: str = WEB_DID) -> dict[str, Any]:
    """A did:web document mixing every supported method type, relative ids and embedding."""
    ed25519 = KeyPair.generate().public_key
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "controller": did,
             "publicKeyMultibase": P256_MB},
            {"id": f"{did}#key-2", "type": "Ed25519VerificationKey2020", "controller": did,
             "publicKeyMultibase": ed25519.to_multibase()},
            {"id": "#key-3", "type": "JsonWebKey2020", "controller": did,
             "publicKeyJwk": load_json("keys/vm-p256.json")["publicKeyJwk"]},
            {"id": "#x25519", "type": "X25519KeyAgreementKey2020", "controller": did,
             "publicKeyMultibase": X25519_MB},
        ],
        "assertionMethod": ["#key-1", f"{did}#key-2", "#key-3"],
        "authentication": [
            {"id": "#auth", "type": "JsonWebKey", "controller": did,
             "publicKeyJwk": load_json("keys/vm-ed25519.json")["publicKeyJwk"]},
        ],
    }  # fmt: skip


def test_did_web_from_mapping() -> None:
    document = _web_document()
    resolved = OfflineResolver(did_web_documents={WEB_DID: document}).resolve(WEB_DID)
    assert resolved.assertion_method == [f"{WEB_DID}#key-1", f"{WEB_DID}#key-2", f"{WEB_DID}#key-3"]
    assert resolved.authentication == [f"{WEB_DID}#auth"]
    assert set(resolved.verification_methods) == {
        f"{WEB_DID}#{name}" for name in ("key-1", "key-2", "key-3", "auth")
    }
    methods = resolved.verification_methods
    assert methods[f"{WEB_DID}#key-1"].public_key.to_multibase() == P256_MB
    assert methods[f"{WEB_DID}#key-2"].public_key.type is KeyType.ED25519
    assert methods[f"{WEB_DID}#key-3"].public_key.type is KeyType.P256
    assert methods[f"{WEB_DID}#auth"].type == "JsonWebKey"
    assert "not supported" in resolved.unusable_methods[f"{WEB_DID}#x25519"].message
    assert resolved.raw == document


@pytest.mark.parametrize(
    ("did", "relative"),
    [
        (WEB_DID, "example.com/issuers/1/did.json"),
        ("did:web:example.com", "example.com/.well-known/did.json"),
        ("did:web:localhost%3A8443:u:alice", "localhost:8443/u/alice/did.json"),
    ],
)
def test_did_web_from_cache_folder(tmp_path: Path, did: str, relative: str) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_web_document(did)))
    method, _ = resolve_method(OfflineResolver(did_web_cache_dir=tmp_path), f"{did}#key-1")
    assert method.public_key.to_multibase() == P256_MB


def test_did_web_not_cached_says_how_to_add_it(tmp_path: Path) -> None:
    resolver = OfflineResolver(did_web_cache_dir=tmp_path)
    expected = tmp_path / "example.com" / "issuers" / "1" / "did.json"
    with pytest.raises(ResolutionError) as info:
        resolver.resolve(WEB_DID)
    message = str(info.value)
    assert "is not cached" in message
    assert "https://example.com/issuers/1/did.json" in message
    assert str(expected) in message
    with pytest.raises(ResolutionError, match="no did:web cache folder is configured"):
        RESOLVER.resolve(WEB_DID)


@pytest.mark.parametrize(
    "did", ["did:web:..:issuers", "did:web:example.com:%2E%2E", "did:web:example.com%2F..:x"]
)
def test_did_web_refuses_path_traversal(tmp_path: Path, did: str) -> None:
    with pytest.raises(ResolutionError, match="not a valid did:web"):
        OfflineResolver(did_web_cache_dir=tmp_path).resolve(did)


def test_did_web_cache_file_problems(tmp_path: Path) -> None:
    path = tmp_path / "example.com" / "issuers" / "1" / "did.json"
    path.parent.mkdir(parents=True)
    resolver = OfflineResolver(did_web_cache_dir=tmp_path)
    path.write_text("{broken")
    with pytest.raises(ResolutionError, match="not valid JSON"):
        resolver.resolve(WEB_DID)
    path.write_text(json.dumps(_web_document("did:web:example.com:issuers:2")))
    with pytest.raises(ResolutionError, match="does not match"):
        resolver.resolve(WEB_DID)
    path.write_text(" " * (256 * 1024 + 1))
    with pytest.raises(ResolutionError, match="larger than"):
        resolver.resolve(WEB_DID)


def test_did_web_mapping_document_too_large() -> None:
    document = {**_web_document(), "padding": "x" * 256 * 1024}
    with pytest.raises(ResolutionError, match="larger than"):
        OfflineResolver(did_web_documents={WEB_DID: document}).resolve(WEB_DID)


# --- document parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"verificationMethod": {}}, "verificationMethod is not a list"),
        ({"verificationMethod": ["#key-1"]}, "entry is not an object"),
        ({"verificationMethod": [{"type": "Multikey"}]}, "id is missing"),
        ({"verificationMethod": [{"id": "key-1"}]}, "neither absolute nor '#fragment'"),
        ({"verificationMethod": [{"id": "#a"}, {"id": f"{WEB_DID}#a"}]}, "duplicate method id"),
        ({"assertionMethod": "#key-1"}, "assertionMethod is not a list"),
    ],
)
def test_malformed_documents_are_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ResolutionError, match=message):
        ControllerDocument.parse({**_web_document(), **change}, WEB_DID)


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ({"type": "Multikey"}, "'controller'"),
        ({"type": "Multikey", "controller": WEB_DID}, "string 'publicKeyMultibase'"),
        ({"type": "JsonWebKey", "controller": WEB_DID}, "JWK must be a JSON object"),
        (
            {"type": "JsonWebKey", "controller": WEB_DID,
             "publicKeyJwk": load_json("keys/vm-p256.json")["secretKeyJwk"]},
            "private key",
        ),
        (
            {"type": "Ed25519VerificationKey2020", "controller": WEB_DID,
             "publicKeyMultibase": P256_MB},
            "not Ed25519",
        ),
        ({"type": "Multikey", "controller": WEB_DID, "publicKeyMultibase": "z6Mk"}, "prefix"),
    ],
)  # fmt: skip
def test_unusable_methods_are_explained(method: dict[str, Any], reason: str) -> None:
    document = {**_web_document(), "verificationMethod": [{"id": "#bad", **method}]}
    resolver = OfflineResolver(did_web_documents={WEB_DID: document})
    with pytest.raises(ResolutionError, match=f"{WEB_DID}#bad cannot be used: .*{reason}"):
        resolve_method(resolver, f"{WEB_DID}#bad")


# --- resolver input and lookup ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "message"),
    [
        ("did:example:123", "DID method 'example' is not supported"),
        ("did:key:" + "z" * 5000, "longer than 4096"),
        ("https://example.com", "is not a DID"),
        (f"did:key:{ED25519_MB}#{ED25519_MB}", "is not a DID"),
        ("did:web:example.com?versionId=1", "is not a DID"),
        ("did:Key:z6Mk", "is not a DID"),
    ],
)
def test_resolve_rejects(did: str, message: str) -> None:
    with pytest.raises(ResolutionError, match=message):
        RESOLVER.resolve(did)


def test_resolve_verification_method_errors() -> None:
    did = f"did:key:{ED25519_MB}"
    with pytest.raises(ResolutionError, match=r"verification method .*#other' not found in DID"):
        resolve_method(RESOLVER, f"{did}#other")
    with pytest.raises(ResolutionError, match="not found in DID document"):
        resolve_method(RESOLVER, did)  # the DID itself names no method
    with pytest.raises(ResolutionError, match="not found") as info:
        resolve_method(RESOLVER, f"{did}#" + "a" * 5000)
    assert len(info.value.message) < 400  # the input is not echoed whole


def test_referenced_but_missing_method_is_not_found() -> None:
    document = {**_web_document(), "assertionMethod": ["#ghost"]}
    resolver = OfflineResolver(did_web_documents={WEB_DID: document})
    assert resolver.resolve(WEB_DID).assertion_method == [f"{WEB_DID}#ghost"]
    with pytest.raises(ResolutionError, match="not found"):
        resolve_method(resolver, f"{WEB_DID}#ghost")


# --- DID documents of key files -----------------------------------------------------------------


def test_did_document_for_did_key_file(tmp_path: Path) -> None:
    pair = KeyPair.generate(KeyType.P256)
    pair.save(tmp_path / "key.json", b"correct horse battery")
    assert did_document_for_key_file(tmp_path / "key.json") == did_key_document(pair.public_key)


def test_did_document_for_did_jwk_file(tmp_path: Path) -> None:
    pair = KeyPair.generate()
    did = did_jwk_document(pair.public_key)["id"]
    pair.with_identity(did, f"{did}#0").save(tmp_path / "key.json", None)
    assert did_document_for_key_file(tmp_path / "key.json") == did_jwk_document(pair.public_key)


def test_did_web_document_of_key_file_is_publishable(tmp_path: Path) -> None:
    pair = KeyPair.generate().with_identity(WEB_DID, f"{WEB_DID}#key-1")
    pair.save(tmp_path / "key.json", b"correct horse battery")
    document = did_document_for_key_file(tmp_path / "key.json")
    assert document["id"] == WEB_DID
    published = tmp_path / "cache" / "example.com" / "issuers" / "1" / "did.json"
    published.parent.mkdir(parents=True)
    published.write_text(json.dumps(document))
    resolver = OfflineResolver(did_web_cache_dir=tmp_path / "cache")
    method, resolved = resolve_method(resolver, pair.key_id)
    assert method.public_key == pair.public_key
    assert resolved.assertion_method == [pair.key_id]


def test_did_document_for_inconsistent_key_file(tmp_path: Path) -> None:
    other = KeyPair.generate()
    KeyPair.generate().with_identity(other.controller, other.key_id).save(tmp_path / "k", None)
    with pytest.raises(
        KeyFileError,
        match=f"names {other.controller} as its DID, but its public key's DID is did:key:",
    ):
        did_document_for_key_file(tmp_path / "k")


# --- find_method: the one key lookup, and the binding rule ---------------------------------------


def _lookup_document() -> ControllerDocument:
    other = KeyPair.generate().public_key.to_multibase()
    document = {
        **_web_document(),
        "verificationMethod": [
            *_web_document()["verificationMethod"],
            {"id": "#foreign", "type": "Multikey", "controller": "did:web:attacker.example",
             "publicKeyMultibase": other},
            {"id": "#bad-key", "type": "Multikey", "controller": WEB_DID,
             "publicKeyMultibase": "z" + base58.b58encode(b"\xed\x01" + bytes(32)).decode()},
        ],
        "assertionMethod": ["#key-1", "#key-3", "#foreign", "#bad-key"],
    }  # fmt: skip
    return ControllerDocument.parse(document, WEB_DID)


@pytest.mark.parametrize(
    ("ref", "purpose", "expected"),
    [
        (f"{WEB_DID}#key-1", "assertionMethod", f"{WEB_DID}#key-1"),
        ("#key-1", "assertionMethod", f"{WEB_DID}#key-1"),
        ("73voMXFNmNlOEpuYCSJlh8eN0dscykoO6gBukgRS1uU", "assertionMethod", f"{WEB_DID}#key-3"),
        (None, "authentication", f"{WEB_DID}#auth"),
    ],
)
def test_find_method_finds(ref: str | None, purpose: str, expected: str) -> None:
    assert find_method(_lookup_document(), ref, purpose).id == expected


@pytest.mark.parametrize(
    ("ref", "purpose", "code", "message"),
    [
        (None, "assertionMethod", "KID_NOT_IN_ISSUER_DID", "lists 4 assertionMethod keys"),
        ("did:web:attacker.example#key-1", "assertionMethod", "KID_NOT_IN_ISSUER_DID",
         "the key must come from the controller's own document"),
        ("#ghost", "assertionMethod", "DID_NOT_RESOLVED", "not found"),
        ("#bad-key", "assertionMethod", "INVALID_KEY", "small order"),
        ("#x25519", "assertionMethod", "MALFORMED", "not supported"),
        ("#foreign", "assertionMethod", "ISSUER_KEY_MISMATCH", "controlled by did:web:attacker"),
        ("#key-2", "assertionMethod", "VERIFICATION_METHOD_NOT_AUTHORIZED",
         "not listed under assertionMethod"),
        ("#key-1", "authentication", "VERIFICATION_METHOD_NOT_AUTHORIZED", "authentication"),
    ],
)  # fmt: skip
def test_find_method_refuses_with_a_code(
    ref: str | None, purpose: str, code: str, message: str
) -> None:
    document = _lookup_document()
    with pytest.raises(ResolutionError, match=message) as info:
        find_method(document, ref, purpose)
    assert info.value.code == code


def test_find_method_refuses_an_unknown_purpose() -> None:
    with pytest.raises(ConfigurationError):
        find_method(_lookup_document(), "#key-1", "keyAgreement")


def test_controller_documents_need_not_be_dids() -> None:
    document = {
        **_web_document("https://board.example/issuer"),
        "id": "https://board.example/issuer",
    }
    parsed = ControllerDocument.parse(document)
    assert find_method(parsed, "#key-1", "assertionMethod").controller == parsed.id
    with pytest.raises(ResolutionError, match="absolute 'id'"):
        ControllerDocument.parse({"id": "issuer"})


# --- invalid keys cannot forge, whichever DID carries them ---------------------------------------

SMALL_ORDER_KEY = bytes.fromhex("01" + "00" * 31)  # the neutral element: order 1
FORGED = bytes.fromhex("01" + "00" * 63)  # R = identity, S = 0


def _small_order_dids() -> dict[str, str]:
    multikey = "z" + base58.b58encode(b"\xed\x01" + SMALL_ORDER_KEY).decode()
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(SMALL_ORDER_KEY)}
    return {"did:key": f"did:key:{multikey}", "did:jwk": _did_jwk(jwk)}


@pytest.mark.parametrize("method", ["did:key", "did:jwk"])
def test_small_order_keys_are_refused_through_dids(method: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    backend = ed25519.Ed25519PublicKey.from_public_bytes(SMALL_ORDER_KEY)
    backend.verify(FORGED, b"\x00")  # what an unchecked key would let through
    did = _small_order_dids()[method]
    with pytest.raises(ResolutionError, match="small order") as info:
        RESOLVER.resolve(did)
    assert info.value.code == "INVALID_KEY"


def test_small_order_key_in_a_did_web_document_is_unusable() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(SMALL_ORDER_KEY)}
    document = {**_web_document(), "verificationMethod": [
        {"id": "#k", "type": "JsonWebKey", "controller": WEB_DID, "publicKeyJwk": jwk}],
        "assertionMethod": ["#k"]}  # fmt: skip
    resolved = OfflineResolver(did_web_documents={WEB_DID: document}).resolve(WEB_DID)
    with pytest.raises(ResolutionError, match="small order") as info:
        find_method(resolved, "#k", "assertionMethod")
    assert info.value.code == "INVALID_KEY"


# --- a published private key is a compromised key ----------------------------------------------

PRIVATE_KEY_MEMBERS = ("privateKeyJwk", "privateKeyMultibase", "secretKeyMultibase")


def _leaky_document(key: KeyPair, member: str | None) -> dict[str, Any]:
    """A did:web document whose #key-1 is ``key``, its private key published under ``member``."""
    method: dict[str, Any] = {"id": "#key-1", "type": "Multikey", "controller": WEB_DID,
                              "publicKeyMultibase": key.public_key.to_multibase()}  # fmt: skip
    if member == "privateKeyJwk":
        method[member] = key.to_jwk()
    elif member is not None:
        method[member] = key.to_multibase_private()
    document = _web_document()
    document["verificationMethod"][0] = method  # key-2 and key-3 stay as they are
    return document


@pytest.mark.parametrize("member", PRIVATE_KEY_MEMBERS)
def test_a_method_publishing_its_private_key_is_refused(member: str) -> None:
    document = ControllerDocument.parse(_leaky_document(KeyPair.generate(), member), WEB_DID)
    with pytest.raises(ResolutionError, match="publishes the private key") as info:
        find_method(document, "#key-1", "assertionMethod")
    assert info.value.code == "INVALID_KEY"
    assert member in info.value.message
    assert find_method(document, "#key-3", "assertionMethod").id == f"{WEB_DID}#key-3"


@pytest.mark.parametrize("member", PRIVATE_KEY_MEMBERS)
def test_a_method_publishing_its_private_key_is_refused_whatever_its_type(member: str) -> None:
    jwk = load_json("keys/vm-p256.json")["publicKeyJwk"]
    method = {"id": "#k", "type": "JsonWebKey", "controller": WEB_DID, "publicKeyJwk": jwk}
    method[member] = "z"
    document = {**_web_document(), "verificationMethod": [], "assertionMethod": [method]}
    resolved = OfflineResolver(did_web_documents={WEB_DID: document}).resolve(WEB_DID)
    with pytest.raises(ResolutionError, match="publishes the private key") as info:
        find_method(resolved, None, "assertionMethod")
    assert info.value.code == "INVALID_KEY"


@pytest.mark.parametrize("member", [*PRIVATE_KEY_MEMBERS, None])
def test_a_credential_under_a_published_private_key_does_not_verify(member: str | None) -> None:
    from conftest import unsigned_sample
    from vcportable.issuer import Issuer
    from vcportable.verifier import Verifier

    key = KeyPair.generate().with_identity(WEB_DID, f"{WEB_DID}#key-1")
    signed = Issuer(key).issue(unsigned_sample())
    resolver = OfflineResolver(did_web_documents={WEB_DID: _leaky_document(key, member)})
    report = Verifier(resolver=resolver).verify(json.dumps(signed).encode())
    if member is None:  # the same document without the private key: the credential verifies
        assert report.verified, report.failures
        return
    assert not report.verified
    failures = {c.id: c for c in report.failures}
    assert failures["verification_method"].code == Code.INVALID_KEY
    assert "publishes the private key" in failures["verification_method"].message


# --- the resolver owns its cache -----------------------------------------------------------------


def test_did_key_resolution_is_cached_per_resolver() -> None:
    did = f"did:key:{ED25519_MB}"
    first, second = OfflineResolver(), OfflineResolver(cache_size=1)
    assert first.resolve(did) is first.resolve(did)
    assert second.resolve(did) is not first.resolve(did)
    other = f"did:key:{P256_MB}"
    kept = second.resolve(did)
    second.resolve(other)  # evicts the first one: the cache is bounded
    assert second.resolve(did) is not kept


# --- did:web names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path", "did"),
    [
        ("https://board.example", None, "did:web:board.example"),
        ("https://Board.Example/", "issuers/1", "did:web:board.example:issuers:1"),
        ("https://board.example:8443/issuers", "2", "did:web:board.example%3A8443:issuers:2"),
    ],
)
def test_did_web_from_url(url: str, path: str | None, did: str) -> None:
    assert did_web_from_url(url, path) == did


@pytest.mark.parametrize(
    "url", ["http://board.example", "https://", "https://u@board.example", "https://b.example?x=1"]
)
def test_did_web_from_url_refuses(url: str) -> None:
    with pytest.raises(InputError):
        did_web_from_url(url)


def test_rotated_did_web_document_keeps_the_previous_key_for_old_credentials(
    tmp_path: Path,
) -> None:
    from vcportable.keys import PreviousKey

    old = KeyPair.generate().with_identity(WEB_DID, f"{WEB_DID}#key-1")
    signed_before = old.sign(b"old credential")
    new = KeyPair.generate().with_identity(
        WEB_DID, f"{WEB_DID}#key-2", [PreviousKey(old.key_id, old.public_key)]
    )
    new.save(tmp_path / "key.json", None)
    document = ControllerDocument.parse(did_document_for_key_file(tmp_path / "key.json"), WEB_DID)
    method = find_method(document, old.key_id, "assertionMethod")
    method.public_key.verify(signed_before, b"old credential")
    assert find_method(document, None, "authentication").id == new.key_id


def _forged_vc_jwt(did: str, kid: str) -> str:
    """A vc+jwt "issued" by ``did`` whose signature is (R = identity, S = 0): valid under the
    small-order key for any content, if the key were accepted."""
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:maria", "name": "anything at all"},
    }
    parts = [b64url_encode(json.dumps(part).encode()) for part in (header, payload)]
    return ".".join([*parts, b64url_encode(FORGED)])


@pytest.mark.parametrize("method", ["did:key", "did:jwk"])
def test_a_forgery_under_a_small_order_key_does_not_verify(method: str) -> None:
    from vcportable.verifier import Verifier

    did = _small_order_dids()[method]
    kid = f"{did}#0" if method == "did:jwk" else f"{did}#{did.removeprefix('did:key:')}"
    report = Verifier().verify(_forged_vc_jwt(did, kid).encode())
    # Refused for its key, and for nothing else: the forged signature itself would pass.
    assert [(c.id, c.code) for c in report.failures] == [("verification_method", Code.INVALID_KEY)]


def test_a_data_integrity_forgery_under_a_small_order_key_does_not_verify() -> None:
    from vcportable.verifier import Verifier

    did = _small_order_dids()["did:key"]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:maria"},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2026-01-01T00:00:00Z",
            "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + base58.b58encode(FORGED).decode(),
        },
    }
    report = Verifier().verify(json.dumps(credential).encode())
    assert not report.verified
    assert "INVALID_KEY" in {c.code for c in report.checks}
