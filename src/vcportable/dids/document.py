"""Controller documents (DID documents and W3C Controlled Identifier documents), and the one
key lookup every proof format uses: :func:`find_method`.

A document is parsed once into :class:`ControllerDocument`: every usable verification method
keyed by its absolute id, and each verification relationship as a list of absolute ids
(methods embedded in a relationship are added to the methods). A method whose type or key
cannot be used is kept aside with the error that says why, so a lookup can report it with
its code (``INVALID_KEY`` for a bad key).

**The binding rule.** A key speaks for a controller only if the controller's *own* document
publishes it: :func:`find_method` looks only among the methods that document defines, requires
each method's ``controller`` to be the document's ``id`` (a method's ``controller`` member
alone proves nothing: any document could claim that another DID controls its key), and requires
the method to be listed under the proof's purpose. Whoever signs as an issuer or holder is thus
the controller whose document was resolved, never a party the input names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vcportable.errors import ConfigurationError, InputError, InvalidKeyError, ResolutionError
from vcportable.keys import KeyType, PublicKey

__all__ = [
    "PURPOSES",
    "ControllerDocument",
    "VerificationMethod",
    "find_method",
]

#: The verification relationships a proof purpose can name.
PURPOSES = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")
_MULTIBASE_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})
#: Members that carry a private key. A document that publishes one gives the key to anyone who
#: reads it, so the key can no longer speak for its controller: such a method is refused, as a
#: ``publicKeyJwk`` holding ``d`` is.
#: (``privateKeyBase58``, ``privateKeyPem`` and ``privateKeyHex``: older suites' spellings.)
_PRIVATE_KEY_MEMBERS = (
    "privateKeyJwk",
    "privateKeyMultibase",
    "secretKeyMultibase",
    "privateKeyBase58",
    "privateKeyPem",
    "privateKeyHex",
)


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    type: str
    controller: str
    public_key: PublicKey


@dataclass(frozen=True)
class ControllerDocument:
    """A parsed controller document; ``raw`` is the JSON it came from.

    Resolvers cache documents and hand the same object to every caller: treat it as read-only.
    """

    id: str
    verification_methods: dict[str, VerificationMethod]
    #: purpose -> absolute method ids, for every name in :data:`PURPOSES`.
    relationships: dict[str, list[str]]
    raw: dict[str, Any]
    #: id -> the error that makes the method unusable (unsupported type, invalid key).
    unusable_methods: dict[str, InputError] = field(default_factory=dict)
    #: ``publicKeyJwk.kid`` -> method id: a JOSE ``kid`` may name a key this way.
    jwk_kids: dict[str, str] = field(default_factory=dict)

    @property
    def assertion_method(self) -> list[str]:
        return self.relationships["assertionMethod"]

    @property
    def authentication(self) -> list[str]:
        return self.relationships["authentication"]

    @classmethod
    def parse(cls, raw: Any, did: str | None = None) -> ControllerDocument:
        """Parse ``raw``, which must be the document of ``did`` when given (a resolved DID);
        a malformed document is a :class:`~vcportable.errors.ResolutionError`."""
        what = did or "controller document"
        if not isinstance(raw, Mapping):
            raise ResolutionError(f"document of {what} is not a JSON object")
        doc_id = raw.get("id")
        if did is not None and doc_id != did:
            raise ResolutionError(
                f"DID document id {str(doc_id)[:200]!r} does not match {did}, the DID resolved"
            )
        if not isinstance(doc_id, str) or ":" not in doc_id:
            raise ResolutionError("a controller document needs an absolute 'id'")
        methods: dict[str, VerificationMethod] = {}
        unusable: dict[str, InputError] = {}
        jwk_kids: dict[str, str] = {}

        def add(entry: Any, where: str) -> str:
            if not isinstance(entry, Mapping):
                raise ResolutionError(f"document of {doc_id}: {where} entry is not an object")
            vm_id = _absolute(doc_id, entry.get("id"), where)
            if vm_id in methods or vm_id in unusable:
                raise ResolutionError(f"document of {doc_id}: duplicate method id {vm_id}")
            try:
                methods[vm_id] = _parse_method(vm_id, entry)
            except InputError as exc:
                unusable[vm_id] = exc
            jwk = entry.get("publicKeyJwk")
            if vm_id in methods and isinstance(jwk, Mapping) and isinstance(jwk.get("kid"), str):
                jwk_kids.setdefault(jwk["kid"], vm_id)
            return vm_id

        entries = raw.get("verificationMethod", [])
        if not isinstance(entries, list):
            raise ResolutionError(f"document of {doc_id}: verificationMethod is not a list")
        for entry in entries:
            add(entry, "verificationMethod")
        relationships: dict[str, list[str]] = {}
        for name in PURPOSES:
            refs = raw.get(name, [])
            if not isinstance(refs, list):
                raise ResolutionError(f"document of {doc_id}: {name} is not a list")
            relationships[name] = [
                _absolute(doc_id, ref, name) if isinstance(ref, str) else add(ref, name)
                for ref in refs
            ]
        return cls(doc_id, methods, relationships, dict(raw), unusable, jwk_kids)


def _absolute(doc_id: str, vm_id: Any, where: str) -> str:
    """Make ``#frag`` ids absolute against the document; other ids must already be absolute."""
    if not isinstance(vm_id, str) or not vm_id:
        raise ResolutionError(f"document of {doc_id}: a {where} id is missing or not a string")
    if vm_id.startswith("#"):
        return doc_id + vm_id
    if ":" not in vm_id:
        raise ResolutionError(
            f"document of {doc_id}: {where} id {vm_id[:200]!r} is neither absolute nor '#fragment'"
        )
    return vm_id


def _parse_method(vm_id: str, entry: Mapping[str, Any]) -> VerificationMethod:
    """Raises InputError (InvalidKeyError for a bad key) for a method that cannot be used; the
    document itself stays usable."""
    published = next((name for name in _PRIVATE_KEY_MEMBERS if name in entry), None)
    if published is not None:
        raise InvalidKeyError(
            f"the document publishes the private key of this method ({published}): the key is "
            "compromised, anyone can sign with it; remove the member and rotate the key"
        )
    vm_type, controller = entry.get("type"), entry.get("controller")
    if not isinstance(vm_type, str) or not isinstance(controller, str):
        raise InputError("verification method needs a string 'type' and 'controller'")
    if vm_type in _MULTIBASE_TYPES:
        multibase = entry.get("publicKeyMultibase")
        if not isinstance(multibase, str):
            raise InvalidKeyError(f"{vm_type} needs a string 'publicKeyMultibase'")
        if "publicKeyJwk" in entry:
            raise InvalidKeyError(f"{vm_type} has both publicKeyMultibase and publicKeyJwk")
        public_key = PublicKey.from_multibase(multibase)
        if vm_type == "Ed25519VerificationKey2020" and public_key.type is not KeyType.ED25519:
            raise InvalidKeyError("Ed25519VerificationKey2020 holds a key that is not Ed25519")
    elif vm_type in _JWK_TYPES:
        if "publicKeyMultibase" in entry:
            raise InvalidKeyError(f"{vm_type} has both publicKeyJwk and publicKeyMultibase")
        public_key = PublicKey.from_jwk(entry.get("publicKeyJwk"))
    else:
        raise InputError(f"verification method type {vm_type[:80]!r} is not supported")
    return VerificationMethod(id=vm_id, type=vm_type, controller=controller, public_key=public_key)


def find_method(
    controller: ControllerDocument, ref: str | None, purpose: str
) -> VerificationMethod:
    """The method ``ref`` names in ``controller``'s own document, authorised for ``purpose``.

    ``ref`` is an absolute method id, a ``#fragment`` of the document, or a JOSE ``kid`` equal to
    a method's ``publicKeyJwk.kid``; None picks the one method listed under ``purpose`` (an
    error if there are several). Raises :class:`~vcportable.errors.ResolutionError` whose
    ``code`` says why: ``KID_NOT_IN_ISSUER_DID`` (not a method of this controller),
    ``DID_NOT_RESOLVED`` (named but not defined here), ``INVALID_KEY`` or ``MALFORMED`` (defined
    but unusable), ``ISSUER_KEY_MISMATCH`` (its ``controller`` is someone else),
    ``VERIFICATION_METHOD_NOT_AUTHORIZED`` (not listed under ``purpose``).
    """
    if purpose not in PURPOSES:
        raise ConfigurationError(f"unknown proof purpose {purpose!r}; expected one of {PURPOSES}")
    listed = controller.relationships[purpose]
    doc_id = controller.id
    if ref is None:
        if len(listed) != 1:
            raise ResolutionError(
                f"no key id was given and {doc_id} lists {len(listed)} {purpose} keys; "
                "a key id is needed to choose one",
                code="KID_NOT_IN_ISSUER_DID",
            )
        vm_id = listed[0]
    else:
        vm_id = doc_id + ref if ref.startswith("#") else ref
        if vm_id not in controller.verification_methods and ref in controller.jwk_kids:
            vm_id = controller.jwk_kids[ref]
    method = controller.verification_methods.get(vm_id)
    if method is None:
        unusable = controller.unusable_methods.get(vm_id)
        if unusable is not None:
            raise ResolutionError(
                f"verification method {vm_id} cannot be used: {unusable.message}",
                code=unusable.code,
            )
        if vm_id.partition("#")[0] != doc_id:
            raise ResolutionError(
                f"{vm_id[:200]!r} is not a verification method of {doc_id}: the key must come "
                "from the controller's own document",
                code="KID_NOT_IN_ISSUER_DID",
            )
        raise ResolutionError(
            f"verification method {vm_id[:200]!r} not found in DID document {doc_id}"
        )
    if method.controller != doc_id:
        raise ResolutionError(
            f"{vm_id} is controlled by {method.controller[:200]}, not by {doc_id} whose document "
            "lists it",
            code="ISSUER_KEY_MISMATCH",
        )
    if vm_id not in listed:
        raise ResolutionError(
            f"{vm_id} is not listed under {purpose} of {doc_id}",
            code="VERIFICATION_METHOD_NOT_AUTHORIZED",
        )
    return method
