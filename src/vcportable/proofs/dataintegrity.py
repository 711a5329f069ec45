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
from typing import Any

import base58
import rfc8785

from .. import jsonld
from ..canonfast import canonize_fast
from ..clock import format_datetime
from ..errors import CanonicalizationError, ConfigurationError, InputError, InvalidSignature
from ..keys import KeyPair, KeyType, PublicKey

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
Canonicalizer = Callable[[dict[str, Any], "jsonld.DocumentLoader"], bytes]


def _rdfc(document: dict[str, Any], loader: jsonld.DocumentLoader) -> bytes:
    """RDFC-1.0 N-Quads: the compiled-context fast path, or the full algorithm for anything it
    does not cover (the two are byte-identical; tests/test_canon_fast.py proves it)."""
    text = canonize_fast(document, loader)
    if text is None:
        text = jsonld.canonize(document, loader)
    return text.encode("utf-8")


def _jcs(document: dict[str, Any], loader: jsonld.DocumentLoader) -> bytes:
    # JCS suites still refuse contexts that are not bundled: the document is JSON-LD.
    jsonld.check_contexts(document, loader)
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

    def hash_data(
        self,
        unsecured: dict[str, Any],
        proof_config: dict[str, Any],
        loader: jsonld.DocumentLoader,
    ) -> bytes:
        """hash(proof configuration) || hash(document), as every suite here specifies."""
        proof_hash = hashlib.sha256(self.canonicalize(proof_config, loader)).digest()
        doc_hash = hashlib.sha256(self.canonicalize(unsecured, loader)).digest()
        return proof_hash + doc_hash


SUITES: dict[tuple[str, str | None], Cryptosuite] = {
    (s.proof_type, s.name if s.proof_type == DATA_INTEGRITY_PROOF else None): s
    for s in (
        Cryptosuite("eddsa-rdfc-2022", DATA_INTEGRITY_PROOF, KeyType.ED25519, _rdfc),
        Cryptosuite(
            "eddsa-jcs-2022",
            DATA_INTEGRITY_PROOF,
            KeyType.ED25519,
            _jcs,
            proof_carries_context=True,
        ),
        Cryptosuite("ecdsa-rdfc-2019", DATA_INTEGRITY_PROOF, KeyType.P256, _rdfc),
        # Legacy suite: verified for credentials already in the field, never produced.
        Cryptosuite(
            "Ed25519Signature2020", "Ed25519Signature2020", KeyType.ED25519, _rdfc, can_sign=False
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
    return "z" + base58.b58encode(signature).decode("ascii")


def decode_signature(proof_value: Any) -> bytes:
    """Decode a base58btc multibase ``proofValue``; InputError when it is not one."""
    if (
        not isinstance(proof_value, str)
        or not proof_value.startswith("z")
        or len(proof_value) > 512
    ):
        raise InputError("proofValue must be a base58btc multibase string (starting with 'z')")
    try:
        return bytes(base58.b58decode(proof_value[1:]))
    except ValueError:
        raise InputError("proofValue is not valid base58btc") from None


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
    if key.type is not suite.key_type:
        raise ConfigurationError(
            f"cryptosuite {suite.name} needs a {suite.key_type.value} key, not {key.type.value}"
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
    unsecured = copy.deepcopy(dict(document))
    data = suite.hash_data(unsecured, proof_configuration(unsecured, proof), loader)
    proof["proofValue"] = encode_signature(key.sign(data))
    unsecured["proof"] = proof
    return unsecured


def verify_signature(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    suite: Cryptosuite,
    public_key: PublicKey,
    loader: jsonld.DocumentLoader,
) -> None:
    """Check the proof's signature over the document.

    Raises InvalidSignature when it does not verify, InputError for a malformed proof value,
    and the JSON-LD errors (ContextNotAllowedError, CanonicalizationError) when the document
    cannot be canonicalized.
    """
    signature = decode_signature(proof.get("proofValue"))
    unsecured = unsecured_document(document, proof)
    data = suite.hash_data(unsecured, proof_configuration(document, proof), loader)
    if public_key.type is not suite.key_type:
        raise InvalidSignature("key type does not match the cryptosuite")
    public_key.verify(signature, data)
