"""Credentials and presentations as JWTs (W3C VC-JOSE-COSE ``vc+jwt``/``vp+jwt``, VC-JWT 1.1).

:mod:`.jws` is the one place a JWS is decoded and checked, :mod:`.keys` decides which
algorithm fits which key and where a token's key is found, :mod:`.checks` holds the checks
shared with SD-JWT, and :mod:`.credentials` issues and verifies the token types. Choosing a
verifier by a token's ``typ`` is :func:`vcportable.proofs.tokens.verify_token`.
"""

from __future__ import annotations

from .checks import JoseResult
from .credentials import (
    issue_vc_jwt,
    issue_vp_jwt,
    jwt_claims_for,
    verify_vc_jwt,
    verify_vc_jwt_1_1,
    verify_vp_jwt,
)
from .jws import DEFAULT_POLICY, DEFAULT_REQUEST, JosePolicy, TokenRequest
from .keys import ALGS_WITH_NIST_CURVES, DEFAULT_ALGS, ControllerDocuments, DidKeySource, KeySource

__all__ = [
    "ALGS_WITH_NIST_CURVES",
    "DEFAULT_ALGS",
    "DEFAULT_POLICY",
    "DEFAULT_REQUEST",
    "ControllerDocuments",
    "DidKeySource",
    "JosePolicy",
    "JoseResult",
    "KeySource",
    "TokenRequest",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "jwt_claims_for",
    "verify_vc_jwt",
    "verify_vc_jwt_1_1",
    "verify_vp_jwt",
]
