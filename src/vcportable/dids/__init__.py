"""DIDs and controller documents, offline: parse a document once, look a key up in it with the
one :func:`find_method`, resolve did:key / did:jwk / did:web without the network.

Modules: :mod:`.document` (controller documents and :func:`find_method`, with the binding rule),
:mod:`.methods` (did:key, did:jwk, the did:web name mapping), :mod:`.resolver` (the
:class:`DidResolver` protocol and :class:`OfflineResolver`), :mod:`.publish` (the document of a
key file).
"""

from __future__ import annotations

from .document import PURPOSES, ControllerDocument, VerificationMethod, find_method
from .methods import (
    DID_CONTEXT,
    JWK_CONTEXT,
    MULTIKEY_CONTEXT,
    did_jwk_document,
    did_key_document,
    did_web_from_url,
    did_web_segments,
)
from .publish import did_document_for_key_file
from .resolver import MAX_DID_LENGTH, MAX_DOCUMENT_BYTES, DidResolver, OfflineResolver

__all__ = [
    "DID_CONTEXT",
    "JWK_CONTEXT",
    "MAX_DID_LENGTH",
    "MAX_DOCUMENT_BYTES",
    "MULTIKEY_CONTEXT",
    "PURPOSES",
    "ControllerDocument",
    "DidResolver",
    "OfflineResolver",
    "VerificationMethod",
    "did_document_for_key_file",
    "did_jwk_document",
    "did_key_document",
    "did_web_from_url",
    "did_web_segments",
    "find_method",
]
