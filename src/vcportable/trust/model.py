"""The trust list as data: what a region's governance body signs (DESIGN.md, "The trust list").

Parsing *is* validation: a :class:`TrustList` that exists has unique ids, references that
resolve (every issuer's and agreement's municipality is listed), keys that decode to valid
public keys, tz-aware dates and bounded sizes. Lookups the checks need on every verification
(issuer by id, catalogue entry by achievement id) are indexed once, when the list is built.

The JSON spelling is camelCase (``nextUpdate``, ``publicKeyMultibase``); the Python names are
snake_case. ``schemas/trust-list.schema.json`` is generated from these models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass as pydantic_dataclass

from ..clock import judged_year_problem
from ..errors import InputError, TrustListError
from ..keys import PublicKey

__all__ = [
    "Accreditation",
    "Agreement",
    "CatalogueEntry",
    "FrameworkCode",
    "Governance",
    "GovernanceKey",
    "GovernanceSet",
    "IssuerKey",
    "IssuerStatus",
    "ListedIssuer",
    "LocalizedText",
    "Municipality",
    "Scope",
    "StatusEvent",
    "TrustIndex",
    "TrustList",
    "TRUST_LIST_TYPE",
    "normalize_code",
    "parse_trust_list",
]

TRUST_LIST_TYPE: Final = "VcportableTrustList"

#: Bounds on what a list may hold (a list of the benchmark's size is far below them).
MAX_MUNICIPALITIES = 1_000
MAX_ISSUERS = 20_000
MAX_AGREEMENTS = 20_000
MAX_CATALOGUE = 100_000
MAX_KEYS = 16
MAX_PATTERNS = 64

Text = Annotated[str, StringConstraints(min_length=1, max_length=2_000)]
#: Numbers and flags as JSON writes them: ``"3"``, ``3.0`` or ``true`` for a number and ``1`` or
#: ``"true"`` for a flag mean something else to a strict reader, so they are refused.
EqfLevel = Annotated[int, Strict(), Field(ge=1, le=8)]
Flag = Annotated[bool, Strict()]


def _not_a_number(value: Any, written_as: str) -> Any:
    """A JSON number where text is expected (pydantic would read ``1700000000`` as a date)."""
    if isinstance(value, int | float):
        raise ValueError(f"must be {written_as}, not a number")
    return value


def _strict_int(value: Any) -> Any:
    """For a Literal number, which compares equal to ``true`` and ``1.0`` too."""
    if type(value) is not int:
        raise ValueError("must be a JSON integer")
    return value


#: A date-time with a timezone, kept in UTC (compared on every verification: plain UTC
#: datetimes compare much faster than ones carrying the parser's own tzinfo).
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(lambda value: _not_a_number(value, "an RFC 3339 date-time text")),
    AfterValidator(lambda value: _in_range(value.astimezone(UTC))),
]


def _in_range(instant: datetime) -> datetime:
    """A date :func:`~vcportable.clock.judged_year_problem` admits (years 1970 to 9000)."""
    if (problem := judged_year_problem(instant)) is not None:
        raise ValueError(problem)
    return instant


Identifier = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^\S+$")]
#: A municipality id: a short slug, such as ``riverside`` or ``es-valle``.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
#: An issuer: an https URL or a DID (did:web, did:key, did:jwk).
IssuerId = Annotated[
    str, StringConstraints(max_length=2_048, pattern=r"^(https://[^\s#?]+|did:[a-z0-9]+:[^\s#?]+)$")
]
#: BCP 47, as far as a verifier needs it: ``en``, ``es``, ``pt-BR``.
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
#: ``*`` alone, or a text with an optional trailing ``*`` (a prefix match); see docs/trust-list.md.
Pattern = Annotated[str, StringConstraints(pattern=r"^(\*|[^*\s]{1,512}\*?)$")]
#: A code in a framework, ``ESCO:7115.1``: the form scopes match (framework in upper case).
FrameworkCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9._-]{1,64}:\S{1,256}$")]
#: Names and descriptions in several languages: ``{"en": "...", "es": "..."}``.
LocalizedText = Annotated[dict[LanguageTag, Text], Field(min_length=1, max_length=32)]


# Members by their JSON (camelCase) names only: one spelling per member, and a field looked up
# under one name (not two, on each of a large list's hundred thousand objects).
_CONFIG: Final = ConfigDict(extra="forbid", alias_generator=to_camel, str_strip_whitespace=False)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, **_CONFIG)


class _KeyHolder(_Model):
    """Exactly one of a Multikey string or a public JWK; decoded (and validated) on parse."""

    public_key_multibase: Annotated[str, StringConstraints(max_length=128)] | None = None
    public_key_jwk: dict[str, str] | None = Field(default=None, max_length=8)
    _public_key: PublicKey = PrivateAttr()

    @model_validator(mode="after")
    def _decode(self) -> _KeyHolder:
        if (self.public_key_multibase is None) == (self.public_key_jwk is None):
            raise ValueError("give exactly one of publicKeyMultibase or publicKeyJwk")
        try:
            if self.public_key_multibase is not None:
                key = PublicKey.from_multibase(self.public_key_multibase)
            else:
                assert self.public_key_jwk is not None
                if "d" in self.public_key_jwk:
                    raise ValueError("publicKeyJwk holds a private key ('d'); remove it")
                key = PublicKey.from_jwk(self.public_key_jwk)
        except InputError as exc:
            raise ValueError(exc.message) from None
        self._public_key = key
        return self

    @property
    def public_key(self) -> PublicKey:
        return self._public_key


class IssuerKey(_KeyHolder):
    """A key an issuer signs credentials with; ``id`` is its verification method id."""

    id: Identifier


class GovernanceKey(_KeyHolder):
    """The key of one board of the governance body."""

    id: Identifier
    name: LocalizedText | None = None


class GovernanceSet(_Model):
    """Keys that sign lists together: ``threshold`` distinct ones must sign."""

    threshold: Annotated[int, Strict(), Field(ge=1, le=MAX_KEYS)]
    keys: Annotated[tuple[GovernanceKey, ...], Field(min_length=1, max_length=MAX_KEYS)]

    @model_validator(mode="after")
    def _consistent(self) -> GovernanceSet:
        if self.threshold > len(self.keys):
            raise ValueError(f"threshold {self.threshold} is more than the {len(self.keys)} keys")
        _unique((k.id for k in self.keys), "governance key id")
        _unique((k.public_key.raw for k in self.keys), "governance public key")
        return self

    def public_keys(self) -> tuple[PublicKey, ...]:
        return tuple(k.public_key for k in self.keys)


class Governance(GovernanceSet):
    """The current signing set, and the ``next`` one announced for key rotation."""

    next: GovernanceSet | None = None


class Municipality(_Model):
    id: Slug
    name: LocalizedText
    #: ISO 3166-1 alpha-2.
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    region: Text | None = None


class Scope(_Model):
    """What an accreditation or an agreement covers: achievement ids and alignment codes
    (``FRAMEWORK:code``), each a pattern; optionally achievement types and a maximum EQF level.
    The matching rules are in docs/trust-list.md and :mod:`vcportable.trust.scope`."""

    achievements: Annotated[tuple[Pattern, ...], Field(max_length=MAX_PATTERNS)] = ()
    alignments: Annotated[tuple[Pattern, ...], Field(max_length=MAX_PATTERNS)] = ()
    achievement_types: Annotated[tuple[Text, ...], Field(max_length=MAX_PATTERNS)] = ()
    max_eqf_level: EqfLevel | None = None

    @field_validator("alignments", mode="after")
    @classmethod
    def _framework_upper_case(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        """Framework names compare without case (``esco:7115*`` is ``ESCO:7115*``)."""
        return tuple(map(_normalize_pattern, patterns))

    @model_validator(mode="after")
    def _selects_something(self) -> Scope:
        if not self.achievements and not self.alignments:
            raise ValueError(
                "a scope needs achievement or alignment patterns (write '*' to cover everything)"
            )
        return self


class Accreditation(Scope):
    """A scope an issuer is accredited for, with an optional name for display."""

    name: LocalizedText | None = None


class IssuerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class StatusEvent(_Model):
    """From ``from_`` on, the issuer is ``status``. A ``retroactive`` suspension or withdrawal
    (a stolen key, fraud) also stops trust in credentials issued before it."""

    status: IssuerStatus
    from_: Instant = Field(alias="from")
    retroactive: Flag = False
    note: LocalizedText | None = None


class ListedIssuer(_Model):
    """An accredited certification body, its keys pinned inline (no DID resolution offline)."""

    id: IssuerId
    name: LocalizedText
    municipality: Slug
    keys: Annotated[tuple[IssuerKey, ...], Field(min_length=1, max_length=MAX_KEYS)]
    accreditations: Annotated[tuple[Accreditation, ...], Field(max_length=MAX_PATTERNS)] = ()
    status: Annotated[tuple[StatusEvent, ...], Field(min_length=1, max_length=64)]

    @model_validator(mode="after")
    def _consistent(self) -> ListedIssuer:
        prefix = self.id + "#"
        for key in self.keys:
            if not key.id.startswith(prefix):
                raise ValueError(f"key id {key.id!r} must be {self.id}#<fragment>")
        if len(self.keys) > 1:  # (most issuers have one key and one event: a large list's
            _unique((k.id for k in self.keys), "key id")  # thousand of them, on every load)
        if len(self.status) > 1:
            dates = [event.from_ for event in self.status]
            if dates != sorted(dates):
                raise ValueError("status events must be in date order")
        return self

    def status_at(self, instant: datetime) -> StatusEvent | None:
        """The event in force at ``instant``, or None before the issuer was first listed."""
        current = None
        for event in self.status:
            if event.from_ > instant:
                break
            current = event
        return current


class Agreement(_Model):
    """``recognising`` accepts credentials of ``scope`` from ``recognised_municipality`` (or
    from the ``recognised_issuers``), while in force: from ``from_`` until ``until``."""

    id: Identifier
    name: LocalizedText | None = None
    recognising: Slug
    recognised_municipality: Slug | None = None
    recognised_issuers: Annotated[tuple[IssuerId, ...], Field(max_length=1_000)] = ()
    scope: Scope
    from_: Instant = Field(alias="from")
    until: Instant | None = None
    conditions: LocalizedText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Agreement:
        if (self.recognised_municipality is None) == (not self.recognised_issuers):
            raise ValueError("give exactly one of recognisedMunicipality or recognisedIssuers")
        if self.until is not None and self.until <= self.from_:
            raise ValueError("until must be after from")
        return self

    def in_force(self, instant: datetime) -> bool:
        return self.from_ <= instant and (self.until is None or instant < self.until)


# A (pydantic) dataclass, not a model: a list holds up to 100,000 of them, and a slotted
# dataclass validates in two thirds of a model's time, with the same fields and constraints.
@pydantic_dataclass(frozen=True, slots=True, config=_CONFIG)
class CatalogueEntry:
    """An achievement as the region names it, in several languages."""

    id: Identifier
    name: LocalizedText
    description: LocalizedText | None = None
    achievement_type: Text | None = None
    #: ``FRAMEWORK:code`` with the framework in upper case: ``ESCO:7115.1``.
    codes: Annotated[tuple[FrameworkCode, ...], Field(max_length=MAX_PATTERNS)] = ()
    eqf_level: EqfLevel | None = None


def catalogue_key(identifier: str) -> str:
    """One spelling per achievement id: a URI's scheme (and a URN's namespace id, RFC 8141)
    are case-insensitive and an empty fragment adds nothing, so a credential cannot step around
    the catalogue (and have its own alignments judged instead) by re-spelling a catalogued id."""
    if identifier.islower() and not identifier.endswith("#"):
        return identifier  # nothing to fold (the usual case, and a large catalogue's)
    text = identifier.removesuffix("#")
    scheme, colon, rest = text.partition(":")
    if not colon:
        return text
    if scheme.lower() == "urn":
        nid, colon, nss = rest.partition(":")
        rest = f"{nid.lower()}{colon}{nss}"
    return f"{scheme.lower()}:{rest}"


@dataclass(frozen=True)
class TrustIndex:
    """A list's entries by id, built once when the list is parsed (the catalogue by
    :func:`catalogue_key`)."""

    municipalities: dict[str, Municipality]
    issuers: dict[str, ListedIssuer]
    catalogue: dict[str, CatalogueEntry]
    #: Recognising municipality -> the agreements under which it accepts others' credentials.
    agreements: dict[str, list[Agreement]]
    #: What the checks derive from a catalogue entry, kept once derived (see trust.scope).
    derived: dict[object, Any] = field(default_factory=dict)


class TrustList(_Model):
    """The signed payload: the region's participants, their scopes and agreements."""

    type: Literal["VcportableTrustList"] = TRUST_LIST_TYPE
    version: Annotated[Literal[1], BeforeValidator(_strict_int)] = 1
    id: Identifier
    name: LocalizedText
    #: Grows with every published list; a verifier never goes back to a lower one.
    sequence: Annotated[int, Strict(), Field(ge=0, le=2**53 - 1)]
    issued: Instant
    next_update: Instant
    governance: Governance
    municipalities: Annotated[tuple[Municipality, ...], Field(max_length=MAX_MUNICIPALITIES)] = ()
    issuers: Annotated[tuple[ListedIssuer, ...], Field(max_length=MAX_ISSUERS)] = ()
    agreements: Annotated[tuple[Agreement, ...], Field(max_length=MAX_AGREEMENTS)] = ()
    catalogue: Annotated[tuple[CatalogueEntry, ...], Field(max_length=MAX_CATALOGUE)] = ()

    _index: TrustIndex = PrivateAttr()

    @field_validator("issuers", "municipalities", "agreements", mode="after")
    @classmethod
    def _unique_ids(cls, items: tuple[Any, ...]) -> tuple[Any, ...]:
        _unique((item.id for item in items), "id")
        return items

    @model_validator(mode="after")
    def _build_index(self) -> TrustList:
        if self.next_update <= self.issued:
            raise ValueError("nextUpdate must be after issued")
        catalogue = {catalogue_key(entry.id): entry for entry in self.catalogue}
        if len(catalogue) < len(self.catalogue):
            # Unique as the checks look ids up: two spellings of one id would otherwise leave
            # the entry a credential is judged by to the order of the list.
            _unique((catalogue_key(entry.id) for entry in self.catalogue), "catalogue id")
        index = TrustIndex(
            municipalities={m.id: m for m in self.municipalities},
            issuers={i.id: i for i in self.issuers},
            catalogue=catalogue,
            agreements={},
        )
        self._index = index
        for issuer in self.issuers:
            if issuer.municipality not in index.municipalities:
                self._known_municipality(issuer.municipality, f"issuer {issuer.id}")
        for agreement in self.agreements:
            where = f"agreement {agreement.id}"
            self._known_municipality(agreement.recognising, where)
            if agreement.recognised_municipality is not None:
                self._known_municipality(agreement.recognised_municipality, where)
            for issuer_id in agreement.recognised_issuers:
                if issuer_id not in index.issuers:
                    raise ValueError(f"{where} names issuer {issuer_id!r}, which is not listed")
            index.agreements.setdefault(agreement.recognising, []).append(agreement)
        return self

    def _known_municipality(self, municipality: str, where: str) -> None:
        if municipality not in self._index.municipalities:
            raise ValueError(f"{where} names municipality {municipality!r}, which is not listed")

    # -- lookups ------------------------------------------------------------------------------

    @property
    def index(self) -> TrustIndex:
        """The lookups by id (hold on to it: it is a plain object, quick on every check)."""
        return self._index

    def municipality(self, municipality_id: str) -> Municipality | None:
        return self._index.municipalities.get(municipality_id)

    def issuer(self, issuer_id: str) -> ListedIssuer | None:
        return self._index.issuers.get(issuer_id)

    # -- JSON ---------------------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form (camelCase, defaults left out), as signed and as edited by hand."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        # ``type`` and ``version`` say what the document is: always written.
        return {"type": self.type, "version": self.version, **data}


def normalize_code(code: str) -> str:
    """``FRAMEWORK:code`` with the framework in upper case, as scopes and credentials compare."""
    framework, sep, rest = code.partition(":")
    return framework.upper() + sep + rest


#: Patterns are short (at most 513 characters) and a region's scopes repeat a few of them over
#: thousands of issuers: remembered, unlike the codes of credentials (see trust.scope).
_normalize_pattern = lru_cache(maxsize=1024)(normalize_code)


def parse_trust_list(value: Any) -> TrustList:
    """Validate a parsed JSON value as a trust list; :class:`TrustListError` names what is wrong."""
    try:
        return TrustList.model_validate(value)
    except ValidationError as exc:
        problems = [
            f"{_path(error['loc']) or '(root)'}: {error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()[:5]
        ]
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise TrustListError("trust list is invalid: " + "; ".join(problems) + more) from None


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _unique(values: Iterable[object], what: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            shown = value.hex() if isinstance(value, bytes) else value
            raise ValueError(f"duplicate {what} {shown!r}")
        seen.add(value)


SCHEMA_ID = "https://vcportable.example/schemas/trust-list.schema.json"


def trust_list_json_schema() -> dict[str, Any]:
    """The JSON Schema of an unsigned list (``schemas/trust-list.schema.json`` is this, written
    out by ``python -m vcportable.trust.model``). Cross-references (a municipality that must be
    listed, unique ids, date order) are beyond JSON Schema: the model checks them."""
    schema = TrustList.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


if __name__ == "__main__":  # pragma: no cover - regenerates the published schema
    import json
    import sys

    json.dump(trust_list_json_schema(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
