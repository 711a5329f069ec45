"""Credentials and presentations as JWTs: ``vc+jwt``/``vp+jwt`` (W3C VC-JOSE-COSE) and VC-JWT 1.1.

Issuing::

    token = issue_vc_jwt(credential, issuer_key, now=now)            # application/vc+jwt
    vp = issue_vp_jwt([token], holder_key, now=now, nonce=n, aud=a)  # application/vp+jwt

Verifying returns a :class:`JoseResult` (checks, decoded document, enclosed credentials) and
never raises for a bad token. The per-format functions here (:func:`verify_vc_jwt`...) accept
only their type; :func:`vcportable.proofs.tokens.verify_token` chooses among them and the
SD-JWT ones by the token's declared ``typ``, and verifies what a presentation encloses.

The checks produced here cover the envelope: parse, header, issuer/``iss``, key lookup,
signature, JWT claims and their time window (built from :mod:`vcportable.proofs.jose.checks`,
which SD-JWT verification shares). The VC data model, ``validFrom``/``validUntil``, status and
trust are the verifier's (they are the same for every securing mechanism).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from vcportable.codec.dates import parse_datetime_stamp
from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair
from vcportable.models.report import Check, Code
from vcportable.proofs.jose.checks import (
    EnclosedVerifier,
    JoseResult,
    Resolver,
    accepted,
    consistency_checks,
    date_matches,
    document_of,
    envelope_checks,
    failed_result,
    header_passed,
    holder_of,
    id_of,
    iso_date,
    iss_agrees,
    nonce_aud_checks,
    subjects_of,
    token_validity,
)
from vcportable.proofs.jose.jws import (
    DEFAULT_POLICY,
    DEFAULT_REQUEST,
    CompactJws,
    HeadedJws,
    JosePolicy,
    Rejection,
    TokenRequest,
    check_header,
    decode_header,
    decode_rest,
    epoch,
    normalize_typ,
    read_header,
    sign_compact,
)
from vcportable.proofs.jose.keys import (
    ALGS_WITH_NIST_CURVES,
    DEFAULT_ALGS,
    ControllerDocuments,
    DidKeySource,
    KeySource,
    key_source,
)

__all__ = [
    "ALGS_WITH_NIST_CURVES",
    "DEFAULT_ALGS",
    "ControllerDocuments",
    "DidKeySource",
    "JosePolicy",
    "JoseResult",
    "KeySource",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "verify_vc_jwt",
    "verify_vc_jwt_1_1",
    "verify_vp_jwt",
]

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
_MEDIA_TYPES: Final = {"vc+jwt", "vc+sd-jwt", "dc+sd-jwt"}
_PARSED: Final = Check.passed("parse", "well-formed compact JWS")
#: The type a VC-JWT 1.1 token may declare (or none).
_JWT_TYPS: Final = frozenset({"jwt"})


# --------------------------------------------------------------------------------------------
# Verification


def verify_vc_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
    request: TokenRequest = DEFAULT_REQUEST,
) -> JoseResult:
    """Verify an ``application/vc+jwt`` credential (VC 2.0 data model as the claims set)."""
    return _verify_jwt(
        token, "vc+jwt", resolver=resolver, now=now, policy=policy, request=request, enclosed=None
    )


def verify_vp_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    enclosed: EnclosedVerifier,
    policy: JosePolicy = DEFAULT_POLICY,
    request: TokenRequest = DEFAULT_REQUEST,
) -> JoseResult:
    """Verify an ``application/vp+jwt`` presentation, and with ``enclosed`` (see
    :func:`vcportable.proofs.tokens.verify_enclosed`) every credential it envelops.

    The holder's key must be an ``authentication`` method of the holder (``iss``/``holder``).
    ``nonce``/``aud`` are checked against ``request.nonce``/``request.aud``.
    """
    return _verify_jwt(
        token,
        "vp+jwt",
        resolver=resolver,
        now=now,
        policy=policy,
        request=request,
        enclosed=enclosed,
    )


def _verify_jwt(
    token: str | HeadedJws,
    fmt: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy,
    request: TokenRequest,
    enclosed: EnclosedVerifier | None,
) -> JoseResult:
    """``vc+jwt`` or ``vp+jwt`` (``fmt``): the same envelope, then each kind's claims. The
    dispatch on a token's ``typ`` hands on the :class:`HeadedJws` that ``read_header`` made of
    its text (only that: its header must be what its signed head decodes to)."""
    kind = "presentation" if fmt == "vp+jwt" else "credential"
    what = f"{kind} token"
    checks: list[Check] = []
    try:
        jws = _decoded(token, policy, what)
        checks.append(_PARSED)
        check_header(jws.header, policy, typs=accepted(policy, fmt), what=what)
        checks.append(header_passed(fmt, jws.header["alg"]))
        claims = jws.payload
        signer = holder_of(claims) if kind == "presentation" else _issuer_of(claims)
        signed_by = envelope_checks(
            jws, key_source(resolver), signer, kind, policy, checks, what=kind
        )
    except Rejection as exc:
        return failed_result(fmt, kind, checks, exc)
    document = document_of(claims)
    checks += consistency_checks(claims, document, kind=kind)
    if kind == "credential":
        checks.append(token_validity(claims, now, request, require_exp=policy.require_exp))
        return JoseResult(fmt, kind, checks, document, claims, signer=signed_by)
    checks += nonce_aud_checks(claims, request)
    checks.append(token_validity(claims, now, request))
    if enclosed is None:
        raise ConfigurationError("verifying a presentation needs a verifier of what it encloses")
    credentials, check = enclosed(
        document, resolver=resolver, now=now, policy=policy, request=request
    )
    checks.append(check)
    return JoseResult(
        fmt, kind, checks, document, claims, credentials=credentials, signer=signed_by
    )


def _decoded(token: str | HeadedJws | CompactJws, policy: JosePolicy, what: str) -> CompactJws:
    """A token decoded strictly: from its text, or from as far as the dispatch on its ``typ``
    read it (nothing is split or decoded twice)."""
    if isinstance(token, CompactJws):
        return token
    if isinstance(token, str):
        token = read_header(token.strip(), policy, what=what, check_id="parse")
    return decode_rest(token, policy, what=what)


def _issuer_of(claims: Mapping[str, Any]) -> str:
    issuer = id_of(claims.get("issuer"))
    if issuer is None:
        iss = claims.get("iss")
        if "issuer" in claims or not isinstance(iss, str):
            raise Rejection("issuer", Code.DATA_MODEL_INVALID, "the credential names no issuer")
        return iss
    iss_agrees(claims, issuer, check_id="issuer", what="the credential's issuer")
    return issuer


def verify_vc_jwt_1_1(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
    request: TokenRequest = DEFAULT_REQUEST,
) -> JoseResult:
    """Verify a VC-JWT 1.1 credential (``vc`` claim; VC Data Model 1.1 §6.3.1).

    The returned document is the ``vc`` object with the JWT claims mapped back as that section
    says: ``iss`` -> ``issuer``, ``sub`` -> ``credentialSubject.id``, ``jti`` -> ``id``, ``nbf`` ->
    ``issuanceDate``, ``exp`` -> ``expirationDate``. A JWT claim that contradicts the property it
    maps to fails (``ISSUER_MISMATCH`` / ``CLAIM_MISMATCH``) instead of silently winning.
    """
    return _verify_1_1(token, resolver=resolver, now=now, policy=policy, request=request)


def _verify_1_1(
    token: str | HeadedJws | CompactJws,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy,
    request: TokenRequest,
) -> JoseResult:
    """:func:`verify_vc_jwt_1_1` of a token's text, or of what the dispatch on its ``typ``
    made of it with ``read_header`` and ``decode_rest`` (only that: every part must be what
    its signed segments decode to)."""
    checks: list[Check] = []
    fmt = "vc-jwt-1.1"
    try:
        if not policy.accept_vc_jwt_1_1:
            raise Rejection(
                "jose_header", Code.TYP_MISMATCH, "VC-JWT 1.1 tokens are not accepted by policy"
            )
        what = "credential token"
        jws = _decoded(token, policy, what)
        checks.append(_PARSED)
        check_header(jws.header, policy, typs=_JWT_TYPS, what="VC-JWT 1.1 token", typ_optional=True)
        checks.append(header_passed("VC-JWT 1.1", jws.header["alg"]))
        claims = jws.payload
        vc = claims.get("vc")
        if not isinstance(vc, Mapping):
            raise Rejection("claims", Code.CLAIM_INVALID, "a VC-JWT 1.1 token needs a vc object")
        iss = claims.get("iss")
        inner_issuer = id_of(vc.get("issuer"))
        if not isinstance(iss, str):
            raise Rejection("issuer", Code.CLAIM_INVALID, "a VC-JWT 1.1 token needs an iss claim")
        if inner_issuer is not None:
            iss_agrees(claims, inner_issuer, check_id="issuer", what="vc.issuer")
        signed_by = envelope_checks(
            jws, key_source(resolver), iss, "credential", policy, checks, what="credential"
        )
    except Rejection as exc:
        return failed_result(fmt, "credential", checks, exc)
    document, mapping_checks = _map_1_1(claims, dict(vc), iss)
    checks += mapping_checks
    checks.append(token_validity(claims, now, request, require_exp=policy.require_exp))
    return JoseResult(fmt, "credential", checks, document, claims, signer=signed_by)


def _map_1_1(
    claims: Mapping[str, Any], vc: dict[str, Any], iss: str
) -> tuple[dict[str, Any], list[Check]]:
    problems: list[Check] = []
    issuer = vc.get("issuer")
    if isinstance(issuer, Mapping):
        vc["issuer"] = {**issuer, "id": iss}
    else:
        vc["issuer"] = iss
    if "jti" in claims:
        if "id" in vc and vc["id"] != claims["jti"]:
            problems.append(Check.failed("claims", Code.CLAIM_MISMATCH, "jti differs from vc.id"))
        vc["id"] = claims["jti"]
    if "sub" in claims:
        subject = vc.get("credentialSubject")
        if isinstance(subject, Mapping):
            if "id" in subject and subject["id"] != claims["sub"]:
                problems.append(
                    Check.failed(
                        "claims", Code.CLAIM_MISMATCH, "sub differs from vc.credentialSubject.id"
                    )
                )
            vc["credentialSubject"] = {**subject, "id": claims["sub"]}
        elif isinstance(subject, list):  # sub names one of them (ids left out contradict nothing)
            ids = [s["id"] for s in subject if isinstance(s, Mapping) and "id" in s]
            if ids and claims["sub"] not in ids:
                problems.append(
                    Check.failed(
                        "claims", Code.CLAIM_MISMATCH, "sub is not the id of a vc.credentialSubject"
                    )
                )
    for claim, prop in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        if claim not in claims:
            continue
        mapped = iso_date(claims[claim])
        if mapped is None:
            continue  # reported by the token_validity check
        if prop in vc and date_matches(claims, claim, vc[prop]) is False:
            problems.append(
                Check.failed("claims", Code.CLAIM_MISMATCH, f"{claim} differs from vc.{prop}")
            )
        vc.setdefault(prop, mapped)
    return vc, problems or [Check.passed("claims", "JWT claims mapped onto the credential")]


def jwt_claims_for(credential: Mapping[str, Any], key: KeyPair, now: datetime) -> dict[str, Any]:
    """The JWT claims a secured credential carries next to its properties (VC-JOSE-COSE §3.1.1):
    ``iss`` = issuer, ``iat`` = now, ``nbf`` = validFrom, ``exp`` = validUntil, ``jti`` = id,
    ``sub`` = the subject's id (one subject only). Raises on misuse, never guesses."""
    if not isinstance(credential, Mapping):
        raise InputError("the credential must be a JSON object")
    issuer = id_of(credential.get("issuer"))
    if issuer is None:
        raise InputError("the credential has no issuer id")
    if issuer != key.controller:
        raise ConfigurationError(
            f"the credential's issuer is {issuer}, but the key belongs to {key.controller}; "
            "set the issuer to the key's DID (or use the key of that issuer)"
        )
    for name in ("proof", "vc", "vp"):
        if name in credential:
            raise InputError(f"the credential must not contain {name!r} when secured as a JWT")
    claims: dict[str, Any] = {"iss": issuer, "iat": epoch(now)}
    for prop, claim in (("validFrom", "nbf"), ("validUntil", "exp")):
        if prop in credential:
            instant = parse_datetime_stamp(credential[prop])
            if instant is None:
                raise InputError(f"{prop} is not an XSD date-time with a timezone")
            claims[claim] = epoch(instant)
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subjects = subjects_of(credential)
    if len(subjects) == 1 and isinstance(subjects[0].get("id"), str):
        claims["sub"] = subjects[0]["id"]
    return claims


def issue_vc_jwt(credential: Mapping[str, Any], key: KeyPair, *, now: datetime) -> str:
    """Secure ``credential`` as ``application/vc+jwt``, signed by ``key`` (EdDSA or ES256).

    The header is ``{"alg", "typ": "vc+jwt", "cty": "vc", "kid": key.key_id}``; the claims set
    is the credential plus the JWT claims of :func:`jwt_claims_for` (which must agree with it).
    The credential should have been validated (the issuer does that before signing).
    """
    claims = jwt_claims_for(credential, key, now)
    payload = {**credential, **claims}
    return sign_compact({"typ": "vc+jwt", "cty": "vc", "kid": key.key_id}, payload, key)


def issue_vp_jwt(
    credentials: Sequence[str],
    holder_key: KeyPair,
    *,
    now: datetime,
    nonce: str | None = None,
    aud: str | None = None,
    ttl: timedelta = timedelta(minutes=5),
) -> str:
    """A ``vp+jwt`` by the holder of ``holder_key`` enveloping ``credentials`` (compact tokens:
    vc+jwt, vc+sd-jwt or dc+sd-jwt presentations), bound to the verifier's ``nonce``/``aud``."""
    holder = holder_key.controller
    enveloped = []
    for token in credentials:
        text = token.strip()
        media = _media_type_of(text)
        enveloped.append(
            {
                "@context": VC_V2_CONTEXT,
                "id": f"data:application/{media},{text}",
                "type": "EnvelopedVerifiableCredential",
            }
        )
    issued = epoch(now)
    payload: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": enveloped,
        "iss": holder,
        "iat": issued,
        "exp": issued + int(ttl.total_seconds()),
    }
    if nonce is not None:
        payload["nonce"] = nonce
    if aud is not None:
        payload["aud"] = aud
    return sign_compact(
        {"typ": "vp+jwt", "cty": "vp", "kid": holder_key.key_id}, payload, key=holder_key
    )


def _media_type_of(token: str) -> str:
    """The media type a token declares (its typ), for an enveloping data: URL."""
    head = token.split(".", 1)[0]
    try:
        header = decode_header(head, DEFAULT_POLICY, what="credential", check_id="parse")
    except Rejection as exc:
        raise InputError(f"not a compact credential token: {exc.check.message}") from None
    typ = normalize_typ(header.get("typ"))
    if typ not in _MEDIA_TYPES:
        raise InputError(f"cannot envelope a token of type {header.get('typ')!r}")
    if typ == "vc+jwt" and "~" in token:
        raise InputError("a vc+jwt token must not contain '~'")
    return typ
