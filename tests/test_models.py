"""The Open Badges 3.0 profile: pydantic models and the JSON Schema in schemas/ agree."""

from __future__ import annotations

import copy
import json
import pickle
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import FrozenInstanceError, replace
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft201909Validator, Draft202012Validator

from conftest import DELETE, json_paths, set_path
from vcportable.codec.dates import DATETIME_STAMP_PATTERN
from vcportable.codec.urls import URL_PATTERN
from vcportable.errors import CredentialInvalidError
from vcportable.models import credential as cred
from vcportable.models.credential import (
    Achievement,
    AchievementSubject,
    Alignment,
    Criteria,
    OpenBadgeCredential,
    Profile,
    VerifiableCredential,
    parse_credential,
    profile_json_schema,
    validate_profile,
)
from vcportable.models.datamodel import check_data_model
from vcportable.models.facts import is_object
from vcportable.models.report import Check, CheckStatus, Code

HERE = Path(__file__).parent / "vectors" / "credentials"
OB3 = sorted((HERE / "ob3").glob("*.json"))
# The one OB 3.0 example that is a fragment, not a whole credential (see PROVENANCE.md).
FRAGMENT = "examples__00__example.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sample() -> dict[str, Any]:
    doc: dict[str, Any] = load(HERE / "sample-unsigned.json")
    doc["issuer"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    return doc


SCHEMA = Draft202012Validator(profile_json_schema())
OFFICIAL_OB3 = Draft201909Validator(load(HERE / "ob_v3p0_achievementcredential_schema.json"))
VALID_FILES = [p for p in OB3 if p.name != FRAGMENT] + [HERE / "sample-unsigned.json"]


def schema_ok(doc: object) -> bool:
    return bool(SCHEMA.is_valid(doc))


# -- the shipped examples -------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_ob3_examples_follow_the_profile(path: Path) -> None:
    doc = load(path)
    assert validate_profile(doc) == []
    assert list(SCHEMA.iter_errors(doc)) == []
    assert check_data_model(doc, kind="credential") == []
    assert OFFICIAL_OB3.is_valid(doc)  # our valid fixtures are valid OB 3.0 too


def test_spec_fragment_is_not_a_whole_credential() -> None:
    doc = load(HERE / "ob3" / FRAGMENT)
    assert check_data_model(doc, kind="credential") == []  # a fine VC 2.0 credential...
    assert set(validate_profile(doc)) == {  # ...but not an OB 3.0 one
        ("name", "is required"),
        ("issuer.type", "is required"),
        ("credentialSubject.type", "is required"),
        ("credentialSubject.achievement", "is required"),
    }
    assert not schema_ok(doc)
    assert not OFFICIAL_OB3.is_valid(doc)


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_signed_documents_round_trip(path: Path) -> None:
    doc = load(path)
    model = OpenBadgeCredential.model_validate(doc)
    dumped = model.model_dump(by_alias=True, exclude_none=True)
    # json.dumps tells 42 from 42.0, which canonicalize differently
    assert json.dumps(dumped, sort_keys=True) == json.dumps(doc, sort_keys=True)
    assert json.dumps(model.to_document(), sort_keys=True) == json.dumps(doc, sort_keys=True)
    assert list(dumped) == list(doc)  # key order too, so a dump reads like the input


def test_numbers_keep_their_json_type() -> None:
    doc = sample()
    doc["credentialSubject"]["creditsEarned"] = 42
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = 42.5
    model = OpenBadgeCredential.model_validate(doc)
    dumped = model.model_dump(by_alias=True, exclude_none=True)
    assert type(dumped["credentialSubject"]["creditsEarned"]) is int
    assert type(dumped["credentialSubject"]["achievement"]["creditsAvailable"]) is float


def test_explicit_null_in_an_extra_field_survives_to_document() -> None:
    doc = sample()
    doc["credentialSubject"]["achievement"]["x-note"] = None
    assert OpenBadgeCredential.model_validate(doc).to_document() == doc


def test_models_read_like_the_spec() -> None:
    model = OpenBadgeCredential.model_validate(sample())
    achievement = model.credentialSubject.achievement
    assert achievement.achievementType == "License"
    assert achievement.criteria.narrative is not None
    assert isinstance(model.issuer, Profile)
    assert model.issuer.name == "Vocational Certification Board, Municipality of Example"
    assert model.context[0] == "https://www.w3.org/ns/credentials/v2"


def test_building_a_credential_in_python() -> None:
    """An issuer building from a roster row: ESCO and EQF alignments, validated on the way."""
    achievement = Achievement(
        id="urn:uuid:0b7c8f6e-3c2a-4d7e-8f21-5e4a9d3b2c11",
        type=["Achievement"],
        name="Carpenter Level 2",
        description="Builds timber frames, stairs and roofs from drawings.",
        criteria=Criteria(narrative="Passed the practical and written exams."),
        achievementType="License",
        alignment=[
            Alignment(
                type=["Alignment"],
                targetName="carpenter",
                targetUrl="http://data.europa.eu/esco/occupation/4e1ffa7d-b1c4-4e4d-8c69-1b1c4b0f5e31",
                targetFramework="ESCO",
                targetType="ext:ESCO",
            ),
            Alignment(
                type=["Alignment"],
                targetName="EQF level 4",
                targetUrl="http://data.europa.eu/snb/eqf/4",
                targetCode="4",
                targetFramework="European Qualifications Framework",
                targetType="ext:EQF",
            ),
        ],
        inLanguage="en",
    )
    subject = AchievementSubject(
        id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        type=["AchievementSubject"],
        achievement=achievement,
    )
    doc = sample()
    doc["credentialSubject"] = subject.model_dump(by_alias=True, exclude_none=True)
    assert list(doc["credentialSubject"])[:2] == ["id", "type"]
    assert validate_profile(doc) == []
    assert schema_ok(doc)
    assert check_data_model(doc) == []


def test_generic_vc_envelope_model() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": [{"id": "did:example:a"}, {"name": "B"}],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
    }
    model = VerifiableCredential.model_validate(doc)
    assert model.to_document() == doc
    bad: dict[str, Any]
    for bad in ({"issuer": "not a url"}, {"credentialSubject": [{}]}, {"type": ["Badge"]}):
        with pytest.raises(ValueError):
            VerifiableCredential.model_validate({**doc, **bad})


def test_parse_credential_names_every_problem() -> None:
    assert isinstance(parse_credential(sample()), OpenBadgeCredential)
    doc = sample()
    del doc["credentialSubject"]["achievement"]["name"]
    doc["validUntil"] = "2020-01-01T00:00:00Z"  # before validFrom: a data-model rule
    with pytest.raises(CredentialInvalidError) as caught:
        parse_credential(doc)
    assert ("credentialSubject.achievement.name", "is required") in caught.value.problems
    assert [p for p, _ in caught.value.problems].count("validUntil") == 1


def test_schema_is_shipped_and_in_step_with_the_code() -> None:
    text = files("vcportable._schemas").joinpath(cred.SCHEMA_FILE).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    repo_copy = Path(__file__).parents[1] / "schemas" / cred.SCHEMA_FILE
    assert json.loads(repo_copy.read_text(encoding="utf-8")) == schema
    defs = schema["$defs"]
    assert defs["Url"]["pattern"] == URL_PATTERN
    assert defs["DateTimeStamp"]["pattern"] == DATETIME_STAMP_PATTERN
    assert defs["CompactJws"]["pattern"] == cred.COMPACT_JWS_PATTERN
    assert schema["properties"]["@context"]["prefixItems"][1]["pattern"] == cred.OB_CONTEXT_PATTERN
    achievement_type = defs["Achievement"]["properties"]["achievementType"]["anyOf"]
    assert achievement_type == [
        {"enum": list(cred.ACHIEVEMENT_TYPES)},
        {"type": "string", "pattern": cred.EXT_PATTERN},
    ]
    target_type = defs["Alignment"]["properties"]["targetType"]["anyOf"]
    assert target_type[0] == {"enum": list(cred.ALIGNMENT_TARGET_TYPES)}
    assert defs["Achievement"]["properties"]["inLanguage"]["pattern"] == cred.LANGUAGE_PATTERN
    language = defs["LanguageValue"]["properties"]["@language"]["pattern"]
    assert language == cred.VALUE_LANGUAGE_PATTERN


# -- the profile's rules: pydantic names the path, the JSON Schema agrees ------------------

Edit = tuple[tuple[str | int, ...], object]


def edited(*edits: Edit) -> dict[str, Any]:
    doc = sample()
    for path, value in edits:
        set_path(doc, path, value if value is DELETE else copy.deepcopy(value))
    return doc


def drop(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


ACH = ("credentialSubject", "achievement")
ACH_PATH = ".".join(ACH)
#: VC 2.0 language value objects (section 11.1).
EN = {"@value": "Carpenter", "@language": "en"}
FR = {"@value": "Charpentier", "@language": "fr"}
AR = {"@value": "نجار", "@language": "ar"}
OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ESCO = {
    "type": ["Alignment"],
    "targetName": "carpenter",
    "targetUrl": "http://data.europa.eu/esco/occupation/4e1ffa7d-b1c4-4e4d-8c69-1b1c4b0f5e31",
    "targetType": "ext:ESCO",
    "targetFramework": "ESCO",
}
STATUS = {
    "id": "https://status.example/1#94567",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "94567",
    "statusListCredential": "https://status.example/1",
}
IDENTITY = {
    "type": "IdentityObject",
    "hashed": True,
    "identityHash": "sha256$28d4f6...",
    "identityType": "emailAddress",
    "salt": "s4lt",
}

# (id, one edit or a tuple of edits, path that must be named)
INVALID: list[tuple[str, Any, str]] = [
    (
        "achievement-name-missing",
        ((ACH + ("name",), DELETE),),
        "credentialSubject.achievement.name",
    ),
    ("achievement-name-empty", ((ACH + ("name",), ""),), "credentialSubject.achievement.name"),
    ("achievement-name-null", ((ACH + ("name",), None),), "credentialSubject.achievement.name"),
    (
        "description-missing",
        ((ACH + ("description",), DELETE),),
        "credentialSubject.achievement.description",
    ),
    (
        "criteria-missing",
        ((ACH + ("criteria",), DELETE),),
        "credentialSubject.achievement.criteria",
    ),
    ("criteria-empty", ((ACH + ("criteria",), {}),), "credentialSubject.achievement.criteria"),
    (
        "criteria-narrative-number",
        ((ACH + ("criteria",), {"narrative": 5}),),
        "credentialSubject.achievement.criteria.narrative",
    ),
    (
        "criteria-id-not-url",
        ((ACH + ("criteria",), {"id": "page 3"}),),
        "credentialSubject.achievement.criteria.id",
    ),
    ("achievement-id-missing", ((ACH + ("id",), DELETE),), "credentialSubject.achievement.id"),
    (
        "achievement-type-wrong",
        ((ACH + ("type",), ["Badge"]),),
        "credentialSubject.achievement.type",
    ),
    (
        "achievement-type-string",
        ((ACH + ("type",), "Achievement"),),
        "credentialSubject.achievement.type",
    ),
    ("achievement-type-empty", ((ACH + ("type",), []),), "credentialSubject.achievement.type"),
    (
        "achievementType-unknown",
        ((ACH + ("achievementType",), "Licence"),),
        "credentialSubject.achievement.achievementType",
    ),
    (
        "achievementType-bare-ext",
        ((ACH + ("achievementType",), "ext:"),),
        "credentialSubject.achievement.achievementType",
    ),
    (
        "achievementType-ext-space",
        ((ACH + ("achievementType",), "ext:Trade licence"),),
        "credentialSubject.achievement.achievementType",
    ),
    (
        "alignment-object",
        ((ACH + ("alignment",), ESCO),),
        "credentialSubject.achievement.alignment",
    ),
    (
        "alignment-no-url",
        ((ACH + ("alignment",), [drop(ESCO, "targetUrl")]),),
        "credentialSubject.achievement.alignment[0].targetUrl",
    ),
    (
        "alignment-bad-url",
        ((ACH + ("alignment",), [{**ESCO, "targetUrl": "esco carpenter"}]),),
        "credentialSubject.achievement.alignment[0].targetUrl",
    ),
    (
        "alignment-no-name",
        ((ACH + ("alignment",), [ESCO, drop(ESCO, "targetName")]),),
        "credentialSubject.achievement.alignment[1].targetName",
    ),
    (
        "alignment-targetType-bare",
        ((ACH + ("alignment",), [{**ESCO, "targetType": "ESCO"}]),),
        "credentialSubject.achievement.alignment[0].targetType",
    ),
    (
        "alignment-type-missing",
        ((ACH + ("alignment",), [drop(ESCO, "type")]),),
        "credentialSubject.achievement.alignment[0].type",
    ),
    (
        "inLanguage",
        ((ACH + ("inLanguage",), "english"),),
        "credentialSubject.achievement.inLanguage",
    ),
    (
        "credits-string",
        ((ACH + ("creditsAvailable",), "3"),),
        "credentialSubject.achievement.creditsAvailable",
    ),
    (
        "credits-bool",
        ((ACH + ("creditsAvailable",), True),),
        "credentialSubject.achievement.creditsAvailable",
    ),
    ("tag-not-strings", ((ACH + ("tag",), ["wood", 3]),), "credentialSubject.achievement.tag[1]"),
    (
        "creator-no-type",
        ((ACH + ("creator",), {"id": "https://board.example"}),),
        "credentialSubject.achievement.creator.type",
    ),
    (
        "context-order",
        (
            ("@context",),
            [
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                "https://www.w3.org/ns/credentials/v2",
            ],
        ),
        "@context",
    ),
    ("context-no-ob", (("@context",), ["https://www.w3.org/ns/credentials/v2"]), "@context"),
    ("context-string", (("@context",), "https://www.w3.org/ns/credentials/v2"), "@context"),
    (
        "context-ob-2",
        (
            ("@context",),
            [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v2p0/context.json",
            ],
        ),
        "@context",
    ),
    ("context-extra-number", (("@context",), [*OB_CONTEXTS, 7]), "@context"),
    ("type-no-ob", (("type",), ["VerifiableCredential"]), "type"),
    ("type-no-vc", (("type",), ["OpenBadgeCredential"]), "type"),
    ("type-string", (("type",), "VerifiableCredential"), "type"),
    ("id-missing", (("id",), DELETE), "id"),
    ("id-relative", (("id",), "credentials/3732"), "id"),
    ("name-missing", (("name",), DELETE), "name"),
    ("name-null", (("name",), None), "name"),
    ("name-language-map", (("name",), {"en": "Carpenter", "es": "Carpintero"}), "name"),
    ("name-value-no-language", (("name",), {"@value": "Carpenter"}), "name"),
    ("name-value-extra-member", (("name",), {**EN, "@type": "xsd:string"}), "name"),
    ("name-value-bad-tag", (("name",), {"@value": "Carpenter", "@language": "EN_us"}), "name"),
    ("name-value-bad-tag", (("name",), {"@value": "Carpenter", "@language": "en_GB"}), "name"),
    ("name-value-empty", (("name",), {"@value": "", "@language": "en"}), "name"),
    ("name-value-direction", (("name",), {**EN, "@direction": "up"}), "name"),
    ("name-values-empty", (("name",), []), "name"),
    ("name-values-string", (("name",), ["Carpenter"]), "name"),
    ("name-values-too-many", (("name",), [EN] * 33), "name"),
    ("name-too-long", (("name",), "x" * 10_001), "name"),
    ("achievement-name-empty", ((ACH + ("name",), ""),), ACH_PATH + ".name"),
    ("narrative-number", ((ACH + ("criteria", "narrative"), 3),), ACH_PATH + ".criteria.narrative"),
    ("description-null", (("description",), None), "description"),
    ("issuer-number", (("issuer",), 42), "issuer"),
    ("issuer-not-url", (("issuer",), "Vocational Board"), "issuer"),
    ("issuer-http-no-host", (("issuer",), "https://"), "issuer"),
    ("issuer-no-type", (("issuer", "type"), DELETE), "issuer.type"),
    ("issuer-no-id", (("issuer", "id"), DELETE), "issuer.id"),
    ("issuer-url-space", (("issuer", "id"), "did:key:z6Mk abc"), "issuer.id"),
    ("validFrom-missing", (("validFrom",), DELETE), "validFrom"),
    ("validFrom-no-timezone", (("validFrom",), "2025-03-01T00:00:00"), "validFrom"),
    ("validFrom-date-only", (("validFrom",), "2025-03-01"), "validFrom"),
    ("validFrom-lowercase", (("validFrom",), "2025-03-01t00:00:00z"), "validFrom"),
    ("validUntil-month-13", (("validUntil",), "2030-13-01T00:00:00Z"), "validUntil"),
    ("validUntil-number", (("validUntil",), 1900000000), "validUntil"),
    ("awardedDate-space", (("awardedDate",), "2025-03-01 00:00:00Z"), "awardedDate"),
    ("subject-missing", (("credentialSubject",), DELETE), "credentialSubject"),
    ("subject-array", (("credentialSubject",), [{"id": "did:example:1"}]), "credentialSubject"),
    ("subject-anonymous", (("credentialSubject", "id"), DELETE), "credentialSubject"),
    (
        "subject-empty-identifier",
        ((("credentialSubject", "id"), DELETE), (("credentialSubject", "identifier"), [])),
        "credentialSubject",
    ),
    ("subject-id-not-url", (("credentialSubject", "id"), "maria"), "credentialSubject.id"),
    ("subject-no-type", (("credentialSubject", "type"), DELETE), "credentialSubject.type"),
    (
        "subject-identifier-hashed",
        (("credentialSubject", "identifier"), [{**IDENTITY, "hashed": "yes"}]),
        "credentialSubject.identifier[0].hashed",
    ),
    (
        "subject-identifier-type",
        (("credentialSubject", "identifier"), [{**IDENTITY, "identityType": "mail"}]),
        "credentialSubject.identifier[0].identityType",
    ),
    (
        "subject-start-date",
        (("credentialSubject", "activityStartDate"), "yesterday"),
        "credentialSubject.activityStartDate",
    ),
    ("status-no-type", (("credentialStatus",), drop(STATUS, "type")), "credentialStatus.type"),
    ("status-empty-array", (("credentialStatus",), []), "credentialStatus"),
    (
        "status-second-no-type",
        (("credentialStatus",), [STATUS, {"id": "https://status.example/2#1"}]),
        "credentialStatus[1].type",
    ),
    ("status-string", (("credentialStatus",), "https://status.example/1"), "credentialStatus"),
    ("status-type-number", (("credentialStatus",), {**STATUS, "type": 1}), "credentialStatus.type"),
    ("schema-no-id", (("credentialSchema",), [{"type": "JsonSchema"}]), "credentialSchema[0].id"),
    ("evidence-type-empty", (("evidence",), [{"type": [], "name": "photo"}]), "evidence[0].type"),
    (
        "refresh-no-type",
        (("refreshService",), {"id": "https://refresh.example"}),
        "refreshService.type",
    ),
    ("terms-no-type", (("termsOfUse",), [{"id": "https://terms.example"}]), "termsOfUse[0].type"),
    (
        "related-no-digest",
        (("relatedResource",), [{"id": "https://img.example/a.png"}]),
        "relatedResource[0]",
    ),
    ("proof-string", (("proof",), "z3FXQjecWufY46"), "proof"),
    (
        "image-wrong-type",
        (("image",), {"id": "https://img.example/a.png", "type": "Picture"}),
        "image.type",
    ),
    ("endorsementJwt", (("endorsementJwt",), ["not-a-jws"]), "endorsementJwt[0]"),
]


def _case_doc(edits: Any) -> dict[str, Any]:
    """``edits`` is one ``(path, value)`` edit or a tuple of them."""
    several = isinstance(edits[0], tuple) and isinstance(edits[0][0], tuple)
    return edited(*edits) if several else edited(edits)


@pytest.mark.parametrize(
    ("edits", "path"), [pytest.param(edits, path, id=name) for name, edits, path in INVALID]
)
def test_profile_problem_names_the_field_and_schema_agrees(edits: Any, path: str) -> None:
    doc = _case_doc(edits)
    problems = validate_profile(doc)
    assert path in [p for p, _ in problems], problems
    assert all(isinstance(m, str) and m for _, m in problems)
    assert not schema_ok(doc), f"JSON Schema accepts what the model rejects at {path}"


VALID_VARIANTS: list[tuple[str, tuple[Edit, ...]]] = [
    ("achievement-credential", ((("type",), ["VerifiableCredential", "AchievementCredential"]),)),
    (
        "both-types",
        ((("type",), ["AchievementCredential", "VerifiableCredential", "OpenBadgeCredential"]),),
    ),
    ("achievementType-certificate", ((ACH + ("achievementType",), "Certificate"),)),
    ("achievementType-ext", ((ACH + ("achievementType",), "ext:VocationalLicence"),)),
    (
        "alignment-esco-eqf",
        ((ACH + ("alignment",), [ESCO, {**ESCO, "targetType": "ext:EQF", "targetCode": "4"}]),),
    ),
    (
        "alignment-regional",
        ((ACH + ("alignment",), [{**ESCO, "targetType": "ext:Region.North-1_b"}]),),
    ),
    ("alignment-case", ((ACH + ("alignment",), [{**ESCO, "targetType": "CFItem"}]),)),
    ("alignment-empty", ((ACH + ("alignment",), []),)),
    (
        "criteria-id-only",
        ((ACH + ("criteria",), {"id": "https://board.example/criteria/carpenter-2"}),),
    ),
    ("inLanguage", ((ACH + ("inLanguage",), "pt-BR"),)),
    ("credits-int", ((ACH + ("creditsAvailable",), 30),)),
    ("issuer-url", ((("issuer",), "did:web:board.example"),)),
    ("issuer-urn", ((("issuer",), "urn:uuid:2f0e8b7c-1d90-4c3e-9a55-6a1d3e2c4b7f"),)),
    (
        "subject-identifier-only",
        ((("credentialSubject", "id"), DELETE), (("credentialSubject", "identifier"), [IDENTITY])),
    ),
    (
        "status-revocation-and-suspension",
        ((("credentialStatus",), [STATUS, {**STATUS, "statusPurpose": "suspension"}]),),
    ),
    ("status-single", ((("credentialStatus",), STATUS),)),
    (
        "schema-object",
        ((("credentialSchema",), {"id": "https://schemas.example/ob.json", "type": "JsonSchema"}),),
    ),
    (
        "proof-object",
        ((("proof",), {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}),),
    ),
    ("evidence-type-list", ((("evidence",), [{"type": ["Evidence"], "name": "workshop"}]),)),
    (
        "related-resource",
        ((("relatedResource",), [{"id": "https://img.example/a.png", "digestSRI": "sha384-abc"}]),),
    ),
    (
        "extra-contexts",
        (
            (
                ("@context",),
                [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
                    "https://www.w3.org/ns/credentials/status/v1",
                    {"@vocab": "https://board.example/terms#"},
                ],
            ),
        ),
    ),
    ("unknown-properties", ((("x-municipality",), {"code": 1}), (ACH + ("x-level",), [1, None]))),
    ("validFrom-offset-fraction", ((("validFrom",), "2025-03-01T08:00:00.123+02:00"),)),
    ("validUntil-midnight", ((("validUntil",), "2030-03-01T24:00:00Z"),)),
    ("description", ((("description",), ""),)),
    ("name-language-value", ((("name",), EN),)),
    ("name-languages", ((("name",), [EN, FR, {**AR, "@direction": "rtl"}]),)),
    ("achievement-languages", ((ACH + ("name",), [EN, FR]), (ACH + ("description",), [FR]))),
    ("narrative-language", ((ACH + ("criteria", "narrative"), FR),)),
    ("issuer-name-languages", ((("issuer", "name"), [EN, FR]), (("issuer", "description"), AR))),
]


@pytest.mark.parametrize("edits", [pytest.param(edits, id=name) for name, edits in VALID_VARIANTS])
def test_profile_variants_accepted_by_both(edits: tuple[Edit, ...]) -> None:
    doc = edited(*edits)
    assert validate_profile(doc) == []
    assert list(SCHEMA.iter_errors(doc)) == []


def test_non_objects_are_rejected_at_the_root() -> None:
    for doc in (None, 3, "credential", [], [sample()]):
        assert validate_profile(doc) == [("", "must be an object")]
        assert not schema_ok(doc)


def test_every_problem_is_reported_at_once() -> None:
    doc = edited((ACH + ("name",), DELETE), (("validFrom",), "soon"), (("issuer",), 1))
    assert {p for p, _ in validate_profile(doc)} == {
        "credentialSubject.achievement.name",
        "validFrom",
        "issuer",
    }


# -- property tests -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


BASES = [load(p) for p in VALID_FILES]


@st.composite
def mutated_credentials(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = json_paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        # Copy: the INTERESTING values are shared and later mutations must not alter them.
        value = copy.deepcopy(draw(json_values | st.sampled_from(INTERESTING)))
        set_path(doc, path, DELETE if draw(st.booleans()) else value)
    return doc


INTERESTING: list[object] = [
    "", "x", "did:example:1", "https://", "http://a b", "2025-03-01T00:00:00",
    "2025-02-30T00:00:00Z", "2025-03-01T24:00:00Z", "ext:ESCO", "ext:", "Certificate",
    ["Achievement"], ["Alignment"], [], {}, None, 0, 1.5, True, ["VerifiableCredential"],
    {"type": "X"}, [{"type": "X"}],
]  # fmt: skip


def _agree(doc: object) -> None:
    model_ok = validate_profile(doc) == []
    assert model_ok == schema_ok(doc), (model_ok, validate_profile(doc), doc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_credentials())
def test_model_and_schema_agree_on_mutated_credentials(doc: dict[str, Any]) -> None:
    # Known, documented difference (schemas/README.md): Python's jsonschema lets "$" match
    # before a trailing newline. json_values never ends a URL or date with one.
    _agree(doc)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_validate_profile_never_raises(doc: Any) -> None:
    problems = validate_profile(doc)
    assert problems and all(isinstance(p, str) and isinstance(m, str) for p, m in problems)
    _agree(doc)


def test_deeply_nested_profiles_do_not_crash() -> None:
    doc = sample()
    node: dict[str, Any] = doc["issuer"]
    for index in range(3000):
        node["parentOrg"] = {"id": f"https://org.example/{index}", "type": ["Profile"]}
        node = node["parentOrg"]
    problems = validate_profile(doc)  # pydantic stops at its depth limit, with a problem
    assert problems and all(isinstance(p, str) and p.startswith("issuer") for p, _ in problems)


def test_a_problem_list_feeds_credential_invalid_error() -> None:
    problems: Callable[[object], list[tuple[str, str]]] = validate_profile
    error = CredentialInvalidError(problems(edited((ACH + ("name",), DELETE))))
    assert "credentialSubject.achievement.name: is required" in str(error)


@pytest.mark.node
def test_schema_patterns_mean_the_same_in_javascript() -> None:
    """JSON Schema patterns are ECMA-262 (ajv compiles them with the "u" flag): each must
    compile there and answer like Python's ``re.fullmatch`` on tricky values, trailing
    newline included (where Python's jsonschema, using ``re.search``, differs)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    patterns: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            patterns.extend(v for k, v in value.items() if k == "pattern" and isinstance(v, str))
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(profile_json_schema())
    samples = [
        "https://example.com", "http://", "did:key:z6Mk", "urn:a b", "https://münchen.example",
        "data:,x", "http:x", "x:\U0001f600", "2025-03-01T00:00:00Z", "2025-03-01T00:00:00Z\n",
        "2025-03-01T24:00:00.000+14:00", "ext:ESCO", "ext:", "pt-BR", "a.b.c", "a..c", "",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "https://x\n",
    ]  # fmt: skip
    script = """
const {patterns, samples} = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(patterns.map(p => samples.map(s => new RegExp(p, 'u').test(s)))));
"""
    payload = json.dumps({"patterns": patterns, "samples": samples})
    result = subprocess.run(
        [node, "-e", script], input=payload, capture_output=True, text=True, check=True, timeout=60
    )
    expected = [[re.fullmatch(p, s) is not None for s in samples] for p in patterns]
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, True),
        ({"id": "urn:x"}, True),
        (MappingProxyType({"id": "urn:x"}), True),  # any Mapping, through the ABC
        (None, False),
        ("urn:x", False),
        ([{"id": "urn:x"}], False),
        (1, False),
        (True, False),
    ],
)
def test_a_json_object_is_any_mapping(value: object, expected: bool) -> None:
    assert is_object(value) is expected


def test_the_check_helpers_build_what_the_constructor_builds() -> None:
    """Check.passed & co. fill the slots directly: the result is the same frozen value."""
    built = Check.failed("proof", Code.SIGNATURE_INVALID, "altered")
    assert built == Check(
        id="proof", status=CheckStatus.FAILED, code=Code.SIGNATURE_INVALID, message="altered"
    )
    assert hash(built) == hash(replace(built))
    assert pickle.loads(pickle.dumps(built)) == built
    assert Check.skipped("status", "none").code is Code.OK
    with pytest.raises(FrozenInstanceError):
        built.message = "changed"  # type: ignore[misc]
