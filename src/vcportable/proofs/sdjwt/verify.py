"""Verifying an SD-JWT (RFC 9901 §7): ``vc+sd-jwt``, ``dc+sd-jwt`` and ``vp+sd-jwt``.

The issuer-signed JWT goes through the same envelope as every JOSE token
(:mod:`vcportable.proofs.jose.checks`); then every disclosure is recomputed and applied
(:mod:`vcportable.proofs.sdjwt.disclosures`), registered claims that came out of a disclosure are
refused, and a KB-JWT, when present, is checked against the credential's ``cnf`` key, the
verifier's ``nonce``/``aud`` and the exact presentation (``sd_hash``). Key binding is required
only when the policy says so. Like every verify function here, :func:`verify_sd_jwt` never
raises for a bad token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from vcportable.errors import InputError
from vcportable.models.facts import is_object
from vcportable.models.report import Check, Code
from vcportable.proofs.jose.checks import (
    EnclosedVerifier,
    JoseResult,
    Resolver,
    consistency_checks,
    document_of,
    envelope_checks,
    failed_result,
    header_passed,
    holder_of,
    iss_agrees,
    nonce_aud_checks,
    token_validity,
)
from vcportable.proofs.jose.jws import (
    DEFAULT_POLICY,
    DEFAULT_REQUEST,
    JosePolicy,
    Rejection,
    TokenRequest,
    check_header,
    numeric_date,
    parse_compact,
    time_checks,
    verify_signature,
)
from vcportable.proofs.jose.keys import JoseKey, ResolvedKey, key_source
from vcportable.proofs.sdjwt.disclosures import (
    ALWAYS_VISIBLE,
    SdJwtParts,
    apply_disclosures,
    digest_of,
    sd_alg_of,
    split_sd_jwt,
)

__all__ = ["SD_TYPS", "verify_sd_jwt"]

SD_TYPS: Final = frozenset({"vc+sd-jwt", "dc+sd-jwt", "vp+sd-jwt"})
# Checks whose message never varies: built once (a Check is immutable).
_PARSED: Final = Check.passed("parse", "well-formed SD-JWT")
_SIGNED_BY_HOLDER: Final = Check.skipped("key_binding", "the holder signed the presentation itself")
_NO_KEY_BINDING: Final = Check.skipped(
    "key_binding", "no key binding (not required by this verifier)"
)


def verify_sd_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
    request: TokenRequest = DEFAULT_REQUEST,
    typs: frozenset[str] | None = None,
    enclosed: EnclosedVerifier | None = None,
) -> JoseResult:
    """Verify an SD-JWT (``vc+sd-jwt``, ``dc+sd-jwt``, and ``vp+sd-jwt`` when given
    ``enclosed`` to verify what a presentation encloses; ``typs`` narrows them).

    Without ``enclosed`` a ``vp+sd-jwt`` fails with ``TYP_MISMATCH``: which type a token is
    comes from the token, so it must never turn into an exception.
    :func:`vcportable.proofs.tokens.verify_token` verifies every type.

    ``result.document`` is the credential with the disclosed claims (``dc+sd-jwt``: the claims);
    ``result.disclosed`` lists the paths the holder revealed. Key binding is required only if
    ``policy.require_key_binding``; a KB-JWT that is present is always checked, against the
    nonce and audience of ``request``.
    """
    request.check_against(policy)
    checks: list[Check] = []
    allowed = (typs if typs is not None else SD_TYPS) & policy.accepted_typs
    if enclosed is None:
        allowed -= {"vp+sd-jwt"}
    fmt = "sd-jwt"
    kind = "credential"
    try:
        if not allowed:
            raise Rejection("jose_header", Code.TYP_MISMATCH, "SD-JWT types are not accepted")
        parsed = split_sd_jwt(token.strip(), policy)
        jws = parse_compact(parsed.issuer_jwt, policy, what="SD-JWT")
        checks.append(_PARSED)
        typ = check_header(jws.header, policy, typs=allowed, what="SD-JWT")
        fmt = str(typ)
        kind = "presentation" if fmt == "vp+sd-jwt" else "credential"
        checks.append(header_passed(fmt, jws.header["alg"]))
        payload = jws.payload
        signer = holder_of(payload) if kind == "presentation" else _signer(payload, fmt)
        signed_by = envelope_checks(
            jws, key_source(resolver), signer, kind, policy, checks, what="SD-JWT"
        )
        sd_alg = sd_alg_of(payload, policy.sd_algs)
        claims, disclosures = apply_disclosures(payload, parsed.disclosures, sd_alg, policy)
        for disclosure in disclosures:
            if len(disclosure.where) == 1 and disclosure.where[0] in ALWAYS_VISIBLE:
                raise Rejection(
                    "disclosures",
                    Code.DISCLOSURE_INVALID,
                    f"{disclosure.name!r} must not be selectively disclosable",
                )
        checks.append(
            Check.passed("disclosures", f"{len(disclosures)} disclosure(s) match signed digests")
        )
    except Rejection as exc:
        return failed_result(fmt, kind, checks, exc)
    checks += _key_binding(parsed, payload, sd_alg, now, policy, request, kind)
    disclosed = [d.path for d in disclosures]
    values = {d.path: _value_at(claims, d.where) for d in disclosures}
    if fmt == "dc+sd-jwt":
        document = claims
        checks.append(_sd_jwt_vc_checks(claims))
    else:
        document = document_of(claims)
        checks += consistency_checks(claims, document, kind=kind)
        checks += _disclosed_signer_check(claims, signer, kind)
    require_exp = policy.require_exp and kind == "credential"
    checks.append(token_validity(claims, now, request, require_exp=require_exp))
    credentials: list[JoseResult] = []
    if kind == "presentation":
        checks += nonce_aud_checks(claims, request)
        assert enclosed is not None  # vp+sd-jwt is not an allowed type without it
        credentials, check = enclosed(
            document, resolver=resolver, now=now, policy=policy, request=request
        )
        checks.append(check)
    return JoseResult(
        fmt, kind, checks, document, claims, disclosed, credentials, signed_by, values
    )


def _value_at(claims: Any, where: tuple[str | int, ...]) -> Any:
    """The disclosed value where the disclosure landed: with the disclosures nested in it
    applied, so a report shows what the holder revealed, not digests."""
    for segment in where:
        claims = claims[segment]
    return claims


def _signer(payload: Mapping[str, Any], fmt: str) -> str:
    iss = payload.get("iss")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if is_object(issuer) else issuer
    if fmt == "dc+sd-jwt" or issuer_id is None:
        if not isinstance(iss, str):
            raise Rejection(
                "issuer",
                Code.CLAIM_INVALID if fmt == "dc+sd-jwt" else Code.DATA_MODEL_INVALID,
                "the credential names no issuer (iss) in the clear",
            )
        return iss
    if not isinstance(issuer_id, str):
        raise Rejection("issuer", Code.DATA_MODEL_INVALID, "the credential's issuer has no id")
    iss_agrees(payload, issuer_id, check_id="issuer", what="the credential's issuer")
    return issuer_id


def _disclosed_signer_check(claims: Mapping[str, Any], signer: str, kind: str) -> list[Check]:
    """The issuer (of a credential) or holder (of a presentation) with the disclosures applied
    must still be the signer: the signer was read from the claims in the clear."""
    role = "holder" if kind == "presentation" else "issuer"
    named = claims.get(role)
    named_id = named.get("id") if is_object(named) else named
    if named_id is not None and named_id != signer:
        return [
            Check.failed(role, Code.ISSUER_MISMATCH, f"a disclosed {role} differs from the signer")
        ]
    return []


def _sd_jwt_vc_checks(claims: Mapping[str, Any]) -> Check:
    vct = claims.get("vct")
    if not isinstance(vct, str) or not vct:
        return Check.failed("claims", Code.CLAIM_INVALID, "an SD-JWT VC needs a vct (its type)")
    return Check.passed("claims", f"SD-JWT VC of type {vct}")


def _key_binding(
    parsed: SdJwtParts,
    payload: Mapping[str, Any],
    sd_alg: str,
    now: datetime,
    policy: JosePolicy,
    request: TokenRequest,
    kind: str,
) -> list[Check]:
    if not parsed.key_binding:
        if kind == "presentation":
            return [_SIGNED_BY_HOLDER]
        if policy.require_key_binding:
            return [
                Check.failed(
                    "key_binding",
                    Code.KEY_BINDING_MISSING,
                    "this verifier requires key binding, and the presentation has no KB-JWT",
                )
            ]
        return [_NO_KEY_BINDING]
    checks: list[Check] = []
    try:
        kb = parse_compact(
            parsed.key_binding, policy, what="key binding JWT", check_id="key_binding"
        )
        check_header(
            kb.header,
            policy,
            typs=frozenset({"kb+jwt"}),
            what="key binding JWT",
            check_id="key_binding",
        )
        cnf = payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
        if not isinstance(jwk, Mapping):
            raise Rejection(
                "key_binding",
                Code.KEY_BINDING_INVALID,
                "the credential has no cnf key, so its key binding cannot be checked",
            )
        try:
            holder = _holder_key(jwk)
        except InputError as exc:
            raise Rejection("key_binding", Code.KEY_BINDING_INVALID, exc.message) from None
        try:
            verify_signature(
                kb,
                ResolvedKey("cnf", "holder", holder),
                policy,
                what="key binding JWT",
                check_id="key_binding",
            )
        except Rejection as exc:
            if exc.check.code is Code.SIGNATURE_INVALID:
                raise Rejection(
                    "key_binding", Code.KEY_BINDING_INVALID, exc.check.message
                ) from None
            raise
        iat = numeric_date(kb.payload.get("iat"))
        current = now.timestamp()
        skew = request.clock_skew.total_seconds()
        if iat is None:
            raise Rejection("key_binding", Code.KEY_BINDING_INVALID, "KB-JWT has no numeric iat")
        if iat > current + skew:
            raise Rejection("key_binding", Code.KEY_BINDING_INVALID, "KB-JWT is from the future")
        if iat < current - skew - policy.key_binding_max_age.total_seconds():
            raise Rejection(
                "key_binding",
                Code.KEY_BINDING_INVALID,
                f"KB-JWT is older than {int(policy.key_binding_max_age.total_seconds())} s",
            )
        try:  # a KB-JWT is a JWT: its own exp and nbf bind it too (RFC 7519 §4.1.4, §4.1.5)
            time_checks(
                {name: kb.payload[name] for name in ("exp", "nbf") if name in kb.payload},
                now,
                request,
                check_id="key_binding",
            )
        except Rejection as exc:
            raise Rejection(
                "key_binding", Code.KEY_BINDING_INVALID, f"KB-JWT: {exc.check.message}"
            ) from None
        for name in ("nonce", "aud", "sd_hash"):
            if not isinstance(kb.payload.get(name), str):
                raise Rejection(
                    "key_binding", Code.KEY_BINDING_INVALID, f"KB-JWT has no string {name}"
                )
    except Rejection as exc:
        return [exc.check]
    checks.append(Check.passed("key_binding", "signed by the key the credential is bound to"))
    for check_id, code, claim, noun, expected, asked in (
        ("challenge", Code.CHALLENGE_MISMATCH, "nonce", "nonce", request.nonce,
         "this verifier asked for"),
        ("domain", Code.DOMAIN_MISMATCH, "aud", "audience", request.aud,
         "this verifier is"),
    ):  # fmt: skip
        got = kb.payload[claim]
        if expected is None:
            checks.append(Check.skipped(check_id, f"{noun} not checked: this verifier set none"))
        elif got != expected:
            message = f"KB-JWT {noun} is {got[:100]!r}, {asked} {expected!r}"
            checks.append(Check.failed(check_id, code, message))
        else:
            checks.append(Check.passed(check_id, f"{noun} matches"))
    if kb.payload["sd_hash"] != digest_of(parsed.presented, sd_alg):
        checks.append(
            Check.failed(
                "sd_hash",
                Code.SD_HASH_MISMATCH,
                "KB-JWT sd_hash does not cover this presentation: disclosures were added, "
                "removed or the KB-JWT was taken from another presentation",
            )
        )
    else:
        checks.append(Check.passed("sd_hash", "KB-JWT covers exactly this presentation"))
    return checks


def _holder_key(jwk: Mapping[str, Any]) -> JoseKey:
    """The key of a ``cnf`` JWK, read once per key material (a holder presents many times, and
    reading a P-256 key takes 40 µs): a JWK of string members is remembered by them; any other
    is read afresh, and a refused one is never remembered (InputError)."""
    if all(type(name) is str and type(value) is str for name, value in jwk.items()):
        return _jwk_key(tuple(sorted(jwk.items())))
    return JoseKey.from_jwk(jwk)


@lru_cache(maxsize=256)
def _jwk_key(members: tuple[tuple[str, str], ...]) -> JoseKey:
    return JoseKey.from_jwk(dict(members))
