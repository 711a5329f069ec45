"""Credentials and presentations as JWTs: ``vc+jwt``/``vp+jwt`` (W3C VC-JOSE-COSE) and VC-JWT 1.1.

Issuing::

    token = issue_vc_jwt(credential, issuer_key, now=now)            # application/vc+jwt
    vp = issue_vp_jwt([token], holder_key, now=now, nonce=n, aud=a)  # application/vp+jwt

Verifying returns a :class:`JoseResult` (checks, decoded document, enclosed credentials) and
never raises for a bad token::

    result = verify_token(text, resolver=resolver, now=now, policy=JosePolicy())
    result.verified, result.checks, result.document

``verify_token`` dispatches on the token's declared type (``typ``; explicit typing per RFC 8725
§3.11, never a guess from the content): ``vc+jwt``, ``vp+jwt``, the SD-JWT types (see
:mod:`vcportable.proofs.sdjwt`), and ``JWT``/absent with a ``vc`` claim for VC-JWT 1.1 when the
policy accepts it. The per-format functions (:func:`verify_vc_jwt`...) accept only their type.

The checks produced here cover the envelope: parse, header, issuer/``iss``, key lookup,
signature, JWT claims and their time window. The VC data model, ``validFrom``/``validUntil``,
status and trust are the verifier's (they are the same for every securing mechanism).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from vcportable.dids import DidResolver
from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair
from vcportable.models.report import Check, CheckStatus, Code, VerificationReport
from vcportable.proofs.jose_keys import (
    ALGS_WITH_NIST_CURVES,
    DEFAULT_ALGS,
    ControllerDocuments,
    DidKeySource,
    KeySource,
    key_source,
)
from vcportable.proofs.jws import (
    DEFAULT_POLICY,
    CompactJws,
    JosePolicy,
    Rejection,
    check_header,
    decode_header,
    epoch,
    find_key,
    normalize_typ,
    numeric_date,
    parse_compact,
    sign_compact,
    split_compact,
    time_checks,
    verify_signature,
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
    "verify_token",
    "verify_vc_jwt",
    "verify_vc_jwt_1_1",
    "verify_vp_jwt",
]

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
#: JWT claims that are not part of the credential itself; removed from ``JoseResult.document``.
REGISTERED_CLAIMS: Final = frozenset(
    {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "nonce", "_sd_alg", "vct", "status"}
)
_MEDIA_TYPES: Final = {"vc+jwt", "vc+sd-jwt", "dc+sd-jwt"}
_DATA_URL = re.compile(r"data:application/(vc\+jwt|vc\+sd-jwt|dc\+sd-jwt),([A-Za-z0-9_.~-]+)")

Resolver = DidResolver | KeySource


@dataclass(frozen=True)
class JoseResult:
    """What verifying one JOSE token found.

    ``document`` is the credential or presentation as a VC data model document (the JWT
    registered claims removed; for an SD-JWT, after applying the disclosures; for ``dc+sd-jwt``,
    the SD-JWT VC claims themselves, which follow no JSON-LD model). It is set whenever the
    payload could be decoded, also when a check failed: use it only if :attr:`verified`.
    ``claims`` holds the JWT claims as signed (SD-JWT: processed). ``disclosed`` lists the paths
    of selectively disclosed claims that the holder revealed.
    """

    format: str
    kind: str
    checks: list[Check]
    document: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    disclosed: list[str] = field(default_factory=list)
    credentials: list[JoseResult] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(c.status is not CheckStatus.FAILED for c in self.checks) and all(
            c.verified for c in self.credentials
        )

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def summary(self) -> dict[str, str]:
        """issuer / holder / credential id / name / validity dates, as far as known."""
        doc = self.document or {}
        claims = self.claims or {}
        out: dict[str, str] = {}
        if self.kind == "presentation":
            holder = _id_of(doc.get("holder")) or _str(claims.get("iss"))
            if holder:
                out["holder"] = holder
        else:
            issuer = _id_of(doc.get("issuer")) or _str(claims.get("iss"))
            if issuer:
                out["issuer"] = issuer
            cid = _str(doc.get("id")) or _str(claims.get("jti"))
            if cid:
                out["credential_id"] = cid
            metadata = doc.get("credential") if self.format == "dc+sd-jwt" else doc
            name = metadata.get("name") if isinstance(metadata, Mapping) else None
            if isinstance(name, str):
                out["name"] = name
            start = _str(doc.get("validFrom")) or _str(doc.get("issuanceDate"))
            end = _str(doc.get("validUntil")) or _str(doc.get("expirationDate"))
            start = start or _iso(claims.get("nbf"))
            end = end or _iso(claims.get("exp"))
            if start:
                out["valid_from"] = start
            if end:
                out["valid_until"] = end
        return out

    def to_report(self, extra_checks: Sequence[Check] = ()) -> VerificationReport:
        """A :class:`VerificationReport` of these checks (plus ``extra_checks``, e.g. the
        verifier's data model and status checks), with the enclosed credentials' reports."""
        known = {f.name for f in dataclasses.fields(VerificationReport)}
        fields: dict[str, Any] = {k: v for k, v in self.summary().items() if k in known}
        return VerificationReport.from_checks(
            self.kind,
            [*self.checks, *extra_checks],
            credentials=[c.to_report() for c in self.credentials],
            **fields,
        )


# --------------------------------------------------------------------------------------------
# Small helpers


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id_of(value: Any) -> str | None:
    """``issuer``/``holder``: a string, or an object with a string ``id``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _iso(value: Any) -> str | None:
    number = numeric_date(value)
    if number is None:
        return None
    try:
        instant = datetime.fromtimestamp(math.floor(number), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return instant.isoformat().replace("+00:00", "Z")


def parse_datetime(value: Any) -> datetime | None:
    """XSD dateTime with a timezone, or None."""
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _subjects(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    subject = document.get("credentialSubject")
    items = subject if isinstance(subject, list) else [subject]
    return [s for s in items if isinstance(s, Mapping)]


def document_of(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The credential/presentation in a vc+jwt payload: the payload minus JWT claims."""
    return {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}


def accepted(policy: JosePolicy, *typs: str, what: str = "token") -> frozenset[str]:
    allowed = frozenset(typs) & policy.accepted_typs
    if not allowed:
        raise Rejection(
            "jose_header",
            Code.TYP_MISMATCH,
            f"{what} type {' / '.join(typs)} is not accepted by this verifier's policy",
        )
    return allowed


def envelope_checks(
    jws: CompactJws,
    source: KeySource,
    controller: str,
    relationship: str,
    policy: JosePolicy,
    checks: list[Check],
    *,
    what: str,
) -> None:
    """Key lookup (kid within the controller's own document), binding, signature."""
    who = "issuer" if relationship == "assertionMethod" else "holder"
    try:
        resolved = find_key(source, controller, jws.header.get("kid"), relationship)
    except Rejection as exc:
        if who == "holder" and exc.check.code is Code.ISSUER_KEY_MISMATCH:
            raise Rejection(exc.check.id, Code.HOLDER_KEY_MISMATCH, exc.check.message) from None
        raise
    checks.append(
        Check.passed("verification_method", f"{resolved.id} is authorized for {relationship}")
    )
    checks.append(
        Check.passed(f"{who}_binding", f"signing key is controlled by the {who} {controller}")
    )
    verify_signature(jws, resolved, policy, what=what)
    checks.append(Check.passed("proof", f"{jws.header['alg']} signature is valid"))


def _date_matches(claims: Mapping[str, Any], claim: str, value: Any) -> bool | None:
    """Whether NumericDate ``claim`` equals XSD date-time ``value`` (to the second)."""
    number = numeric_date(claims.get(claim))
    instant = parse_datetime(value)
    if number is None or instant is None:
        return None
    return math.floor(number) == epoch(instant)


def consistency_checks(
    claims: Mapping[str, Any], document: Mapping[str, Any], *, kind: str
) -> list[Check]:
    """VC-JOSE-COSE §3.1: no ``vc``/``vp`` claims; JWT claims must not contradict the document."""
    problems: list[Check] = []
    for name in ("vc", "vp"):
        if name in claims:
            problems.append(
                Check.failed(
                    "claims",
                    Code.CLAIM_INVALID,
                    f"the JWT claim {name!r} must not be present in a secured {kind} "
                    "(it belongs to VC-JWT 1.1)",
                )
            )
    if "jti" in claims and "id" in document and claims["jti"] != document["id"]:
        problems.append(
            Check.failed("claims", Code.CLAIM_MISMATCH, "jti differs from the document's id")
        )
    if kind == "credential":
        ids = [s["id"] for s in _subjects(document) if "id" in s]
        # An undisclosed subject id is not a contradiction.
        if "sub" in claims and ids and claims["sub"] not in ids:
            problems.append(
                Check.failed(
                    "claims", Code.CLAIM_MISMATCH, "sub is not the id of a credentialSubject"
                )
            )
        for claim, prop in (("nbf", "validFrom"), ("exp", "validUntil")):
            if (
                claim in claims
                and prop in document
                and _date_matches(claims, claim, document[prop]) is False
            ):
                problems.append(
                    Check.failed("claims", Code.CLAIM_MISMATCH, f"{claim} differs from {prop}")
                )
    return problems or [Check.passed("claims", "JWT claims agree with the document")]


def token_validity(
    claims: Mapping[str, Any], now: datetime, policy: JosePolicy, *, require_exp: bool = False
) -> Check:
    try:
        return time_checks(claims, now, policy, require_exp=require_exp)
    except Rejection as exc:
        return exc.check


def nonce_aud_checks(claims: Mapping[str, Any], policy: JosePolicy) -> list[Check]:
    """A presentation's own ``nonce``/``aud`` against what this verifier asked for."""
    checks: list[Check] = []
    if policy.expected_nonce is not None:
        got = claims.get("nonce")
        checks.append(
            Check.passed("challenge", "nonce matches")
            if got == policy.expected_nonce
            else Check.failed(
                "challenge",
                Code.CHALLENGE_MISMATCH,
                f"nonce is {got!r}, this verifier asked for {policy.expected_nonce!r}",
            )
        )
    if policy.expected_aud is not None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        checks.append(
            Check.passed("domain", "audience matches")
            if policy.expected_aud in audiences
            else Check.failed(
                "domain",
                Code.DOMAIN_MISMATCH,
                f"aud is {aud!r}, this verifier is {policy.expected_aud!r}",
            )
        )
    return checks


def failed_result(fmt: str, kind: str, checks: list[Check], rejection: Rejection) -> JoseResult:
    return JoseResult(fmt, kind, [*checks, rejection.check])


# --------------------------------------------------------------------------------------------
# Verification


def verify_vc_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
) -> JoseResult:
    """Verify an ``application/vc+jwt`` credential (VC 2.0 data model as the claims set)."""
    checks: list[Check] = []
    fmt = "vc+jwt"
    try:
        jws = parse_compact(token.strip(), policy, what="credential token")
        checks.append(Check.passed("parse", "well-formed compact JWS"))
        check_header(jws.header, policy, typs=accepted(policy, fmt), what="credential token")
        checks.append(Check.passed("jose_header", f"{fmt}, {jws.header['alg']}"))
        claims = jws.payload
        issuer = _issuer_of(claims)
        checks.append(Check.passed("issuer", f"issued by {issuer}"))
        envelope_checks(
            jws, key_source(resolver), issuer, "assertionMethod", policy, checks, what="credential"
        )
    except Rejection as exc:
        return failed_result(fmt, "credential", checks, exc)
    document = document_of(claims)
    checks += consistency_checks(claims, document, kind="credential")
    checks.append(token_validity(claims, now, policy, require_exp=policy.require_exp))
    return JoseResult(fmt, "credential", checks, document, claims)


def _issuer_of(claims: Mapping[str, Any]) -> str:
    issuer = _id_of(claims.get("issuer"))
    iss = claims.get("iss")
    if issuer is None:
        if "issuer" in claims or not isinstance(iss, str):
            raise Rejection("issuer", Code.DATA_MODEL_INVALID, "the credential names no issuer")
        return iss
    if "iss" in claims and iss != issuer:
        raise Rejection(
            "issuer",
            Code.ISSUER_MISMATCH,
            f"iss {str(iss)[:200]!r} differs from the credential's issuer {issuer[:200]!r}",
        )
    return issuer


def verify_vp_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
) -> JoseResult:
    """Verify an ``application/vp+jwt`` presentation and every credential it envelops.

    The holder's key must be an ``authentication`` method of the holder (``iss``/``holder``).
    ``nonce``/``aud`` are checked against ``policy.expected_nonce``/``expected_aud``.
    """
    checks: list[Check] = []
    fmt = "vp+jwt"
    try:
        jws = parse_compact(token.strip(), policy, what="presentation token")
        checks.append(Check.passed("parse", "well-formed compact JWS"))
        check_header(jws.header, policy, typs=accepted(policy, fmt), what="presentation token")
        checks.append(Check.passed("jose_header", f"{fmt}, {jws.header['alg']}"))
        claims = jws.payload
        holder = holder_of(claims)
        checks.append(Check.passed("holder", f"presented by {holder}"))
        envelope_checks(
            jws,
            key_source(resolver),
            holder,
            "authentication",
            policy,
            checks,
            what="presentation",
        )
    except Rejection as exc:
        return failed_result(fmt, "presentation", checks, exc)
    document = document_of(claims)
    checks += consistency_checks(claims, document, kind="presentation")
    checks += nonce_aud_checks(claims, policy)
    checks.append(token_validity(claims, now, policy))
    credentials, check = verify_enclosed(document, resolver=resolver, now=now, policy=policy)
    checks.append(check)
    return JoseResult(fmt, "presentation", checks, document, claims, credentials=credentials)


def holder_of(claims: Mapping[str, Any]) -> str:
    holder = _id_of(claims.get("holder"))
    iss = claims.get("iss")
    if holder is not None and "iss" in claims and iss != holder:
        raise Rejection(
            "holder",
            Code.ISSUER_MISMATCH,
            f"iss {str(iss)[:200]!r} differs from the presentation's holder {holder[:200]!r}",
        )
    signer = holder if holder is not None else iss
    if not isinstance(signer, str):
        raise Rejection(
            "holder",
            Code.DATA_MODEL_INVALID,
            "the presentation names no holder (holder or iss): its key cannot be looked up",
        )
    return signer


def verify_enclosed(
    presentation: Mapping[str, Any],
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy,
) -> tuple[list[JoseResult], Check]:
    """Verify each ``EnvelopedVerifiableCredential`` of a presentation (VC-JOSE-COSE §3.2)."""
    import vcportable.proofs.sdjwt as sdjwt  # sdjwt builds on this module

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
                JoseResult(
                    "unknown",
                    "credential",
                    [
                        Check.failed(
                            "parse",
                            Code.UNSUPPORTED_FORMAT,
                            f"{where} is not an EnvelopedVerifiableCredential: credentials in a "
                            "JOSE presentation must be enveloped (secured) tokens",
                        )
                    ],
                )
            )
        elif match is None:
            results.append(
                JoseResult(
                    "unknown",
                    "credential",
                    [
                        Check.failed(
                            "parse",
                            Code.UNSUPPORTED_FORMAT,
                            f"{where} id is not a data: URL of a vc+jwt, vc+sd-jwt or dc+sd-jwt "
                            "token (COSE and other envelopes are not supported)",
                        )
                    ],
                )
            )
        elif match.group(1) == "vc+jwt":
            results.append(verify_vc_jwt(match.group(2), resolver=resolver, now=now, policy=inner))
        else:
            results.append(
                sdjwt.verify_sd_jwt(
                    match.group(2),
                    resolver=resolver,
                    now=now,
                    policy=inner,
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


def verify_vc_jwt_1_1(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
) -> JoseResult:
    """Verify a VC-JWT 1.1 credential (``vc`` claim; VC Data Model 1.1 §6.3.1).

    The returned document is the ``vc`` object with the JWT claims mapped back as that section
    says: ``iss`` -> ``issuer``, ``sub`` -> ``credentialSubject.id``, ``jti`` -> ``id``, ``nbf`` ->
    ``issuanceDate``, ``exp`` -> ``expirationDate``. A JWT claim that contradicts the property it
    maps to fails (``ISSUER_MISMATCH`` / ``CLAIM_MISMATCH``) instead of silently winning.
    """
    checks: list[Check] = []
    fmt = "vc-jwt-1.1"
    try:
        if not policy.accept_vc_jwt_1_1:
            raise Rejection(
                "jose_header", Code.TYP_MISMATCH, "VC-JWT 1.1 tokens are not accepted by policy"
            )
        jws = parse_compact(token.strip(), policy, what="credential token")
        checks.append(Check.passed("parse", "well-formed compact JWS"))
        check_header(
            jws.header, policy, typs=frozenset({"jwt"}), what="VC-JWT 1.1 token", typ_optional=True
        )
        checks.append(Check.passed("jose_header", f"VC-JWT 1.1, {jws.header['alg']}"))
        claims = jws.payload
        vc = claims.get("vc")
        if not isinstance(vc, Mapping):
            raise Rejection("claims", Code.CLAIM_INVALID, "a VC-JWT 1.1 token needs a vc object")
        iss = claims.get("iss")
        inner_issuer = _id_of(vc.get("issuer"))
        if not isinstance(iss, str):
            raise Rejection("issuer", Code.CLAIM_INVALID, "a VC-JWT 1.1 token needs an iss claim")
        if inner_issuer is not None and inner_issuer != iss:
            raise Rejection(
                "issuer",
                Code.ISSUER_MISMATCH,
                f"iss {iss[:200]!r} differs from vc.issuer {inner_issuer[:200]!r}",
            )
        checks.append(Check.passed("issuer", f"issued by {iss}"))
        envelope_checks(
            jws, key_source(resolver), iss, "assertionMethod", policy, checks, what="credential"
        )
    except Rejection as exc:
        return failed_result(fmt, "credential", checks, exc)
    document, mapping_checks = _map_1_1(claims, dict(vc), iss)
    checks += mapping_checks
    checks.append(token_validity(claims, now, policy, require_exp=policy.require_exp))
    return JoseResult(fmt, "credential", checks, document, claims)


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
    for claim, prop in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        if claim not in claims:
            continue
        mapped = _iso(claims[claim])
        if mapped is None:
            continue  # reported by the token_validity check
        if prop in vc and _date_matches(claims, claim, vc[prop]) is False:
            problems.append(
                Check.failed("claims", Code.CLAIM_MISMATCH, f"{claim} differs from vc.{prop}")
            )
        vc.setdefault(prop, mapped)
    return vc, problems or [Check.passed("claims", "JWT claims mapped onto the credential")]


def verify_token(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
) -> JoseResult:
    """Verify a compact JWT or SD-JWT of any supported type, chosen by its ``typ`` header.

    ``vc+jwt`` / ``vp+jwt`` / ``vc+sd-jwt`` / ``vp+sd-jwt`` / ``dc+sd-jwt``; ``JWT`` or no
    ``typ`` with a ``vc`` claim is VC-JWT 1.1 (when the policy accepts it). Anything else fails
    with ``TYP_MISMATCH``; a JWE fails with ``NOT_A_JWS``.
    """
    import vcportable.proofs.sdjwt as sdjwt

    text = token.strip()
    try:
        if "~" in text:
            return sdjwt.verify_sd_jwt(text, resolver=resolver, now=now, policy=policy)
        head = split_compact(text, policy, what="token", check_id="parse")[0]
        header = decode_header(head, policy, what="token", check_id="parse")
        typ = normalize_typ(header.get("typ"))
        if typ == "vc+jwt":
            return verify_vc_jwt(text, resolver=resolver, now=now, policy=policy)
        if typ == "vp+jwt":
            return verify_vp_jwt(text, resolver=resolver, now=now, policy=policy)
        if typ in ("vc+sd-jwt", "dc+sd-jwt", "vp+sd-jwt"):
            return sdjwt.verify_sd_jwt(text, resolver=resolver, now=now, policy=policy)
        if typ in (None, "jwt") and _has_vc_claim(text, policy):
            return verify_vc_jwt_1_1(text, resolver=resolver, now=now, policy=policy)
        raise Rejection(
            "jose_header",
            Code.TYP_MISMATCH,
            f"token type (typ) {header.get('typ')!r} is not a credential or presentation type "
            "this verifier accepts",
        )
    except Rejection as exc:
        return JoseResult("unknown", "credential", [exc.check])


def _has_vc_claim(text: str, policy: JosePolicy) -> bool:
    try:
        jws = parse_compact(text, policy)
    except Rejection:
        return True  # let the 1.1 verifier report what is wrong with it
    return "vc" in jws.payload


# --------------------------------------------------------------------------------------------
# Issuing


def jwt_claims_for(credential: Mapping[str, Any], key: KeyPair, now: datetime) -> dict[str, Any]:
    """The JWT claims a secured credential carries next to its properties (VC-JOSE-COSE §3.1.1):
    ``iss`` = issuer, ``iat`` = now, ``nbf`` = validFrom, ``exp`` = validUntil, ``jti`` = id,
    ``sub`` = the subject's id (one subject only). Raises on misuse, never guesses."""
    if not isinstance(credential, Mapping):
        raise InputError("the credential must be a JSON object")
    issuer = _id_of(credential.get("issuer"))
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
            instant = parse_datetime(credential[prop])
            if instant is None:
                raise InputError(f"{prop} is not an XSD date-time with a timezone")
            claims[claim] = epoch(instant)
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subjects = _subjects(credential)
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
