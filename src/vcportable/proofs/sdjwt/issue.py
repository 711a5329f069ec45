"""Selective disclosure with SD-JWT (RFC 9901): issue, present a subset, verify.

Two profiles, one mechanism:

* ``vc+sd-jwt`` (W3C VC-JOSE-COSE): the claims set is a VC 2.0 credential whose chosen members
  are replaced by digests; a JSON-LD-minded verifier gets the credential back.
* ``dc+sd-jwt`` (IETF SD-JWT VC, as EU wallets expect): flat claims with ``vct``; our credential
  profile maps onto it as :func:`to_sd_jwt_vc_claims` says (table in ``docs/jose.md``).

The issuer chooses what is disclosable (default: everything about the subject except the
achievement itself, :func:`default_disclosable`); the holder reveals a subset, optionally bound
to her key (KB-JWT with ``nonce``, ``aud``, ``iat``, ``sd_hash`` to the ``cnf`` key); the verifier
recomputes every digest, refuses unreferenced or repeated disclosures and repeated digests,
checks ``_sd_alg``, and requires key binding **only when its policy says so**. The time claims
are checked too (a gap of some SD-JWT libraries).

Paths name claims: ``credentialSubject.address.street``, ``credentialSubject.phoneNumbers[0]``,
or a JSON Pointer (``/credentialSubject/address/street``) for names with ``.`` or ``[``.

This module holds the issuer's and the holder's side. The mechanism they share with the
verifier (paths, disclosures, digests) is :mod:`vcportable.proofs.sdjwt.disclosures`;
verification is :mod:`vcportable.proofs.sdjwt.verify`.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal

from vcportable.codec.base64url import b64url_encode
from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair, PublicKey
from vcportable.proofs.jose.credentials import jwt_claims_for
from vcportable.proofs.jose.jws import (
    DEFAULT_POLICY,
    Rejection,
    decode_header,
    epoch,
    normalize_typ,
    parse_compact,
    sign_compact,
)
from vcportable.proofs.sdjwt.disclosures import (
    ALWAYS_VISIBLE,
    ELLIPSIS,
    HASHES,
    SD,
    SD_ALG,
    Disclosure,
    SdJwtParts,
    Segment,
    apply_disclosures,
    decode_disclosure,
    digest_of,
    encode_disclosure,
    parse_path,
    resolve_path,
    sd_alg_of,
    split_sd_jwt,
)

__all__ = [
    "Disclosure",
    "decode_disclosure",
    "default_disclosable",
    "digest_of",
    "disclosures_of",
    "issue_sd_jwt",
    "present_sd_jwt",
    "sd_jwt_from_claims",
    "to_sd_jwt_vc_claims",
]

Profile = Literal["vc+sd-jwt", "dc+sd-jwt"]

#: Top-level claims a verifier needs in the clear: validity, status, keys, types. The issuer
#: refuses to make them disclosable (a holder could otherwise hide an expiry or a revocation).
NEVER_DISCLOSABLE: Final = ALWAYS_VISIBLE | {"@context", "type", "issuer", SD}
#: Claim names a subject member must not take in the SD-JWT VC mapping.
_RESERVED_CLAIMS: Final = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "jti", "aud", "nonce",
     "issuer", "credentialStatus", "credentialSchema", "credential", SD, SD_ALG}
)  # fmt: skip
_METADATA: Final = "credential"
#: Credential members that a dc+sd-jwt does not carry as claims (mapped or dropped).
_VC_ONLY: Final = frozenset(
    {"@context", "type", "issuer", "validFrom", "validUntil", "id", "credentialSubject", "proof"}
)


def _translate(path: str, profile: Profile) -> str:
    """Credential paths to dc+sd-jwt claim paths (``credentialSubject.x`` -> ``x``...)."""
    if profile != "dc+sd-jwt" or path.startswith("/"):
        return path
    for prefix in ("credentialSubject.", "credentialSubject[0]."):
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            return "sub" if rest == "id" else rest
    return "jti" if path == "id" else path


# --------------------------------------------------------------------------------------------
# Issuing


def default_disclosable(credential: Mapping[str, Any]) -> list[str]:
    """Everything about the subject except what the achievement is: each member of each
    ``credentialSubject`` but its ``type`` and ``achievement`` (which stays whole, so that the
    verifier sees which competency, framework alignment and level the credential attests)."""
    subject = credential.get("credentialSubject")
    paths: list[str] = []
    subjects = subject if isinstance(subject, list) else [subject]
    for index, item in enumerate(subjects):
        if not isinstance(item, Mapping):
            continue
        prefix = f"credentialSubject[{index}]" if isinstance(subject, list) else "credentialSubject"
        paths += [f"{prefix}.{name}" for name in item if name not in ("type", "achievement")]
    return paths


def to_sd_jwt_vc_claims(credential: Mapping[str, Any], *, vct: str) -> dict[str, Any]:
    """Map a credential of our profile onto SD-JWT VC claims (``dc+sd-jwt``).

    SD-JWT VC claims are about the subject, so the subject's members become the top-level
    claims: ``credentialSubject.id`` -> ``sub``, every other member (but ``type``) -> a claim of
    the same name. ``id`` -> ``jti``; ``credentialStatus`` and ``credentialSchema`` stay top-level
    claims of those names; every other credential member that has no JWT claim (``name``,
    ``description``, ``awardedDate``, ``evidence``...) goes into one ``credential`` object, so
    that the badge's name never clashes with the holder's. ``@context``, ``type``, ``issuer``,
    ``validFrom`` and ``validUntil`` are carried by ``vct``, ``iss``, ``nbf`` and ``exp``.
    """
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        if len(subject) != 1:
            raise InputError("a dc+sd-jwt carries exactly one credentialSubject")
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise InputError("credentialSubject must be an object")
    claims: dict[str, Any] = {}
    for name, value in subject.items():
        if name == "type":
            continue
        target = "sub" if name == "id" else name
        if target in _RESERVED_CLAIMS:
            raise InputError(
                f"credentialSubject.{name} would become the claim {target!r}, which SD-JWT VC "
                "reserves; rename it"
            )
        claims[target] = copy.deepcopy(value)
    metadata: dict[str, Any] = {}
    for name, value in credential.items():
        if name in _VC_ONLY:
            continue
        if name in ("credentialStatus", "credentialSchema"):
            claims[name] = copy.deepcopy(value)
        else:
            metadata[name] = copy.deepcopy(value)
    if metadata:
        claims[_METADATA] = metadata
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    claims["vct"] = vct
    return claims


def _default_vct(credential: Mapping[str, Any]) -> str:
    types = credential.get("type")
    names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    specific = [t for t in names if isinstance(t, str) and t != "VerifiableCredential"]
    return "urn:vcportable:vct:" + (specific[-1] if specific else "VerifiableCredential")


def _random_salt() -> str:
    return b64url_encode(secrets.token_bytes(16))


def sd_jwt_from_claims(
    claims: Mapping[str, Any],
    key: KeyPair,
    *,
    disclosable: Iterable[str],
    typ: str,
    header: Mapping[str, Any] | None = None,
    sd_alg: str = "sha-256",
    decoys: int = 0,
    salt_source: Callable[[], str] | None = None,
) -> str:
    """An SD-JWT (issuance form, every disclosure attached, ends with ``~``) of any claims.

    The mechanism only (RFC 9901 §4); :func:`issue_sd_jwt` adds the credential rules.
    ``decoys`` adds that many decoy digests to every ``_sd`` array. ``salt_source`` is for
    reproducible test vectors only: salts must be unpredictable.
    """
    if sd_alg not in HASHES:
        raise ConfigurationError(f"unsupported _sd_alg {sd_alg!r}")
    salt = salt_source or _random_salt
    payload = copy.deepcopy(dict(claims))
    targets: list[list[Segment]] = []
    seen: set[tuple[Segment, ...]] = set()
    for path in disclosable:
        concrete = resolve_path(payload, parse_path(path), path)
        if not concrete:
            raise InputError("the whole claims set cannot be selectively disclosable")
        if isinstance(concrete[-1], str) and concrete[-1] in (SD, ELLIPSIS, SD_ALG):
            raise InputError(f"{path!r} names a reserved SD-JWT member")
        if tuple(concrete) not in seen:
            seen.add(tuple(concrete))
            targets.append(concrete)
    targets.sort(key=len, reverse=True)  # inner claims first: their digests end up inside
    encoded: list[str] = []
    touched: list[dict[str, Any]] = []
    for segments in targets:
        parent: Any = payload
        for segment in segments[:-1]:
            parent = parent[segment]
        last = segments[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            text = encode_disclosure(salt(), last, parent.pop(last))
            digests = parent.setdefault(SD, [])
            digests.append(digest_of(text, sd_alg))
            if len(digests) == 1:
                touched.append(parent)
        else:
            assert isinstance(parent, list) and isinstance(last, int)
            text = encode_disclosure(salt(), None, parent[last])
            parent[last] = {ELLIPSIS: digest_of(text, sd_alg)}
        encoded.append(text)
    for obj in touched:
        digests = obj[SD]
        digests += [digest_of(_random_salt(), sd_alg) for _ in range(decoys)]
        digests.sort()  # hide the original order of the claims (RFC 9901 §4.2.4.1)
    payload[SD_ALG] = sd_alg
    jwt = sign_compact({**(header or {}), "typ": typ}, payload, key)
    return "~".join([jwt, *reversed(encoded)]) + "~"


def issue_sd_jwt(
    credential: Mapping[str, Any],
    key: KeyPair,
    *,
    now: datetime,
    disclosable: Iterable[str] | None = None,
    profile: Profile = "vc+sd-jwt",
    vct: str | None = None,
    holder_key: PublicKey | None = None,
    decoys: int = 0,
    sd_alg: str = "sha-256",
    salt_source: Callable[[], str] | None = None,
) -> str:
    """Secure ``credential`` as an SD-JWT (issuance form, all disclosures attached).

    ``disclosable``: credential paths the holder may withhold (None: :func:`default_disclosable`).
    For ``dc+sd-jwt`` they are translated (``credentialSubject.x`` -> ``x``, ``...id`` -> ``sub``);
    ``vct`` defaults to ``urn:vcportable:vct:<most specific type>``. ``holder_key`` puts the
    holder's key in ``cnf`` so that presentations can be key-bound. Validity, status, types and
    the issuer are never disclosable (:data:`NEVER_DISCLOSABLE`): ``InputError`` if asked.
    """
    if profile not in ("vc+sd-jwt", "dc+sd-jwt"):
        raise ConfigurationError(f"unknown SD-JWT profile {profile!r}")
    jwt_claims = jwt_claims_for(credential, key, now)
    paths = list(default_disclosable(credential) if disclosable is None else disclosable)
    # jti / sub would repeat id / credentialSubject.id in the clear, defeating their disclosure.
    jwt_claims = {k: v for k, v in jwt_claims.items() if k in ("iss", "iat", "nbf", "exp")}
    if profile == "vc+sd-jwt":
        claims: dict[str, Any] = {**credential, **jwt_claims}
        header = {"cty": "vc", "kid": key.key_id}
    else:
        claims = to_sd_jwt_vc_claims(credential, vct=vct or _default_vct(credential))
        claims.update(jwt_claims)
        paths = [_translate(p, profile) for p in paths]
        header = {"kid": key.key_id}
    for path in paths:
        top = parse_path(path)[0]
        if top in NEVER_DISCLOSABLE:
            raise InputError(
                f"{path!r} cannot be selectively disclosable: {top!r} must stay visible to every "
                "verifier"
            )
    if holder_key is not None:
        claims["cnf"] = {"jwk": holder_key.to_jwk()}
    return sd_jwt_from_claims(
        claims,
        key,
        disclosable=paths,
        typ=profile,
        header=header,
        sd_alg=sd_alg,
        decoys=decoys,
        salt_source=salt_source,
    )


# --------------------------------------------------------------------------------------------
# Holder


def _holder_view(
    sd_jwt: str,
) -> tuple[SdJwtParts, dict[str, Any], dict[str, Any], list[Disclosure]]:
    policy = DEFAULT_POLICY
    try:
        parsed = split_sd_jwt(sd_jwt.strip(), policy)
        jws = parse_compact(parsed.issuer_jwt, policy, what="SD-JWT")
        sd_alg = sd_alg_of(jws.payload, frozenset(HASHES))
        claims, disclosures = apply_disclosures(jws.payload, parsed.disclosures, sd_alg, policy)
    except Rejection as exc:
        raise InputError(f"not a usable SD-JWT: {exc.check.message}") from None
    return parsed, jws.payload, claims, disclosures


def disclosures_of(sd_jwt: str) -> list[Disclosure]:
    """The disclosures an SD-JWT carries, each with the path of its claim (for a wallet to show
    what can be revealed). Does not verify the issuer's signature; raises InputError."""
    return _holder_view(sd_jwt)[3]


def present_sd_jwt(
    sd_jwt: str,
    disclose: Iterable[str],
    *,
    holder_key: KeyPair | None = None,
    nonce: str | None = None,
    aud: str | None = None,
    now: datetime | None = None,
    include_nested: bool = True,
    profile: Profile | None = None,
) -> str:
    """Reveal only the claims at ``disclose`` (and what is needed to reach them).

    A path reveals its claim and, with ``include_nested`` (default), every disclosable claim
    inside it; ``include_nested=False`` reveals only the claim itself. Paths of credential
    form are translated for a ``dc+sd-jwt``. With ``holder_key`` a KB-JWT binds the
    presentation to ``nonce`` and ``aud`` (both required) at ``now``; the key must be the one in
    the credential's ``cnf``. Raises InputError for a path with no claim.
    """
    parsed, payload, claims, disclosures = _holder_view(sd_jwt)
    if parsed.key_binding:
        raise InputError("this SD-JWT already carries a key binding JWT; present the original")
    if profile is None:
        typ = str(_header_typ(parsed.issuer_jwt))
        profile = "dc+sd-jwt" if typ == "dc+sd-jwt" else "vc+sd-jwt"
    wanted = [tuple(resolve_path(claims, parse_path(_translate(p, profile)), p)) for p in disclose]
    chosen = []
    for disclosure in disclosures:
        where = disclosure.where
        if any(
            target[: len(where)] == where or (include_nested and where[: len(target)] == target)
            for target in wanted
        ):
            chosen.append(disclosure.encoded)
    presented = "~".join([parsed.issuer_jwt, *chosen]) + "~"
    if holder_key is None:
        if nonce is not None or aud is not None:
            raise ConfigurationError("nonce and aud need a holder key to sign a key binding JWT")
        return presented
    if nonce is None or aud is None or now is None:
        raise ConfigurationError("a key binding JWT needs nonce, aud and now")
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, Mapping):
        raise ConfigurationError("the credential has no cnf key: it cannot be key-bound")
    try:
        bound = PublicKey.from_jwk(jwk)
    except InputError as exc:
        raise ConfigurationError(f"the credential's cnf key is unusable: {exc.message}") from None
    if bound != holder_key.public_key:
        raise ConfigurationError("holder_key is not the key the credential is bound to (cnf)")
    sd_alg = sd_alg_of(payload, frozenset(HASHES))
    kb_claims = {
        "iat": epoch(now),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": digest_of(presented, sd_alg),
    }
    return presented + sign_compact({"typ": "kb+jwt"}, kb_claims, holder_key)


def _header_typ(jwt: str) -> Any:
    try:
        header = decode_header(
            jwt.split(".", 1)[0], DEFAULT_POLICY, what="SD-JWT", check_id="parse"
        )
    except Rejection as exc:
        raise InputError(exc.check.message) from None
    return normalize_typ(header.get("typ"))
