"""DIDs and controller documents, offline: parse a document once, look a key up in it with the
one :func:`find_method`, resolve did:key / did:jwk / did:web without the network.

Modules: :mod:`.document` (controller documents and :func:`find_method`, with the binding rule),
:mod:`.methods` (did:key, did:jwk, the did:web name mapping), :mod:`.resolver` (the
:class:`DidResolver` protocol and :class:`OfflineResolver`), :mod:`.publish` (the document of a
key file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from .resolver import MAX_DID_LENGTH, MAX_DOCUMENT_BYTES, DidResolver, OfflineResolver

if TYPE_CHECKING:
    from .publish import did_document_for_key_file

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


def __getattr__(name: str) -> Any:
    """:func:`did_document_for_key_file` imports the key file's module on first use: resolving
    a DID to verify a credential needs none of it."""
    if name != "did_document_for_key_file":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .publish import did_document_for_key_file

    return did_document_for_key_file
