"""The MUST-level rules of the W3C VC Data Model, as a function that lists problems.

Why a function over plain JSON rather than a pydantic model: a verifier reads untrusted input,
so this must accept *anything* (a list, a number, deeply nested garbage), never raise, report
every problem at once, and cover what a schema cannot say (dates in order, unique ids, digests).
It checks VC Data Model 2.0 and, when the first context is the 1.1 one, VC Data Model 1.1
(``issuanceDate``/``expirationDate``).

A problem is ``(path, message)``. The path is the dotted JSON path of the offending value, with
array indices in brackets: ``credentialSubject.achievement.alignment[0].targetUrl``; ``""`` is
the document itself. The Open Badges profile (``models.credential``) uses the same paths and, for
the rules both check (URLs, dates), the same messages, so callers can merge the two lists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import base58

from vcportable.errors import ConfigurationError

Problem = tuple[str, str]
Kind = Literal["credential", "presentation"]

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"

# --------------------------------------------------------------------------------------------
# URLs

_SPECIAL_SCHEMES = r"(?:[hH][tT][tT][pP][sS]?|[wW][sS][sS]?|[fF][tT][pP])"
_URL_CHAR = r'[^\x00-\x20\x7f<>"{}|\\^`]'
_AUTHORITY_CHAR = r'[^\x00-\x20\x7f<>"{}|\\^`/?#]'

#: An absolute URL (RFC 3986 / 3987): a scheme, then no spaces, controls or characters a URL
#: never holds; ``http(s)``, ``ws(s)`` and ``ftp`` need ``//`` and a host, as for the WHATWG
#: parser that ``@digitalbazaar/vc`` uses. DIDs (``did:key:z6Mk...``), URNs and ``data:`` URLs
#: pass. The same pattern is in the JSON Schema of the profile (ECMA-262 compatible).
URL_PATTERN: Final = (
    rf"^(?:{_SPECIAL_SCHEMES}://{_AUTHORITY_CHAR}+(?:[/?#]{_URL_CHAR}*)?"
    rf"|(?!{_SPECIAL_SCHEMES}:)[A-Za-z][A-Za-z0-9+.\-]*:{_URL_CHAR}+)$"
)
_URL_RE: Final = re.compile(URL_PATTERN)


def is_url(value: object) -> bool:
    """True for an absolute URL string (``https://...``, ``did:...``, ``urn:...``)."""
    return isinstance(value, str) and _URL_RE.fullmatch(value) is not None


def url_problem(value: object) -> str | None:
    """Why ``value`` is not a URL, or None when it is one."""
    if is_url(value):
        return None
    if not isinstance(value, str):
        return f"must be a URL string, got {_json_type(value)}"
    return f"must be an absolute URL such as https://..., did:... or urn:... (got {_show(value)})"


# --------------------------------------------------------------------------------------------
# Dates

_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

#: XSD 1.1 ``dateTimeStamp``: a ``dateTime`` with a mandatory timezone, as VC 2.0 requires for
#: ``validFrom``/``validUntil``. Uppercase ``T`` and ``Z`` only. Shared with the JSON Schema.
DATETIME_STAMP_PATTERN: Final = (
    rf"^{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T{_TIME}{_TZ}$"
)
DATETIME_STAMP_RE: Final = re.compile(DATETIME_STAMP_PATTERN)

# XSD dateTime split into parts; the timezone is optional (VC 1.1 dates).
_XSD_DATETIME_RE: Final = re.compile(
    r"(?P<year>-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(?P<month>0[1-9]|1[0-2])"
    r"-(?P<day>0[1-9]|[12][0-9]|3[01])"
    r"T(?:(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):(?P<second>[0-5][0-9])"
    r"(?:\.(?P<fraction>[0-9]+))?|(?P<midnight>24:00:00(?:\.0+)?))"
    r"(?P<tz>Z|(?P<sign>[+-])(?:(?P<tzh>0[0-9]|1[0-3]):(?P<tzm>[0-5][0-9])|14:00))?"
)

#: The date regex of ``@digitalbazaar/vc`` 7.x (``lib/helpers.js``), with the meaning it has in
#: JavaScript: the ``'\\.'`` of the source string is a plain ``.`` (any character), the
#: timezone is optional and ``RegExp.test`` is unanchored. Any XSD ``dateTimeStamp`` matches it;
#: checking both keeps what vcportable accepts a subset of what that library accepts.
DIGITALBAZAAR_DATE_RE: Final = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})"
    r"-(0[1-9]|1[0-2])"
    r"-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](.[0-9]+)?|(24:00:00(.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)

_MAX_DATE_CHARS = 64  # no real timestamp is longer; keeps regexes and integers small


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any year (H. Hinnant)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


class _Instant:
    """A parsed XSD dateTime: an exact, comparable instant for any year, plus the parts."""

    __slots__ = ("seconds", "fraction", "has_tz", "offset_minutes", "parts")

    def __init__(self, match: re.Match[str]) -> None:
        g = match.group
        self.parts = (int(g("year")), int(g("month")), int(g("day")))
        year, month, day = self.parts
        if g("midnight"):  # 24:00:00 is the first instant of the next day
            day_seconds = 86400
            self.fraction = ""
        else:
            day_seconds = int(g("hour")) * 3600 + int(g("minute")) * 60 + int(g("second"))
            self.fraction = (g("fraction") or "").rstrip("0")
        self.has_tz = g("tz") is not None
        if g("tz") in (None, "Z"):
            self.offset_minutes = 0
        else:
            hours, minutes = (int(g("tzh")), int(g("tzm"))) if g("tzh") else (14, 0)
            self.offset_minutes = (hours * 60 + minutes) * (-1 if g("sign") == "-" else 1)
        self.seconds = (
            _days_from_civil(year, month, day) * 86400 + day_seconds - self.offset_minutes * 60
        )

    def key(self) -> tuple[int, str]:
        # Fraction digits without trailing zeros compare correctly as strings.
        return (self.seconds, self.fraction)

    def to_datetime(self) -> datetime | None:
        if not 1 <= self.parts[0] <= 9999:
            return None
        micro = int((self.fraction + "000000")[:6])
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
                seconds=self.seconds, microseconds=micro
            )
        except OverflowError:
            return None


def _parse(value: object, *, require_tz: bool) -> tuple[_Instant | None, str | None]:
    """The instant of an XSD date-time string, or why it is not one."""
    example = "2025-03-01T00:00:00Z"
    if not isinstance(value, str):
        return None, f"must be a date-time string such as {example}, got {_json_type(value)}"
    match = _XSD_DATETIME_RE.fullmatch(value) if len(value) <= _MAX_DATE_CHARS else None
    if match is None:
        kind = "XSD dateTimeStamp" if require_tz else "XSD dateTime"
        return None, f"must be an {kind} such as {example} (got {_show(value)})"
    instant = _Instant(match)
    year, month, day = instant.parts
    if day > _days_in_month(year, month):
        return None, f"is not a calendar date: {year:04d}-{month:02d} has no day {day}"
    if require_tz and not instant.has_tz:
        return None, (
            f"needs a timezone ('Z' or '+hh:mm'): VC 2.0 dates are XSD dateTimeStamp "
            f"(got {_show(value)})"
        )
    if DIGITALBAZAAR_DATE_RE.search(value) is None:  # implied by the above; kept as a guard
        return None, f"is rejected by @digitalbazaar/vc's date check (got {_show(value)})"
    return instant, None


def date_problem(value: object, *, require_timezone: bool = True) -> str | None:
    """Why ``value`` is not an XSD dateTimeStamp (dateTime when ``require_timezone`` is off)."""
    return _parse(value, require_tz=require_timezone)[1]


def parse_datetime_stamp(value: object) -> datetime | None:
    """An aware UTC datetime for a valid XSD dateTimeStamp; None when invalid or outside the
    years 1-9999 that :class:`datetime` holds (:func:`date_problem` tells the two apart)."""
    instant, problem = _parse(value, require_tz=True)
    return None if instant is None or problem else instant.to_datetime()


def parse_xsd_datetime(value: object) -> datetime | None:
    """Like :func:`parse_datetime_stamp` for VC 1.1 dates: a missing timezone means UTC."""
    instant, problem = _parse(value, require_tz=False)
    return None if instant is None or problem else instant.to_datetime()


# --------------------------------------------------------------------------------------------
# Digests of related resources

_SRI_TOKEN_RE: Final = re.compile(
    r"(?P<alg>sha256|sha384|sha512)-(?P<b64>[A-Za-z0-9+/]+={0,2})(?:\?[\x21-\x7e]*)?"
)
_SRI_SIZES: Final = {"sha256": 32, "sha384": 48, "sha512": 64}
_SRI_STRENGTH: Final = {"sha256": 1, "sha384": 2, "sha512": 3}
# multihash code -> (hashlib name, digest size); the codes are single-byte varints.
_MULTIHASH: Final = {0x12: ("sha256", 32), 0x20: ("sha384", 48), 0x13: ("sha512", 64)}
_B64URL_RE: Final = re.compile(r"[A-Za-z0-9_-]+")
_B58_RE: Final = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_MAX_DIGEST_CHARS = 1024


def parse_digest_sri(value: object) -> list[tuple[str, bytes]] | None:
    """``[(algorithm, digest)]`` of a Subresource Integrity value (``sha384-<base64> ...``);
    None unless every token is a well-formed sha256/sha384/sha512 digest."""
    if not isinstance(value, str) or len(value) > _MAX_DIGEST_CHARS:
        return None
    digests: list[tuple[str, bytes]] = []
    for token in value.split():
        match = _SRI_TOKEN_RE.fullmatch(token)
        if match is None:
            return None
        b64 = match["b64"]
        try:
            digest = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(digest) != _SRI_SIZES[match["alg"]]:
            return None
        digests.append((match["alg"], digest))
    return digests or None


def parse_digest_multibase(value: object) -> tuple[str, bytes] | None:
    """``(algorithm, digest)`` of a multibase (``u`` base64url / ``z`` base58btc) multihash
    of a SHA-2 digest; None when malformed or of another hash function."""
    if not isinstance(value, str) or not 2 <= len(value) <= _MAX_DIGEST_CHARS:
        return None
    prefix, body = value[0], value[1:]
    raw: bytes
    if prefix == "u" and _B64URL_RE.fullmatch(body) and len(body) % 4 != 1:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    elif prefix == "z" and _B58_RE.fullmatch(body):
        raw = bytes(base58.b58decode(body))
    else:
        return None
    if len(raw) < 2 or raw[0] not in _MULTIHASH:
        return None
    algorithm, size = _MULTIHASH[raw[0]]
    if raw[1] != size or len(raw) != 2 + size:
        return None
    return algorithm, raw[2:]


def digest_multibase(data: bytes, *, base: Literal["u", "z"] = "u") -> str:
    """The ``digestMultibase`` of ``data``: a sha2-256 multihash, base64url or base58btc."""
    raw = b"\x12\x20" + hashlib.sha256(data).digest()
    if base == "z":
        return "z" + str(base58.b58encode(raw).decode("ascii"))
    return "u" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def digest_sri(data: bytes, algorithm: Literal["sha256", "sha384", "sha512"] = "sha384") -> str:
    """The ``digestSRI`` of ``data`` (``sha384-<base64>`` by default, as SRI recommends)."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


# --------------------------------------------------------------------------------------------
# Helpers


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _items(value: object, path: str) -> Iterator[tuple[object, str]]:
    """The values of a "one or more" property, each with its path."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield item, f"{path}[{index}]"
    else:
        yield value, path


def _type_names(value: object) -> list[str] | None:
    """The type names of a ``type`` value, or None when it is not a string or strings."""
    if isinstance(value, str):
        return [value] if value else None
    if isinstance(value, list) and value and all(isinstance(t, str) and t for t in value):
        return [t for t in value if isinstance(t, str)]
    return None


# --------------------------------------------------------------------------------------------
# The rules


def check_data_model(doc: object, *, kind: Kind = "credential") -> list[Problem]:
    """Every MUST-level VC Data Model problem of ``doc`` as ``(path, message)``; ``[]`` if none.

    ``kind`` says what ``doc`` claims to be. Never raises for any JSON value; raises
    :class:`~vcportable.errors.ConfigurationError` only for an unknown ``kind``.
    Digests of related resources are checked for form here and against the resources by
    :func:`check_related_resources`.
    """
    if kind not in ("credential", "presentation"):
        raise ConfigurationError(f"kind must be 'credential' or 'presentation', not {kind!r}")
    if not isinstance(doc, dict):
        return [("", f"a verifiable {kind} must be a JSON object, got {_json_type(doc)}")]
    problems: list[Problem] = []
    version = _check_context(doc, problems)
    if kind == "credential":
        _check_credential(doc, version, problems)
    else:
        _check_presentation(doc, version, problems)
    _check_ids(doc, problems, skip=("verifiableCredential",) if kind == "presentation" else ())
    return problems


def _check_context(doc: dict[Any, Any], out: list[Problem]) -> int:
    """Check ``@context`` and return the data model version it selects (1 or 2)."""
    if "@context" not in doc:
        out.append(("@context", "is required"))
        return 2
    context = doc["@context"]
    values = context if isinstance(context, list) else [context]
    path = "@context" if not isinstance(context, list) else "@context[0]"
    if not values:
        out.append(("@context", f"must not be empty; its first value must be {VC_V2_CONTEXT}"))
        return 2
    first = values[0]
    version = 1 if first == VC_V1_CONTEXT else 2
    if first not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        shown = _show(first) if isinstance(first, str) else _json_type(first)
        out.append(
            (
                path,
                f"must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT} for VC 1.1), got {shown}",
            )
        )
    for index, value in enumerate(values[1:], start=1):
        if isinstance(value, dict) or is_url(value):
            continue
        out.append((f"@context[{index}]", "must be a context URL or a context object"))
    return version


def _check_type(doc: dict[Any, Any], required: str, out: list[Problem]) -> None:
    if "type" not in doc:
        out.append(("type", "is required"))
        return
    names = _type_names(doc["type"])
    if names is None:
        out.append(("type", "must be a type name or a non-empty array of type names"))
    elif required not in names:
        out.append(("type", f"must include {required!r}"))


def _check_url_or_object(doc: dict[Any, Any], key: str, out: list[Problem]) -> None:
    """``issuer``/``holder``: a URL, or an object whose ``id`` is a URL (checked by the walk)."""
    value = doc[key]
    if isinstance(value, str):
        problem = url_problem(value)
        if problem:
            out.append((key, problem))
    elif isinstance(value, dict):
        if "id" not in value:
            out.append((f"{key}.id", "is required"))
        _check_text(value, key, out)
    else:
        out.append((key, f"must be a URL or an object with an id, got {_json_type(value)}"))


def _check_text(obj: dict[Any, Any], path: str, out: list[Problem]) -> None:
    """``name``/``description``: a string or language value objects (VC 2.0 section 4.6)."""
    for key in ("name", "description"):
        if key not in obj:
            continue
        for value, where in _items(obj[key], _key(path, key)):
            if isinstance(value, str) or _is_language_value(value):
                continue
            out.append((where, "must be a string or a language value object with @value"))


def _is_language_value(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("@value"), str):
        return False
    if not set(value) <= {"@value", "@language", "@direction"}:
        return False
    if "@language" in value and not isinstance(value["@language"], str):
        return False
    return value.get("@direction", "ltr") in ("ltr", "rtl")


def _check_subjects(doc: dict[Any, Any], out: list[Problem]) -> None:
    if "credentialSubject" not in doc:
        out.append(("credentialSubject", "is required"))
        return
    value = doc["credentialSubject"]
    if isinstance(value, list) and not value:
        out.append(("credentialSubject", "must not be an empty array"))
        return
    for subject, path in _items(value, "credentialSubject"):
        if not isinstance(subject, dict):
            out.append(
                (path, f"must be an object (or an array of objects), got {_json_type(subject)}")
            )
        elif not subject:
            out.append((path, "must make at least one claim about the subject"))


def _check_dates(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    if version == 1:
        if "issuanceDate" not in doc:
            out.append(("issuanceDate", "is required in a VC 1.1 credential"))
        for key in ("issuanceDate", "expirationDate"):
            if key in doc:
                problem = _parse(doc[key], require_tz=False)[1]
                if problem:
                    out.append((key, problem))
        return
    instants: dict[str, _Instant] = {}
    for key in ("validFrom", "validUntil"):
        if key in doc:
            instant, problem = _parse(doc[key], require_tz=True)
            if problem:
                out.append((key, problem))
            elif instant is not None:
                instants[key] = instant
    start, end = instants.get("validFrom"), instants.get("validUntil")
    if start is not None and end is not None and start.key() > end.key():
        out.append(("validUntil", "must not be earlier than validFrom"))


def _check_typed(
    doc: dict[Any, Any], key: str, out: list[Problem], *, require_id: bool = False
) -> None:
    """A property whose values are objects that each must have a ``type`` (and maybe an id)."""
    if key not in doc:
        return
    value = doc[key]
    if isinstance(value, list) and not value:
        out.append((key, "must not be an empty array (leave the property out instead)"))
        return
    for item, path in _items(value, key):
        if not isinstance(item, dict):
            out.append((path, f"must be an object with a type, got {_json_type(item)}"))
            continue
        if "type" not in item:
            out.append((f"{path}.type", "is required"))
        elif _type_names(item["type"]) is None:
            out.append((f"{path}.type", "must be a type name or a non-empty array of type names"))
        if require_id and "id" not in item:
            out.append((f"{path}.id", "is required"))


def _check_related_shape(doc: dict[Any, Any], out: list[Problem]) -> None:
    if "relatedResource" not in doc:
        return
    value = doc["relatedResource"]
    if isinstance(value, list) and not value:
        out.append(
            ("relatedResource", "must not be an empty array (leave the property out instead)")
        )
        return
    seen: dict[str, str] = {}
    for item, path in _items(value, "relatedResource"):
        if not isinstance(item, dict):
            out.append((path, f"must be an object with an id and a digest, got {_json_type(item)}"))
            continue
        resource_id = item.get("id")
        if "id" not in item:
            out.append((f"{path}.id", "is required"))
        elif isinstance(resource_id, str):
            if resource_id in seen:
                out.append((f"{path}.id", f"must be unique: {seen[resource_id]}.id is the same"))
            else:
                seen[resource_id] = path
        if "digestSRI" not in item and "digestMultibase" not in item:
            out.append((path, "needs a digestSRI or a digestMultibase"))
        if "digestSRI" in item and parse_digest_sri(item["digestSRI"]) is None:
            out.append(
                (
                    f"{path}.digestSRI",
                    "must be a Subresource Integrity value such as sha384-<base64 digest>",
                )
            )
        if "digestMultibase" in item and parse_digest_multibase(item["digestMultibase"]) is None:
            out.append(
                (
                    f"{path}.digestMultibase",
                    "must be a multibase ('u' or 'z') multihash of a sha2-256/384/512 digest",
                )
            )
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            out.append((f"{path}.mediaType", "must be a string such as application/json"))


def _check_credential(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    _check_type(doc, "VerifiableCredential", out)
    if "issuer" not in doc:
        out.append(("issuer", "is required"))
    else:
        _check_url_or_object(doc, "issuer", out)
    _check_subjects(doc, out)
    _check_dates(doc, version, out)
    if version == 2:
        _check_text(doc, "", out)
    # VC 1.1 also requires an id on status entries and refresh services; 2.0 only a type.
    _check_typed(doc, "credentialStatus", out, require_id=version == 1)
    _check_typed(doc, "credentialSchema", out, require_id=True)
    _check_typed(doc, "refreshService", out, require_id=version == 1)
    _check_typed(doc, "evidence", out)
    _check_typed(doc, "termsOfUse", out)
    _check_related_shape(doc, out)


def _check_presentation(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    _check_type(doc, "VerifiablePresentation", out)
    if "holder" in doc:
        _check_url_or_object(doc, "holder", out)
    if version == 2:
        _check_text(doc, "", out)
    _check_typed(doc, "termsOfUse", out)
    _check_related_shape(doc, out)
    if "verifiableCredential" not in doc:
        return
    value = doc["verifiableCredential"]
    for item, path in _items(value, "verifiableCredential"):
        if isinstance(item, dict):
            if not item:
                out.append((path, "must be a verifiable credential, got an empty object"))
        elif version == 1 and isinstance(item, str) and item.count(".") == 2:
            continue  # VC-JWT 1.1 presentations carry credentials as compact JWS strings
        else:
            out.append((path, f"must be a verifiable credential object, got {_json_type(item)}"))


# A path as a chain of (parent, key) links: O(1) to extend, rendered only for a problem.
_Trail = tuple[Any, str | int] | None


def _render(trail: _Trail) -> str:
    parts: list[str | int] = []
    while trail is not None:
        trail, part = trail
        parts.append(part)
    pieces = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in reversed(parts)]
    return "".join(pieces).removeprefix(".")


def _check_ids(doc: dict[Any, Any], out: list[Problem], *, skip: tuple[str, ...]) -> None:
    """Every ``id`` in the document must be one URL (VC 2.0 section 4.4), contexts aside.

    Iterative and linear in the size of the document, whatever its depth.
    """
    stack: list[tuple[object, _Trail]] = [(doc, None)]
    while stack:
        node, trail = stack.pop()
        if isinstance(node, dict):
            children: list[tuple[object, _Trail]] = []
            for key, value in node.items():
                if key == "@context" or (trail is None and key in skip):
                    continue
                here = (trail, str(key))
                if key in ("id", "@id"):
                    problem = url_problem(value)
                    if isinstance(value, list):
                        problem = f"must be a single URL, got {_json_type(value)}"
                    if problem:
                        out.append((_render(here), problem))
                    continue
                children.append((value, here))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend((node[i], (trail, i)) for i in range(len(node) - 1, -1, -1))


def check_related_resources(doc: object, fetch: Callable[[str], bytes | None]) -> list[Problem]:
    """Recompute the digests of every related resource ``fetch`` can supply offline.

    ``fetch(url)`` returns the resource's bytes, or None when it is not available (then nothing
    is reported: the caller says "not checked"). A digest that does not match is a problem;
    malformed entries are left to :func:`check_data_model`. Exceptions raised by ``fetch``
    propagate (a broken fetch is a bug of the caller, not a property of the credential).
    """
    if not isinstance(doc, dict) or "relatedResource" not in doc:
        return []
    problems: list[Problem] = []
    for item, path in _items(doc["relatedResource"], "relatedResource"):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        resource_id = item["id"]
        sri = parse_digest_sri(item.get("digestSRI"))
        multibase = parse_digest_multibase(item.get("digestMultibase"))
        if sri is None and multibase is None:
            continue
        data = fetch(resource_id)
        if data is None:
            continue
        if sri is not None:
            strongest = max(_SRI_STRENGTH[alg] for alg, _ in sri)
            candidates = [(alg, d) for alg, d in sri if _SRI_STRENGTH[alg] == strongest]
            algorithm = candidates[0][0]
            actual = hashlib.new(algorithm, data).digest()
            if all(digest != actual for _, digest in candidates):
                problems.append(
                    (
                        f"{path}.digestSRI",
                        f"does not match {resource_id}: its {algorithm} digest is "
                        f"{algorithm}-{base64.b64encode(actual).decode()}",
                    )
                )
        if multibase is not None:
            algorithm, expected = multibase
            if hashlib.new(algorithm, data).digest() != expected:
                problems.append(
                    (
                        f"{path}.digestMultibase",
                        f"does not match {resource_id} (its {algorithm} digest differs)",
                    )
                )
    return problems


__all__ = [
    "DATETIME_STAMP_PATTERN",
    "DATETIME_STAMP_RE",
    "DIGITALBAZAAR_DATE_RE",
    "URL_PATTERN",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Kind",
    "Problem",
    "check_data_model",
    "check_related_resources",
    "date_problem",
    "digest_multibase",
    "digest_sri",
    "is_url",
    "parse_datetime_stamp",
    "parse_digest_multibase",
    "parse_digest_sri",
    "parse_xsd_datetime",
    "url_problem",
]
