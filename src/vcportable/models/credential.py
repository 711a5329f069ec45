"""Pydantic models of vcportable's credential profile: Open Badges 3.0 in a VC 2.0 envelope.

Why these shapes: a badge wallet understands an ``OpenBadgeCredential`` whose
``credentialSubject`` is an ``AchievementSubject`` holding an ``Achievement`` (name, description,
criteria, ``alignment`` to ESCO, EQF or a regional framework). The JSON Schema
``schemas/vcportable-openbadge-credential.schema.json`` states the same profile for other tools;
``tests/test_models.py`` checks that both give the same verdict.

Design choices:

* Attribute names are the JSON-LD terms themselves (``validFrom``, ``achievementType``), so code
  reads like the specification and no snake_case name can be smuggled in by a JSON document.
  Only ``@context`` needs an alias (``context``).
* ``extra="allow"`` everywhere: both specifications allow more properties, and a signed document
  must survive ``model_validate`` -> ``model_dump(by_alias=True, exclude_none=True)`` unchanged,
  key order included. Numbers keep their JSON type (``42`` stays an int), because ``42`` and
  ``42.0`` canonicalize differently. ``to_document()`` also keeps an explicit ``null`` in an
  unknown property, which ``exclude_none`` would drop.
* Strict validation: no coercion (``"3"`` is not a number), and an explicit ``null`` is refused
  (leave the property out), as the JSON Schema does.
* Rules a schema cannot state (dates in order, real calendar dates, unique ids, digests) belong
  to :func:`vcportable.models.datamodel.check_data_model`; run both, as the issuer does.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vcportable.codec.dates import DATETIME_STAMP_RE, date_problem
from vcportable.codec.urls import is_url, url_problem
from vcportable.errors import CredentialInvalidError
from vcportable.models.datamodel import VC_V2_CONTEXT, Problem, check_data_model

T = TypeVar("T")

SCHEMA_FILE: Final = "vcportable-openbadge-credential.schema.json"

#: Open Badges 3.0.x context URLs (``context-3.0.3.json``); the second ``@context`` value.
OB_CONTEXT_PATTERN: Final = (
    r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context-3\.0\.[0-9]+\.json$"
)
#: OB 3.0 extension values of enumerations: ``ext:`` then a name (e.g. ``ext:ESCO``).
EXT_PATTERN: Final = r"^ext:[A-Za-z0-9._-]+$"
#: BCP 47 language tags as OB 3.0 constrains ``inLanguage``.
LANGUAGE_PATTERN: Final = r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"
#: The ``@language`` of a language value object: a BCP 47 tag as :data:`LANGUAGE_PATTERN`, in
#: any case (BCP 47 tags ignore case; JSON-LD expansion lower-cases them before signing).
VALUE_LANGUAGE_PATTERN: Final = r"^[A-Za-z]{2,4}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$"
#: Bounds of display text: characters of one text, languages of one property.
MAX_TEXT_CHARS: Final = 10_000
MAX_LANGUAGES: Final = 32
#: The members a VC 2.0 language value object may have (section 11.1), and its directions.
LANGUAGE_VALUE_MEMBERS: Final = ("@value", "@language", "@direction")
DIRECTIONS: Final = ("ltr", "rtl")
#: A compact JWS (``endorsementJwt``).
COMPACT_JWS_PATTERN: Final = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$"

#: OB 3.0 ``AchievementType`` enumeration (extensible with ``ext:``).
ACHIEVEMENT_TYPES: Final = (
    "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
    "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion",
    "Certification", "CommunityService", "Competency", "Course", "CoCurricular", "Degree",
    "Diploma", "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment",
    "JourneymanCertificate", "LearningProgram", "License", "Membership",
    "ProfessionalDoctorate", "QualityAssuranceCredential", "MasterCertificate", "MasterDegree",
    "MicroCredential", "ResearchDoctorate", "SecondarySchoolDiploma",
)  # fmt: skip
#: OB 3.0 ``AlignmentTargetType`` enumeration (extensible: ``ext:ESCO``, ``ext:EQF``...).
ALIGNMENT_TARGET_TYPES: Final = (
    "ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
    "CFRubricCriterionLevel", "CTDL",
)  # fmt: skip
#: OB 3.0 ``IdentifierTypeEnum`` (extensible).
IDENTIFIER_TYPES: Final = (
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId",
    "sisSourcedId", "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId",
    "ltiUserId", "identifier",
)  # fmt: skip
#: Credential types our profile accepts next to ``VerifiableCredential``.
PROFILE_CREDENTIAL_TYPES: Final = ("OpenBadgeCredential", "AchievementCredential")

_OB_CONTEXT_RE: Final = re.compile(OB_CONTEXT_PATTERN)
_EXT_RE: Final = re.compile(EXT_PATTERN)
_LANGUAGE_RE: Final = re.compile(LANGUAGE_PATTERN)
_VALUE_LANGUAGE_RE: Final = re.compile(VALUE_LANGUAGE_PATTERN)


# --------------------------------------------------------------------------------------------
# Value types


def _fail(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _not_null(value: object) -> object:
    if value is None:
        raise _fail("not_null", "must not be null (leave the property out instead)")
    return value


#: An optional property: absent is fine, an explicit JSON ``null`` is not.
Opt = Annotated[T | None, BeforeValidator(_not_null)]


def _url(value: str) -> str:
    problem = url_problem(value)
    if problem:
        raise _fail("url", problem)
    return value


Url = Annotated[str, AfterValidator(_url)]


def _datetime_stamp(value: str) -> str:
    # Syntax only, like the JSON Schema's pattern; calendar checks are check_data_model's.
    if DATETIME_STAMP_RE.fullmatch(value) is None:
        raise _fail("date_time", date_problem(value) or "must be an XSD dateTimeStamp")
    return value


#: An XSD ``dateTimeStamp`` string (timezone required), kept as written.
DateTimeStamp = Annotated[str, AfterValidator(_datetime_stamp)]


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise _fail("pattern", f"must be {what} (got {value[:60]!r})")
        return value

    return AfterValidator(check)


def _enumerated(choices: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices and _EXT_RE.fullmatch(value) is None:
            raise _fail(
                "enum", f"must be one of the OB 3.0 {what} values or an 'ext:Name' extension"
            )
        return value

    return AfterValidator(check)


NonEmptyStr = Annotated[str, Field(min_length=1)]
AchievementType = Annotated[str, _enumerated(ACHIEVEMENT_TYPES, "achievementType")]
AlignmentTargetType = Annotated[str, _enumerated(ALIGNMENT_TARGET_TYPES, "targetType")]
IdentifierType = Annotated[str, _enumerated(IDENTIFIER_TYPES, "identityType")]
LanguageCode = Annotated[str, _matching(_LANGUAGE_RE, "a language code such as 'en' or 'pt-BR'")]
CompactJws = Annotated[str, _matching(re.compile(COMPACT_JWS_PATTERN), "a compact JWS")]


_TEXT_FORMS: Final = (
    "must be a string, a language value object with @value and @language, or a non-empty "
    "array of language value objects"
)


def _text_value(value: object, where: str, *, empty: bool = False) -> None:
    if not isinstance(value, str):
        raise _fail("text", f"{where}must be a string")
    if not value and not empty:
        raise _fail("text", f"{where}must not be empty")
    if len(value) > MAX_TEXT_CHARS:
        raise _fail("text", f"{where}must be at most {MAX_TEXT_CHARS} characters")


def _language_value(item: object, where: str) -> str:
    """Checks one language value object; returns its language tag."""
    if not isinstance(item, dict):
        forms = "must be a language value object" if where else _TEXT_FORMS
        raise _fail("text", f"{where}{forms}")
    if not item:
        raise _fail("text", f"{where}a language value object needs @value and @language")
    if "@value" not in item and all(_VALUE_LANGUAGE_RE.fullmatch(str(key)) for key in item):
        raise _fail(
            "text",
            f"{where}is a language map, which needs a context of its own: write an array of "
            "language value objects (@value, @language) instead",
        )
    unknown = sorted(str(key) for key in item if key not in LANGUAGE_VALUE_MEMBERS)
    if unknown:
        raise _fail(
            "text",
            f"{where}a language value object has only @value, @language and @direction, "
            f"not {unknown[0][:40]!r}",
        )
    _text_value(item.get("@value"), f"{where}@value ")
    language = item.get("@language")
    if not isinstance(language, str) or _VALUE_LANGUAGE_RE.fullmatch(language) is None:
        raise _fail("text", f"{where}@language must be a language code such as 'en' or 'pt-BR'")
    if "@direction" in item and item["@direction"] not in DIRECTIONS:
        raise _fail("text", f"{where}@direction must be 'ltr' or 'rtl'")
    return language


def _language_text(value: object) -> object:
    """VC 2.0 section 11.1: a string, a language value object, or an array of them with one
    entry per language."""
    if isinstance(value, str):
        _text_value(value, "", empty=True)  # "" stays allowed where a string was
        return value
    if not isinstance(value, list):
        _language_value(value, "")
        return value
    if not value or len(value) > MAX_LANGUAGES:
        raise _fail("text", f"must be an array of 1 to {MAX_LANGUAGES} language value objects")
    seen: set[str] = set()
    for index, item in enumerate(value):
        language = _language_value(item, f"entry {index}: ").lower()
        if language in seen:
            raise _fail("text", f"entry {index}: a second text in the language {language!r}")
        seen.add(language)
    return value


def _not_empty(value: object) -> object:
    if value == "":
        raise _fail("text", "must not be empty")
    return value


#: Display text (names, descriptions, narratives): a plain string, or the same text in
#: several languages as VC 2.0 language value objects.
LanguageText = Annotated[
    str | dict[str, str] | list[dict[str, str]], PlainValidator(_language_text)
]
#: Display text that must say something (the names and the achievement's description).
RequiredText = Annotated[LanguageText, AfterValidator(_not_empty)]


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("number", "must be a number")
    return value


#: A JSON number, int or float kept as given.
Number = Annotated[float, PlainValidator(_number)]


def _type_list(*required: str, one_of: tuple[str, ...] = ()) -> PlainValidator:
    """OB 3.0 ``type``: an array of names including each of ``required`` and one of ``one_of``."""

    def check(value: object) -> list[str]:
        if not isinstance(value, list) or not value:
            names = ", ".join(repr(n) for n in (*required, *one_of[:1]))
            raise _fail("type_list", f"must be a non-empty array of type names, e.g. [{names}]")
        if not all(isinstance(name, str) for name in value):
            raise _fail("type_list", "must contain only strings")
        for name in required:
            if name not in value:
                raise _fail("type_list", f"must include {name!r}")
        if one_of and not any(name in value for name in one_of):
            raise _fail("type_list", f"must include one of {', '.join(map(repr, one_of))}")
        return value

    return PlainValidator(check)


def _type_value(value: object) -> str | list[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(name, str) for name in value):
        return value
    raise _fail("type_value", "must be a type name or a non-empty array of type names")


#: VC ``type`` of envelope objects (status, schema, evidence...): a name or names.
TypeValue = Annotated[str | list[str], PlainValidator(_type_value)]


def _one_or_many_tag(value: object) -> str | None:
    if isinstance(value, list):
        return "<many>"
    if isinstance(value, dict | BaseModel):
        return "<one>"
    return None


#: A VC "one or more" property: one object or a non-empty array of them.
OneOrMany = Annotated[
    Annotated[T, Tag("<one>")] | Annotated[list[T], Field(min_length=1), Tag("<many>")],
    Discriminator(
        _one_or_many_tag,
        custom_error_type="one_or_many",
        custom_error_message="must be an object or a non-empty array of objects",
    ),
]


def _url_or_object_tag(value: object) -> str | None:
    if isinstance(value, str):
        return "<url>"
    if isinstance(value, dict | BaseModel):
        return "<object>"
    return None


def _context(*, second: re.Pattern[str] | None) -> PlainValidator:
    """``@context``: the VC 2.0 context first, then (``second``) OB 3.0.x, then URLs/objects."""

    def check(value: object) -> list[str | dict[str, Any]]:
        if not isinstance(value, list) or not value or value[0] != VC_V2_CONTEXT:
            raise _fail("context", f"must be an array whose first value is {VC_V2_CONTEXT}")
        if second is not None and not (
            len(value) > 1 and isinstance(value[1], str) and second.fullmatch(value[1])
        ):
            raise _fail(
                "context",
                "must have an Open Badges 3.0 context as its second value, e.g. "
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            )
        start = 2 if second is not None else 1
        for index, item in enumerate(value[start:], start=start):
            if not (isinstance(item, dict) or is_url(item)):
                raise _fail("context", f"value {index} must be a context URL or object")
        return value

    return PlainValidator(check)


# --------------------------------------------------------------------------------------------
# Models


_FIRST_KEYS: Final = {"@context": 0, "id": 1, "type": 2}


class _Node(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    # The key order of the validated JSON, so a dump reads like the input (``@context`` first).
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, _Node):
            model._order = tuple(key for key in data if isinstance(key, str))
        return model

    @model_serializer(mode="wrap")
    def _in_order(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        rank = {key: index for index, key in enumerate(self._order)} or _FIRST_KEYS
        return dict(sorted(data.items(), key=lambda item: rank.get(item[0], len(rank))))

    def to_document(self) -> dict[str, Any]:
        """The JSON document exactly as validated (explicit nulls of extra fields included)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class Image(_Node):
    """OB 3.0 ``Image``: a picture for a badge, an issuer or a credential."""

    id: Url
    type: Literal["Image"]
    caption: Opt[str] = None


class Criteria(_Node):
    """What a learner must do to earn the achievement: a narrative, a page (``id``), or both."""

    id: Opt[Url] = None
    narrative: Opt[LanguageText] = None

    @model_validator(mode="after")
    def _needs_content(self) -> Criteria:
        if self.id is None and self.narrative is None:
            raise _fail("criteria", "needs a narrative or the URL (id) of a criteria page")
        return self


class Alignment(_Node):
    """A link from the achievement to a framework item: an ESCO skill or occupation
    (``targetType: "ext:ESCO"``), an EQF level, a regional framework code, a CASE item..."""

    type: Annotated[list[str], _type_list("Alignment")]
    targetName: NonEmptyStr
    targetUrl: Url
    targetCode: Opt[str] = None
    targetDescription: Opt[str] = None
    targetFramework: Opt[str] = None
    targetType: Opt[AlignmentTargetType] = None


class IdentityObject(_Node):
    """A (possibly hashed) identifier of the learner, for subjects without a DID."""

    type: Literal["IdentityObject"]
    hashed: bool
    identityHash: str
    identityType: IdentifierType
    salt: Opt[str] = None


class Profile(_Node):
    """An issuer, creator or organisation (OB 3.0 ``Profile``)."""

    id: Url
    type: Annotated[list[str], _type_list("Profile")]
    name: Opt[LanguageText] = None
    url: Opt[Url] = None
    phone: Opt[str] = None
    description: Opt[LanguageText] = None
    email: Opt[str] = None
    image: Opt[Image] = None
    address: Opt[dict[str, Any]] = None
    otherIdentifier: Opt[list[dict[str, Any]]] = None
    official: Opt[str] = None
    parentOrg: Opt[Profile] = None
    endorsement: Opt[list[dict[str, Any]]] = None
    endorsementJwt: Opt[list[CompactJws]] = None


class Achievement(_Node):
    """The competency being certified (OB 3.0 ``Achievement``)."""

    id: Url
    type: Annotated[list[str], _type_list("Achievement")]
    name: RequiredText
    description: RequiredText
    criteria: Criteria
    achievementType: Opt[AchievementType] = None
    alignment: Opt[list[Alignment]] = None
    creator: Opt[Profile] = None
    creditsAvailable: Opt[Number] = None
    fieldOfStudy: Opt[str] = None
    humanCode: Opt[str] = None
    image: Opt[Image] = None
    inLanguage: Opt[LanguageCode] = None
    specialization: Opt[str] = None
    tag: Opt[list[str]] = None
    version: Opt[str] = None
    otherIdentifier: Opt[list[dict[str, Any]]] = None
    related: Opt[list[dict[str, Any]]] = None
    resultDescription: Opt[list[dict[str, Any]]] = None
    endorsement: Opt[list[dict[str, Any]]] = None
    endorsementJwt: Opt[list[CompactJws]] = None


class AchievementSubject(_Node):
    """The holder and what they achieved. OB 3.0 requires an ``id`` (e.g. the worker's DID)
    or at least one ``identifier``."""

    id: Opt[Url] = None
    type: Annotated[list[str], _type_list("AchievementSubject")]
    achievement: Achievement
    name: Opt[str] = None
    identifier: Opt[list[IdentityObject]] = None
    activityStartDate: Opt[DateTimeStamp] = None
    activityEndDate: Opt[DateTimeStamp] = None
    creditsEarned: Opt[Number] = None
    licenseNumber: Opt[str] = None
    narrative: Opt[str] = None
    role: Opt[str] = None
    term: Opt[str] = None
    image: Opt[Image] = None
    source: Opt[Profile] = None
    result: Opt[list[dict[str, Any]]] = None

    @model_validator(mode="after")
    def _identified(self) -> AchievementSubject:
        if self.id is None and not self.identifier:
            raise _fail("subject_id", "needs an id (e.g. the holder's DID) or an identifier")
        return self


class TypedObject(_Node):
    """A VC envelope object that must say its ``type``: ``credentialStatus``,
    ``refreshService``, ``termsOfUse``, ``evidence``, ``proof``."""

    type: TypeValue
    id: Opt[Url] = None


class CredentialSchema(_Node):
    """A schema the credential claims to follow (``id`` and ``type`` required)."""

    id: Url
    type: TypeValue


class RelatedResource(_Node):
    """A resource the credential pins by digest (VC 2.0 ``relatedResource``)."""

    id: Url
    digestSRI: Opt[str] = None
    digestMultibase: Opt[str] = None
    mediaType: Opt[str] = None

    @model_validator(mode="after")
    def _has_digest(self) -> RelatedResource:
        if self.digestSRI is None and self.digestMultibase is None:
            raise _fail("digest", "needs a digestSRI or a digestMultibase")
        return self


class _Envelope(_Node):
    """Properties of the VC 2.0 envelope that both credential models share."""

    validUntil: Opt[DateTimeStamp] = None
    credentialStatus: Opt[OneOrMany[TypedObject]] = None
    credentialSchema: Opt[OneOrMany[CredentialSchema]] = None
    refreshService: Opt[OneOrMany[TypedObject]] = None
    termsOfUse: Opt[OneOrMany[TypedObject]] = None
    evidence: Opt[OneOrMany[TypedObject]] = None
    relatedResource: Opt[OneOrMany[RelatedResource]] = None
    proof: Opt[OneOrMany[TypedObject]] = None


class IssuerObject(_Node):
    """A VC 2.0 issuer object: an ``id`` URL and anything else."""

    id: Url


class VerifiableCredential(_Envelope):
    """Any VC 2.0 credential (the envelope only; subjects stay plain JSON objects)."""

    context: Annotated[list[str | dict[str, Any]], _context(second=None)] = Field(alias="@context")
    id: Opt[Url] = None
    type: Annotated[list[str], _type_list("VerifiableCredential")]
    issuer: Annotated[
        Annotated[Url, Tag("<url>")] | Annotated[IssuerObject, Tag("<object>")],
        Discriminator(
            _url_or_object_tag,
            custom_error_type="issuer",
            custom_error_message="must be a URL or an object with an id",
        ),
    ]
    validFrom: Opt[DateTimeStamp] = None
    credentialSubject: OneOrMany[Annotated[dict[str, Any], Field(min_length=1)]]


class OpenBadgeCredential(_Envelope):
    """vcportable's credential: an OB 3.0 ``OpenBadgeCredential``/``AchievementCredential``."""

    context: Annotated[list[str | dict[str, Any]], _context(second=_OB_CONTEXT_RE)] = Field(
        alias="@context"
    )
    id: Url
    type: Annotated[list[str], _type_list("VerifiableCredential", one_of=PROFILE_CREDENTIAL_TYPES)]
    name: RequiredText
    description: Opt[LanguageText] = None
    image: Opt[Image] = None
    issuer: Annotated[
        Annotated[Url, Tag("<url>")] | Annotated[Profile, Tag("<object>")],
        Discriminator(
            _url_or_object_tag,
            custom_error_type="issuer",
            custom_error_message="must be a URL or a Profile object",
        ),
    ]
    validFrom: DateTimeStamp
    awardedDate: Opt[DateTimeStamp] = None
    credentialSubject: AchievementSubject
    endorsement: Opt[list[dict[str, Any]]] = None
    endorsementJwt: Opt[list[CompactJws]] = None


# --------------------------------------------------------------------------------------------
# Functions

_MESSAGES: Final = {
    "missing": "is required",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "string_too_short": "must not be empty",
    "too_short": "must not be an empty array (leave the property out instead)",
}


def _problems(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif not (part.startswith("<") and part.endswith(">")):  # union tags
                path = f"{path}.{part}" if path else part
        message = _MESSAGES.get(item["type"], item["msg"].replace("Input should be", "must be"))
        problems.append((path, message))
    return problems


def validate_profile(doc: object) -> list[Problem]:
    """Every way ``doc`` breaks the vcportable Open Badges profile, as ``(path, message)``
    pairs (``credentialSubject.achievement.name``); ``[]`` when it follows the profile.

    Never raises for any input. Shape only: pair it with
    :func:`~vcportable.models.datamodel.check_data_model`.
    """
    try:
        OpenBadgeCredential.model_validate(doc)
    except ValidationError as error:
        return _problems(error)
    return []


def parse_credential(doc: object) -> OpenBadgeCredential:
    """The profile model of ``doc``; raises :class:`~vcportable.errors.CredentialInvalidError`
    naming every problem (profile and data model) otherwise."""
    problems = check_data_model(doc, kind="credential")
    known = set(problems)
    problems += [p for p in validate_profile(doc) if p not in known]
    if problems:
        raise CredentialInvalidError(problems)
    return OpenBadgeCredential.model_validate(doc)


@cache
def _schema_text() -> str:
    return files("vcportable._schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the profile, as shipped in ``schemas/``."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "Achievement",
    "AchievementSubject",
    "Alignment",
    "CredentialSchema",
    "Criteria",
    "IdentityObject",
    "Image",
    "IssuerObject",
    "OpenBadgeCredential",
    "Profile",
    "RelatedResource",
    "TypedObject",
    "VerifiableCredential",
    "parse_credential",
    "profile_json_schema",
    "validate_profile",
]
