"""Keys for JOSE: which algorithms fit which key, and where a token's key is looked up.

A token never brings its own key. :class:`KeySource` implementations find the key its ``kid``
names **within the document of the controller the token claims** (the issuer of a credential,
the holder of a presentation): :class:`DidKeySource` through the offline DID resolver,
:class:`ControllerDocuments` for https issuers whose controller document is given offline
(the W3C VC-JOSE-COSE vectors use one). Neither fetches anything.
"""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from vcportable.dids import DidResolver, resolve_verification_method
from vcportable.errors import ConfigurationError, InputError, InvalidSignature, ResolutionError
from vcportable.keys import KeyType, PublicKey, b64url_decode, b64url_encode
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

ED25519: Final = "ed25519"
P256: Final = "p256"
P384: Final = "p384"
P521: Final = "p521"

#: alg -> (key type, signature length, hash for ECDSA)
ALGS: Final[dict[str, tuple[str, int, type[hashes.HashAlgorithm] | None]]] = {
    "EdDSA": (ED25519, 64, None),
    "Ed25519": (ED25519, 64, None),  # RFC 9864 fully-specified name
    "ES256": (P256, 64, hashes.SHA256),
    "ES384": (P384, 96, hashes.SHA384),
    "ES512": (P521, 132, hashes.SHA512),
}
_CURVES: Final[dict[str, tuple[str, ec.EllipticCurve, int]]] = {
    "P-256": (P256, ec.SECP256R1(), 32),
    "P-384": (P384, ec.SECP384R1(), 48),
    "P-521": (P521, ec.SECP521R1(), 66),
}

#: What vcportable issues and accepts by default: EdDSA on Ed25519, ES256 on P-256.
DEFAULT_ALGS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {ED25519: frozenset({"EdDSA", "Ed25519"}), P256: frozenset({"ES256"})}
)
#: Also ES384 (P-384) and ES512 (P-521), e.g. for the W3C VC-JOSE-COSE test vectors.
ALGS_WITH_NIST_CURVES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {**DEFAULT_ALGS, P384: frozenset({"ES384"}), P521: frozenset({"ES512"})}
)


class KeyLookupError(Exception):
    """Raised by a :class:`KeySource` that cannot give the key; ``code`` goes in the report."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class JoseKey:
    """A public key that verifies JWS signatures: Ed25519, P-256, P-384 or P-521.

    Ed25519 and P-256 keys delegate to :class:`~vcportable.keys.PublicKey` (the project's key
    type); P-384/P-521 exist only here, for verifying tokens of other issuers when the policy
    allows ES384/ES512.
    """

    __slots__ = ("_crypto", "_public", "key_type")

    def __init__(
        self,
        key_type: str,
        *,
        public: PublicKey | None = None,
        crypto: ec.EllipticCurvePublicKey | None = None,
    ) -> None:
        if (public is None) == (crypto is None):
            raise ConfigurationError("JoseKey needs exactly one of public / crypto")
        self.key_type = key_type
        self._public = public
        self._crypto = crypto

    @classmethod
    def from_public_key(cls, public_key: PublicKey) -> JoseKey:
        key_type = ED25519 if public_key.type is KeyType.ED25519 else P256
        return cls(key_type, public=public_key)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> JoseKey:
        """Public JWK (OKP/Ed25519, EC/P-256/P-384/P-521); raises InputError. Refuses ``d``."""
        if not isinstance(jwk, Mapping):
            raise InputError("JWK must be a JSON object")
        if "d" in jwk:
            raise InputError("JWK contains a private key ('d'); refusing it")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "OKP" or crv == "P-256":
            return cls.from_public_key(PublicKey.from_jwk(jwk))
        if kty == "EC" and isinstance(crv, str) and crv in _CURVES:
            key_type, curve, size = _CURVES[crv]
            coords = []
            for name in ("x", "y"):
                value = jwk.get(name)
                if not isinstance(value, str):
                    raise InputError(f"JWK member {name!r} is missing or not a string")
                data = b64url_decode(value, what=f"JWK member {name!r}")
                if len(data) != size:
                    raise InputError(f"JWK member {name!r} must encode {size} bytes")
                coords.append(data)
            try:
                crypto = ec.EllipticCurvePublicKey.from_encoded_point(
                    curve, b"\x04" + coords[0] + coords[1]
                )
            except ValueError:
                raise InputError(f"JWK x/y is not a point on {crv}") from None
            return cls(key_type, crypto=crypto)
        raise InputError(f"unsupported JWK (kty={kty!r}, crv={crv!r})")

    def to_jwk(self) -> dict[str, str]:
        if self._public is not None:
            return self._public.to_jwk()
        assert self._crypto is not None
        numbers = self._crypto.public_numbers()
        size = (self._crypto.curve.key_size + 7) // 8
        return {
            "kty": "EC",
            "crv": "P-384" if self.key_type == P384 else "P-521",
            "x": b64url_encode(numbers.x.to_bytes(size, "big")),
            "y": b64url_encode(numbers.y.to_bytes(size, "big")),
        }

    def verify(self, alg: str, signature: bytes, data: bytes) -> None:
        """Raise :class:`~vcportable.errors.InvalidSignature` unless ``signature`` is valid."""
        key_type, length, digest = ALGS[alg]
        if key_type != self.key_type or len(signature) != length:
            raise InvalidSignature()
        if self._public is not None:
            self._public.verify(signature, data)
            return
        assert self._crypto is not None and digest is not None
        half = length // 2
        der = encode_dss_signature(
            int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        )
        try:
            self._crypto.verify(der, data, ec.ECDSA(digest()))
        except _CryptoInvalidSignature:
            raise InvalidSignature() from None


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


def _single(ids: list[str], controller: str, relationship: str) -> str:
    if len(ids) != 1:
        raise KeyLookupError(
            Code.KID_NOT_IN_ISSUER_DID,
            f"the token has no kid and {controller} lists {len(ids)} {relationship} keys; "
            "a kid is needed to choose one",
        )
    return ids[0]


class DidKeySource(KeySource):
    """Keys of DID controllers, through a :class:`~vcportable.dids.DidResolver` (offline).

    ``kid`` must be a DID URL of the controller itself (``did:...#frag``, or ``#frag`` relative
    to it); a kid naming another DID is refused, whatever it points to. did:key and did:jwk
    keys depend only on the DID, so their lookups are cached (bounded).
    """

    _CACHE_SIZE: Final = 512

    def __init__(self, resolver: DidResolver) -> None:
        self.resolver = resolver
        self._cache: OrderedDict[tuple[str, str], ResolvedKey] = OrderedDict()

    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey:
        if not controller.startswith("did:"):
            raise KeyLookupError(
                Code.DID_NOT_RESOLVED,
                f"{controller} is not a DID; keys are looked up only in the controller's own DID "
                "document (an https issuer needs its controller document given offline)",
            )
        if kid is None:
            vm_id = None
        elif kid.startswith("#"):
            vm_id = controller + kid
        else:
            did, sep, fragment = kid.partition("#")
            if did != controller or not sep or not fragment:
                raise KeyLookupError(
                    Code.KID_NOT_IN_ISSUER_DID,
                    f"kid {kid[:200]!r} is not a verification method of {controller}: the key must "
                    "come from the issuer's own DID document",
                )
            vm_id = kid
        cacheable = controller.startswith(("did:key:", "did:jwk:")) and vm_id is not None
        if cacheable:
            cached = self._cache.get((vm_id or "", relationship))
            if cached is not None:
                self._cache.move_to_end((vm_id or "", relationship))
                return cached
        try:
            if vm_id is None:
                document = self.resolver.resolve(controller)
                listed = (
                    document.assertion_method
                    if relationship == "assertionMethod"
                    else document.authentication
                )
                vm_id = _single(listed, controller, relationship)
            method, document = resolve_verification_method(self.resolver, vm_id)
        except ResolutionError as exc:
            raise KeyLookupError(Code.DID_NOT_RESOLVED, exc.message) from None
        if method.controller != controller:
            raise KeyLookupError(
                Code.ISSUER_KEY_MISMATCH,
                f"{vm_id} is controlled by {method.controller}, not by {controller}",
            )
        listed = (
            document.assertion_method
            if relationship == "assertionMethod"
            else document.authentication
        )
        if method.id not in listed:
            raise KeyLookupError(
                Code.VERIFICATION_METHOD_NOT_AUTHORIZED,
                f"{vm_id} is not listed under {relationship} of {controller}",
            )
        resolved = ResolvedKey(
            method.id, method.controller, JoseKey.from_public_key(method.public_key)
        )
        if cacheable:
            self._cache[(vm_id, relationship)] = resolved
            if len(self._cache) > self._CACHE_SIZE:
                self._cache.popitem(last=False)
        return resolved


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
        self._documents: dict[str, _ControllerDocument] = {}
        for document in documents:
            parsed = _ControllerDocument.parse(document)
            self._documents[parsed.id] = parsed
        self._dids = DidKeySource(resolver) if resolver is not None else None

    def find(self, controller: str, kid: str | None, relationship: str) -> ResolvedKey:
        document = self._documents.get(controller)
        if document is None:
            if self._dids is not None and controller.startswith("did:"):
                return self._dids.find(controller, kid, relationship)
            raise KeyLookupError(
                Code.DID_NOT_RESOLVED, f"no controller document is known for {controller}"
            )
        listed = document.relationships.get(relationship, [])
        matched = _single(listed, controller, relationship) if kid is None else document.match(kid)
        if matched is None:
            raise KeyLookupError(
                Code.KID_NOT_IN_ISSUER_DID,
                f"kid {str(kid)[:200]!r} names no verification method of {controller}",
            )
        vm_id = matched
        if vm_id not in listed:
            raise KeyLookupError(
                Code.VERIFICATION_METHOD_NOT_AUTHORIZED,
                f"{vm_id} is not listed under {relationship} of {controller}",
            )
        controller_of, key = document.methods[vm_id]
        if controller_of != controller:
            raise KeyLookupError(
                Code.ISSUER_KEY_MISMATCH,
                f"{vm_id} is controlled by {controller_of}, not by {controller}",
            )
        return ResolvedKey(vm_id, controller_of, key)


@dataclass(frozen=True)
class _ControllerDocument:
    id: str
    methods: dict[str, tuple[str, JoseKey]]
    jwk_kids: dict[str, str]
    relationships: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> _ControllerDocument:
        cid = raw.get("id") if isinstance(raw, Mapping) else None
        if not isinstance(cid, str):
            raise InputError("a controller document needs a string id")

        def absolute(ref: Any) -> str:
            if not isinstance(ref, str) or not ref:
                raise InputError(f"controller document {cid}: a method id is not a string")
            return cid + ref if ref.startswith("#") else ref

        methods: dict[str, tuple[str, JoseKey]] = {}
        jwk_kids: dict[str, str] = {}

        def add(entry: Any) -> str:
            if not isinstance(entry, Mapping):
                raise InputError(f"controller document {cid}: a method is not an object")
            vm_id = absolute(entry.get("id"))
            controller = entry.get("controller")
            if not isinstance(controller, str):
                raise InputError(f"controller document {cid}: {vm_id} has no controller")
            if "publicKeyJwk" in entry:
                key = JoseKey.from_jwk(entry["publicKeyJwk"])
                jwk_kid = entry["publicKeyJwk"].get("kid")
                if isinstance(jwk_kid, str):
                    jwk_kids[jwk_kid] = vm_id
            elif isinstance(entry.get("publicKeyMultibase"), str):
                key = JoseKey.from_public_key(PublicKey.from_multibase(entry["publicKeyMultibase"]))
            else:
                raise InputError(f"controller document {cid}: {vm_id} has no public key")
            if vm_id in methods:
                raise InputError(f"controller document {cid}: duplicate method {vm_id}")
            methods[vm_id] = (controller, key)
            return vm_id

        for entry in raw.get("verificationMethod", []):
            add(entry)
        relationships: dict[str, list[str]] = {}
        for name in ("assertionMethod", "authentication"):
            relationships[name] = [
                absolute(ref) if isinstance(ref, str) else add(ref) for ref in raw.get(name, [])
            ]
        return cls(cid, methods, jwk_kids, relationships)

    def match(self, kid: str) -> str | None:
        vm_id = self.id + kid if kid.startswith("#") else kid
        if vm_id in self.methods:
            return vm_id
        return self.jwk_kids.get(kid)


_SOURCES: weakref.WeakKeyDictionary[Any, DidKeySource] = weakref.WeakKeyDictionary()


def key_source(resolver: DidResolver | KeySource) -> KeySource:
    """A :class:`KeySource` for a DID resolver (wrapped, one per resolver so that its bounded
    did:key/did:jwk cache is reused) or a key source (as is)."""
    if isinstance(resolver, KeySource):
        return resolver
    try:
        source = _SOURCES.get(resolver)
        if source is None:
            source = _SOURCES[resolver] = DidKeySource(resolver)
    except TypeError:  # not weak-referenceable
        return DidKeySource(resolver)
    return source
