"""DIDs and controller documents, offline: parse a document once, look a key up in it with the
one :func:`find_method`, resolve did:key / did:jwk / did:web without the network.

Modules: :mod:`.document` (controller documents and :func:`find_method`, with the binding rule),
:mod:`.methods` (did:key, did:jwk, the did:web name mapping), :mod:`.resolver` (the
:class:`DidResolver` protocol and :class:`OfflineResolver`), :mod:`.publish` (the document of a
key file).
"""

from __future__ import annotations

from vcportable.errors import ResolutionError

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
    "DidDocument",
    "DidResolver",
    "OfflineResolver",
    "VerificationMethod",
    "did_document_for_key_file",
    "did_jwk_document",
    "did_key_document",
    "did_web_from_url",
    "did_web_segments",
    "find_method",
    "resolve_verification_method",
]

#: The former name of :class:`ControllerDocument` (a DID document is one); kept until every
#: caller has moved.
DidDocument = ControllerDocument


def resolve_verification_method(
    resolver: DidResolver, vm_id: str
) -> tuple[VerificationMethod, ControllerDocument]:
    """Resolve ``did...#fragment`` to its method and the document that defines it.

    Transitional: callers move to ``find_method(resolver.resolve(did), vm_id, purpose)``, which
    also checks the method's controller and purpose. Raises ResolutionError.
    """
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
    unusable = document.unusable_methods.get(vm_id)
    if unusable is not None:
        raise ResolutionError(
            f"verification method {vm_id} cannot be used: {unusable.message}", code=unusable.code
        )
    raise ResolutionError(f"verification method {vm_id} not found in DID document {did}")
