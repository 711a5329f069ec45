"""Hardened compact JWS: the one place where JOSE input is decoded, checked and verified.

``jose.py`` (vc+jwt, vp+jwt, VC-JWT 1.1) and the ``sdjwt*.py`` modules (SD-JWT) build on this
module; nothing else parses a JWS. The rules (RFC 8725, "JWT Best Current Practices") are
applied in a fixed order, each failing with its own stable :class:`~vcportable.models.report.Code`:

1. sizes are bounded before anything is decoded (whole token, each segment, JSON depth);
2. base64url is strict (:mod:`vcportable.codec.base64url`);
3. JSON is strict, the same parser as every other JSON (:mod:`vcportable.codec.json`): a UTF-8
   object; duplicate members, non-finite numbers, long integers, lone surrogates refused;
4. ``alg`` must be on the policy's allow-list (``none`` and HMAC never are), ``typ`` must be the
   type the caller expects (explicit typing, no token-type confusion), every ``crit`` member
   must be understood (none is, by default), ``b64``/``zip`` are refused (we never decompress);
5. ``jku``, ``x5u``, ``jwk`` and ``x5c`` are refused: the key is never taken from the header;
6. the key is found by resolving ``kid`` **within the issuer's own DID document** (or, for an
   https issuer, its controller document given offline), and must be listed under the
   relationship the token needs (``assertionMethod`` for credentials, ``authentication`` for
   presentations) and controlled by the issuer;
7. ``alg`` must fit that key's type (ES256 on an Ed25519 key is refused), and only then is the
   signature checked, with ``cryptography``.

Functions here raise :class:`Rejection` (internal to the JOSE modules); the verify functions
of ``jose.py``/``sdjwt_verify.py`` turn it into a failed :class:`Check`. Nothing in this module
ever raises for a bad token beyond that, and nothing reads the clock or the network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Final

from vcportable.clock import format_datetime
from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.codec.json import dumps_compact, parse_json
from vcportable.errors import ConfigurationError, InputError, InvalidSignature
from vcportable.keys import KeyPair
from vcportable.models.report import Check, Code
from vcportable.proofs.jose.keys import (
    ALGS,
    DEFAULT_ALGS,
    KeyLookupError,
    KeySource,
    ResolvedKey,
)

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_REQUEST",
    "CompactJws",
    "HeadedJws",
    "HeaderMemo",
    "JosePolicy",
    "Rejection",
    "TokenRequest",
    "check_header",
    "decode_json",
    "decode_rest",
    "decode_segment",
    "find_key",
    "parse_compact",
    "read_header",
    "sign_compact",
    "time_checks",
    "verify_signature",
]

#: Token types this module knows (the ``typ`` header, lower case, without ``application/``).
KNOWN_TYPS: Final = frozenset({"vc+jwt", "vp+jwt", "vc+sd-jwt", "vp+sd-jwt", "dc+sd-jwt", "kb+jwt"})
#: Header members that would point at a key: never used, and refused (RFC 8725 §3.10).
KEY_HEADERS: Final = ("jku", "x5u", "jwk", "x5c")


@dataclass(frozen=True)
class JosePolicy:
    """Every knob of JOSE verification, with safe defaults. Frozen: use
    :func:`dataclasses.replace` to derive a policy (e.g. per request, with a nonce).

    Relaxing a limit reopens the attack it closes: ``allowed_algs`` never accepts ``none`` or
    HMAC (RFC 8725 §2.1, §3.1); the size limits bound work before any signature is checked.
    """

    #: key type -> algorithms allowed for it ("ed25519", "p256", "p384", "p521").
    allowed_algs: Mapping[str, frozenset[str]] = field(default_factory=lambda: DEFAULT_ALGS)
    #: token types accepted at all (``vc+jwt``, ``vp+jwt``, ``vc+sd-jwt``, ``vp+sd-jwt``,
    #: ``dc+sd-jwt``); each verify function also requires the type of its own format.
    accepted_typs: frozenset[str] = frozenset(
        {"vc+jwt", "vp+jwt", "vc+sd-jwt", "vp+sd-jwt", "dc+sd-jwt"}
    )
    #: accept VC-JWT 1.1 tokens (``vc`` claim, ``typ`` ``JWT`` or absent).
    accept_vc_jwt_1_1: bool = True
    #: ``crit`` header members this verifier understands: none, so any ``crit`` fails.
    understood_crit: frozenset[str] = frozenset()
    #: refuse a credential token without ``exp`` (off: validity may come from ``validUntil``).
    require_exp: bool = False
    max_token_bytes: int = 128 * 1024
    max_header_bytes: int = 2048
    max_payload_bytes: int = 96 * 1024
    max_json_depth: int = 32
    max_disclosures: int = 256
    max_disclosure_bytes: int = 16 * 1024
    #: credentials enclosed in one presentation.
    max_enclosed_credentials: int = 16
    #: digest algorithms accepted in ``_sd_alg`` (IANA "Named Information Hash Algorithm").
    sd_algs: frozenset[str] = frozenset({"sha-256", "sha-384", "sha-512"})
    #: SD-JWT: a KB-JWT must be present (decided here, never by the token); needs the request
    #: to name the nonce and audience it is tied to.
    require_key_binding: bool = False
    #: how old a KB-JWT's ``iat`` may be.
    key_binding_max_age: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        for key_type, algs in self.allowed_algs.items():
            for alg in algs:
                info = ALGS.get(alg)
                if info is None:
                    raise ConfigurationError(
                        f"algorithm {alg!r} cannot be allowed: vcportable verifies only "
                        f"{', '.join(sorted(ALGS))} (never 'none' or HMAC)"
                    )
                if info[0] != key_type:
                    raise ConfigurationError(f"algorithm {alg} does not fit {key_type} keys")
        unknown = self.accepted_typs - KNOWN_TYPS
        if unknown:
            raise ConfigurationError(f"unknown token types in accepted_typs: {sorted(unknown)}")
        if self.key_binding_max_age < timedelta(0):
            raise ConfigurationError("key_binding_max_age must not be negative")

    def algs_for(self, key_type: str) -> frozenset[str]:
        return self.allowed_algs.get(key_type, frozenset())

    @cached_property
    def all_algs(self) -> frozenset[str]:
        """Every algorithm allowed for some key type (computed once per policy)."""
        return frozenset().union(*self.allowed_algs.values())


DEFAULT_POLICY: Final = JosePolicy()


@dataclass(frozen=True)
class TokenRequest:
    """What this verifier asks of a token, beside the policy's limits: the clock skew it
    tolerates, and the nonce and audience it issued (None: not asked). Per verification, not
    per policy, so nothing of a policy is ever overwritten for one request."""

    clock_skew: timedelta = timedelta(seconds=60)
    nonce: str | None = None
    aud: str | None = None

    def __post_init__(self) -> None:
        if self.clock_skew < timedelta(0):
            raise ConfigurationError("clock_skew must not be negative")

    def check_against(self, policy: JosePolicy) -> None:
        """Misuse, refused before any token is read: key binding that is not tied to this
        verifier's nonce and audience can be replayed."""
        if policy.require_key_binding and (self.nonce is None or self.aud is None):
            raise ConfigurationError(
                "require_key_binding needs the request's nonce and audience: a key binding "
                "that is not tied to this verifier's nonce and audience can be replayed"
            )


DEFAULT_REQUEST: Final = TokenRequest()


# --------------------------------------------------------------------------------------------
# Rejections


class Rejection(Exception):  # noqa: N818 - not an error of the caller: a verdict on the input
    """A token fails a check; carries the failed :class:`Check`. Internal to the JOSE modules."""

    def __init__(self, check_id: str, code: Code, message: str) -> None:
        super().__init__(message)
        self.check = Check.failed(check_id, code, message)


# --------------------------------------------------------------------------------------------
# Strict base64url and JSON: the codec's, its refusals turned into rejections


def decode_segment(value: str, *, what: str, max_bytes: int, check_id: str = "parse") -> bytes:
    """Strict base64url (:mod:`vcportable.codec.base64url`); raises :class:`Rejection`."""
    try:
        return b64url_decode(value, what=what, max_bytes=max_bytes)
    except InputError as exc:
        raise Rejection(check_id, Code(exc.code), exc.message) from None


def decode_json(
    data: bytes, *, what: str, max_depth: int, check_id: str = "parse", kind: type = dict
) -> Any:
    """Strict JSON (:mod:`vcportable.codec.json`) of an expected ``kind`` (dict or list);
    raises :class:`Rejection`."""
    try:
        value = parse_json(data, what=what, max_depth=max_depth)
    except InputError as exc:
        raise Rejection(check_id, Code(exc.code), exc.message) from None
    if not isinstance(value, kind):
        noun = "an object" if kind is dict else "an array"
        raise Rejection(check_id, Code.MALFORMED, f"{what} is not a JSON {noun}")
    return value


# --------------------------------------------------------------------------------------------
# Parsing a compact JWS


@dataclass(frozen=True)
class CompactJws:
    """A decoded compact JWS; nothing in it is verified yet."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def split_compact(token: str, policy: JosePolicy, *, what: str, check_id: str) -> list[str]:
    if len(token) > policy.max_token_bytes:
        raise Rejection(
            check_id,
            Code.TOO_LARGE,
            f"{what} is {len(token)} characters, over the limit of {policy.max_token_bytes}",
        )
    if not token.isascii():
        raise Rejection(check_id, Code.MALFORMED, f"{what} contains non-ASCII characters")
    parts = token.split(".")
    if len(parts) == 5:
        raise Rejection(
            check_id,
            Code.NOT_A_JWS,
            f"{what} has 5 parts: it is a JWE (encrypted), not a signed JWS",
        )
    if len(parts) != 3:
        raise Rejection(
            check_id,
            Code.MALFORMED,
            f"{what} is not a compact JWS (header.payload.signature): it has {len(parts)} part(s)",
        )
    return parts


class HeaderMemo:
    """Decoded headers of recent tokens, by their base64url segment and size limit.

    Every token of one issuer carries the same header, and a token's header is read twice (by
    the dispatch on its ``typ``, then by its verifier). Only headers whose values are all
    strings are kept (handed out as copies, so no caller can alter another's); refusals are
    never kept, so every refusal is decided afresh. Bounded: emptied when full.
    """

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int = 64) -> None:
        self._entries: dict[tuple[str, int], dict[str, Any]] = {}
        self._size = size

    def decode(self, segment: str, max_bytes: int, *, what: str, check_id: str) -> dict[str, Any]:
        key = (segment, max_bytes)
        known = self._entries.get(key)
        if known is not None:
            return dict(known)
        raw = decode_segment(segment, what=f"{what} header", max_bytes=max_bytes, check_id=check_id)
        header: dict[str, Any] = decode_json(
            raw, what=f"{what} header", max_depth=4, check_id=check_id
        )
        if all(type(value) is str for value in header.values()):
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[key] = dict(header)
        return header


_HEADERS: Final = HeaderMemo()


def decode_header(segment: str, policy: JosePolicy, *, what: str, check_id: str) -> dict[str, Any]:
    """A token's header (strict base64url and JSON, within the policy's size limit)."""
    return _HEADERS.decode(segment, policy.max_header_bytes, what=what, check_id=check_id)


@dataclass(frozen=True, slots=True)
class HeadedJws:
    """A compact JWS cut at its dots with only its header decoded: what the dispatch on a
    token's ``typ`` reads, handed to the verifier of that type (:func:`decode_rest`) so that
    no token is split, nor its header decoded, twice."""

    head: str
    body: str
    signature: str
    header: dict[str, Any]


def read_header(token: str, policy: JosePolicy, *, what: str, check_id: str) -> HeadedJws:
    """Split a compact JWS and decode its header strictly; raises :class:`Rejection`."""
    head, body, signature = split_compact(token, policy, what=what, check_id=check_id)
    return HeadedJws(
        head, body, signature, decode_header(head, policy, what=what, check_id=check_id)
    )


def decode_rest(
    headed: HeadedJws, policy: JosePolicy, *, what: str, check_id: str = "parse"
) -> CompactJws:
    """The payload and signature of a JWS whose header :func:`read_header` decoded, strictly;
    raises :class:`Rejection` (MALFORMED, TOO_LARGE...)."""
    payload = decode_json(
        decode_segment(
            headed.body,
            what=f"{what} payload",
            max_bytes=policy.max_payload_bytes,
            check_id=check_id,
        ),
        what=f"{what} payload",
        max_depth=policy.max_json_depth,
        check_id=check_id,
    )
    signature = decode_segment(
        headed.signature, what=f"{what} signature", max_bytes=256, check_id=check_id
    )
    signing_input = f"{headed.head}.{headed.body}".encode("ascii")
    return CompactJws(headed.header, payload, signing_input, signature)


def parse_compact(
    token: str, policy: JosePolicy, *, what: str = "token", check_id: str = "parse"
) -> CompactJws:
    """Decode a compact JWS strictly; raises :class:`Rejection` (MALFORMED, TOO_LARGE...)."""
    headed = read_header(token, policy, what=what, check_id=check_id)
    return decode_rest(headed, policy, what=what, check_id=check_id)


def normalize_typ(value: Any) -> str | None:
    """RFC 7515 §4.1.9: compare case-insensitively, ``application/`` may be omitted."""
    if not isinstance(value, str):
        return None
    lowered = value.lower()
    return lowered[len("application/") :] if lowered.startswith("application/") else lowered


def check_header(
    header: Mapping[str, Any],
    policy: JosePolicy,
    *,
    typs: frozenset[str],
    what: str = "token",
    check_id: str = "jose_header",
    typ_optional: bool = False,
) -> str | None:
    """alg allow-list, typ, crit, b64/zip and key-locating headers; returns the normalized typ."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in policy.all_algs:
        shown = alg if isinstance(alg, str) else repr(alg)
        raise Rejection(
            check_id,
            Code.ALG_NOT_ALLOWED,
            f"{what} algorithm {shown} is not allowed (allowed: "
            f"{', '.join(sorted(policy.all_algs))}; 'none' and HMAC never are)",
        )
    raw_typ = header.get("typ")
    typ = normalize_typ(raw_typ)
    if raw_typ is None and typ_optional:
        pass
    elif typ not in typs:
        expected = " or ".join(sorted(typs))
        raise Rejection(
            check_id,
            Code.TYP_MISMATCH,
            f"{what} type (typ) is {raw_typ!r}; expected {expected}",
        )
    if "crit" in header:
        crit = header["crit"]
        if (
            not isinstance(crit, list)
            or not crit
            or not all(isinstance(c, str) for c in crit)
            or len(set(crit)) != len(crit)
        ):
            raise Rejection(
                check_id, Code.CRIT_UNSUPPORTED, f"{what} crit must be a non-empty list of names"
            )
        not_understood = [c for c in crit if c not in policy.understood_crit]
        if not_understood:
            raise Rejection(
                check_id,
                Code.CRIT_UNSUPPORTED,
                f"{what} marks {', '.join(not_understood)} as critical; this verifier does not "
                "understand it, so the token must be refused (RFC 7515 §4.1.11)",
            )
        missing = [c for c in crit if c not in header]
        if missing:
            raise Rejection(
                check_id,
                Code.CRIT_UNSUPPORTED,
                f"{what} crit names {', '.join(missing)}, absent from the header",
            )
    for name in ("b64", "zip"):
        if name in header:
            raise Rejection(
                check_id,
                Code.CRIT_UNSUPPORTED,
                f"{what} header {name!r} is not supported (no unencoded or compressed payloads)",
            )
    present = [name for name in KEY_HEADERS if name in header]
    if present:
        raise Rejection(
            check_id,
            Code.HEADER_KEY_REFUSED,
            f"{what} header carries {', '.join(present)}: keys are never taken from the token; "
            "the key is found by kid in the issuer's DID document",
        )
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise Rejection(check_id, Code.MALFORMED, f"{what} kid must be a string")
    return typ


# --------------------------------------------------------------------------------------------
# Keys


def find_key(
    source: KeySource,
    controller: str,
    kid: str | None,
    relationship: str,
    *,
    check_id: str = "verification_method",
) -> ResolvedKey:
    try:
        return source.find(controller, kid, relationship)
    except KeyLookupError as exc:
        raise Rejection(check_id, exc.code, exc.message) from None


def verify_signature(
    jws: CompactJws,
    resolved: ResolvedKey,
    policy: JosePolicy,
    *,
    what: str = "token",
    check_id: str = "proof",
) -> None:
    """alg must be allowed for the key's own type, then the signature must verify."""
    alg = jws.header["alg"]
    if alg not in policy.algs_for(resolved.key.key_type):
        info = ALGS.get(alg)
        if info is not None and info[0] != resolved.key.key_type:
            raise Rejection(
                check_id,
                Code.KEY_TYPE_MISMATCH,
                f"{what} uses {alg}, which does not fit the {resolved.key.key_type} key "
                f"{resolved.id}",
            )
        raise Rejection(
            check_id,
            Code.ALG_NOT_ALLOWED,
            f"{alg} is not allowed for {resolved.key.key_type} keys by this verifier's policy",
        )
    try:
        resolved.key.verify(alg, jws.signature, jws.signing_input)
    except InvalidSignature:
        raise Rejection(
            check_id,
            Code.SIGNATURE_INVALID,
            f"{what} signature ({alg}) does not match its content: it was altered or signed "
            "by another key",
        ) from None


# --------------------------------------------------------------------------------------------
# Signing


def sign_compact(header: Mapping[str, Any], payload: Mapping[str, Any], key: KeyPair) -> str:
    """Sign with ``key``'s algorithm (EdDSA / ES256); ``alg`` is set from the key."""
    full_header = {"alg": key.public_key.jws_alg, **{k: v for k, v in header.items() if k != "alg"}}
    signing_input = (
        b64url_encode(dumps_compact(full_header)) + "." + b64url_encode(dumps_compact(payload))
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


# --------------------------------------------------------------------------------------------
# Time


def numeric_date(value: Any) -> float | None:
    """A JWT NumericDate (RFC 7519 §2): a finite JSON number, not a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any date
        return None
    return number if math.isfinite(number) else None


def epoch(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ConfigurationError("datetimes must be timezone-aware")
    return math.floor(instant.timestamp())


def time_checks(
    claims: Mapping[str, Any],
    now: datetime,
    request: TokenRequest,
    *,
    check_id: str = "token_validity",
    require_exp: bool = False,
) -> Check:
    """``exp``/``nbf``/``iat`` against ``now`` with the request's clock skew."""
    current = now.timestamp()
    skew = request.clock_skew.total_seconds()
    values: dict[str, float] = {}
    notes: list[str] = []
    for name in ("exp", "nbf", "iat"):
        if name not in claims:
            continue
        value = numeric_date(claims[name])
        if value is None:
            if name == "iat":
                # Some deployed issuers (and the W3C VC-JOSE-COSE vectors) write iat as an ISO
                # string. iat decides nothing here, so it is reported, not fatal.
                notes.append("iat is not a NumericDate and was ignored")
                continue
            raise Rejection(
                check_id, Code.CLAIM_INVALID, f"{name} must be a NumericDate (seconds since 1970)"
            )
        values[name] = value
    if require_exp and "exp" not in values:
        raise Rejection(check_id, Code.CLAIM_INVALID, "the token has no exp, and policy needs one")
    if "exp" in values and values["exp"] < current - skew:
        raise Rejection(check_id, Code.EXPIRED, f"the token expired at {_iso(values['exp'])}")
    if "nbf" in values and values["nbf"] > current + skew:
        raise Rejection(
            check_id, Code.NOT_YET_VALID, f"the token is not valid before {_iso(values['nbf'])}"
        )
    if "iat" in values and values["iat"] > current + skew:
        raise Rejection(
            check_id,
            Code.NOT_YET_VALID,
            f"the token was issued in the future ({_iso(values['iat'])})",
        )
    if notes:
        return Check.warning(check_id, Code.CLAIM_INVALID, "; ".join(notes))
    if not values:
        return Check.passed(check_id, "the token carries no time claims")
    return Check.passed(check_id, "within its exp/nbf/iat window")


def _iso(value: float) -> str:
    try:
        return format_datetime(datetime.fromtimestamp(value, UTC))
    except (OverflowError, OSError, ValueError):
        return str(value)
