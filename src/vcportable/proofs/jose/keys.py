"""Keys for JOSE: which algorithms fit which key, and where a token's key is looked up.

A token never brings its own key. :class:`KeySource` implementations find the key its ``kid``
names **within the document of the controller the token claims** (the issuer of a credential,
the holder of a presentation), through the one :func:`~vcportable.dids.find_method` (which
holds the binding rule): :class:`DidKeySource` through the offline DID resolver,
:class:`ControllerDocuments` for https issuers whose controller document is given offline
(the W3C VC-JOSE-COSE vectors use one). Neither fetches anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from vcportable.dids import ControllerDocument, DidResolver, find_method
from vcportable.errors import InputError, InvalidSignature, ResolutionError
from vcportable.keys import KeyType, PublicKey
from vcportable.keys.curves import CURVES
from vcportable.models.report import Code

__all__ = [
    "ALGS",
    "ALGS_WITH_NIST_CURVES",
    "DEFAULT_ALGS",
    "ControllerDocuments",
    "DidKeySource",
    "JoseKey",
    "KeyLookupError",
    "KeySource",
    "ResolvedKey",
    "key_source",
]

ED25519: Final = KeyType.ED25519.value
P256: Final = KeyType.P256.value
P384: Final = KeyType.P384.value
P521: Final = KeyType.P521.value

#: alg -> (key type, signature length), from the one table of curves.
ALGS: Final[dict[str, tuple[str, int]]] = {
    **{c.jws_alg: (c.key_type.value, c.signature_size) for c in CURVES.values()},
    "Ed25519": (ED25519, 64),  # RFC 9864 fully-specified name
}

#: What vcportable issues and accepts by default: EdDSA on Ed25519, ES256 on P-256, ES384 on
#: P-384.
DEFAULT_ALGS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        ED25519: frozenset({"EdDSA", "Ed25519"}),
        P256: frozenset({"ES256"}),
        P384: frozenset({"ES384"}),
    }
)
#: Also ES512 (P-521), e.g. for the W3C VC-JOSE-COSE test vectors.
ALGS_WITH_NIST_CURVES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {**DEFAULT_ALGS, P521: frozenset({"ES512"})}
)


class KeyLookupError(Exception):
    """Raised by a :class:`KeySource` that cannot give the key; ``code`` goes in the report."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def of(cls, exc: ResolutionError | InputError) -> KeyLookupError:
        """The lookup error for a resolution or key error, keeping its code."""
        try:
            code = Code(exc.code)
        except ValueError:
            code = Code.DID_NOT_RESOLVED
        return cls(code, exc.message)


class JoseKey:
    """A :class:`~vcportable.keys.PublicKey` as JWS sees it: it verifies only the algorithms
    that fit its own type (``alg`` never chooses the key type)."""

    __slots__ = ("key_type", "public_key")

    def __init__(self, public_key: PublicKey) -> None:
        self.public_key = public_key
        #: "ed25519", "p256"...: read once (an enum's value is a Python-level property).
        self.key_type: str = public_key.type.value

    @classmethod
    def from_public_key(cls, public_key: PublicKey) -> JoseKey:
        return cls(public_key)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> JoseKey:
        """A public JWK, read strictly (InvalidKeyError; a private ``d`` is refused)."""
        return cls(PublicKey.from_jwk(jwk))

    def to_jwk(self) -> dict[str, str]:
        return self.public_key.to_jwk()

    def verify(self, alg: str, signature: bytes, data: bytes) -> None:
        """Raise :class:`~vcportable.errors.InvalidSignature` unless ``signature`` is valid."""
        key_type, length = ALGS[alg]
        if key_type != self.key_type or len(signature) != length:
            raise InvalidSignature()
        self.public_key.verify(signature, data)


@dataclass(frozen=True)
class ResolvedKey:
    """The key a token names, with where it was found."""

    id: str
    controller: str
    key: JoseKey


class KeySource(ABC):
    """Finds the key a token's ``kid`` names, within its issuer's (or holder's) own document.

    ``relationship`` is ``assertionMethod`` (credentials) or ``authentication`` (presentations).
    Implementations raise :class:`KeyLookupError`; they never fetch anything.
    """

    @abstractmethod
    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey: ...


#: The keys found in recent documents: (document id(), kid, relationship) -> (the document,
#: its key). Resolvers cache a document and hand the same object to every caller, so every
#: token of one issuer finds its key here; the document is kept with its key, so an entry
#: answers only for that very object (a document parsed again is looked up again). Only
#: keys found are kept (a lookup that fails is decided afresh); emptied when full.
_FOUND: Final[dict[tuple[int, str | None, str], tuple[ControllerDocument, ResolvedKey]]] = {}
_FOUND_SIZE: Final = 256


def _found(document: ControllerDocument, kid: str | None, relationship: str) -> ResolvedKey:
    memo = (id(document), kid, relationship)
    known = _FOUND.get(memo)
    if known is not None and known[0] is document:
        return known[1]
    try:
        method = find_method(document, kid, relationship)
    except ResolutionError as exc:
        raise KeyLookupError.of(exc) from None
    resolved = ResolvedKey(method.id, method.controller, JoseKey(method.public_key))
    if len(_FOUND) >= _FOUND_SIZE:
        _FOUND.clear()
    _FOUND[memo] = (document, resolved)
    return resolved


class DidKeySource(KeySource):
    """Keys of DID controllers, through a :class:`~vcportable.dids.DidResolver` (offline).

    ``kid`` must name a method of the controller's own DID document (``did:...#frag``, or
    ``#frag`` relative to it); a kid naming another DID is refused, whatever it points to.
    The resolver caches did:key and did:jwk documents, so a lookup is a few dict reads.
    """

    def __init__(self, resolver: DidResolver) -> None:
        self.resolver = resolver

    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey:
        if not controller.startswith("did:"):
            raise KeyLookupError(
                Code.DID_NOT_RESOLVED,
                f"{controller} is not a DID; keys are looked up only in the controller's own DID "
                "document (an https issuer needs its controller document given offline)",
            )
        try:
            document = self.resolver.resolve(controller)
        except ResolutionError as exc:
            raise KeyLookupError.of(exc) from None
        return _found(document, kid, relationship)


class ControllerDocuments(KeySource):
    """Keys of controllers that are not DIDs (e.g. an https issuer), from documents given offline.

    Each document is a W3C Controlled Identifier document: ``id``, ``verificationMethod``
    (``JsonWebKey``/``Multikey``), ``assertionMethod``, ``authentication``. A ``kid`` matches a
    method's id (absolute, or ``#frag`` relative to the controller) or its ``publicKeyJwk.kid``;
    only methods of the controller's own document are ever considered. DIDs go to ``resolver``.
    """

    def __init__(
        self,
        documents: Iterable[Mapping[str, Any]],
        *,
        resolver: DidResolver | None = None,
    ) -> None:
        self._documents: dict[str, ControllerDocument] = {}
        for document in documents:
            try:
                parsed = ControllerDocument.parse(document)
            except ResolutionError as exc:
                raise InputError(exc.message) from None
            self._documents[parsed.id] = parsed
        self._dids = DidKeySource(resolver) if resolver is not None else None

    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey:
        document = self._documents.get(controller)
        if document is not None:
            return _found(document, kid, relationship)
        if self._dids is not None and controller.startswith("did:"):
            return self._dids.find(controller, kid, relationship)
        raise KeyLookupError(
            Code.DID_NOT_RESOLVED, f"no controller document is known for {controller}"
        )


def key_source(resolver: DidResolver | KeySource) -> KeySource:
    """A :class:`KeySource` for a DID resolver (wrapped) or a key source (as is)."""
    return resolver if isinstance(resolver, KeySource) else DidKeySource(resolver)
