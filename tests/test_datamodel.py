"""VC Data Model MUST rules: every broken rule is named by its path; no input makes it raise."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import base58
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DELETE, set_path
from vcportable.codec.dates import (
    DATETIME_STAMP_PATTERN,
    DATETIME_STAMP_RE,
    DIGITALBAZAAR_DATE_RE,
    date_problem,
    parse_datetime_stamp,
    parse_xsd_datetime,
)
from vcportable.codec.digests import (
    digest_multibase,
    digest_sri,
    parse_digest_multibase,
    parse_digest_sri,
)
from vcportable.codec.urls import is_url
from vcportable.errors import ConfigurationError
from vcportable.models.datamodel import (
    _check_ids,
    _walk_ids,
    check_data_model,
    check_related_resources,
    read_data_model,
)

HERE = Path(__file__).parent / "vectors" / "credentials"
V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


FIXTURES = sorted((HERE / "ob3").glob("*.json")) + [HERE / "sample-unsigned.json"]

CREDENTIAL: dict[str, Any] = {
    "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "ExampleCredential"],
    "name": "Example",
    "description": [{"@value": "Beispiel", "@language": "de"}, "Example"],
    "issuer": {"id": "did:example:issuer", "name": {"@value": "Board", "@direction": "ltr"}},
    "validFrom": "2025-03-01T00:00:00Z",
    "validUntil": "2030-03-01T00:00:00+01:00",
    "credentialSubject": {"id": "did:example:subject", "skill": "carpentry"},
    "credentialStatus": [
        {"id": "https://status.example/1#5", "type": "BitstringStatusListEntry"},
        {"id": "https://status.example/2#5", "type": "BitstringStatusListEntry"},
    ],
    "credentialSchema": {"id": "https://schemas.example/1.json", "type": "JsonSchema"},
    "refreshService": {"type": "VerifiableCredentialRefreshService2021"},
    "evidence": [{"type": ["Evidence"], "name": "workshop"}],
    "termsOfUse": {"type": "TrustFrameworkPolicy"},
    "relatedResource": [
        {"id": "https://img.example/badge.png", "digestSRI": digest_sri(b"png")},
        {"id": "https://img.example/card.pdf", "digestMultibase": digest_multibase(b"pdf")},
    ],
}
CREDENTIAL_V1: dict[str, Any] = {
    "@context": [V1, "https://www.w3.org/2018/credentials/examples/v1"],
    "id": "http://example.edu/credentials/1872",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "issuer": "https://example.edu/issuers/565049",
    "issuanceDate": "2010-01-01T19:23:24",  # VC 1.1 dates may lack a timezone
    "expirationDate": "2030-01-01T19:23:24Z",
    "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "X"},
    "credentialStatus": {"id": "https://example.edu/status/24", "type": "CredentialStatusList2017"},
}
PRESENTATION: dict[str, Any] = {
    "@context": [V2],
    "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
    "type": ["VerifiablePresentation"],
    "holder": "did:example:holder",
    "verifiableCredential": [
        CREDENTIAL,
        {
            "@context": V2,
            "id": "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln",
            "type": "EnvelopedVerifiableCredential",
        },
    ],
}
PRESENTATION_V1: dict[str, Any] = {
    "@context": [V1],
    "type": "VerifiablePresentation",
    "holder": {"id": "did:example:holder"},
    "verifiableCredential": ["eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2ln", CREDENTIAL_V1],
}


# -- valid documents ------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_ob3_examples_follow_the_data_model(path: Path) -> None:
    assert check_data_model(load(path), kind="credential") == []


@pytest.mark.parametrize(
    ("doc", "kind"),
    [
        pytest.param(CREDENTIAL, "credential", id="vc2-everything"),
        pytest.param(CREDENTIAL_V1, "credential", id="vc1.1"),
        pytest.param(PRESENTATION, "presentation", id="vp2-with-enveloped"),
        pytest.param(PRESENTATION_V1, "presentation", id="vp1.1-with-jwt"),
        pytest.param({"@context": V2, "type": "VerifiablePresentation"}, "presentation", id="vp"),
    ],
)
def test_valid_documents_have_no_problems(doc: dict[str, Any], kind: Any) -> None:
    assert check_data_model(doc, kind=kind) == []
    assert check_data_model(doc) == [] or kind == "presentation"


# -- each MUST rule, broken -----------------------------------------------------------------


def changed(base: dict[str, Any], path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    set_path(doc, path, value)
    return doc


C, P, C1 = CREDENTIAL, PRESENTATION, CREDENTIAL_V1
RR = CREDENTIAL["relatedResource"]

CASES: list[tuple[str, dict[str, Any], tuple[str | int, ...], object, str, str]] = [
    # id, base, path, new value, expected problem path, fragment of the message
    ("context-missing", C, ("@context",), DELETE, "@context", "required"),
    ("context-empty", C, ("@context",), [], "@context", "empty"),
    ("context-wrong-first", C, ("@context",), ["https://example.org/ctx", V2], "@context[0]", V2),
    ("context-string-wrong", C, ("@context",), "https://example.org/ctx", "@context", V2),
    ("context-first-object", C, ("@context",), [{"@vocab": "x"}], "@context[0]", "object"),
    ("context-later-number", C, ("@context", 1), 7, "@context[1]", "context URL"),
    ("context-later-relative", C, ("@context", 1), "ctx.json", "@context[1]", "context URL"),
    ("type-missing", C, ("type",), DELETE, "type", "required"),
    ("type-without-vc", C, ("type",), ["ExampleCredential"], "type", "VerifiableCredential"),
    ("type-number", C, ("type",), 3, "type", "type name"),
    ("type-empty", C, ("type",), [], "type", "type name"),
    ("type-empty-string", C, ("type",), ["VerifiableCredential", ""], "type", "type name"),
    ("issuer-missing", C, ("issuer",), DELETE, "issuer", "required"),
    ("issuer-not-url", C, ("issuer",), "Example Board", "issuer", "URL"),
    ("issuer-http-no-host", C, ("issuer",), "http://", "issuer", "URL"),
    ("issuer-relative", C, ("issuer",), "/issuers/1", "issuer", "URL"),
    ("issuer-space", C, ("issuer",), "https://board.example/a b", "issuer", "URL"),
    ("issuer-number", C, ("issuer",), 5, "issuer", "URL"),
    ("issuer-array", C, ("issuer",), ["did:example:a"], "issuer", "URL"),
    ("issuer-object-no-id", C, ("issuer",), {"name": "Board"}, "issuer.id", "required"),
    ("issuer-object-bad-id", C, ("issuer", "id"), "board", "issuer.id", "URL"),
    ("issuer-name-number", C, ("issuer", "name"), 7, "issuer.name", "language value"),
    ("subject-missing", C, ("credentialSubject",), DELETE, "credentialSubject", "required"),
    ("subject-empty-array", C, ("credentialSubject",), [], "credentialSubject", "empty"),
    ("subject-string", C, ("credentialSubject",), "did:example:1", "credentialSubject", "object"),
    ("subject-no-claim", C, ("credentialSubject",), {}, "credentialSubject", "claim"),
    ("subject-item", C, ("credentialSubject",), [{"a": 1}, 5], "credentialSubject[1]", "object"),
    ("subject-id", C, ("credentialSubject", "id"), "maria", "credentialSubject.id", "URL"),
    ("id-not-url", C, ("id",), "3732", "id", "URL"),
    ("id-two-values", C, ("id",), ["urn:a:1", "urn:a:2"], "id", "single URL"),
    ("id-number", C, ("id",), 3732, "id", "URL"),
    ("nested-id", C, ("evidence", 0, "id"), "evidence 1", "evidence[0].id", "URL"),
    ("blank-node-id", C, ("credentialSubject", "id"), "_:b0", "credentialSubject.id", "URL"),
    ("validFrom-no-tz", C, ("validFrom",), "2025-03-01T00:00:00", "validFrom", "timezone"),
    ("validFrom-date", C, ("validFrom",), "2025-03-01", "validFrom", "dateTimeStamp"),
    ("validFrom-space", C, ("validFrom",), "2025-03-01 00:00:00Z", "validFrom", "dateTimeStamp"),
    ("validFrom-lower-t", C, ("validFrom",), "2025-03-01t00:00:00Z", "validFrom", "dateTimeStamp"),
    ("validFrom-feb-30", C, ("validFrom",), "2025-02-30T00:00:00Z", "validFrom", "calendar"),
    ("validFrom-feb-29", C, ("validFrom",), "2023-02-29T00:00:00Z", "validFrom", "calendar"),
    ("validFrom-1900-02-29", C, ("validFrom",), "1900-02-29T00:00:00Z", "validFrom", "calendar"),
    ("validFrom-hour-25", C, ("validFrom",), "2025-03-01T25:00:00Z", "validFrom", "dateTimeStamp"),
    ("validFrom-tz-15", C, ("validFrom",), "2025-03-01T00:00:00+15:00", "validFrom", "Stamp"),
    ("validFrom-trailing", C, ("validFrom",), "2025-03-01T00:00:00Zjunk", "validFrom", "Stamp"),
    ("validFrom-newline", C, ("validFrom",), "2025-03-01T00:00:00Z\n", "validFrom", "Stamp"),
    ("validFrom-number", C, ("validFrom",), 1740787200, "validFrom", "string"),
    ("validFrom-null", C, ("validFrom",), None, "validFrom", "string"),
    ("validUntil-bad", C, ("validUntil",), "never", "validUntil", "dateTimeStamp"),
    ("validUntil-before", C, ("validUntil",), "2024-03-01T00:00:00Z", "validUntil", "earlier"),
    # 10:00+02:00 is 08:00Z, before validFrom's 09:30Z: offsets count
    ("validUntil-before-tz", changed(C, ("validFrom",), "2025-03-01T09:30:00Z"),
     ("validUntil",), "2025-03-01T10:00:00+02:00", "validUntil", "earlier"),
    ("validUntil-before-fraction", changed(C, ("validFrom",), "2025-03-01T00:00:00.5Z"),
     ("validUntil",), "2025-03-01T00:00:00.45Z", "validUntil", "earlier"),
    # the same microsecond: the digits past it decide
    ("validUntil-before-nanosecond", changed(C, ("validFrom",), "2025-03-01T00:00:00.0000005Z"),
     ("validUntil",), "2025-03-01T00:00:00.0000001Z", "validUntil", "earlier"),
    ("status-no-type", C, ("credentialStatus", 1), {"id": "urn:s:1"}, "credentialStatus[1].type",
     "required"),
    ("status-type-empty", C, ("credentialStatus", 0, "type"), [], "credentialStatus[0].type",
     "type name"),
    ("status-string", C, ("credentialStatus",), "urn:s:1", "credentialStatus", "object"),
    ("status-empty-array", C, ("credentialStatus",), [], "credentialStatus", "empty"),
    ("schema-no-type", C, ("credentialSchema",), {"id": "https://s.example/1"},
     "credentialSchema.type", "required"),
    ("schema-no-id", C, ("credentialSchema",), {"type": "JsonSchema"}, "credentialSchema.id",
     "required"),
    ("refresh-no-type", C, ("refreshService",), {"id": "https://r.example"},
     "refreshService.type", "required"),
    ("evidence-no-type", C, ("evidence", 0), {"name": "photo"}, "evidence[0].type", "required"),
    ("evidence-number", C, ("evidence",), [3], "evidence[0]", "object"),
    ("terms-no-type", C, ("termsOfUse",), {"id": "https://t.example"}, "termsOfUse.type",
     "required"),
    ("related-duplicate-id", C, ("relatedResource", 1, "id"), RR[0]["id"],
     "relatedResource[1].id", "unique"),
    ("related-no-id", C, ("relatedResource", 0), {"digestSRI": RR[0]["digestSRI"]},
     "relatedResource[0].id", "required"),
    ("related-no-digest", C, ("relatedResource", 0), {"id": "https://img.example/x.png"},
     "relatedResource[0]", "digest"),
    ("related-bad-sri", C, ("relatedResource", 0, "digestSRI"), "md5-1B2M2Y8AsgTpgAmY7PhCfg==",
     "relatedResource[0].digestSRI", "Subresource Integrity"),
    ("related-sri-short", C, ("relatedResource", 0, "digestSRI"), "sha256-AAAA",
     "relatedResource[0].digestSRI", "Subresource Integrity"),
    ("related-bad-multibase", C, ("relatedResource", 1, "digestMultibase"), "mEiA",
     "relatedResource[1].digestMultibase", "multibase"),
    ("related-number", C, ("relatedResource",), [1], "relatedResource[0]", "object"),
    ("related-empty", C, ("relatedResource",), [], "relatedResource", "empty"),
    ("related-mediaType", C, ("relatedResource", 0, "mediaType"), 5,
     "relatedResource[0].mediaType", "string"),
    ("name-number", C, ("name",), 5, "name", "language value"),
    ("description-bad-lang", C, ("description", 0), {"@value": "x", "@direction": "up"},
     "description[0]", "language value"),
    ("v1-no-issuanceDate", C1, ("issuanceDate",), DELETE, "issuanceDate", "required"),
    ("v1-bad-issuanceDate", C1, ("issuanceDate",), "yesterday", "issuanceDate", "dateTime"),
    ("v1-bad-expirationDate", C1, ("expirationDate",), "2030-01-01", "expirationDate",
     "dateTime"),
    ("v1-status-no-id", C1, ("credentialStatus", "id"), DELETE, "credentialStatus.id",
     "required"),
]  # fmt: skip

PRESENTATION_CASES: list[tuple[str, dict[str, Any], tuple[str | int, ...], object, str, str]] = [
    ("vp-type-missing", P, ("type",), DELETE, "type", "required"),
    ("vp-type-vc", P, ("type",), ["VerifiableCredential"], "type", "VerifiablePresentation"),
    ("vp-context", P, ("@context",), ["https://example.org"], "@context[0]", V2),
    ("vp-holder", P, ("holder",), "Maria", "holder", "URL"),
    ("vp-holder-object", P, ("holder",), {"name": "Maria"}, "holder.id", "required"),
    ("vp-holder-number", P, ("holder",), 1, "holder", "URL"),
    ("vp-id", P, ("id",), "presentation 1", "id", "URL"),
    ("vp-vc-number", P, ("verifiableCredential",), [5], "verifiableCredential[0]", "object"),
    ("vp-vc-empty", P, ("verifiableCredential",), {}, "verifiableCredential", "empty"),
    ("vp-vc-jwt-in-v2", P, ("verifiableCredential",), ["a.b.c"], "verifiableCredential[0]",
     "object"),
    ("vp-terms", P, ("termsOfUse",), [{"id": "https://t.example"}], "termsOfUse[0].type",
     "required"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("base", "path", "value", "where", "fragment", "kind"),
    [pytest.param(*case[1:], "credential", id=case[0]) for case in CASES]
    + [pytest.param(*case[1:], "presentation", id=case[0]) for case in PRESENTATION_CASES],
)
def test_broken_rule_names_the_field(
    base: dict[str, Any],
    path: tuple[str | int, ...],
    value: object,
    where: str,
    fragment: str,
    kind: Any,
) -> None:
    assert check_data_model(base, kind=kind) == []
    problems = check_data_model(changed(base, path, value), kind=kind)
    matching = [message for problem_path, message in problems if problem_path == where]
    assert matching, problems
    assert any(fragment in message for message in matching), problems


def test_all_problems_are_reported_at_once() -> None:
    doc = {"@context": ["x"], "issuer": 1, "validFrom": "soon", "relatedResource": [{}]}
    paths = {path for path, _ in check_data_model(doc)}
    assert paths >= {
        "@context[0]",
        "type",
        "issuer",
        "credentialSubject",
        "validFrom",
        "relatedResource[0].id",
        "relatedResource[0]",
    }


def test_enclosed_credentials_are_left_to_their_own_check() -> None:
    vp = changed(PRESENTATION, ("verifiableCredential", 0, "id"), "not a url")
    assert check_data_model(vp, kind="presentation") == []


def test_contexts_may_define_id_freely() -> None:
    doc = changed(CREDENTIAL, ("@context",), [V2, {"id": "@id", "ex": {"@id": "ex:term"}}])
    assert check_data_model(doc) == []


@pytest.mark.parametrize("doc", [None, 1, 1.5, True, "vc", [], [CREDENTIAL], b"x"])
def test_non_objects_are_one_problem(doc: object) -> None:
    for kind in ("credential", "presentation"):
        problems = check_data_model(doc, kind=kind)  # type: ignore[arg-type]
        assert len(problems) == 1 and problems[0][0] == ""
        assert "JSON object" in problems[0][1]


def test_unknown_kind_is_misuse() -> None:
    with pytest.raises(ConfigurationError):
        check_data_model(CREDENTIAL, kind="vc")  # type: ignore[arg-type]


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01T00:00:00Z", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T02:00:00+02:00", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-02-28T24:00:00Z", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2024-02-29T12:00:00.1234567-14:00", datetime(2024, 3, 1, 2, 0, 0, 123456, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", None),  # before datetime.min
        ("10000-01-01T00:00:00Z", None),  # valid XSD, beyond datetime
        ("2025-03-01T00:00:00", None),
        ("2025-02-29T00:00:00Z", None),
    ],
)
def test_parse_datetime_stamp(value: str, expected: datetime | None) -> None:
    assert parse_datetime_stamp(value) == expected


def test_vc11_dates_without_timezone_mean_utc() -> None:
    assert parse_xsd_datetime("2010-01-01T19:23:24") == datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)
    assert date_problem("2010-01-01T19:23:24", require_timezone=False) is None
    assert date_problem("2010-01-01T19:23:24") is not None


@pytest.mark.parametrize(
    "value", ["12025-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z"]
)
def test_years_outside_0001_9999_are_refused(value: str) -> None:
    # A date no check can compare is refused by the data model too, not only by validity.
    doc = changed(CREDENTIAL, ("validUntil",), value)
    assert [(p, "year" in m) for p, m in check_data_model(doc)] == [("validUntil", True)]


stamps = st.from_regex(DATETIME_STAMP_PATTERN, fullmatch=True)


@settings(max_examples=300)
@given(stamps)
def test_every_datetime_stamp_passes_digitalbazaar_regex(value: str) -> None:
    assert DIGITALBAZAAR_DATE_RE.search(value)
    problem = date_problem(value)
    assert problem is None or "calendar" in problem or "year" in problem or len(value) > 64


@settings(max_examples=300)
@given(st.text(max_size=40) | stamps.map(lambda s: s[:-1]) | stamps.map(lambda s: s + "x"))
def test_accepted_dates_are_accepted_by_both_regexes(value: str) -> None:
    if date_problem(value) is None:
        assert DATETIME_STAMP_RE.fullmatch(value)
        assert DIGITALBAZAAR_DATE_RE.search(value)


aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=-14)), timezone(timedelta(hours=5, minutes=45))]
    ),
)


def _stamp(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@settings(max_examples=300)
@given(aware, aware)
def test_validity_order_matches_real_time(start: datetime, end: datetime) -> None:
    doc = changed(CREDENTIAL, ("validFrom",), _stamp(start))
    doc["validUntil"] = _stamp(end)
    assert parse_datetime_stamp(doc["validFrom"]) == start
    problems = check_data_model(doc)
    assert (("validUntil", "must not be earlier than validFrom") in problems) == (start > end)


# -- URLs -----------------------------------------------------------------------------------

URLS = [
    "https://example.com", "http://localhost:8080/a?b#c", "did:key:z6MkhaXgBZDvotDkL5257fai",
    "did:web:board.example:issuers:1", "urn:uuid:6a1d3e2c-4b7f-4c3e-9a55-2f0e8b7c1d90",
    "data:application/vc+jwt,eyJ.eyJ.c2ln", "mailto:a@b.example", "HTTPS://EXAMPLE.COM",
    "https://münchen.example/straße", "ftp://files.example/x", "tag:a.example,2025:x",
]  # fmt: skip
NOT_URLS = [
    "", "example.com", "/relative", "#frag", "did", "http://", "https:/x", "http:x", "a b:c",
    "https://a b", "urn:uuid:1 2", "1http://x", "_:b0", "did:key:z6Mk\n", "https://x/<y>",
    "https://x/\x00",
]  # fmt: skip


def test_urls() -> None:
    assert all(is_url(u) for u in URLS)
    assert not any(is_url(u) for u in NOT_URLS)
    assert not is_url(None) and not is_url(["https://x"])


# -- related resources ----------------------------------------------------------------------

RESOURCES = {"https://img.example/badge.png": b"png", "https://img.example/card.pdf": b"pdf"}


def fetch_from(store: dict[str, bytes]) -> Any:
    def fetch(url: str) -> bytes | None:
        return store.get(url)

    return fetch


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_matching_sri_digests(algorithm: Any) -> None:
    doc = changed(CREDENTIAL, ("relatedResource", 0, "digestSRI"), digest_sri(b"png", algorithm))
    assert check_related_resources(doc, fetch_from(RESOURCES)) == []


@pytest.mark.parametrize("base", ["u", "z"])
def test_matching_multibase_digests(base: Any) -> None:
    value = digest_multibase(b"pdf", base=base)
    doc = changed(CREDENTIAL, ("relatedResource", 1, "digestMultibase"), value)
    assert check_related_resources(doc, fetch_from(RESOURCES)) == []
    raw = b"\x12\x20" + hashlib.sha256(b"pdf").digest()
    expected = (
        "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
        if base == "u"
        else "z" + base58.b58encode(raw).decode()
    )
    assert value == expected


def test_other_multihashes() -> None:
    for code, name in ((0x20, "sha384"), (0x13, "sha512")):
        digest = hashlib.new(name, b"pdf").digest()
        value = "z" + base58.b58encode(bytes([code, len(digest)]) + digest).decode()
        assert parse_digest_multibase(value) == (name, digest)
        doc = changed(CREDENTIAL, ("relatedResource", 1, "digestMultibase"), value)
        assert check_related_resources(doc, fetch_from(RESOURCES)) == []


def test_mismatching_digests_are_problems() -> None:
    tampered = {url: data + b"!" for url, data in RESOURCES.items()}
    assert check_related_resources(CREDENTIAL, fetch_from(tampered)) == [
        (
            "relatedResource[0].digestSRI",
            "does not match https://img.example/badge.png: its sha384 digest is "
            + digest_sri(b"png!"),
        ),
        (
            "relatedResource[1].digestMultibase",
            "does not match https://img.example/card.pdf (its sha256 digest differs)",
        ),
    ]


def test_unavailable_resources_are_not_checked() -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes | None:
        asked.append(url)
        return None

    assert check_related_resources(CREDENTIAL, fetch) == []
    assert asked == list(RESOURCES)


def test_sri_uses_the_strongest_algorithm() -> None:
    wrong256, right512 = digest_sri(b"other", "sha256"), digest_sri(b"png", "sha512")
    doc = changed(CREDENTIAL, ("relatedResource", 0, "digestSRI"), f"{wrong256} {right512}")
    assert check_related_resources(doc, fetch_from(RESOURCES)) == []
    assert check_data_model(doc) == []
    right256, wrong512 = digest_sri(b"png", "sha256"), digest_sri(b"other", "sha512")
    doc = changed(CREDENTIAL, ("relatedResource", 0, "digestSRI"), f"{right256} {wrong512}")
    assert [p for p, _ in check_related_resources(doc, fetch_from(RESOURCES))] == [
        "relatedResource[0].digestSRI"
    ]


def test_single_related_resource_object_and_malformed_entries() -> None:
    doc = changed(CREDENTIAL, ("relatedResource",), RR[0])
    assert check_data_model(doc) == []
    tampered = {"https://img.example/badge.png": b"x"}
    assert [p for p, _ in check_related_resources(doc, fetch_from(tampered))] == [
        "relatedResource.digestSRI"
    ]
    junk = changed(CREDENTIAL, ("relatedResource",), [5, {"id": 3}, {"id": "urn:x:1"}])
    assert check_related_resources(junk, fetch_from(tampered)) == []
    for doc in (None, [], "x", {"relatedResource": "x"}):
        assert check_related_resources(doc, fetch_from(tampered)) == []


def test_digest_parsers() -> None:
    sha256 = hashlib.sha256(b"a").digest()
    assert parse_digest_sri(digest_sri(b"a", "sha256")) == [("sha256", sha256)]
    assert parse_digest_sri(digest_sri(b"a") + "?opt") is not None
    assert parse_digest_sri("sha384-" + "A" * 64 + " nonsense") is None
    for bad in ("", "sha256-", "sha1-AAAA", "sha256-!!!!", None, 5, "sha256-" + "A" * 2000):
        assert parse_digest_sri(bad) is None
    for bad in ("", "u", "z", "m" + "A" * 46, "u" + "A" * 45, "z0OIl", "u!!", None):
        assert parse_digest_multibase(bad) is None


# -- never raises ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["2025-03-01T00:00:00Z", V2, V1, "did:example:1", "sha256-AAAA", "u"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "type", "@context", "issuer", "credentialSubject",
                             "validFrom", "validUntil", "issuanceDate", "relatedResource",
                             "digestSRI", "digestMultibase", "credentialStatus", "evidence",
                             "holder", "verifiableCredential", "name", "@value"])
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)  # fmt: skip


def _shape_ok(problems: object) -> bool:
    return isinstance(problems, list) and all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
        for p in problems
    )


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.sampled_from(["credential", "presentation"]))
def test_never_raises_on_any_json(doc: Any, kind: Any) -> None:
    assert _shape_ok(check_data_model(doc, kind=kind))
    assert _shape_ok(check_related_resources(doc, lambda url: None))


@st.composite
def valid_ish(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with a few properties replaced by random JSON."""
    doc = copy.deepcopy(draw(st.sampled_from([CREDENTIAL, CREDENTIAL_V1, PRESENTATION])))
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(sorted(doc)))
        doc[key] = draw(json_values)
    return doc


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_ish(), st.binary(max_size=8) | st.none())
def test_never_raises_on_valid_ish_documents(doc: dict[str, Any], data: bytes | None) -> None:
    for kind in ("credential", "presentation"):
        assert _shape_ok(check_data_model(doc, kind=kind))  # type: ignore[arg-type]
    assert _shape_ok(check_related_resources(doc, lambda url: data))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid_ish() | json_values.filter(lambda value: isinstance(value, dict)),
    st.sampled_from([(), ("verifiableCredential",)]),
)
def test_quick_id_pass_agrees_with_the_walk(doc: dict[str, Any], skip: tuple[str, ...]) -> None:
    """The path-free pass that spares valid documents the walk decides exactly as the walk."""
    problems: list[tuple[str, str]] = []
    _check_ids(doc, problems, skip=skip)
    assert _walk_ids(doc, skip)[0] == (not problems)


def _context_below_root(value: Any, root: bool = True) -> bool:
    """Whether an object below the root has an @context (what is inside one not searched)."""
    if isinstance(value, dict):
        if not root and "@context" in value:
            return True
        return any(_context_below_root(v, False) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return any(_context_below_root(v, False) for v in value)
    return False


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid_ish() | json_values.filter(lambda value: isinstance(value, dict)),
    st.sampled_from(["credential", "presentation"]),
)
def test_the_reading_never_misses_a_context_below_the_root(doc: dict[str, Any], kind: Any) -> None:
    """A verifier checks the root's @context alone only when no object below has one."""
    reading = read_data_model(doc, kind=kind)
    assert reading.problems == check_data_model(doc, kind=kind)
    if _context_below_root(doc):
        assert reading.nested_contexts
    elif kind == "credential" and not reading.problems:
        assert not reading.nested_contexts  # the second walk is spared


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    deep: Any = {"id": "not a url"}
    for _ in range(100_000):
        deep = [{"x": deep}]
    doc = changed(CREDENTIAL, ("credentialSubject", "deep"), deep)
    [(path, message)] = check_data_model(doc)
    assert path == "credentialSubject.deep" + "[0].x" * 100_000 + ".id"
    assert "URL" in message


# -- interop with @digitalbazaar/vc's own checks (JavaScript) ------------------------------

DATES = [
    "2025-03-01T00:00:00Z", "2025-03-01T00:00:00", "2025-03-01T00:00:00+01:00",
    "x2025-03-01T00:00:00+01:00junk", "2025-03-01 00:00:00Z", "2025-03-01T24:00:00x0Z",
    "2025-02-30T00:00:00Z", "2025-3-01T00:00:00Z", "-0001-01-01T00:00:00-14:00",
    "2025-03-01T00:00:00.123456789+14:00", "2025-03-01t00:00:00z", "",
]  # fmt: skip


@pytest.mark.node
def test_digitalbazaar_regex_and_urls_agree_with_javascript() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = r"""
const dateRegex = new RegExp(
  '-?([1-9][0-9]{3,}|0[0-9]{3})' +
  '-(0[1-9]|1[0-2])' +
  '-(0[1-9]|[12][0-9]|3[01])' +
  'T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))' +
  '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const isUrl = u => { try { new URL(u); return true; } catch { return false; } };
console.log(JSON.stringify({dates: input.dates.map(d => dateRegex.test(d)),
                            urls: input.urls.map(isUrl)}));
"""  # copied from @digitalbazaar/vc lib/helpers.js (7.x) and its _validateUriId
    payload = json.dumps({"dates": DATES, "urls": URLS})
    result = subprocess.run(
        [node, "-e", script], input=payload, capture_output=True, text=True, check=True, timeout=60
    )
    answer = json.loads(result.stdout)
    assert answer["dates"] == [bool(DIGITALBAZAAR_DATE_RE.search(d)) for d in DATES]
    assert all(answer["urls"]), "every URL vcportable accepts must parse with WHATWG URL"
