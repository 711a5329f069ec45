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
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from vcportable.errors import ConfigurationError, InputError
from vcportable.keys import KeyPair, PublicKey
from vcportable.models.report import Check, Code
from vcportable.proofs.jose import (
    JoseResult,
    Resolver,
    consistency_checks,
    document_of,
    envelope_checks,
    failed_result,
    holder_of,
    jwt_claims_for,
    nonce_aud_checks,
    token_validity,
    verify_enclosed,
)
from vcportable.proofs.jose_keys import JoseKey, ResolvedKey, key_source
from vcportable.proofs.jws import (
    DEFAULT_POLICY,
    JosePolicy,
    Rejection,
    b64url_decode,
    b64url_encode,
    check_header,
    decode_header,
    epoch,
    json_bytes,
    normalize_typ,
    numeric_date,
    parse_compact,
    parse_json,
    sign_compact,
    verify_signature,
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
    "verify_sd_jwt",
]

SD: Final = "_sd"
ELLIPSIS: Final = "..."
SD_ALG: Final = "_sd_alg"
HASHES: Final[dict[str, Callable[[bytes], Any]]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
SD_TYPS: Final = frozenset({"vc+sd-jwt", "dc+sd-jwt", "vp+sd-jwt"})
Profile = Literal["vc+sd-jwt", "dc+sd-jwt"]

#: Top-level claims a verifier needs in the clear: validity, status, keys, types. The issuer
#: refuses to make them disclosable (a holder could otherwise hide an expiry or a revocation).
NEVER_DISCLOSABLE: Final = frozenset(
    {
        "@context",
        "type",
        "issuer",
        "validFrom",
        "validUntil",
        "credentialStatus",
        "credentialSchema",
        "iss",
        "iat",
        "nbf",
        "exp",
        "cnf",
        "vct",
        "vct#integrity",
        "status",
        SD,
        SD_ALG,
    }
)
#: Registered claims that must never come out of a disclosure (SD-JWT VC §3.2.2).
_NOT_FROM_DISCLOSURES: Final = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", SD_ALG}
)
#: Claim names a subject member must not take in the SD-JWT VC mapping.
_RESERVED_CLAIMS: Final = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", "jti", "aud", "nonce",
     "credentialStatus", "credentialSchema", "credential", SD, SD_ALG}
)  # fmt: skip
_METADATA: Final = "credential"
#: Credential members that a dc+sd-jwt does not carry as claims (mapped or dropped).
_VC_ONLY: Final = frozenset(
    {"@context", "type", "issuer", "validFrom", "validUntil", "id", "credentialSubject", "proof"}
)


# --------------------------------------------------------------------------------------------
# Paths

Segment = str | int
_DOTTED = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def parse_path(path: str) -> list[Segment]:
    """``a.b[0].c`` or a JSON Pointer ``/a/b/0/c`` (all tokens strings) to segments."""
    if not isinstance(path, str) or not path:
        raise InputError("a claim path must be a non-empty string")
    if path.startswith("/"):
        return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]
    segments: list[Segment] = []
    for part in path.split("."):
        match = _DOTTED.fullmatch(part)
        if match is None:
            raise InputError(f"claim path {path!r} is not of the form a.b[0].c")
        segments.append(match.group(1))
        segments.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return segments


_PLAIN_NAME = re.compile(r"[^.\[\]/~][^.\[\]]*")


def format_path(segments: Sequence[Segment]) -> str:
    """Dotted form, or a JSON Pointer when a name would be ambiguous in it."""
    if not all(isinstance(s, int) or _PLAIN_NAME.fullmatch(s) for s in segments):
        return "".join(
            "/" + (str(s) if isinstance(s, int) else s.replace("~", "~0").replace("/", "~1"))
            for s in segments
        )
    out = ""
    for segment in segments:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += ("." if out else "") + segment
    return out


def _resolve(document: Any, segments: Sequence[Segment], path: str) -> list[Segment]:
    """Concrete segments (list indices as ints) of ``path``; InputError if absent."""
    node = document
    out: list[Segment] = []
    for segment in segments:
        if isinstance(node, dict) and isinstance(segment, str) and segment in node:
            node = node[segment]
            out.append(segment)
        elif isinstance(node, list):
            index = segment if isinstance(segment, int) else _index(segment)
            if index is None or not 0 <= index < len(node):
                raise InputError(f"no claim at {path!r}")
            node = node[index]
            out.append(index)
        else:
            raise InputError(f"no claim at {path!r}")
    return out


def _index(token: str) -> int | None:
    return int(token) if token.isdigit() and (token == "0" or not token.startswith("0")) else None


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
# Disclosures


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``name`` is None for an array element; ``path`` is where it sits in the
    fully disclosed claims (filled by :func:`disclosures_of`)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any
    path: str = ""
    where: tuple[Segment, ...] = ()


def digest_of(encoded: str, sd_alg: str = "sha-256") -> str:
    """base64url(hash(ASCII of the encoded disclosure)) (RFC 9901 §4.2.3)."""
    return b64url_encode(HASHES[sd_alg](encoded.encode("ascii")).digest())


def decode_disclosure(
    encoded: str, sd_alg: str = "sha-256", policy: JosePolicy = DEFAULT_POLICY
) -> Disclosure:
    """Decode one disclosure strictly; raises :class:`Rejection` (check ``disclosures``)."""
    what = "a disclosure"
    raw = b64url_decode(
        encoded, what=what, max_bytes=policy.max_disclosure_bytes, check_id="disclosures"
    )
    array = parse_json(
        raw, what=what, max_depth=policy.max_json_depth, check_id="disclosures", kind=list
    )
    if len(array) not in (2, 3) or not isinstance(array[0], str):
        raise Rejection(
            "disclosures",
            Code.DISCLOSURE_INVALID,
            "a disclosure must be [salt, name, value] or [salt, value] with a string salt",
        )
    name = None
    if len(array) == 3:
        name = array[1]
        if not isinstance(name, str) or name in (SD, ELLIPSIS):
            raise Rejection(
                "disclosures",
                Code.DISCLOSURE_INVALID,
                f"disclosure claim name {name!r} is not allowed",
            )
    return Disclosure(encoded, digest_of(encoded, sd_alg), array[0], name, array[-1])


def _encode_disclosure(salt: str, name: str | None, value: Any) -> str:
    content = [salt, value] if name is None else [salt, name, value]
    return base64.urlsafe_b64encode(json_bytes(content)).rstrip(b"=").decode("ascii")


class _Unpacker:
    """Replaces digests by disclosed claims (RFC 9901 §7.1 step 3), strictly, and remembers where
    each disclosure landed. Raises :class:`Rejection` on the first violation."""

    def __init__(self, disclosures: Mapping[str, Disclosure], max_depth: int) -> None:
        self.disclosures = disclosures
        self.max_depth = max_depth
        self.seen: set[str] = set()
        self.paths: dict[str, tuple[Segment, ...]] = {}

    def _digest(self, value: Any, where: tuple[Segment, ...]) -> Disclosure | None:
        if not isinstance(value, str):
            raise Rejection(
                "disclosures",
                Code.DISCLOSURE_INVALID,
                f"a digest at {format_path(where) or '(root)'} is not a string",
            )
        if value in self.seen:
            raise Rejection(
                "disclosures",
                Code.DIGEST_DUPLICATE,
                f"digest {value[:60]} appears more than once in the credential",
            )
        self.seen.add(value)
        return self.disclosures.get(value)

    def unpack(self, value: Any, where: tuple[Segment, ...]) -> Any:
        if len(where) > self.max_depth:
            raise Rejection("disclosures", Code.TOO_DEEP, "disclosed claims nest too deeply")
        if isinstance(value, dict):
            return self._object(value, where)
        if isinstance(value, list):
            return self._array(value, where)
        return value

    def _object(self, value: dict[str, Any], where: tuple[Segment, ...]) -> dict[str, Any]:
        out = {k: self.unpack(v, (*where, k)) for k, v in value.items() if k != SD}
        digests = value.get(SD, [])
        if not isinstance(digests, list):
            raise Rejection(
                "disclosures", Code.DISCLOSURE_INVALID, "_sd must be an array of digests"
            )
        for digest in digests:
            disclosure = self._digest(digest, where)
            if disclosure is None:
                continue  # a decoy, or a claim the holder did not reveal
            if disclosure.name is None:
                raise Rejection(
                    "disclosures",
                    Code.DISCLOSURE_INVALID,
                    "an array-element disclosure is referenced from an object's _sd",
                )
            if disclosure.name in out:
                raise Rejection(
                    "disclosures",
                    Code.DISCLOSURE_INVALID,
                    f"disclosure of {disclosure.name!r} would overwrite a claim of the same name",
                )
            path = (*where, disclosure.name)
            self.paths[disclosure.digest] = path
            out[disclosure.name] = self.unpack(disclosure.value, path)
        return out

    def _array(self, value: list[Any], where: tuple[Segment, ...]) -> list[Any]:
        out: list[Any] = []
        for element in value:
            if isinstance(element, dict) and ELLIPSIS in element and len(element) == 1:
                disclosure = self._digest(element[ELLIPSIS], where)
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    raise Rejection(
                        "disclosures",
                        Code.DISCLOSURE_INVALID,
                        "an object-property disclosure is referenced from an array",
                    )
                path = (*where, len(out))
                self.paths[disclosure.digest] = path
                out.append(self.unpack(disclosure.value, path))
            else:
                out.append(self.unpack(element, (*where, len(out))))
        return out


@dataclass(frozen=True)
class _Parsed:
    issuer_jwt: str
    disclosures: list[str]
    key_binding: str
    presented: str  # everything up to and including the last "~" (what sd_hash covers)


def _split(token: str, policy: JosePolicy) -> _Parsed:
    if len(token) > policy.max_token_bytes:
        raise Rejection(
            "parse",
            Code.TOO_LARGE,
            f"SD-JWT is {len(token)} characters, over the limit of {policy.max_token_bytes}",
        )
    parts = token.split("~")
    if len(parts) < 2:
        raise Rejection(
            "parse",
            Code.MALFORMED,
            "not an SD-JWT: the issuer-signed JWT must be followed by '~'",
        )
    disclosures = parts[1:-1]
    if len(disclosures) > policy.max_disclosures:
        raise Rejection(
            "parse",
            Code.TOO_LARGE,
            f"{len(disclosures)} disclosures, over the limit of {policy.max_disclosures}",
        )
    if any(not d for d in disclosures):
        raise Rejection("parse", Code.MALFORMED, "the SD-JWT has an empty disclosure ('~~')")
    kb = parts[-1]
    return _Parsed(parts[0], disclosures, kb, token[: len(token) - len(kb)])


def _sd_alg(claims: Mapping[str, Any], allowed: frozenset[str]) -> str:
    sd_alg = claims.get(SD_ALG, "sha-256")
    if not isinstance(sd_alg, str) or sd_alg not in HASHES or sd_alg not in allowed:
        raise Rejection(
            "disclosures",
            Code.SD_ALG_UNSUPPORTED,
            f"_sd_alg {sd_alg!r} is not supported (supported: {', '.join(sorted(allowed))})",
        )
    return sd_alg


def _disclose(
    payload: Mapping[str, Any],
    encoded: Sequence[str],
    sd_alg: str,
    policy: JosePolicy,
) -> tuple[dict[str, Any], list[Disclosure]]:
    """Apply ``encoded`` disclosures to ``payload``; every one must be used exactly once."""
    by_digest: dict[str, Disclosure] = {}
    ordered: list[Disclosure] = []
    for text in encoded:
        disclosure = decode_disclosure(text, sd_alg, policy)
        if disclosure.digest in by_digest:
            raise Rejection(
                "disclosures",
                Code.DISCLOSURE_DUPLICATE,
                f"the same disclosure is presented twice ({disclosure.name or 'array element'})",
            )
        by_digest[disclosure.digest] = disclosure
        ordered.append(disclosure)
    unpacker = _Unpacker(by_digest, policy.max_json_depth)
    claims = unpacker.unpack(dict(payload), ())
    claims.pop(SD_ALG, None)
    unused = [d for d in ordered if d.digest not in unpacker.paths]
    if unused:
        names = ", ".join(d.name or "an array element" for d in unused[:5])
        raise Rejection(
            "disclosures",
            Code.DISCLOSURE_NOT_REFERENCED,
            f"{len(unused)} disclosure(s) ({names}) match no digest in the credential: they "
            "were not signed by the issuer",
        )
    out = [
        Disclosure(
            d.encoded,
            d.digest,
            d.salt,
            d.name,
            d.value,
            format_path(unpacker.paths[d.digest]),
            unpacker.paths[d.digest],
        )
        for d in ordered
    ]
    return claims, out


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
        concrete = _resolve(payload, parse_path(path), path)
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
            text = _encode_disclosure(salt(), last, parent.pop(last))
            digests = parent.setdefault(SD, [])
            digests.append(digest_of(text, sd_alg))
            if len(digests) == 1:
                touched.append(parent)
        else:
            assert isinstance(parent, list) and isinstance(last, int)
            text = _encode_disclosure(salt(), None, parent[last])
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


def _holder_view(sd_jwt: str) -> tuple[_Parsed, dict[str, Any], dict[str, Any], list[Disclosure]]:
    policy = DEFAULT_POLICY
    try:
        parsed = _split(sd_jwt.strip(), policy)
        jws = parse_compact(parsed.issuer_jwt, policy, what="SD-JWT")
        sd_alg = _sd_alg(jws.payload, frozenset(HASHES))
        claims, disclosures = _disclose(jws.payload, parsed.disclosures, sd_alg, policy)
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
    wanted = [tuple(_resolve(claims, parse_path(_translate(p, profile)), p)) for p in disclose]
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
    sd_alg = _sd_alg(payload, frozenset(HASHES))
    kb_claims = {
        "iat": epoch(now),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": b64url_encode(HASHES[sd_alg](presented.encode("ascii")).digest()),
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


# --------------------------------------------------------------------------------------------
# Verifier


def verify_sd_jwt(
    token: str,
    *,
    resolver: Resolver,
    now: datetime,
    policy: JosePolicy = DEFAULT_POLICY,
    typs: frozenset[str] | None = None,
) -> JoseResult:
    """Verify an SD-JWT (``vc+sd-jwt``, ``dc+sd-jwt`` or ``vp+sd-jwt``; ``typs`` narrows it).

    ``result.document`` is the credential with the disclosed claims (``dc+sd-jwt``: the claims);
    ``result.disclosed`` lists the paths the holder revealed. Key binding is required only if
    ``policy.require_key_binding``; a KB-JWT that is present is always checked.
    """
    checks: list[Check] = []
    allowed = (typs if typs is not None else SD_TYPS) & policy.accepted_typs
    fmt = "sd-jwt"
    kind = "credential"
    try:
        if not allowed:
            raise Rejection("jose_header", Code.TYP_MISMATCH, "SD-JWT types are not accepted")
        parsed = _split(token.strip(), policy)
        jws = parse_compact(parsed.issuer_jwt, policy, what="SD-JWT")
        checks.append(Check.passed("parse", "well-formed SD-JWT"))
        typ = check_header(jws.header, policy, typs=allowed, what="SD-JWT")
        fmt = str(typ)
        kind = "presentation" if fmt == "vp+sd-jwt" else "credential"
        checks.append(Check.passed("jose_header", f"{fmt}, {jws.header['alg']}"))
        payload = jws.payload
        if kind == "presentation":
            signer = holder_of(payload)
            checks.append(Check.passed("holder", f"presented by {signer}"))
        else:
            signer = _signer(payload, fmt)
            checks.append(Check.passed("issuer", f"issued by {signer}"))
        relationship = "authentication" if kind == "presentation" else "assertionMethod"
        envelope_checks(
            jws, key_source(resolver), signer, relationship, policy, checks, what="SD-JWT"
        )
        sd_alg = _sd_alg(payload, policy.sd_algs)
        claims, disclosures = _disclose(payload, parsed.disclosures, sd_alg, policy)
        for disclosure in disclosures:
            if len(disclosure.where) == 1 and disclosure.where[0] in _NOT_FROM_DISCLOSURES:
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
    checks += _key_binding(parsed, payload, sd_alg, now, policy, kind)
    disclosed = [d.path for d in disclosures]
    if fmt == "dc+sd-jwt":
        document = claims
        checks.append(_sd_jwt_vc_checks(claims))
    else:
        document = document_of(claims)
        checks += consistency_checks(claims, document, kind=kind)
        if kind == "credential":
            checks += _disclosed_issuer_check(claims, signer)
    checks.append(
        token_validity(claims, now, policy, require_exp=policy.require_exp and kind == "credential")
    )
    credentials: list[JoseResult] = []
    if kind == "presentation":
        checks += nonce_aud_checks(claims, policy)
        credentials, enclosed = verify_enclosed(document, resolver=resolver, now=now, policy=policy)
        checks.append(enclosed)
    return JoseResult(fmt, kind, checks, document, claims, disclosed, credentials)


def _signer(payload: Mapping[str, Any], fmt: str) -> str:
    iss = payload.get("iss")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
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
    if "iss" in payload and iss != issuer_id:
        raise Rejection(
            "issuer",
            Code.ISSUER_MISMATCH,
            f"iss {str(iss)[:200]!r} differs from the credential's issuer {issuer_id[:200]!r}",
        )
    return issuer_id


def _disclosed_issuer_check(claims: Mapping[str, Any], signer: str) -> list[Check]:
    issuer = claims.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if issuer_id is not None and issuer_id != signer:
        return [
            Check.failed(
                "issuer", Code.ISSUER_MISMATCH, "a disclosed issuer differs from the signer"
            )
        ]
    return []


def _sd_jwt_vc_checks(claims: Mapping[str, Any]) -> Check:
    vct = claims.get("vct")
    if not isinstance(vct, str) or not vct:
        return Check.failed("claims", Code.CLAIM_INVALID, "an SD-JWT VC needs a vct (its type)")
    return Check.passed("claims", f"SD-JWT VC of type {vct}")


def _key_binding(
    parsed: _Parsed,
    payload: Mapping[str, Any],
    sd_alg: str,
    now: datetime,
    policy: JosePolicy,
    kind: str,
) -> list[Check]:
    if not parsed.key_binding:
        if kind == "presentation":
            return [Check.skipped("key_binding", "the holder signed the presentation itself")]
        if policy.require_key_binding:
            return [
                Check.failed(
                    "key_binding",
                    Code.KEY_BINDING_MISSING,
                    "this verifier requires key binding, and the presentation has no KB-JWT",
                )
            ]
        return [Check.skipped("key_binding", "no key binding (not required by this verifier)")]
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
            holder = JoseKey.from_jwk(jwk)
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
        skew = policy.clock_skew.total_seconds()
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
        for name in ("nonce", "aud", "sd_hash"):
            if not isinstance(kb.payload.get(name), str):
                raise Rejection(
                    "key_binding", Code.KEY_BINDING_INVALID, f"KB-JWT has no string {name}"
                )
    except Rejection as exc:
        return [exc.check]
    checks.append(Check.passed("key_binding", "signed by the key the credential is bound to"))
    if policy.expected_nonce is None:
        checks.append(Check.skipped("challenge", "nonce not checked: this verifier set none"))
    elif kb.payload["nonce"] != policy.expected_nonce:
        checks.append(
            Check.failed(
                "challenge",
                Code.CHALLENGE_MISMATCH,
                f"KB-JWT nonce is {kb.payload['nonce'][:100]!r}, this verifier asked for "
                f"{policy.expected_nonce!r}",
            )
        )
    else:
        checks.append(Check.passed("challenge", "nonce matches"))
    if policy.expected_aud is None:
        checks.append(Check.skipped("domain", "audience not checked: this verifier set none"))
    elif kb.payload["aud"] != policy.expected_aud:
        checks.append(
            Check.failed(
                "domain",
                Code.DOMAIN_MISMATCH,
                f"KB-JWT audience is {kb.payload['aud'][:100]!r}, this verifier is "
                f"{policy.expected_aud!r}",
            )
        )
    else:
        checks.append(Check.passed("domain", "audience matches"))
    expected_hash = b64url_encode(HASHES[sd_alg](parsed.presented.encode("ascii")).digest())
    if kb.payload["sd_hash"] != expected_hash:
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
