"""W3C Data Integrity: the cryptosuites (:mod:`.suites`), verifying a document's proof set or
chain (:mod:`.proof_set`), the :class:`~vcportable.proofs.base.ProofVerifier` of JSON-LD
credentials and presentations (:mod:`.proof_verifier`), and the selective-disclosure suite
``ecdsa-sd-2023`` (:mod:`.ecdsa_sd`, with :mod:`.ecdsa_sd_select` and :mod:`.nquads`).

Callers use this package as ``from vcportable.proofs import dataintegrity as di``.
"""

from __future__ import annotations

from .proof_set import (
    ProofSetResult,
    binding_check,
    code_of,
    verify_proof_set,
)
from .proof_verifier import DataIntegrityVerifier
from .suites import (
    DATA_INTEGRITY_PROOF,
    DEFAULT_CRYPTOSUITE,
    SIGNING_SUITES,
    SUITES,
    Cryptosuite,
    add_proof,
    decode_signature,
    encode_signature,
    match_suite,
    proof_configuration,
    proof_options,
    proofs_of,
    suite_by_name,
    unsecured_document,
    verify_signature,
)

__all__ = [
    "DATA_INTEGRITY_PROOF",
    "DEFAULT_CRYPTOSUITE",
    "SIGNING_SUITES",
    "SUITES",
    "Cryptosuite",
    "DataIntegrityVerifier",
    "ProofSetResult",
    "add_proof",
    "binding_check",
    "code_of",
    "decode_signature",
    "encode_signature",
    "match_suite",
    "proof_configuration",
    "proof_options",
    "proofs_of",
    "suite_by_name",
    "unsecured_document",
    "verify_proof_set",
    "verify_signature",
]
