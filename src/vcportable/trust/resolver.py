"""Issuer binding through the list: listed issuers' controller documents, built from the keys
the list pins inline, offline.

For a listed issuer (an https URL or a DID) the list is the only source of its keys: a proof by
a key the list does not name fails issuer binding, whatever a DID document elsewhere says.
Identifiers the list does not name go to the ``fallback`` resolver (did:key, did:jwk, cached
did:web), so credentials of unlisted issuers still get their signatures checked, and are then
reported as not trusted by the trust check.

The same object serves both proof families: ``resolve`` for Data Integrity proofs (through
``find_method``) and ``find`` for JOSE tokens (``kid`` within the issuer's document).
"""

from __future__ import annotations

from typing import Any

from ..dids import ControllerDocument, DidResolver, OfflineResolver
from ..errors import ResolutionError
from ..proofs.jose.keys import ControllerDocuments, KeySource, ResolvedKey
from .model import ListedIssuer, TrustList

__all__ = ["TrustListResolver", "controller_document"]

MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
CONTROLLER_CONTEXT = "https://www.w3.org/ns/cid/v1"


def controller_document(issuer: ListedIssuer) -> dict[str, Any]:
    """The issuer's controller document: its listed keys, each for ``assertionMethod``."""
    methods = [
        {
            "id": key.id,
            "type": "Multikey",
            "controller": issuer.id,
            "publicKeyMultibase": key.public_key.to_multibase(),
        }
        for key in issuer.keys
    ]
    return {
        "@context": [CONTROLLER_CONTEXT, MULTIKEY_CONTEXT],
        "id": issuer.id,
        "verificationMethod": methods,
        "assertionMethod": [key.id for key in issuer.keys],
    }


class TrustListResolver(KeySource):
    """A :class:`~vcportable.dids.DidResolver` (and JOSE key source) answering for listed
    issuers from the list, and for anything else from ``fallback``."""

    def __init__(self, trust_list: TrustList, fallback: DidResolver | None = None) -> None:
        self._trust_list = trust_list
        self._fallback = fallback if fallback is not None else OfflineResolver()
        self._documents: dict[str, ControllerDocument] = {}
        self._jose: ControllerDocuments | None = None

    def resolve(self, did: str) -> ControllerDocument:
        issuer = self._trust_list.issuer(did) if isinstance(did, str) else None
        if issuer is None:
            if isinstance(did, str) and not did.startswith("did:"):
                raise ResolutionError(
                    f"{did[:200]} is not a DID and not an issuer of the trust list: its keys "
                    "cannot be known offline"
                )
            return self._fallback.resolve(did)
        document = self._documents.get(did)
        if document is None:
            document = ControllerDocument.parse(controller_document(issuer), did)
            self._documents[did] = document
        return document

    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey:
        if self._jose is None:
            documents = [
                controller_document(i)
                for i in self._trust_list.issuers
                if not i.id.startswith("did:")
            ]
            self._jose = ControllerDocuments(documents, resolver=self)
        return self._jose.find(controller, kid, relationship)
