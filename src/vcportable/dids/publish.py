"""The DID document of a key file's identity: what ``did show`` prints and what a did:web
issuer publishes (and caches for offline verification)."""

from __future__ import annotations

import os
from typing import Any

from vcportable.errors import KeyFileError, ResolutionError
from vcportable.keys import KeyFileInfo, PublicKey, read_key_file_info

from .methods import MULTIKEY_CONTEXT, did_jwk_document, did_key_document, single_key_document
from .resolver import OfflineResolver

__all__ = ["did_document_for_key_file", "identity_problem"]


def _multikey(key_id: str, controller: str, public_key: PublicKey) -> dict[str, Any]:
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key.to_multibase(),
    }


#: DIDs that are their own document: the key is in the DID itself.
SELF_DESCRIBING = ("did:key:", "did:jwk:")


def identity_problem(info: KeyFileInfo) -> str | None:
    """What is wrong with the identity a key file gives its key (as "names ..." or "has ..."),
    or None: a did:key or did:jwk must resolve to a document whose method ``key_id`` is this
    public key, compared as keys (a did:jwk may be spelled several ways: its JSON members in
    another order name the same key); any other DID's ``key_id`` must be one of its DID URLs
    (whether its published document lists the key is not known offline)."""
    controller, key_id, public_key = info.controller, info.key_id, info.public_key
    if not controller.startswith(SELF_DESCRIBING):
        if controller.startswith("did:") and key_id.startswith(controller + "#"):
            return None
        return f"has key_id {key_id[:200]}, which is not a key of {controller[:120]}"
    try:
        document = OfflineResolver().resolve(controller)
    except ResolutionError:
        document = None
    method = document.verification_methods.get(key_id) if document is not None else None
    if method is not None and method.public_key == public_key:
        return None
    make = did_key_document if controller.startswith("did:key:") else did_jwk_document
    own = make(public_key)
    keys = [m.public_key for m in document.verification_methods.values()] if document else []
    if public_key not in keys:
        return f"names {controller[:120]} as its DID, but its public key's DID is {own['id']}"
    expected = own["verificationMethod"][0]["id"]
    return f"has key_id {key_id[:200]}, but its public key's is {expected}"


def did_document_for_key_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The DID document of a key file's identity; no passphrase needed.

    For did:key and did:jwk it is the document the DID itself resolves to (a rotated did:key
    is a new DID: what the old key signed names the old DID, which still resolves). For any
    other DID (did:web) it is the ``did.json`` to publish: the current key for every purpose,
    and the keys it replaced (``key rotate``) under ``assertionMethod``, so credentials signed
    before a rotation still verify wherever this document is known.
    """
    info = read_key_file_info(path)
    problem = identity_problem(info)
    if problem is not None:
        raise KeyFileError(f"key file {path} {problem}")
    if info.controller.startswith(SELF_DESCRIBING):
        return OfflineResolver().resolve(info.controller).raw
    earlier = [
        _multikey(old.key_id, info.controller, old.public_key)
        for old in info.previous
        if old.key_id.startswith(info.controller + "#")
    ]
    current = _multikey(info.key_id, info.controller, info.public_key)
    return single_key_document(info.controller, MULTIKEY_CONTEXT, current, earlier=earlier)
