"""W3C Data Integrity proofs: the cryptosuites, adding a proof, verifying one.

This is the low-level ("hazmat") layer: it knows how each cryptosuite turns a document into the
bytes that are signed, and nothing about trust or policy. :mod:`vcportable.verifier` decides
which checks to run and turns their outcome into a report.

Suites are matched on the exact ``(type, cryptosuite)`` pair of a proof, and the key behind the
verification method must be of the suite's key type: nothing is guessed from the input.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from ... import jsonld
from ...clock import format_datetime
from ...codec.multibase import multibase_decode, multibase_encode
from ...errors import (
    CanonicalizationError,
    ConfigurationError,
    InputError,
    InvalidSignature,
    VcPortableError,
)
from ...keys import KeyPair, KeyType, PublicKey
from .nquads import canonicalize_quads, quads_of

#: One document's hashes by (canonicalization, hash name, the previous proofs a chained proof
#: signs with it), or the error canonicalizing it raised: shared by the proofs of one document
#: (see :func:`verify_signature`).
DocumentHashes = dict[tuple[Any, str, tuple[str, ...] | None], "bytes | VcPortableError"]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"


class Canonicalizer(Protocol):
    """Document -> signed bytes; ``hash_algorithm`` is RDFC-1.0's (SHA-384 with P-384 keys),
    ``budget`` bounds its work."""

    def __call__(
        self,
        document: dict[str, Any],
        loader: jsonld.DocumentLoader,
        hash_algorithm: str = ...,
        budget: jsonld.CanonicalizationBudget = ...,
    ) -> bytes: ...


#: (unsecured document, proof options, key, loader) -> proofValue
ValueCreator = Callable[[dict[str, Any], dict[str, Any], KeyPair, "jsonld.DocumentLoader"], str]
#: (secured document, proof, key, loader, budget) -> None, raising as
#: :func:`verify_signature` does
ValueChecker = Callable[
    [
        Mapping[str, Any],
        Mapping[str, Any],
        PublicKey,
        "jsonld.DocumentLoader",
        "jsonld.CanonicalizationBudget",
    ],
    None,
]


def canonize_rdfc(
    document: dict[str, Any],
    loader: jsonld.DocumentLoader,
    hash_algorithm: str = "sha256",
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
) -> bytes:
    """RDFC-1.0 N-Quads of a document in compacted form, under a work budget (NOT_COMPACTED,
    CANONICALIZATION_TOO_COMPLEX otherwise): :func:`vcportable.jsonld.canonize_signed`."""
    text = jsonld.canonize_signed(document, loader, budget=budget)
    if hash_algorithm != "sha256" and "_:" in text:
        # Blank node labels depend on the hash: the same dataset, labelled with this one.
        text = canonicalize_quads(quads_of(text), hash_algorithm, budget)[0]
    return text.encode("utf-8")


def _jcs(
    document: dict[str, Any],
    loader: jsonld.DocumentLoader,
    hash_algorithm: str = "sha256",
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
) -> bytes:
    """JCS of the JSON itself, once the document is shown to be JSON-LD in compacted form.

    The JCS suites sign the JSON, but the document is still JSON-LD (VC 2.0 documents are
    compacted JSON-LD), and a reader may take either view: so it must be one document in both,
    as the RDFC suites require. Without this check an inline alias (``issuer2`` for
    ``cred:issuer``), a redefined protected term or an invalid context mix verified under JCS
    while the same document was refused under RDFC. The check is the RDFC suites' own
    (:func:`~vcportable.jsonld.canonize_signed`, under ``budget``); its N-Quads are not used."""
    jsonld.canonize_signed(document, loader, budget=budget)
    import rfc8785  # only the JCS suites need it: not imported on a cold RDFC verify

    try:
        return bytes(rfc8785.dumps(document))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
        # Integers beyond 2^53, non-finite numbers, lone surrogates: not I-JSON (RFC 7493).
        raise CanonicalizationError(f"the document cannot be canonicalized as JCS: {exc}") from None


@dataclass(frozen=True)
class Cryptosuite:
    """One proof suite: how a document becomes the signed bytes, and with which key type."""

    name: str
    proof_type: str
    key_type: KeyType
    canonicalize: Canonicalizer
    can_sign: bool = True
    #: The JCS suites copy the document's @context into the proof they emit.
    proof_carries_context: bool = False
    #: Key types accepted besides ``key_type`` (the ECDSA suites also take P-384 keys).
    other_key_types: tuple[KeyType, ...] = ()
    #: Why the suite takes no other key type, where its specification decides it: quoted
    #: whenever a key of another type is refused.
    key_rule: str = ""
    #: A suite whose proof value is not one signature over :meth:`hash_data` (ecdsa-sd-2023)
    #: makes and checks it itself.
    create_value: ValueCreator | None = None
    check_value: ValueChecker | None = None

    def accepts(self, key_type: KeyType) -> bool:
        return key_type is self.key_type or key_type in self.other_key_types

    @property
    def key_rule_note(self) -> str:
        """`` (key_rule)`` for the end of a refusal, or nothing."""
        return f" ({self.key_rule})" if self.key_rule else ""

    def hash_data(
        self,
        unsecured: dict[str, Any],
        proof_config: dict[str, Any],
        loader: jsonld.DocumentLoader,
        key_type: KeyType | None = None,
        budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
        document_hashes: DocumentHashes | None = None,
        chain: tuple[str, ...] | None = None,
    ) -> bytes:
        """hash(proof configuration) || hash(document): SHA-256, or SHA-384 for a P-384 key as
        the ECDSA suites specify. ``document_hashes`` holds the hashes of the document (or the
        error canonicalizing it raised) for the other proofs of a set over the same document:
        ``unsecured`` is that document, with the proofs of ``chain`` if it names any (the ids
        of a chained proof's previous proofs)."""
        digest = hashlib.sha384 if key_type is KeyType.P384 else hashlib.sha256
        name = digest().name
        proof_hash = digest(self.canonicalize(proof_config, loader, name, budget)).digest()
        key = (self.canonicalize, name, chain)
        found = document_hashes.get(key) if document_hashes is not None else None
        if found is None:
            try:
                found = digest(self.canonicalize(unsecured, loader, name, budget)).digest()
            except VcPortableError as exc:
                found = exc
            if document_hashes is not None:
                document_hashes[key] = found
        if isinstance(found, VcPortableError):
            raise found
        return proof_hash + found


# ecdsa-sd-2023 builds on this module, so its hooks import it when first called.
def _sd_create(
    unsecured: dict[str, Any], proof: dict[str, Any], key: KeyPair, loader: jsonld.DocumentLoader
) -> str:
    from .ecdsa_sd import create_base_value

    return create_base_value(unsecured, proof, key, loader)


def _sd_check(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    key: PublicKey,
    loader: jsonld.DocumentLoader,
    budget: jsonld.CanonicalizationBudget,
) -> None:
    from .ecdsa_sd import verify_derived

    verify_derived(document, proof, key, loader, budget)


#: W3C Data Integrity ECDSA Cryptosuites v1.0 (Recommendation, 15 May 2025) instantiates
#: ecdsa-sd-2023 for P-256 only: an HMAC "i.e., SHA-256 for a P-256 curve", a P-256
#: proof-scoped key, and a derived proof value whose sizes a P-384 proof would break.
SD_P256_ONLY: Final = (
    "W3C vc-di-ecdsa 1.0 section 3.5.8 parseDerivedProofValue requires a 64-byte base "
    "signature and 32-byte HMAC labels: this suite is P-256 with SHA-256 only, unlike "
    "ecdsa-rdfc-2019 and ecdsa-jcs-2019, which also take P-384"
)

SUITES: dict[tuple[str, str | None], Cryptosuite] = {
    (s.proof_type, s.name if s.proof_type == DATA_INTEGRITY_PROOF else None): s
    for s in (
        Cryptosuite("eddsa-rdfc-2022", DATA_INTEGRITY_PROOF, KeyType.ED25519, canonize_rdfc),
        Cryptosuite(
            "eddsa-jcs-2022",
            DATA_INTEGRITY_PROOF,
            KeyType.ED25519,
            _jcs,
            proof_carries_context=True,
        ),
        Cryptosuite(
            "ecdsa-rdfc-2019",
            DATA_INTEGRITY_PROOF,
            KeyType.P256,
            canonize_rdfc,
            other_key_types=(KeyType.P384,),
        ),
        Cryptosuite(
            "ecdsa-jcs-2019",
            DATA_INTEGRITY_PROOF,
            KeyType.P256,
            _jcs,
            proof_carries_context=True,
            other_key_types=(KeyType.P384,),
        ),
        Cryptosuite(
            "ecdsa-sd-2023",
            DATA_INTEGRITY_PROOF,
            KeyType.P256,
            canonize_rdfc,
            create_value=_sd_create,
            check_value=_sd_check,
            key_rule=SD_P256_ONLY,
        ),
        # Legacy suite: verified for credentials already in the field, never produced.
        Cryptosuite(
            "Ed25519Signature2020",
            "Ed25519Signature2020",
            KeyType.ED25519,
            canonize_rdfc,
            can_sign=False,
        ),
    )
}
SIGNING_SUITES = tuple(s.name for s in SUITES.values() if s.can_sign)
DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"


def suite_by_name(name: str) -> Cryptosuite:
    """The signing suite called ``name``; ConfigurationError names the choices otherwise."""
    for suite in SUITES.values():
        if suite.name == name and suite.can_sign:
            return suite
    raise ConfigurationError(
        f"unknown cryptosuite {name!r}; choose one of: {', '.join(SIGNING_SUITES)}"
    )


def match_suite(proof: Mapping[str, Any]) -> Cryptosuite | None:
    """The suite for a proof's exact ``(type, cryptosuite)``, or None when unsupported."""
    proof_type = proof.get("type")
    if not isinstance(proof_type, str):
        return None
    cryptosuite = proof.get("cryptosuite") if proof_type == DATA_INTEGRITY_PROOF else None
    if cryptosuite is not None and not isinstance(cryptosuite, str):
        return None
    return SUITES.get((proof_type, cryptosuite))


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The proofs of a secured document, as a list (a proof set may be one object or many)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def unsecured_document(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document the proof signed: without ``proof``, or with the proofs a chain points to."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = [previous] if isinstance(previous, str) else previous
        if not isinstance(wanted, list) or not all(isinstance(p, str) for p in wanted):
            raise InputError("previousProof must be a proof id or a list of proof ids")
        by_id = {
            p["id"]: p
            for p in proofs_of(document)
            if isinstance(p, dict) and isinstance(p.get("id"), str)
        }
        missing = [pid for pid in wanted if pid not in by_id]
        if missing:
            raise InputError(f"previousProof {missing[0]!r} is not among the document's proofs")
        unsecured["proof"] = [by_id[pid] for pid in wanted]
    return unsecured


def proof_configuration(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The proof options that are signed: the proof without its value, in the document's context.

    A proof that carries its own ``@context`` (the JCS suites) must name a prefix of the
    document's contexts; InputError otherwise.
    """
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    own = proof.get("@context")
    if own is not None:
        own_list = own if isinstance(own, list) else [own]
        doc_context = document.get("@context")
        doc_list = doc_context if isinstance(doc_context, list) else [doc_context]
        if doc_list[: len(own_list)] != own_list:
            raise InputError("the proof's @context does not match the document's @context")
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def encode_signature(signature: bytes) -> str:
    return multibase_encode(signature)


def decode_signature(proof_value: Any) -> bytes:
    """Decode a base58btc multibase ``proofValue``; InputError when it is not one."""
    return multibase_decode(proof_value, what="proofValue", max_chars=512)


def add_proof(
    document: Mapping[str, Any],
    key: KeyPair,
    *,
    created: datetime,
    loader: jsonld.DocumentLoader,
    cryptosuite: str = DEFAULT_CRYPTOSUITE,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a new Data Integrity proof made by ``key``.

    Raises ConfigurationError when the key type does not fit the suite, and the JSON-LD errors
    of :func:`vcportable.jsonld.canonize` when the document cannot be signed losslessly.
    """
    suite = suite_by_name(cryptosuite)
    proof = proof_options(
        document, suite, key, created=created, purpose=purpose, challenge=challenge, domain=domain
    )
    unsecured = copy.deepcopy(dict(document))
    if suite.create_value is not None:
        proof["proofValue"] = suite.create_value(unsecured, proof, key, loader)
    else:
        config = proof_configuration(unsecured, proof)
        data = suite.hash_data(unsecured, config, loader, key.type)
        proof["proofValue"] = encode_signature(key.sign(data))
    unsecured["proof"] = proof
    return unsecured


def proof_options(
    document: Mapping[str, Any],
    suite: Cryptosuite,
    key: KeyPair,
    *,
    created: datetime,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """The new proof of ``document`` without its value; ConfigurationError when ``key`` does
    not fit ``suite`` or the document already has a proof."""
    if not suite.accepts(key.type):
        raise ConfigurationError(
            f"cryptosuite {suite.name} needs a {suite.key_type.value} key, not "
            f"{key.type.value}{suite.key_rule_note}"
        )
    if "proof" in document:
        raise ConfigurationError("the document already has a proof; proof sets are not produced")
    proof: dict[str, Any] = {
        "type": suite.proof_type,
        "cryptosuite": suite.name,
        "created": format_datetime(created),
        "verificationMethod": key.key_id,
        "proofPurpose": purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if suite.proof_carries_context and "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    return proof


def verify_signature(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: Cryptosuite,
    public_key: PublicKey,
    loader: jsonld.DocumentLoader,
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
    document_hashes: DocumentHashes | None = None,
) -> None:
    """Check the proof's signature over the document, canonicalizing within ``budget``.

    Raises InvalidSignature when it does not verify, InputError for a malformed proof value,
    and the JSON-LD errors (ContextNotAllowedError, CanonicalizationError) when the document
    cannot be canonicalized. ``document_hashes`` (one per document, shared by its proofs) lets
    each canonicalization of the document be done once: a set of 8 proofs would otherwise cost
    8 of them (a crafted 15 KB document, 260 ms). A chained proof signs the document with its
    previous proofs: that content is shared only with proofs that name the same ones.
    """
    if not suite.accepts(public_key.type):
        raise InvalidSignature("key type does not match the cryptosuite")
    if suite.check_value is not None:
        suite.check_value(document, proof, public_key, loader, budget)
        return
    signature = decode_signature(proof.get("proofValue"))
    unsecured = unsecured_document(document, proof)
    config = proof_configuration(document, proof)
    # The content signed: the document alone (None), or with the previous proofs a chained
    # proof names (their ids, in order: unsecured_document checked them).
    chain = tuple(p["id"] for p in unsecured["proof"]) if "proof" in unsecured else None
    data = suite.hash_data(
        unsecured, config, loader, public_key.type, budget, document_hashes, chain
    )
    public_key.verify(signature, data)
