"""Compact tokens of every kind: their :class:`~vcportable.proofs.base.ProofVerifier`
(:class:`TokenVerifier`), the one dispatch on a token's declared type, and the verification of
the credentials a presentation encloses.

This module sits above the two token families (:mod:`vcportable.proofs.jose` for ``vc+jwt``,
``vp+jwt`` and VC-JWT 1.1; :mod:`vcportable.proofs.sdjwt` for SD-JWT), so neither imports the
other: a presentation of either family is handed :func:`verify_enclosed`, which verifies each
enveloped credential with the family it belongs to.

::

    result = verify_token(text, resolver=resolver, now=now, policy=JosePolicy(),
                          request=TokenRequest(nonce=n, aud=a))
    result.verified, result.checks, result.document

The type is the token's ``typ`` header (explicit typing per RFC 8725 §3.11, never a guess from
the content): ``vc+jwt``, ``vp+jwt``, the SD-JWT types, and ``JWT``/absent with a ``vc`` claim
for VC-JWT 1.1 when the policy accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Final

from vcportable.models.report import Check, CheckStatus, Code, DisclosedClaim
from vcportable.proofs.base import ProofContext, ProofRequest, ProofResult
from vcportable.proofs.dispatch import is_sd_jwt
from vcportable.proofs.jose.checks import JoseResult, Resolver
from vcportable.proofs.jose.credentials import _verify_1_1, _verify_jwt, verify_vc_jwt
from vcportable.proofs.jose.jws import (
    DEFAULT_POLICY,
    DEFAULT_REQUEST,
    CompactJws,
    HeadedJws,
    JosePolicy,
    Rejection,
    TokenRequest,
    decode_rest,
    normalize_typ,
    read_header,
)
from vcportable.proofs.sdjwt.verify import verify_sd_jwt

__all__ = ["TokenVerifier", "verify_enclosed", "verify_token"]

_DATA_URL: Final = re.compile(
    r"data:application/(vc\+jwt|vc\+sd-jwt|dc\+sd-jwt),([A-Za-z0-9_.~-]+)"
)
#: The SD-JWT formats: the tokens that may carry a key binding.
_SD_FORMATS: Final = frozenset({"vc+sd-jwt", "dc+sd-jwt", "vp+sd-jwt"})
#: Token formats whose document follows the VC data model (a ``dc+sd-jwt`` does not).
_VCDM_FORMATS: Final = frozenset({"vc+jwt", "vp+jwt", "vc+sd-jwt", "vc-jwt-1.1"})


class TokenVerifier:
    """A compact token of any supported type (:func:`verify_token`), as a proof verifier: the
    request's challenge and domain are the nonce and audience asked of a presentation or key
    binding, the policy's clock skew and JOSE limits apply."""

    def verify(self, data: Any, request: ProofRequest, context: ProofContext) -> ProofResult:
        if not isinstance(data, str):
            return _result(_unreadable("the token is not text", Code.MALFORMED))
        policy = context.policy
        result = verify_token(
            data,
            resolver=context.resolver,
            now=context.now,
            policy=policy.jose or DEFAULT_POLICY,
            request=_token_request(policy.clock_skew, request.challenge, request.domain),
        )
        return _result(result)


@lru_cache(maxsize=64)
def _token_request(clock_skew: timedelta, nonce: str | None, aud: str | None) -> TokenRequest:
    """The (frozen, validated) request of a skew, nonce and audience, made once for all the
    tokens verified with them."""
    return TokenRequest(clock_skew, nonce=nonce, aud=aud)


def _result(token: JoseResult) -> ProofResult:
    """A token's result in the shape of every proof format. A credential token's signer counts
    for the later checks only when every check of the token passed (its time window and claims
    included); a presentation's signer authenticates its holder once its signature verified."""
    signer = token.signer
    counts = signer is not None and (token.kind == "presentation" or token.verified)
    disclosed = [
        DisclosedClaim(path=path, value=token.disclosed_values.get(path))
        for path in token.disclosed
    ]
    facts: dict[str, Any] = token.summary()  # a dict of its own, to add to
    facts["disclosed"] = disclosed or None
    return ProofResult(
        token.kind,
        token.format,
        tuple(token.checks),
        token.document,
        token.claims,
        signers=(signer,) if counts and signer is not None else (),
        holder=signer.controller if signer is not None and token.kind == "presentation" else None,
        enclosed=tuple(_result(sub) for sub in token.credentials),
        embedded=False,
        vc_data_model=token.format in _VCDM_FORMATS,
        answers_challenge=token.kind == "presentation" or _key_bound(token),
        facts=facts,
    )


def _key_bound(token: JoseResult) -> bool:
    """Whether a key binding verified (only an SD-JWT has one: other tokens are not read)."""
    if token.format not in _SD_FORMATS:
        return False
    return any(c.id == "key_binding" and c.status is CheckStatus.PASSED for c in token.checks)


def verify_token(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
    request: TokenRequest = DEFAULT_REQUEST,
) -> JoseResult:
    """Verify a compact JWT or SD-JWT of any supported type, chosen by its ``typ`` header.

    ``vc+jwt`` / ``vp+jwt`` / ``vc+sd-jwt`` / ``vp+sd-jwt`` / ``dc+sd-jwt``; ``JWT`` or no
    ``typ`` with a ``vc`` claim is VC-JWT 1.1 (when the policy accepts it). Anything else fails
    with ``TYP_MISMATCH``; a JWE fails with ``NOT_A_JWS``.
    """
    request.check_against(policy)
    text = token.strip()
    given: dict[str, Any] = {"resolver": resolver, "now": now, "policy": policy, "request": request}
    try:
        if is_sd_jwt(text):
            return verify_sd_jwt(text, enclosed=verify_enclosed, **given)
        headed = read_header(text, policy, what="token", check_id="parse")
        header = headed.header
        typ = normalize_typ(header.get("typ"))
        if typ in ("vc+jwt", "vp+jwt"):
            enclosed = verify_enclosed if typ == "vp+jwt" else None
            return _verify_jwt(headed, typ, enclosed=enclosed, **given)
        if typ in ("vc+sd-jwt", "dc+sd-jwt", "vp+sd-jwt"):
            return verify_sd_jwt(text, enclosed=verify_enclosed, **given)
        if typ in (None, "jwt"):
            decoded = _decoded(headed, policy)
            if decoded is None or "vc" in decoded.payload:
                return _verify_1_1(decoded or headed, **given)
        raise Rejection(
            "jose_header",
            Code.TYP_MISMATCH,
            f"token type (typ) {header.get('typ')!r} is not a credential or presentation type "
            "this verifier accepts",
        )
    except Rejection as exc:
        return JoseResult("unknown", "credential", [exc.check])


def _decoded(headed: HeadedJws, policy: JosePolicy) -> CompactJws | None:
    """A ``JWT`` token decoded once, to see whether it carries a ``vc`` claim (VC-JWT 1.1);
    None when it cannot be: the 1.1 verifier then reports what is wrong with it."""
    try:
        return decode_rest(headed, policy, what="credential token")
    except Rejection:
        return None


# --------------------------------------------------------------------------------------------
# What a presentation encloses


def verify_enclosed(
    presentation: Mapping[str, Any],
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy,
    request: TokenRequest,
) -> tuple[list[JoseResult], Check]:
    """Verify each ``EnvelopedVerifiableCredential`` of a presentation (VC-JOSE-COSE §3.2)."""
    value = presentation.get("verifiableCredential", [])
    items = value if isinstance(value, list) else [value]
    if len(items) > policy.max_enclosed_credentials:
        return [], Check.failed(
            "credentials",
            Code.TOO_LARGE,
            f"{len(items)} enclosed credentials, over the limit of "
            f"{policy.max_enclosed_credentials}",
        )
    # The presentation's signature authenticates the holder: an enclosed SD-JWT need not carry
    # its own key binding (one that does is still checked).
    inner = replace(policy, require_key_binding=False)
    # Their own time window with the same skew; the nonce and audience were the presentation's.
    inner_request = TokenRequest(clock_skew=request.clock_skew)
    results: list[JoseResult] = []
    for index, item in enumerate(items):
        where = f"verifiableCredential[{index}]"
        types = item.get("type") if isinstance(item, Mapping) else None
        types = [types] if isinstance(types, str) else types
        match = (
            _DATA_URL.fullmatch(item.get("id", ""))
            if isinstance(item, Mapping) and isinstance(item.get("id"), str)
            else None
        )
        if not isinstance(types, list) or "EnvelopedVerifiableCredential" not in types:
            results.append(
                _unreadable(
                    f"{where} is not an EnvelopedVerifiableCredential: credentials in a "
                    "JOSE presentation must be enveloped (secured) tokens"
                )
            )
        elif match is None:
            results.append(
                _unreadable(
                    f"{where} id is not a data: URL of a vc+jwt, vc+sd-jwt or dc+sd-jwt "
                    "token (COSE and other envelopes are not supported)"
                )
            )
        elif match.group(1) == "vc+jwt":
            results.append(
                verify_vc_jwt(
                    match.group(2), resolver=resolver, now=now, policy=inner, request=inner_request
                )
            )
        else:
            results.append(
                verify_sd_jwt(
                    match.group(2),
                    resolver=resolver,
                    now=now,
                    policy=inner,
                    request=inner_request,
                    typs=frozenset({match.group(1)}),
                )
            )
    bad = sum(1 for r in results if not r.verified)
    if bad:
        return results, Check.failed(
            "credentials",
            Code.CREDENTIAL_INVALID,
            f"{bad} of {len(results)} enclosed credential(s) did not verify",
        )
    return results, Check.passed("credentials", f"{len(results)} enclosed credential(s) verified")


def _unreadable(message: str, code: Code = Code.UNSUPPORTED_FORMAT) -> JoseResult:
    """Input that is not a token this module can verify."""
    return JoseResult("unknown", "credential", [Check.failed("parse", code, message)])
