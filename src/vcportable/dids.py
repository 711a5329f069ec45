"""DIDs to verification methods, offline: did:key, did:jwk, and did:web from local copies.

Verification must work without the network, so nothing here fetches anything. did:key and
did:jwk carry their key in the DID itself. did:web documents come from the caller (usually the
trust list) or from a cache folder filled beforehand; a missing one is a
:class:`~vcportable.errors.ResolutionError` that says how to add it.

A DID document is parsed once into :class:`DidDocument`: every usable verification method is
keyed by its absolute id, and the verification relationships are lists of absolute ids (methods
embedded in a relationship are added to the methods). Methods whose type or key we cannot use
are kept aside with the reason, so a lookup can say why it failed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vcportable.errors import InputError, KeyFileError, ResolutionError
from vcportable.keys import KeyType, PublicKey, b64url_decode, b64url_encode, read_key_file_info

__all__ = [
    "DidDocument",
    "DidResolver",
    "OfflineResolver",
    "VerificationMethod",
    "did_document_for_key_file",
    "did_jwk_document",
    "did_key_document",
    "resolve_verification_method",
]

MAX_DID_LENGTH = 4096
MAX_DOCUMENT_BYTES = 256 * 1024

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"

_DID = re.compile(r"did:([a-z0-9]+):([A-Za-z0-9._:%_-]+)")
_MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
_RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
)


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    type: str
    controller: str
    public_key: PublicKey


@dataclass(frozen=True)
class DidDocument:
    """A parsed DID document; ``raw`` is the JSON it came from."""

    id: str
    verification_methods: dict[str, VerificationMethod]
    assertion_method: list[str]
    authentication: list[str]
    raw: dict[str, Any]
    # id -> why the method cannot be used (unsupported type or key), for clear lookup errors.
    unusable_methods: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any], did: str) -> DidDocument:
        """Parse ``raw`` as the document of ``did``; a malformed document is a ResolutionError."""
        if not isinstance(raw, Mapping):
            raise ResolutionError(f"DID document of {did} is not a JSON object")
        if raw.get("id") != did:
            raise ResolutionError(
                f"DID document id {raw.get('id')!r} does not match {did}, the DID resolved"
            )
        methods: dict[str, VerificationMethod] = {}
        unusable: dict[str, str] = {}

        def add(entry: Any, where: str) -> str:
            if not isinstance(entry, Mapping):
                raise ResolutionError(f"DID document of {did}: {where} entry is not an object")
            vm_id = _absolute(did, entry.get("id"), where)
            if vm_id in methods or vm_id in unusable:
                raise ResolutionError(f"DID document of {did}: duplicate method id {vm_id}")
            try:
                methods[vm_id] = _parse_method(vm_id, entry)
            except InputError as exc:
                unusable[vm_id] = exc.message
            return vm_id

        entries = raw.get("verificationMethod", [])
        if not isinstance(entries, list):
            raise ResolutionError(f"DID document of {did}: verificationMethod is not a list")
        for entry in entries:
            add(entry, "verificationMethod")

        relationships: dict[str, list[str]] = {}
        for name in ("assertionMethod", "authentication"):
            refs = raw.get(name, [])
            if not isinstance(refs, list):
                raise ResolutionError(f"DID document of {did}: {name} is not a list")
            relationships[name] = [
                _absolute(did, ref, name) if isinstance(ref, str) else add(ref, name)
                for ref in refs
            ]
        return cls(
            id=did,
            verification_methods=methods,
            assertion_method=relationships["assertionMethod"],
            authentication=relationships["authentication"],
            raw=dict(raw),
            unusable_methods=unusable,
        )


def _absolute(did: str, vm_id: Any, where: str) -> str:
    """Make ``#frag`` ids absolute against the DID; other ids must already be absolute URIs."""
    if not isinstance(vm_id, str) or not vm_id:
        raise ResolutionError(f"DID document of {did}: a {where} id is missing or not a string")
    if vm_id.startswith("#"):
        return did + vm_id
    if ":" not in vm_id:
        raise ResolutionError(
            f"DID document of {did}: {where} id {vm_id!r} is neither absolute nor '#fragment'"
        )
    return vm_id


def _parse_method(vm_id: str, entry: Mapping[str, Any]) -> VerificationMethod:
    """Raises InputError for a method we cannot use (the document itself stays usable)."""
    vm_type, controller = entry.get("type"), entry.get("controller")
    if not isinstance(vm_type, str) or not isinstance(controller, str):
        raise InputError("verification method needs a string 'type' and 'controller'")
    if vm_type in _MULTIBASE_TYPES:
        multibase = entry.get("publicKeyMultibase")
        if not isinstance(multibase, str):
            raise InputError(f"{vm_type} needs a string 'publicKeyMultibase'")
        public_key = PublicKey.from_multibase(multibase)
        if vm_type == "Ed25519VerificationKey2020" and public_key.type is not KeyType.ED25519:
            raise InputError("Ed25519VerificationKey2020 holds a key that is not Ed25519")
    elif vm_type in _JWK_TYPES:
        jwk = entry.get("publicKeyJwk")
        if not isinstance(jwk, Mapping):
            raise InputError(f"{vm_type} needs an object 'publicKeyJwk'")
        if "d" in jwk:
            raise InputError("publicKeyJwk contains a private key ('d'); refusing it")
        public_key = PublicKey.from_jwk(jwk)
    else:
        raise InputError(f"verification method type {vm_type!r} is not supported")
    return VerificationMethod(id=vm_id, type=vm_type, controller=controller, public_key=public_key)


def _single_key_document(did: str, context: str, method: dict[str, Any]) -> dict[str, Any]:
    """The document shape shared by did:key and did:jwk: one key, every signing relationship."""
    document: dict[str, Any] = {
        "@context": [DID_CONTEXT, context],
        "id": did,
        "verificationMethod": [method],
    }
    for name in _RELATIONSHIPS:
        document[name] = [method["id"]]
    return document


def did_key_document(public_key: PublicKey) -> dict[str, Any]:
    """The did:key document of an Ed25519 (``z6Mk``) or P-256 (``zDn``) key, Multikey form."""
    multibase = public_key.to_multibase()
    did = f"did:key:{multibase}"
    return _single_key_document(
        did,
        MULTIKEY_CONTEXT,
        {
            "id": f"{did}#{multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multibase,
        },
    )


def did_jwk_document(public_key: PublicKey) -> dict[str, Any]:
    """The did:jwk document of a key; the DID encodes its JWK with sorted members, no spaces."""
    jwk = public_key.to_jwk()
    encoded = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _jwk_document(f"did:jwk:{b64url_encode(encoded)}", jwk)


def _jwk_document(did: str, jwk: Mapping[str, Any]) -> dict[str, Any]:
    method = {"id": f"{did}#0", "type": "JsonWebKey", "controller": did, "publicKeyJwk": dict(jwk)}
    return _single_key_document(did, JWK_CONTEXT, method)


def did_document_for_key_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The DID document of a key file's identity; no passphrase needed.

    For did:key and did:jwk it is the document the DID itself resolves to. For any other DID
    (did:web) it is a one-key Multikey document: the ``did.json`` to publish.
    """
    info = read_key_file_info(path)
    if info.controller.startswith(("did:key:", "did:jwk:")):
        document = OfflineResolver().resolve(info.controller)
        method = document.verification_methods.get(info.key_id)
        if method is None or method.public_key != info.public_key:
            raise KeyFileError(
                f"key file {path}: key {info.key_id} is not the key of {info.controller}"
            )
        return document.raw
    entry = {
        "id": info.key_id,
        "type": "Multikey",
        "controller": info.controller,
        "publicKeyMultibase": info.public_key.to_multibase(),
    }
    return _single_key_document(info.controller, MULTIKEY_CONTEXT, entry)


class DidResolver(Protocol):
    """Anything that turns a DID into its document; raises ResolutionError."""

    def resolve(self, did: str) -> DidDocument: ...


class OfflineResolver(DidResolver):
    """Resolves did:key and did:jwk from the DID, and did:web only from local copies.

    did:web documents are looked up first in ``did_web_documents`` (DID -> document, e.g. from
    the trust list), then in ``did_web_cache_dir``, a mirror of the did:web URLs with the host
    as first folder::

        did:web:example.com                -> <cache_dir>/example.com/.well-known/did.json
        did:web:example.com:issuers:1      -> <cache_dir>/example.com/issuers/1/did.json
        did:web:example.com%3A8443:x       -> <cache_dir>/example.com:8443/x/did.json

    so ``curl --create-dirs -o <cache_dir>/<host>/<path>/did.json https://<host>/<path>/did.json``
    fills it. The network is never used.
    """

    def __init__(
        self,
        did_web_documents: Mapping[str, Mapping[str, Any]] | None = None,
        did_web_cache_dir: Path | None = None,
    ) -> None:
        self._documents = dict(did_web_documents or {})
        self._cache_dir = did_web_cache_dir

    def resolve(self, did: str) -> DidDocument:
        if not isinstance(did, str):
            raise ResolutionError("a DID must be a string")
        if len(did) > MAX_DID_LENGTH:
            raise ResolutionError(f"DID is longer than {MAX_DID_LENGTH} characters")
        match = _DID.fullmatch(did)
        if match is None:
            raise ResolutionError(
                f"{did!r} is not a DID (expected did:<method>:<id>, no '#fragment' or '?query')"
            )
        method, specific_id = match.groups()
        if method == "key":
            return _resolve_did_key(did, specific_id)
        if method == "jwk":
            return _resolve_did_jwk(did, specific_id)
        if method == "web":
            return self._resolve_did_web(did, specific_id)
        raise ResolutionError(
            f"DID method '{method}' is not supported (did:key, did:jwk and did:web are)"
        )

    def _resolve_did_web(self, did: str, specific_id: str) -> DidDocument:
        if did in self._documents:
            document = self._documents[did]
            size = len(json.dumps(document, separators=(",", ":")).encode("utf-8"))
            if size > MAX_DOCUMENT_BYTES:
                raise ResolutionError(
                    f"DID document of {did} is larger than {MAX_DOCUMENT_BYTES} bytes"
                )
            return DidDocument.parse(document, did)
        segments = _did_web_segments(did, specific_id)
        url = "https://" + "/".join(segments) + "/did.json"
        if self._cache_dir is None:
            raise ResolutionError(
                f"{did} is not cached and no did:web cache folder is configured; add its document "
                f"(from {url}) to the trust list or to a did:web cache folder"
            )
        path = self._cache_dir.joinpath(*segments, "did.json")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
        except FileNotFoundError:
            raise ResolutionError(
                f"{did} is not cached (the network is never used); download {url} and save it "
                f"as {path}, or add the document to the trust list"
            ) from None
        except OSError as exc:
            raise ResolutionError(
                f"cannot read cached DID document {path}: {exc.strerror}"
            ) from None
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ResolutionError(
                f"cached DID document {path} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )
        try:
            document = json.loads(data)
        except ValueError:  # includes UnicodeDecodeError
            raise ResolutionError(f"cached DID document {path} is not valid JSON") from None
        return DidDocument.parse(document, did)


def _did_web_segments(did: str, specific_id: str) -> list[str]:
    """Host and path segments of a did:web, percent-decoded and safe to use as folder names."""
    segments = [urllib.parse.unquote(part) for part in specific_id.split(":")]
    for segment in segments:
        if segment in ("", ".", "..") or any(c in segment for c in "/\\\x00"):
            raise ResolutionError(f"{did} is not a valid did:web (bad segment {segment!r})")
    if len(segments) == 1:
        segments.append(".well-known")
    return segments


# did:key and did:jwk documents are pure functions of the DID: resolve each once (bounded).
# The returned DidDocument is shared between callers, who only read it.
@functools.lru_cache(maxsize=1024)
def _resolve_did_key(did: str, multibase: str) -> DidDocument:
    try:
        public_key = PublicKey.from_multibase(multibase)
    except InputError as exc:
        raise ResolutionError(f"{did} is not an Ed25519 or P-256 did:key: {exc.message}") from None
    return DidDocument.parse(did_key_document(public_key), did)


@functools.lru_cache(maxsize=1024)
def _resolve_did_jwk(did: str, encoded: str) -> DidDocument:
    try:
        jwk = json.loads(b64url_decode(encoded, what="did:jwk identifier"))
        if not isinstance(jwk, dict):
            raise InputError("did:jwk identifier is not a JSON object")
        if "d" in jwk:
            raise InputError("did:jwk contains a private key ('d')")
        if jwk.get("use", "sig") != "sig":
            raise InputError(f"did:jwk key has use {jwk['use']!r}; only signing keys are usable")
        PublicKey.from_jwk(jwk)
    except (InputError, ValueError) as exc:
        detail = exc.message if isinstance(exc, InputError) else "not valid JSON"
        raise ResolutionError(f"{did[:80]} is not a usable did:jwk: {detail}") from None
    return DidDocument.parse(_jwk_document(did, jwk), did)


def resolve_verification_method(
    resolver: DidResolver, vm_id: str
) -> tuple[VerificationMethod, DidDocument]:
    """Resolve ``did...#fragment`` to its method and the document that lists it."""
    if not isinstance(vm_id, str) or len(vm_id) > MAX_DID_LENGTH:
        raise ResolutionError("verification method id must be a string of reasonable length")
    did, sep, fragment = vm_id.partition("#")
    if not sep or not fragment:
        raise ResolutionError(
            f"verification method id {vm_id!r} has no '#fragment' naming a key of the DID"
        )
    document = resolver.resolve(did)
    method = document.verification_methods.get(vm_id)
    if method is not None:
        return method, document
    reason = document.unusable_methods.get(vm_id)
    if reason is not None:
        raise ResolutionError(f"verification method {vm_id} cannot be used: {reason}")
    raise ResolutionError(f"verification method {vm_id} not found in DID document {did}")
