"""What every JOSE format verifies the same way: the result, the envelope, the JWT claims.

``jose.py`` (``vc+jwt``, ``vp+jwt``, VC-JWT 1.1) and ``sdjwt_verify.py`` (SD-JWT) build their
verification from these pieces: :class:`JoseResult`; :func:`envelope_checks` (signer, key lookup
within the signer's own document, binding, signature); :func:`consistency_checks` (JWT claims
against the document, VC-JOSE-COSE §3.1); :func:`token_validity` (the time window);
:func:`nonce_aud_checks` (a presentation's ``nonce``/``aud``). Functions that check raise
:class:`~vcportable.proofs.jose.jws.Rejection` or return :class:`Check` objects; none reads
the clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, Protocol

from vcportable.checks import Signer
from vcportable.clock import format_datetime
from vcportable.codec.dates import parse_datetime_stamp
from vcportable.dids import DidResolver
from vcportable.models.facts import is_object
from vcportable.models.report import (
    Check,
    CheckStatus,
    Code,
    credential_facts,
)
from vcportable.proofs.jose.jws import (
    CompactJws,
    JosePolicy,
    Rejection,
    TokenRequest,
    epoch,
    find_key,
    numeric_date,
    time_checks,
    verify_signature,
)
from vcportable.proofs.jose.keys import KeySource

__all__ = [
    "REGISTERED_CLAIMS",
    "EnclosedVerifier",
    "JoseResult",
    "Resolver",
    "accepted",
    "consistency_checks",
    "document_of",
    "envelope_checks",
    "failed_result",
    "header_passed",
    "holder_of",
    "iss_agrees",
    "nonce_aud_checks",
    "token_validity",
]

#: JWT claims that are not part of the credential itself; removed from ``JoseResult.document``.
REGISTERED_CLAIMS: Final = frozenset(
    {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "nonce", "_sd_alg", "vct", "status"}
)

Resolver = DidResolver | KeySource

_FAILED: Final = CheckStatus.FAILED  # read once, not per check of every result
# Checks whose message never varies: built once (a Check is immutable).
_CLAIMS_AGREE: Final = Check.passed("claims", "JWT claims agree with the document")


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
    #: The key whose signature over the token verified (None when it did not).
    signer: Signer | None = None
    #: SD-JWT: the value of each disclosed path, as revealed (nested disclosures applied).
    disclosed_values: dict[str, Any] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return all(c.status is not _FAILED for c in self.checks) and all(
            c.verified for c in self.credentials
        )

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status is CheckStatus.FAILED]

    def summary(self) -> dict[str, str]:
        """issuer / holder / credential id / name / validity dates, as far as known."""
        doc = self.document or {}
        claims = self.claims or {}
        if self.kind == "presentation":
            holder = id_of(doc.get("holder")) or _str(claims.get("iss"))
            return {"holder": holder} if holder else {}
        # What the credential states, then the JWT claims for what it leaves out.
        out: dict[str, str] = credential_facts(doc)
        if self.format == "dc+sd-jwt":
            # SD-JWT VC: who and when are the JWT claims (a claim named issuer or validUntil is
            # just a claim), and the display metadata sits apart.
            for fact in ("issuer", "issuer_name", "credential_id", "valid_from", "valid_until"):
                out.pop(fact, None)
            metadata = doc.get("credential")
            name = metadata.get("name") if isinstance(metadata, Mapping) else None
            out.pop("name", None)
            _fill(out, "name", _str, name)
        _fill(out, "issuer", _str, claims.get("iss"))
        _fill(out, "credential_id", _str, claims.get("jti"))
        _fill(out, "valid_from", iso_date, claims.get("nbf"))
        _fill(out, "valid_until", iso_date, claims.get("exp"))
        return out


class EnclosedVerifier(Protocol):
    """Verifies what a presentation envelops (:func:`vcportable.proofs.tokens.verify_enclosed`);
    handed to the presentation verifiers so that neither token family imports the other."""

    def __call__(
        self,
        presentation: Mapping[str, Any],
        *,
        resolver: Resolver,
        now: datetime,
        policy: JosePolicy,
        request: TokenRequest,
    ) -> tuple[list[JoseResult], Check]: ...


def failed_result(fmt: str, kind: str, checks: list[Check], rejection: Rejection) -> JoseResult:
    return JoseResult(fmt, kind, [*checks, rejection.check])


# --------------------------------------------------------------------------------------------
# Values


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _fill(out: dict[str, str], key: str, read: Callable[[Any], str | None], value: Any) -> None:
    """``out[key]`` from a JWT claim, when the credential left it out (read only then)."""
    if key not in out and value is not None:
        text = read(value)
        if text:
            out[key] = text


def id_of(value: Any) -> str | None:
    """``issuer``/``holder``: a string, or an object with a string ``id``."""
    if is_object(value):
        value = value.get("id")
    return value if isinstance(value, str) else None


def iso_date(value: Any) -> str | None:
    """A NumericDate as an XSD date-time (whole seconds, ``Z``), or None."""
    number = numeric_date(value)
    if number is None:
        return None
    try:
        instant = datetime.fromtimestamp(math.floor(number), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return format_datetime(instant)


def date_matches(claims: Mapping[str, Any], claim: str, value: Any) -> bool | None:
    """Whether NumericDate ``claim`` equals XSD date-time ``value`` (to the second). The date
    is read by the parse every later check reads it with (which remembers it)."""
    number = numeric_date(claims.get(claim))
    if number is None:
        return None
    instant = parse_datetime_stamp(value)
    if instant is None:
        return None
    return math.floor(number) == epoch(instant)


def subjects_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    subject = document.get("credentialSubject")
    items = subject if isinstance(subject, list) else [subject]
    return [s for s in items if is_object(s)]


def document_of(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The credential/presentation in a vc+jwt payload: the payload minus JWT claims."""
    return {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}


# --------------------------------------------------------------------------------------------
# Header, signer and envelope


def accepted(policy: JosePolicy, *typs: str, what: str = "token") -> frozenset[str]:
    allowed = frozenset(typs) & policy.accepted_typs
    if not allowed:
        raise Rejection(
            "jose_header",
            Code.TYP_MISMATCH,
            f"{what} type {' / '.join(typs)} is not accepted by this verifier's policy",
        )
    return allowed


def iss_agrees(claims: Mapping[str, Any], named: str, *, check_id: str, what: str) -> None:
    """An ``iss`` claim, if present, must be ``named`` (the issuer or holder ``what`` names)."""
    iss = claims.get("iss")
    if "iss" in claims and iss != named:
        raise Rejection(
            check_id,
            Code.ISSUER_MISMATCH,
            f"iss {str(iss)[:200]!r} differs from {what} {named[:200]!r}",
        )


def holder_of(claims: Mapping[str, Any]) -> str:
    """The holder a presentation names (``holder``, else ``iss``): whose key must sign it."""
    holder = id_of(claims.get("holder"))
    if holder is not None:
        iss_agrees(claims, holder, check_id="holder", what="the presentation's holder")
    signer = holder if holder is not None else claims.get("iss")
    if not isinstance(signer, str):
        raise Rejection(
            "holder",
            Code.DATA_MODEL_INVALID,
            "the presentation names no holder (holder or iss): its key cannot be looked up",
        )
    return signer


def envelope_checks(
    jws: CompactJws,
    source: KeySource,
    signer: str,
    kind: str,
    policy: JosePolicy,
    checks: list[Check],
    *,
    what: str,
) -> Signer:
    """The signer (issuer of a credential, holder of a presentation), key lookup (kid within
    the signer's own document, under ``assertionMethod`` / ``authentication``), binding,
    signature. Appends a passed check for each and returns the signer; raises
    :class:`Rejection` on the first failure.
    """
    if kind == "presentation":
        who, relationship = "holder", "authentication"
        checks.append(Check.passed("holder", f"presented by {signer}"))
    else:
        who, relationship = "issuer", "assertionMethod"
        checks.append(Check.passed("issuer", f"issued by {signer}"))
    try:
        resolved = find_key(source, signer, jws.header.get("kid"), relationship)
    except Rejection as exc:
        if who == "holder" and exc.check.code is Code.ISSUER_KEY_MISMATCH:
            raise Rejection(exc.check.id, Code.HOLDER_KEY_MISMATCH, exc.check.message) from None
        raise
    checks.append(
        Check.passed("verification_method", f"{resolved.id} is authorized for {relationship}")
    )
    binding_id = "holder_key" if who == "holder" else "issuer_binding"
    checks.append(Check.passed(binding_id, f"signing key is controlled by the {who} {signer}"))
    verify_signature(jws, resolved, policy, what=what)
    checks.append(_signature_valid(jws.header["alg"]))
    return Signer(resolved.id, resolved.controller, resolved.key.public_key)


@lru_cache(maxsize=32)
def header_passed(typ: str, alg: str) -> Check:
    """The passed header check of a token type and an algorithm its policy allows (a handful
    of pairs: each built once)."""
    return Check.passed("jose_header", f"{typ}, {alg}")


@lru_cache(maxsize=16)
def _signature_valid(alg: str) -> Check:
    """The passed signature check of an allowed algorithm (each built once)."""
    return Check.passed("proof", f"{alg} signature is valid")


# --------------------------------------------------------------------------------------------
# Claims


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
        ids = [s["id"] for s in subjects_of(document) if "id" in s]
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
                and date_matches(claims, claim, document[prop]) is False
            ):
                problems.append(
                    Check.failed("claims", Code.CLAIM_MISMATCH, f"{claim} differs from {prop}")
                )
    return problems or [_CLAIMS_AGREE]


def token_validity(
    claims: Mapping[str, Any], now: datetime, request: TokenRequest, *, require_exp: bool = False
) -> Check:
    try:
        return time_checks(claims, now, request, require_exp=require_exp)
    except Rejection as exc:
        return exc.check


def nonce_aud_checks(claims: Mapping[str, Any], request: TokenRequest) -> list[Check]:
    """A presentation's own ``nonce``/``aud`` against what this verifier asked for."""
    checks: list[Check] = []
    if request.nonce is not None:
        got = claims.get("nonce")
        checks.append(
            Check.passed("challenge", "nonce matches")
            if got == request.nonce
            else Check.failed(
                "challenge",
                Code.CHALLENGE_MISMATCH,
                f"nonce is {got!r}, this verifier asked for {request.nonce!r}",
            )
        )
    if request.aud is not None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        checks.append(
            Check.passed("domain", "audience matches")
            if request.aud in audiences
            else Check.failed(
                "domain",
                Code.DOMAIN_MISMATCH,
                f"aud is {aud!r}, this verifier is {request.aud!r}",
            )
        )
    return checks
