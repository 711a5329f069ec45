"""did:key and did:jwk (the key is in the DID), and the did:web name <-> URL <-> folder mapping.

did:key and did:jwk documents are pure functions of the DID, so resolving one needs no
network and no state; :class:`~vcportable.dids.resolver.OfflineResolver` caches them. The DID's
key goes through the same validation as any key (an invalid one is ``INVALID_KEY``), and the
did:jwk JSON through the one strict parser (duplicate members refused).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.codec.json import parse_json
from vcportable.errors import InputError, ResolutionError
from vcportable.keys import PublicKey

from .document import PURPOSES, ControllerDocument

__all__ = [
    "DID_CONTEXT",
    "JWK_CONTEXT",
    "MULTIKEY_CONTEXT",
    "did_jwk_document",
    "did_key_document",
    "did_web_from_url",
    "did_web_segments",
    "resolve_did_jwk",
    "resolve_did_key",
    "single_key_document",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
_MAX_DID_JWK_BYTES = 2048


def single_key_document(
    did: str, context: str, method: dict[str, Any], *, earlier: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The document of one current key for every purpose; ``earlier`` keys (after a rotation)
    stay listed under ``assertionMethod`` only, so what they signed still verifies."""
    document: dict[str, Any] = {
        "@context": [DID_CONTEXT, context],
        "id": did,
        "verificationMethod": [method, *earlier],
    }
    for name in PURPOSES:
        document[name] = [method["id"]]
    document["assertionMethod"] += [old["id"] for old in earlier]
    return document


def did_key_document(public_key: PublicKey) -> dict[str, Any]:
    """The did:key document of a key (``z6Mk`` Ed25519, ``zDn`` P-256, ``z82`` P-384), as a
    Multikey."""
    multibase = public_key.to_multibase()
    did = f"did:key:{multibase}"
    return single_key_document(
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
    return single_key_document(did, JWK_CONTEXT, method)


def resolve_did_key(did: str, multibase: str) -> ControllerDocument:
    """The document of ``did:key:<multibase>``; ResolutionError (``INVALID_KEY``) for a bad key."""
    try:
        public_key = PublicKey.from_multibase(multibase)
    except InputError as exc:
        raise ResolutionError(
            f"{did[:100]} is not a usable did:key: {exc.message}", code=exc.code
        ) from None
    return ControllerDocument.parse(did_key_document(public_key), did)


def resolve_did_jwk(did: str, encoded: str) -> ControllerDocument:
    """The document of ``did:jwk:<base64url JSON>``; ResolutionError (``INVALID_KEY`` for a bad
    key, ``MALFORMED`` for bad JSON)."""
    try:
        data = b64url_decode(encoded, what="did:jwk identifier", max_bytes=_MAX_DID_JWK_BYTES)
        jwk = parse_json(data, max_bytes=_MAX_DID_JWK_BYTES, what="did:jwk JSON")
        PublicKey.from_jwk(jwk)
    except InputError as exc:
        raise ResolutionError(
            f"{did[:80]} is not a usable did:jwk: {exc.message}", code=exc.code
        ) from None
    return ControllerDocument.parse(_jwk_document(did, jwk), did)


def did_web_segments(did: str) -> list[str]:
    """Host and path segments of a did:web, percent-decoded and safe to use as folder names:
    ``did:web:example.com:issuers:1`` -> ``["example.com", "issuers", "1"]``;
    ``did:web:example.com`` -> ``["example.com", ".well-known"]``."""
    specific_id = did.removeprefix("did:web:")
    segments = [urllib.parse.unquote(part) for part in specific_id.split(":")]
    for segment in segments:
        if segment in ("", ".", "..") or any(c in segment for c in "/\\\x00"):
            raise ResolutionError(f"{did[:200]} is not a valid did:web (bad segment {segment!r})")
    if len(segments) == 1:
        segments.append(".well-known")
    return segments


def did_web_from_url(url: str, path: str | None = None) -> str:
    """The did:web of an https origin (with an optional path): ``https://board.example`` ->
    ``did:web:board.example``; ``https://board.example:8443`` with path ``issuers/1`` ->
    ``did:web:board.example%3A8443:issuers:1``. InputError for anything else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InputError(f"{url!r} is not an https URL (did:web is only defined over https)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError(f"{url!r} must be a bare origin: no user, query or fragment")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InputError(f"{url!r} has a host name that is not valid") from None
    if parts.port is not None:
        host += f"%3A{parts.port}"
    names = [p for p in (parts.path.strip("/") + "/" + (path or "").strip("/")).split("/") if p]
    did = ":".join(["did:web", host, *(urllib.parse.quote(name, safe="") for name in names)])
    try:
        did_web_segments(did)
    except ResolutionError as exc:
        raise InputError(exc.message) from None
    return did
