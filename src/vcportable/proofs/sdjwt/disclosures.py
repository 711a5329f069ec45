"""The SD-JWT mechanism (RFC 9901) that issuer, holder and verifier share.

Claim paths (``credentialSubject.address.street``, ``credentialSubject.phoneNumbers[0]``, or a
JSON Pointer such as ``/credentialSubject/address/street`` for names with ``.`` or ``[``),
disclosures and their digests, splitting a compact SD-JWT at its ``~``, and applying disclosures
to the signed claims strictly: every disclosure used exactly once, no repeated digest, no claim
overwritten. Checking functions raise :class:`~vcportable.proofs.jose.jws.Rejection`; the path
helpers raise :class:`~vcportable.errors.InputError` (a caller's mistake).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, NamedTuple

from vcportable.codec.base64url import b64url_encode
from vcportable.codec.json import dumps_compact
from vcportable.errors import InputError
from vcportable.models.report import Code
from vcportable.proofs.jose.jws import (
    DEFAULT_POLICY,
    JosePolicy,
    Rejection,
    decode_json,
    decode_segment,
)

__all__ = [
    "ELLIPSIS",
    "HASHES",
    "SD",
    "SD_ALG",
    "Disclosure",
    "SdJwtParts",
    "Segment",
    "apply_disclosures",
    "decode_disclosure",
    "digest_of",
    "encode_disclosure",
    "format_path",
    "parse_path",
    "resolve_path",
    "sd_alg_of",
    "split_sd_jwt",
]

SD: Final = "_sd"
ELLIPSIS: Final = "..."
SD_ALG: Final = "_sd_alg"
#: Claims a verifier refuses out of a disclosure, and an issuer never makes disclosable: the
#: registered claims of SD-JWT VC (§3.2.2.2) and their VC Data Model counterparts, which a
#: holder could otherwise withhold to hide an expiry, a revocation or the schema.
ALWAYS_VISIBLE: Final = frozenset(
    {"iss", "iat", "nbf", "exp", "cnf", "vct", "vct#integrity", "status", SD_ALG,
     "validFrom", "validUntil", "credentialStatus", "credentialSchema"}
)  # fmt: skip
HASHES: Final[dict[str, Callable[[bytes], Any]]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}


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


@lru_cache(maxsize=256)
def _path_text(where: tuple[Segment, ...]) -> str:
    """:func:`format_path` of where a disclosure landed, remembered: the claims of one kind of
    credential sit at the same paths in every one of them."""
    return format_path(where)


def resolve_path(document: Any, segments: Sequence[Segment], path: str) -> list[Segment]:
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


# --------------------------------------------------------------------------------------------
# Disclosures


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``name`` is None for an array element; ``path`` is where it sits in the
    fully disclosed claims (filled by :func:`apply_disclosures`)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any
    path: str = ""
    where: tuple[Segment, ...] = ()


def digest_of(encoded: str, sd_alg: str = "sha-256") -> str:
    """base64url(hash(ASCII of the encoded disclosure)) (RFC 9901 §4.2.3); of a presentation up
    to its last ``~``, the ``sd_hash`` of its KB-JWT."""
    return b64url_encode(HASHES[sd_alg](encoded.encode("ascii")).digest())


class _Decoded(NamedTuple):
    """A disclosure as read, before it is applied (then it becomes a :class:`Disclosure`)."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any


def decode_disclosure(
    encoded: str, sd_alg: str = "sha-256", policy: JosePolicy = DEFAULT_POLICY
) -> Disclosure:
    """Decode one disclosure strictly; raises :class:`Rejection` (check ``disclosures``)."""
    return Disclosure(*_decode(encoded, sd_alg, policy))


def _decode(encoded: str, sd_alg: str, policy: JosePolicy) -> _Decoded:
    """One disclosure decoded strictly and hashed (once); raises :class:`Rejection`."""
    what = "a disclosure"
    raw = decode_segment(
        encoded, what=what, max_bytes=policy.max_disclosure_bytes, check_id="disclosures"
    )
    array = decode_json(
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
    return _Decoded(encoded, digest_of(encoded, sd_alg), array[0], name, array[-1])


def encode_disclosure(salt: str, name: str | None, value: Any) -> str:
    content = [salt, value] if name is None else [salt, name, value]
    return b64url_encode(dumps_compact(content))


_CONTAINERS: Final = (dict, list)


class _Unpacker:
    """Replaces digests by disclosed claims (RFC 9901 §7.1 step 3), strictly, and remembers where
    each disclosure landed. Raises :class:`Rejection` on the first violation.

    Every value is visited (each digest is checked, decoys too), but an object or array with no
    digest in or below it is kept as it is instead of copied, and the path of the value being
    visited is one list, grown and shrunk by the walk and copied only where a disclosure lands.
    """

    def __init__(self, disclosures: Mapping[str, _Decoded], max_depth: int) -> None:
        self.disclosures = disclosures
        self.max_depth = max_depth
        self.seen: set[str] = set()
        self.paths: dict[str, tuple[Segment, ...]] = {}
        self.path: list[Segment] = []

    def _digest(self, value: Any) -> _Decoded | None:
        if not isinstance(value, str):
            raise Rejection(
                "disclosures",
                Code.DISCLOSURE_INVALID,
                f"a digest at {format_path(self.path) or '(root)'} is not a string",
            )
        if value in self.seen:
            raise Rejection(
                "disclosures",
                Code.DIGEST_DUPLICATE,
                f"digest {value[:60]} appears more than once in the credential",
            )
        self.seen.add(value)
        return self.disclosures.get(value)

    def unpack(self, value: Any) -> Any:
        """``value``, at :attr:`path`, with the disclosures in it applied."""
        if len(self.path) > self.max_depth:
            raise _too_deep()
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            return self._array(value)
        return value

    def _container(self, segment: Segment, value: dict[str, Any] | list[Any]) -> Any:
        """An object or array at ``segment`` of the current path, which is within the depth
        limit (its parent checked), unpacked."""
        path = self.path
        path.append(segment)
        unpacked = self._object(value) if isinstance(value, dict) else self._array(value)
        path.pop()
        return unpacked

    def _landed(self, disclosure: _Decoded, segment: Segment) -> Any:
        """The value of ``disclosure``, applied at ``segment`` of the current path."""
        path = self.path
        self.paths[disclosure.digest] = (*path, segment)
        path.append(segment)
        unpacked = self.unpack(disclosure.value)
        path.pop()
        return unpacked

    def _object(self, value: dict[str, Any]) -> dict[str, Any]:
        out = value  # copied at the first change
        # Past the depth limit even a plain value is too deep.
        deep = len(self.path) >= self.max_depth
        for key, item in value.items():
            if key == SD:
                continue
            if deep:
                raise _too_deep()
            if isinstance(item, _CONTAINERS):
                unpacked = self._container(key, item)
                if unpacked is not item:
                    if out is value:
                        out = _without_digests(value)
                    out[key] = unpacked
        if SD not in value:
            return out
        if out is value:
            out = _without_digests(value)
        digests = value[SD]
        if not isinstance(digests, list):
            raise Rejection(
                "disclosures", Code.DISCLOSURE_INVALID, "_sd must be an array of digests"
            )
        for digest in digests:
            disclosure = self._digest(digest)
            if disclosure is None:
                continue  # a decoy, or a claim the holder did not reveal
            name = disclosure.name
            if name is None:
                raise Rejection(
                    "disclosures",
                    Code.DISCLOSURE_INVALID,
                    "an array-element disclosure is referenced from an object's _sd",
                )
            if name in out:
                raise Rejection(
                    "disclosures",
                    Code.DISCLOSURE_INVALID,
                    f"disclosure of {name!r} would overwrite a claim of the same name",
                )
            out[name] = self._landed(disclosure, name)
        return out

    def _array(self, value: list[Any]) -> list[Any]:
        out: list[Any] | None = None  # built from the first change on
        deep = len(self.path) >= self.max_depth
        for index, element in enumerate(value):
            if isinstance(element, dict) and ELLIPSIS in element and len(element) == 1:
                if out is None:
                    out = value[:index]
                disclosure = self._digest(element[ELLIPSIS])
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    raise Rejection(
                        "disclosures",
                        Code.DISCLOSURE_INVALID,
                        "an object-property disclosure is referenced from an array",
                    )
                out.append(self._landed(disclosure, len(out)))
            elif deep:
                raise _too_deep()
            elif isinstance(element, _CONTAINERS):
                unpacked = self._container(index if out is None else len(out), element)
                if out is None and unpacked is not element:
                    out = value[:index]
                if out is not None:
                    out.append(unpacked)
            elif out is not None:
                out.append(element)
        return value if out is None else out


def _too_deep() -> Rejection:
    return Rejection("disclosures", Code.TOO_DEEP, "disclosed claims nest too deeply")


def _without_digests(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != SD}


@dataclass(frozen=True)
class SdJwtParts:
    """A compact SD-JWT cut at its ``~``: nothing decoded yet."""

    issuer_jwt: str
    disclosures: list[str]
    key_binding: str
    presented: str  # everything up to and including the last "~" (what sd_hash covers)


def split_sd_jwt(token: str, policy: JosePolicy) -> SdJwtParts:
    """``<issuer JWT>~<disclosure>~...~<KB-JWT or nothing>``, within the policy's limits."""
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
    return SdJwtParts(parts[0], disclosures, kb, token[: len(token) - len(kb)])


def sd_alg_of(claims: Mapping[str, Any], allowed: frozenset[str]) -> str:
    """The digest algorithm the claims declare (``_sd_alg``, default sha-256), if allowed."""
    sd_alg = claims.get(SD_ALG, "sha-256")
    if not isinstance(sd_alg, str) or sd_alg not in HASHES or sd_alg not in allowed:
        raise Rejection(
            "disclosures",
            Code.SD_ALG_UNSUPPORTED,
            f"_sd_alg {sd_alg!r} is not supported (supported: {', '.join(sorted(allowed))})",
        )
    return sd_alg


def apply_disclosures(
    payload: Mapping[str, Any],
    encoded: Sequence[str],
    sd_alg: str,
    policy: JosePolicy,
) -> tuple[dict[str, Any], list[Disclosure]]:
    """Apply ``encoded`` disclosures to ``payload``; every one must be used exactly once.

    The claims share what no disclosure changed with ``payload``: read them, never alter them.
    """
    decoded: dict[str, _Decoded] = {}
    for text in encoded:
        disclosure = _decode(text, sd_alg, policy)
        if disclosure.digest in decoded:
            raise Rejection(
                "disclosures",
                Code.DISCLOSURE_DUPLICATE,
                f"the same disclosure is presented twice ({disclosure.name or 'array element'})",
            )
        decoded[disclosure.digest] = disclosure
    unpacker = _Unpacker(decoded, policy.max_json_depth)
    claims = unpacker.unpack(dict(payload))
    claims.pop(SD_ALG, None)
    paths = unpacker.paths
    unused = [d for d in decoded.values() if d.digest not in paths]
    if unused:
        names = ", ".join(d.name or "an array element" for d in unused[:5])
        raise Rejection(
            "disclosures",
            Code.DISCLOSURE_NOT_REFERENCED,
            f"{len(unused)} disclosure(s) ({names}) match no digest in the credential: they "
            "were not signed by the issuer",
        )
    out = [Disclosure(*d, _path_text(paths[d.digest]), paths[d.digest]) for d in decoded.values()]
    return claims, out
