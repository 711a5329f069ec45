"""The ``ecdsa-sd-2023`` cryptosuite (W3C vc-di-ecdsa): selective disclosure in three steps.

* The **issuer** (:func:`add_base_proof`) signs each statement (canonical N-Quad) of the
  credential with a fresh P-256 key made for this proof, and signs with its own key the proof
  options, that key and the statements that must always be disclosed (``mandatory_pointers``).
  Blank nodes are renamed with an HMAC whose key goes to the holder in the base proof, so a
  disclosure does not reveal how many nodes were left out, or where.
* The **holder** (:func:`derive`) keeps the parts that ``selective_pointers`` (plus the mandatory
  ones) select, and only the signatures of their statements.
* The **verifier** (:func:`verify_derived`, reached through
  :func:`~vcportable.proofs.dataintegrity.verify_signature`) canonicalizes what it received,
  renames its blank nodes with the label map the holder sent, and checks every signature.

A base proof is not verified: it is the holder's, and carries the HMAC key. Every part of a
proof value is bounded (:class:`SdLimits`) before anything is computed from it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NoReturn

import cbor2

from ... import jsonld
from ...codec.base64url import b64url_decode, b64url_encode
from ...codec.multibase import multibase_decode, multibase_encode
from ...errors import CanonicalizationError, InputError, InvalidSignature
from ...keys import KeyPair, KeyType, PublicKey
from . import suites as di
from .ecdsa_sd_select import (
    LabelMapFactory,
    canonicalize_and_group,
    compact_references,
    parse_pointer,
    select_json_ld,
)
from .nquads import canonicalize_quads, quads_of, relabel
from .suites import canonize_rdfc

__all__ = [
    "CRYPTOSUITE",
    "DEFAULT_LIMITS",
    "SdLimits",
    "add_base_proof",
    "checked_pointers",
    "create_base_value",
    "derive",
    "verify_derived",
]

CRYPTOSUITE: Final = "ecdsa-sd-2023"
_BASE_HEADER: Final = b"\xd9\x5d\x00"
_DERIVED_HEADER: Final = b"\xd9\x5d\x01"
_HMAC_KEY_BYTES: Final = 32
# Raw r||s P-256 signatures: the issuer's and those of the proof-scoped key (this suite takes
# P-256 issuer keys only: suites.SD_P256_ONLY).
_SIGNATURE_BYTES: Final = 64
_PROOF_KEY_BYTES: Final = 35  # p256-pub multicodec prefix + compressed point


@dataclass(frozen=True)
class SdLimits:
    """Bounds on a selective disclosure proof. Its parts come from whoever hands it over, so an
    attacker picks their sizes: each is checked before it costs any work."""

    #: Mandatory or selective JSON pointers, and the length of each.
    max_pointers: int = 256
    max_pointer_chars: int = 1024
    #: Statements signed one by one (signatures), blank node labels, mandatory indexes.
    max_statements: int = 4096
    #: The multibase proof value (4,096 signatures and labels fit in it).
    max_proof_value_chars: int = 600_000


DEFAULT_LIMITS: Final = SdLimits()


# --------------------------------------------------------------------------------------------
# Proof values: a 3-byte header, then CBOR
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BaseValue:
    base_signature: bytes
    public_key: bytes  # the proof-scoped key as Multikey bytes (p256-pub prefix + point)
    hmac_key: bytes
    signatures: list[bytes]
    mandatory_pointers: list[str]


@dataclass(frozen=True)
class _DerivedValue:
    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    #: canonical blank node number N (of ``_:c14nN``) -> HMAC label bytes
    label_map: dict[int, bytes]
    mandatory_indexes: list[int]


def _encode(header: bytes, parts: list[Any]) -> str:
    return multibase_encode(header + cbor2.dumps(parts), "u")


class _NoTags(Mapping[int, Any]):
    """cbor2 semantic decoders that refuse every tag: after its header a proof value has none,
    and tags would let the input build regexes, big numbers or shared references."""

    def __getitem__(self, tag: int) -> Any:
        return _refuse_tag

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[int]:
        return iter(())


def _refuse_tag(*_: Any) -> NoReturn:
    raise ValueError("CBOR tags are not allowed in a proof value")


def _decode(value: object, header: bytes, size: int, limits: SdLimits) -> list[Any]:
    data = multibase_decode(
        value, what="proofValue", bases="u", max_chars=limits.max_proof_value_chars
    )
    if data[:3] != header:
        if data[:3] == _BASE_HEADER:
            raise InputError(
                "this is an ecdsa-sd-2023 base proof: only its holder can use it, to derive a "
                "disclosure proof, which is what a verifier checks"
            )
        if data[:3] == _DERIVED_HEADER:
            raise InputError("this is an ecdsa-sd-2023 derived proof, not a base proof")
        raise InputError("proofValue is not an ecdsa-sd-2023 proof value (unknown header)")
    stream = io.BytesIO(data[3:])
    try:
        parts = cbor2.CBORDecoder(
            stream,
            tag_hook=_refuse_tag,
            semantic_decoders=_NoTags(),
            max_depth=2,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except (cbor2.CBORDecodeError, ValueError, OverflowError) as exc:
        raise InputError(f"proofValue is not valid CBOR: {exc}") from None
    if stream.tell() != len(data) - 3:
        raise InputError("proofValue has bytes after its CBOR value")
    if not isinstance(parts, list) or len(parts) != size:
        raise InputError(f"proofValue must be a CBOR array of {size} parts")
    return parts


def _bytes(value: Any, what: str, size: int) -> bytes:
    if not isinstance(value, bytes) or len(value) != size:
        raise InputError(f"proofValue {what} must be a byte string of {size} bytes")
    return value


def _items(value: Any, what: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"proofValue {what} must be an array")
    if len(value) > limit:
        raise InputError(f"proofValue has {len(value)} {what}, over the limit of {limit}")
    return value


def _signatures(value: Any, limits: SdLimits) -> list[bytes]:
    return [
        _bytes(s, "signature", _SIGNATURE_BYTES)
        for s in _items(value, "signatures", limits.max_statements)
    ]


def _proof_key_bytes(value: Any) -> bytes:
    return _bytes(value, "public key", _PROOF_KEY_BYTES)


def _decode_base(value: object, limits: SdLimits) -> _BaseValue:
    parts = _decode(value, _BASE_HEADER, 5, limits)
    return _BaseValue(
        _bytes(parts[0], "base signature", _SIGNATURE_BYTES),
        _proof_key_bytes(parts[1]),
        _bytes(parts[2], "HMAC key", _HMAC_KEY_BYTES),
        _signatures(parts[3], limits),
        checked_pointers(parts[4], limits, what="mandatory pointers"),
    )


def _decode_derived(value: object, limits: SdLimits) -> _DerivedValue:
    parts = _decode(value, _DERIVED_HEADER, 5, limits)
    labels = parts[3]
    if not isinstance(labels, dict) or len(labels) > limits.max_statements:
        raise InputError(
            f"proofValue label map must be a CBOR map of at most {limits.max_statements} entries"
        )
    label_map: dict[int, bytes] = {}
    for number, label in labels.items():
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise InputError("proofValue label map keys must be blank node numbers")
        label_map[number] = _bytes(label, "label", _HMAC_KEY_BYTES)
    # Two nodes with one label would merge into one node: statements signed about different
    # nodes could then be shown as statements about the same one.
    if len(set(label_map.values())) != len(label_map):
        raise InputError("proofValue label map gives two blank nodes the same label")
    indexes = _items(parts[4], "mandatory indexes", limits.max_statements)
    if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in indexes) or any(
        a >= b for a, b in zip(indexes, indexes[1:], strict=False)
    ):
        raise InputError("proofValue mandatory indexes must be increasing statement numbers")
    return _DerivedValue(
        _bytes(parts[0], "base signature", _SIGNATURE_BYTES),
        _proof_key_bytes(parts[1]),
        _signatures(parts[2], limits),
        label_map,
        indexes,
    )


def checked_pointers(
    pointers: object, limits: SdLimits = DEFAULT_LIMITS, *, what: str = "pointers"
) -> list[str]:
    """A list of JSON pointers within ``limits``; InputError otherwise."""
    if isinstance(pointers, str | bytes) or not isinstance(pointers, Sequence):
        raise InputError(f"{what} must be a list of JSON pointers")
    if len(pointers) > limits.max_pointers:
        raise InputError(f"{len(pointers)} {what}, over the limit of {limits.max_pointers}")
    for pointer in pointers:
        if isinstance(pointer, str) and len(pointer) > limits.max_pointer_chars:
            raise InputError(
                f"a JSON pointer is over the limit of {limits.max_pointer_chars} characters"
            )
        parse_pointer(pointer)
    return list(pointers)


# --------------------------------------------------------------------------------------------
# Issuer: the base proof
# --------------------------------------------------------------------------------------------


def _hmac_labels(key: bytes) -> LabelMapFactory:
    """Each canonical label ``c14nN`` becomes ``u`` + base64url(HMAC-SHA-256(key, "c14nN"))."""

    def factory(canonical: Mapping[str, str]) -> dict[str, str]:
        return {
            node: "u" + b64url_encode(hmac.new(key, label.encode(), hashlib.sha256).digest())
            for node, label in canonical.items()
        }

    return factory


def _multikey(key: PublicKey) -> bytes:
    return multibase_decode(key.to_multibase(), what="public key")


def _proof_hash(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    loader: jsonld.DocumentLoader,
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
) -> bytes:
    config = di.proof_configuration(document, proof)
    return hashlib.sha256(canonize_rdfc(config, loader, budget=budget)).digest()


def _sign_base(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    key: KeyPair,
    loader: jsonld.DocumentLoader,
    mandatory_pointers: list[str],
    hmac_key: bytes,
    proof_key: KeyPair,
    limits: SdLimits,
) -> str:
    grouped = canonicalize_and_group(
        unsecured, loader, _hmac_labels(hmac_key), {"mandatory": mandatory_pointers}
    )
    group = grouped.groups["mandatory"]
    if len(group.non_matching) > limits.max_statements:
        raise InputError(
            f"the credential has {len(group.non_matching)} statements to sign one by one, over "
            f"the limit of {limits.max_statements}"
        )
    mandatory_hash = hashlib.sha256("".join(group.matching.values()).encode()).digest()
    public = _multikey(proof_key.public_key)
    signatures = [proof_key.sign(line.encode()) for line in group.non_matching.values()]
    base_signature = key.sign(_proof_hash(unsecured, proof, loader) + public + mandatory_hash)
    return _encode(_BASE_HEADER, [base_signature, public, hmac_key, signatures, mandatory_pointers])


#: Members every disclosure of a credential must show (the verifier's checks read them).
ALWAYS_MANDATORY: Final = (
    "issuer",
    "validFrom",
    "validUntil",
    "issuanceDate",  # VC 1.1's validity
    "expirationDate",
    "credentialStatus",
    "credentialSchema",
)


def create_base_value(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    key: KeyPair,
    loader: jsonld.DocumentLoader,
    mandatory_pointers: Sequence[str] = (),
    *,
    limits: SdLimits = DEFAULT_LIMITS,
) -> str:
    """The base proof value of ``unsecured`` under the proof options ``proof``, with a fresh
    HMAC key and proof-scoped P-256 key. The statements a verifier decides by (issuer,
    validity, status: :data:`ALWAYS_MANDATORY`) are mandatory whatever is asked, or a holder
    could leave an expiry or a status entry out of a disclosure."""
    always = [f"/{name}" for name in ALWAYS_MANDATORY if name in unsecured]
    pointers = [*always, *(p for p in mandatory_pointers if p not in always)]
    return _sign_base(
        unsecured,
        proof,
        key,
        loader,
        checked_pointers(pointers, limits, what="mandatory pointers"),
        os.urandom(_HMAC_KEY_BYTES),
        KeyPair.generate(KeyType.P256),
        limits,
    )


def add_base_proof(
    document: Mapping[str, Any],
    key: KeyPair,
    *,
    created: datetime,
    loader: jsonld.DocumentLoader,
    mandatory_pointers: Sequence[str] = (),
    purpose: str = "assertionMethod",
    limits: SdLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """A copy of ``document`` with an ecdsa-sd-2023 base proof by ``key``, for its holder.

    ``mandatory_pointers`` (JSON pointers) select what every disclosure must show. Raises
    ConfigurationError for a key the suite does not take, InputError for a bad pointer, and the
    JSON-LD errors when the document cannot be signed losslessly.
    """
    proof = di.proof_options(
        document, di.suite_by_name(CRYPTOSUITE), key, created=created, purpose=purpose
    )
    unsecured = copy.deepcopy(dict(document))
    proof["proofValue"] = create_base_value(
        unsecured, proof, key, loader, mandatory_pointers, limits=limits
    )
    unsecured["proof"] = proof
    return unsecured


# --------------------------------------------------------------------------------------------
# Holder: the derived proof
# --------------------------------------------------------------------------------------------


def _base_proof(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    proofs = [
        p
        for p in di.proofs_of(credential)
        if isinstance(p, Mapping) and p.get("cryptosuite") == CRYPTOSUITE
    ]
    if len(proofs) != 1:
        raise InputError(f"the credential must have exactly one {CRYPTOSUITE} proof to derive from")
    return proofs[0]


def derive(
    credential: Mapping[str, Any],
    selective_pointers: Sequence[str],
    loader: jsonld.DocumentLoader,
    *,
    limits: SdLimits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """The credential reduced to its mandatory parts and those ``selective_pointers`` select,
    with a derived proof that a verifier can check. A holder checks a credential it received by
    verifying ``derive(credential, [""], loader)`` (everything disclosed).

    Raises InputError when the credential has no usable base proof, a pointer is bad or does not
    match, or the base proof does not fit the credential; the JSON-LD errors when the credential
    cannot be canonicalized.
    """
    proof = _base_proof(credential)
    base = _decode_base(proof.get("proofValue"), limits)
    selective = checked_pointers(selective_pointers, limits, what="selective pointers")
    combined = [*base.mandatory_pointers, *selective]
    if not combined:
        raise InputError("nothing to disclose: give at least one selective pointer")
    document = {k: v for k, v in credential.items() if k != "proof"}
    grouped = canonicalize_and_group(
        document,
        loader,
        _hmac_labels(base.hmac_key),
        {"mandatory": base.mandatory_pointers, "selective": selective, "combined": combined},
    )
    mandatory, chosen, shown = (grouped.groups[g] for g in ("mandatory", "selective", "combined"))
    if len(mandatory.non_matching) != len(base.signatures):
        raise InputError("the base proof does not fit this credential (was it altered?)")
    position = {index: n for n, index in enumerate(shown.matching)}
    signatures = [
        signature
        for index, signature in zip(mandatory.non_matching, base.signatures, strict=True)
        if index in chosen.matching
    ]
    selection = select_json_ld(document, combined)
    assert selection is not None  # combined is not empty
    reveal = compact_references(selection, loader)
    canonical, verifier_labels = canonicalize_quads(shown.quads)
    if canonical != canonize_rdfc(reveal, loader).decode("utf-8"):
        raise CanonicalizationError(
            "the disclosed part of the credential does not canonicalize as the statements it "
            "was cut from; it cannot be derived"
        )
    label_map = {
        int(c14n.removeprefix("c14n")): b64url_decode(grouped.label_map[node][1:])
        for node, c14n in verifier_labels.items()
    }
    value = _encode(
        _DERIVED_HEADER,
        [
            base.base_signature,
            base.public_key,
            signatures,
            label_map,
            [position[index] for index in mandatory.matching],
        ],
    )
    reveal["proof"] = {**{k: v for k, v in proof.items() if k != "proofValue"}, "proofValue": value}
    return reveal


# --------------------------------------------------------------------------------------------
# Verifier: the derived proof
# --------------------------------------------------------------------------------------------


def verify_derived(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: jsonld.DocumentLoader,
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
) -> None:
    """Check a derived proof with the issuer's ``public_key``, canonicalizing within
    ``budget``.

    Raises InvalidSignature when any signature fails, InputError for a malformed or base proof
    value, and the JSON-LD errors when the document cannot be canonicalized.
    """
    value = _decode_derived(proof.get("proofValue"), DEFAULT_LIMITS)
    proof_key = PublicKey.from_multibase(multibase_encode(value.public_key))
    if proof_key.type is not KeyType.P256:
        raise InputError("the proof-scoped key of an ecdsa-sd-2023 proof must be P-256")
    unsecured = di.unsecured_document(document, proof)
    quads = quads_of(canonize_rdfc(unsecured, loader, budget=budget).decode("utf-8"))
    labels = {f"c14n{n}": "u" + b64url_encode(label) for n, label in value.label_map.items()}
    nquads = relabel(quads, labels)
    if value.mandatory_indexes and value.mandatory_indexes[-1] >= len(nquads):
        raise InputError("proofValue mandatory indexes point past the disclosed statements")
    wanted = set(value.mandatory_indexes)
    mandatory = [nquads[i] for i in value.mandatory_indexes]
    optional = [line for i, line in enumerate(nquads) if i not in wanted]
    if len(optional) != len(value.signatures):
        raise InvalidSignature()
    mandatory_hash = hashlib.sha256("".join(mandatory).encode()).digest()
    public_key.verify(
        value.base_signature,
        _proof_hash(document, proof, loader, budget) + value.public_key + mandatory_hash,
    )
    for signature, line in zip(value.signatures, optional, strict=True):
        proof_key.verify(signature, line.encode())
