"""The DID document of a key file's identity: what ``did show`` prints and what a did:web
issuer publishes (and caches for offline verification)."""

from __future__ import annotations

import os
from typing import Any

from vcportable.errors import KeyFileError
from vcportable.keys import PublicKey, read_key_file_info

from .methods import MULTIKEY_CONTEXT, single_key_document
from .resolver import OfflineResolver

__all__ = ["did_document_for_key_file"]


def _multikey(key_id: str, controller: str, public_key: PublicKey) -> dict[str, Any]:
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key.to_multibase(),
    }


def did_document_for_key_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The DID document of a key file's identity; no passphrase needed.

    For did:key and did:jwk it is the document the DID itself resolves to (a rotated did:key
    is a new DID: what the old key signed names the old DID, which still resolves). For any
    other DID (did:web) it is the ``did.json`` to publish: the current key for every purpose,
    and the keys it replaced (``key rotate``) under ``assertionMethod``, so credentials signed
    before a rotation still verify wherever this document is known.
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
    earlier = [
        _multikey(old.key_id, info.controller, old.public_key)
        for old in info.previous
        if old.key_id.startswith(info.controller + "#")
    ]
    current = _multikey(info.key_id, info.controller, info.public_key)
    return single_key_document(info.controller, MULTIKEY_CONTEXT, current, earlier=earlier)
