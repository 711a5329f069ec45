"""The trust check on the fixture region: every combination of issuer, scope, municipality and
agreement dates, then the whole pipeline (issuer binding through the list) and the verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fixtures.trust_region import (
    CARE_ASSISTANT,
    CARPENTER,
    HILLSIDE_ACADEMY,
    HILLSIDE_FRAUD,
    ISSUER_KEYS,
    MASTER_CARPENTER,
    NOW,
    NURSE,
    RIVERSIDE_BUILD,
    SITE_MANAGER,
    VALMONT_HEALTH,
    credential,
    issue,
    region,
)
from vcportable.checks import SignedView, Signer
from vcportable.checks import trust as trust_check
from vcportable.checks.trust import TrustCheck
from vcportable.clock import FixedClock
from vcportable.dids import OfflineResolver, did_key_document
from vcportable.errors import ConfigurationError
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import Check, CheckStatus, Code, VerificationReport
from vcportable.trust.model import parse_trust_list
from vcportable.trust.resolver import TrustListResolver
from vcportable.trust.verdict import VerdictLevel, verdict
from vcportable.verifier import Verifier

TRUST_LIST = parse_trust_list(region())
OK = "ok"
SKIP = "skip"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def run(
    unsigned: dict[str, Any],
    municipality: str,
    *,
    now: datetime = NOW,
    key: KeyPair | None = None,
    lang: str = "en",
) -> dict[str, Check]:
    checks = TrustCheck(TRUST_LIST, municipality=municipality, lang=lang).check(
        signed_view(unsigned, now, key)
    )
    return {c.id: c for c in checks}


def signed_view(unsigned: dict[str, Any], now: datetime, key: KeyPair | None = None) -> SignedView:
    issuer = unsigned["issuer"]["id"]
    signing_key = key or ISSUER_KEYS[issuer]
    signer = Signer(signing_key.key_id, issuer, signing_key.public_key)
    return SignedView(unsigned, "di", (signer,), now)


def outcome(check: Check) -> str:
    if check.status is CheckStatus.PASSED:
        return OK
    if check.status is CheckStatus.SKIPPED:
        return SKIP
    return check.code.value


UNTRUSTED = (Code.ISSUER_NOT_TRUSTED.value, SKIP, SKIP)
NOT_RECOGNISED = Code.NOT_RECOGNISED.value
NOT_ACCREDITED = Code.NOT_ACCREDITED.value

# (case, issuer, achievement, validFrom, verifying municipality, now) ->
#     (trusted_issuer, accreditation, recognition)
TABLE = [
    ("own municipality", RIVERSIDE_BUILD, CARPENTER, "2025-03-01", "riverside", NOW, (OK, OK, OK)),
    (
        "agreement without end",
        RIVERSIDE_BUILD,
        CARPENTER,
        "2025-03-01",
        "hillside",
        NOW,
        (OK, OK, OK),
    ),
    (
        "agreement with conditions",
        RIVERSIDE_BUILD,
        CARPENTER,
        "2025-03-01",
        "valmont",
        NOW,
        (OK, OK, Code.RECOGNISED_WITH_CONDITIONS.value),
    ),
    (
        "accredited, outside agreement codes",
        RIVERSIDE_BUILD,
        SITE_MANAGER,
        "2025-03-01",
        "hillside",
        NOW,
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "agreement caps the EQF level",
        RIVERSIDE_BUILD,
        SITE_MANAGER,
        "2025-03-01",
        "valmont",
        NOW,
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "above the accredited EQF level",
        RIVERSIDE_BUILD,
        MASTER_CARPENTER,
        "2025-03-01",
        "riverside",
        NOW,
        (OK, NOT_ACCREDITED, OK),
    ),
    (
        "listed for another scope",
        RIVERSIDE_BUILD,
        NURSE,
        "2025-03-01",
        "riverside",
        NOW,
        (OK, NOT_ACCREDITED, OK),
    ),
    ("healthcare at home", VALMONT_HEALTH, NURSE, "2025-03-01", "valmont", NOW, (OK, OK, OK)),
    (
        "agreement not yet in force",
        VALMONT_HEALTH,
        NURSE,
        "2025-03-01",
        "riverside",
        NOW,
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "agreement in force",
        VALMONT_HEALTH,
        NURSE,
        "2025-03-01",
        "riverside",
        _at("2026-07-01T00:00:00"),
        (OK, OK, OK),
    ),
    (
        "agreement names other codes",
        VALMONT_HEALTH,
        CARE_ASSISTANT,
        "2025-03-01",
        "riverside",
        _at("2026-07-01T00:00:00"),
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "no agreement at all",
        VALMONT_HEALTH,
        NURSE,
        "2025-03-01",
        "hillside",
        NOW,
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "issued before a withdrawal",
        HILLSIDE_ACADEMY,
        CARPENTER,
        "2025-03-01",
        "hillside",
        NOW,
        (OK, OK, OK),
    ),
    (
        "issued after the withdrawal",
        HILLSIDE_ACADEMY,
        CARPENTER,
        "2025-07-01",
        "hillside",
        NOW,
        UNTRUSTED,
    ),
    (
        "issued before listing",
        HILLSIDE_ACADEMY,
        CARPENTER,
        "2019-06-01",
        "hillside",
        NOW,
        UNTRUSTED,
    ),
    (
        "agreement ended",
        HILLSIDE_ACADEMY,
        CARPENTER,
        "2025-03-01",
        "riverside",
        NOW,
        (OK, OK, NOT_RECOGNISED),
    ),
    (
        "agreement in force back then",
        HILLSIDE_ACADEMY,
        CARPENTER,
        "2025-03-01",
        "riverside",
        _at("2025-06-15T00:00:00"),
        (OK, OK, OK),
    ),
    (
        "withdrawn issuer, other scope",
        HILLSIDE_ACADEMY,
        SITE_MANAGER,
        "2025-03-01",
        "hillside",
        NOW,
        (OK, NOT_ACCREDITED, OK),
    ),
    ("retroactive withdrawal", HILLSIDE_FRAUD, CARPENTER, "2024-01-01", "hillside", NOW, UNTRUSTED),
]


@pytest.mark.parametrize(
    "issuer, achievement, valid_from, municipality, now, expected",
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_issuer_scope_municipality_and_dates(
    issuer: str,
    achievement: str,
    valid_from: str,
    municipality: str,
    now: datetime,
    expected: tuple[str, str, str],
) -> None:
    unsigned = credential(issuer, achievement, valid_from=f"{valid_from}T00:00:00Z")
    checks = run(unsigned, municipality, now=now)
    got = tuple(outcome(checks[i]) for i in ("trusted_issuer", "accreditation", "recognition"))
    assert got == expected, [checks[i].message for i in checks]


@pytest.mark.parametrize("bound", [None, 1])
def test_a_check_kept_across_verifications_answers_as_a_fresh_one(
    bound: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check keeps what does not depend on the time (per issuer and achievements, and the
    wording per day of issuance): over the whole table, in both orders, each kept instance
    says word for word what a fresh one says, also when its memory is full at every step."""
    if bound is not None:
        monkeypatch.setattr(trust_check, "MAX_JUDGEMENTS", bound)
        monkeypatch.setattr(trust_check, "MAX_DAYS", bound)
    kept = {row[4]: TrustCheck(TRUST_LIST, municipality=row[4]) for row in TABLE}
    for _, issuer, achievement, valid_from, municipality, now, _ in [*TABLE, *TABLE[::-1]]:
        view = signed_view(
            credential(issuer, achievement, valid_from=f"{valid_from}T00:00:00Z"), now
        )
        fresh = TrustCheck(TRUST_LIST, municipality=municipality).check(view)
        assert kept[municipality].check(view) == fresh


def _framework(unsigned: dict[str, Any], name: str) -> dict[str, Any]:
    unsigned["credentialSubject"]["achievement"]["alignment"][1]["targetFramework"] = name
    return unsigned


def _padded(unsigned: dict[str, Any]) -> dict[str, Any]:
    """Its EQF alignment moved behind 64 others (MAX_ALIGNMENTS are read)."""
    alignment = unsigned["credentialSubject"]["achievement"]["alignment"]
    filler = {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://example.org/x"}
    alignment[1:1] = [filler] * 64
    return unsigned


def _aligned(achievement_id: str, code: str, level: str | int | None) -> dict[str, Any]:
    unsigned = credential(RIVERSIDE_BUILD, achievement_id)
    alignment = unsigned["credentialSubject"]["achievement"]["alignment"]
    alignment[0]["targetCode"] = code
    if level is None:
        del alignment[1]
    else:
        alignment[1]["targetCode"] = level
    return unsigned


@pytest.mark.parametrize(
    "unsigned, expected",
    [
        (_aligned("urn:x:joiner", "7115.3", "3"), OK),  # not catalogued: stated codes count
        (_aligned("urn:x:joiner", "7115.3", None), NOT_ACCREDITED),  # level unknown, cap is 5
        (_aligned(CARPENTER, "2221.1", "4"), OK),  # catalogued: the catalogue's codes count
        (_aligned(NURSE, "7115.1", "4"), NOT_ACCREDITED),  # a nurse re-labelled as carpenter
        (_aligned(CARPENTER, "7115.1", "7"), NOT_ACCREDITED),  # the higher stated level counts
        (_padded(_aligned(CARPENTER, "7115.1", "7")), NOT_ACCREDITED),  # level 7 as the 65th
        (_aligned(CARPENTER, "7115.1", 7), NOT_ACCREDITED),  # a level the reader cannot read
        (_aligned(CARPENTER, "7115.1", "seven"), NOT_ACCREDITED),
        (_framework(_aligned(CARPENTER, "7115.1", "7"), "EQF "), NOT_ACCREDITED),
        (
            _framework(_aligned(CARPENTER, "7115.1", "7"), "European Qualifications Framework"),
            NOT_ACCREDITED,
        ),
        (_framework(_aligned(CARPENTER, "2221.1", "4"), "eqf"), OK),  # read as EQF:4
    ],
    ids=[
        "uncatalogued",
        "no level",
        "catalogue wins",
        "relabelled",
        "higher level",
        "level past the alignments read",
        "level as a number",
        "level that is no level",
        "framework with a space",
        "framework spelt out",
        "framework in lower case",
    ],
)
def test_alignment_rules(unsigned: dict[str, Any], expected: str) -> None:
    assert outcome(run(unsigned, "riverside")["accreditation"]) == expected


@pytest.mark.parametrize(
    "respelled", [NURSE.replace("urn:", "URN:"), NURSE.replace("urn:vcp", "urn:VCP"), NURSE + "#"]
)
def test_a_catalogued_id_cannot_be_respelled_past_the_catalogue(respelled: str) -> None:
    """The same URN spelled otherwise is still the catalogued nurse, not an uncatalogued
    achievement judged by the alignments its issuer wrote."""
    assert outcome(run(_aligned(respelled, "7115.1", "4"), "riverside")["accreditation"]) == (
        NOT_ACCREDITED
    )


def test_every_subject_counts_for_accreditation() -> None:
    """A nurse hidden behind covered subjects, or an achievement that is not an object, is
    never waved through."""
    unsigned = credential(RIVERSIDE_BUILD, CARPENTER)
    carpenter = unsigned["credentialSubject"]
    nurse = credential(RIVERSIDE_BUILD, NURSE)["credentialSubject"]
    unsigned["credentialSubject"] = [carpenter] * 8 + [{"id": "did:example:x"}, nurse]
    assert outcome(run(unsigned, "riverside")["accreditation"]) == NOT_ACCREDITED
    unsigned["credentialSubject"] = [carpenter, {**nurse, "achievement": [nurse["achievement"]]}]
    assert outcome(run(unsigned, "riverside")["accreditation"]) == NOT_ACCREDITED
    unsigned["credentialSubject"] = [carpenter, carpenter]
    assert outcome(run(unsigned, "riverside")["accreditation"]) == OK


def test_no_achievement_is_not_accredited() -> None:
    unsigned = credential(RIVERSIDE_BUILD, CARPENTER)
    del unsigned["credentialSubject"]["achievement"]
    assert outcome(run(unsigned, "riverside")["accreditation"]) == NOT_ACCREDITED


def test_unlisted_issuer_and_unlisted_key() -> None:
    stranger = KeyPair.generate()
    unlisted = credential(stranger.controller, CARPENTER)
    check = run(unlisted, "riverside", key=stranger)["trusted_issuer"]
    assert check.code is Code.ISSUER_NOT_TRUSTED and "not on the trust list" in check.message
    forged = run(credential(RIVERSIDE_BUILD, CARPENTER), "riverside", key=stranger)
    assert forged["trusted_issuer"].code is Code.ISSUER_NOT_TRUSTED
    assert "does not list" in forged["trusted_issuer"].message


def test_unknown_municipality_is_refused_when_configuring() -> None:
    with pytest.raises(ConfigurationError, match="'atlantis' is not on the trust list"):
        TrustCheck(TRUST_LIST, municipality="atlantis")


@pytest.mark.parametrize(
    "now, status",
    [
        (NOW, CheckStatus.PASSED),
        (_at("2026-02-03T00:00:00"), CheckStatus.WARNING),
        (_at("2026-02-09T00:00:00"), CheckStatus.FAILED),
        (_at("2025-12-01T00:00:00"), CheckStatus.FAILED),
    ],
    ids=["fresh", "grace", "stale", "dated ahead"],
)
def test_trust_list_freshness_check(now: datetime, status: CheckStatus) -> None:
    check = run(credential(RIVERSIDE_BUILD, CARPENTER), "riverside", now=now)["trust_list"]
    assert check.status is status
    if status is not CheckStatus.PASSED:
        assert check.code is Code.TRUST_LIST_STALE


def test_messages_in_the_employers_language() -> None:
    checks = run(credential(RIVERSIDE_BUILD, CARPENTER), "valmont", lang="fr")
    message = checks["recognition"].message
    assert "Charpentier niveau 2" in message
    assert "le travailleur suit le module local de sécurité de Valmont" in message


# -- the whole pipeline: issuer binding through the list ------------------------------------------


def verifier(municipality: str | None = "riverside", **fallback: Any) -> Verifier:
    checks = [TrustCheck(TRUST_LIST, municipality=municipality)] if municipality else []
    return Verifier(
        resolver=TrustListResolver(TRUST_LIST, fallback=OfflineResolver(**fallback)),
        clock=FixedClock(NOW),
        checks=checks,
    )


def test_listed_issuers_bind_offline_for_urls_and_did_web() -> None:
    for issuer in (RIVERSIDE_BUILD, VALMONT_HEALTH):
        achievement = CARPENTER if issuer == RIVERSIDE_BUILD else NURSE
        signed = issue(credential(issuer, achievement), ISSUER_KEYS[issuer])
        report = verifier(TRUST_LIST.issuer(issuer).municipality).verify(signed)  # type: ignore[union-attr]
        assert report.verified, report.failures
        assert verdict(report).level is VerdictLevel.ACCEPTED


def test_jwt_of_a_listed_https_issuer_binds_through_the_list() -> None:
    from vcportable.issuer import Issuer

    key = ISSUER_KEYS[RIVERSIDE_BUILD]
    token = Issuer(key, clock=FixedClock(NOW)).issue_jwt(credential(RIVERSIDE_BUILD, CARPENTER))
    report = verifier().verify(token)
    assert report.verified, report.failures
    assert verdict(report).level is VerdictLevel.ACCEPTED


def test_a_key_not_listed_fails_binding_even_if_a_did_document_allows_it() -> None:
    intruder = KeyPair.generate(KeyType.P256).with_identity(
        VALMONT_HEALTH, VALMONT_HEALTH + "#key-2"
    )
    document = did_key_document(intruder.public_key)
    document = {
        **document,
        "id": VALMONT_HEALTH,
        "verificationMethod": [
            {
                **document["verificationMethod"][0],
                "id": intruder.key_id,
                "controller": VALMONT_HEALTH,
            }
        ],
        "assertionMethod": [intruder.key_id],
    }
    signed = issue(credential(VALMONT_HEALTH, NURSE), intruder)
    report = verifier("valmont", did_web_documents={VALMONT_HEALTH: document}).verify(signed)
    assert not report.verified
    assert verdict(report).level is VerdictLevel.REJECTED


def test_self_issued_under_a_listed_name() -> None:
    fresh = KeyPair.generate()
    # The body's URL as issuer, signed with a fresh did:key: issuer binding fails.
    posing = issue(
        credential(RIVERSIDE_BUILD, CARPENTER), fresh.with_identity(RIVERSIDE_BUILD, fresh.key_id)
    )
    report = verifier().verify(posing)
    assert Code.ISSUER_KEY_MISMATCH in report.codes()
    assert verdict(report).level is VerdictLevel.REJECTED
    # A fresh key under the body's URL: the list does not name it, so it binds to nothing.
    named = fresh.with_identity(RIVERSIDE_BUILD, RIVERSIDE_BUILD + "#key-2")
    report = verifier().verify(issue(credential(RIVERSIDE_BUILD, CARPENTER), named))
    assert not report.verified and "key-2" in report.failures[0].message
    # Its own DID with the body's name: genuine, but not trusted.
    own = issue(credential(fresh.controller, CARPENTER), fresh)
    report = verifier().verify(own)
    assert Code.ISSUER_NOT_TRUSTED in report.codes()
    assert verdict(report).level is VerdictLevel.REJECTED
    untrusted = verifier(None).verify(own)
    assert untrusted.verified
    result = verdict(untrusted)
    assert result.level is VerdictLevel.GENUINE_UNTRUSTED
    assert "not checked against a trust list" in result.reason


# -- verdict --------------------------------------------------------------------------------------


def _report(*checks: Check) -> VerificationReport:
    return VerificationReport.from_checks("credential", list(checks))


def test_verdict_levels() -> None:
    genuine = Check.passed("proof", "signature is valid")
    trusted = Check.passed("trusted_issuer", "listed")
    recognised = Check.passed("recognition", "issued here")
    assert verdict(_report(genuine, trusted, recognised)).level is VerdictLevel.ACCEPTED
    stale = Check.warning("trust_list", Code.TRUST_LIST_STALE, "due for an update")
    assert verdict(_report(genuine, stale, trusted)).level is VerdictLevel.ACCEPTED_WITH_WARNINGS
    refused = Check.failed("recognition", Code.NOT_RECOGNISED, "not here")
    result = verdict(_report(genuine, trusted, refused))
    assert (result.level, result.reason) == (VerdictLevel.REJECTED, "not here")
    forged = Check.failed("proof", Code.SIGNATURE_INVALID, "altered")
    assert verdict(_report(forged, refused)).reason == "altered"  # not genuine comes first
    assert verdict(_report(genuine)).level is VerdictLevel.GENUINE_UNTRUSTED
    spanish = verdict(_report(genuine), lang="es-ES").reason
    assert spanish != verdict(_report(genuine)).reason


def test_verdict_of_a_presentation_is_its_worst_credential() -> None:
    good = _report(Check.passed("trusted_issuer", "listed"))
    bad = _report(Check.failed("recognition", Code.NOT_RECOGNISED, "not here"))
    presentation = VerificationReport.from_checks(
        "presentation", [Check.passed("proof", "ok")], credentials=[good, bad]
    )
    assert verdict(presentation).level is VerdictLevel.REJECTED
    empty = VerificationReport.from_checks("presentation", [Check.passed("proof", "ok")])
    assert verdict(empty).level is VerdictLevel.REJECTED
    # A warning on the presentation itself (a holder allowed to present another's credential)
    # is not lost behind a fully trusted credential.
    bearer = Check.warning("holder_binding", Code.HOLDER_NOT_SUBJECT, "not the subject")
    warned = VerificationReport.from_checks(
        "presentation", [Check.passed("proof", "ok"), bearer], credentials=[good]
    )
    assert verdict(warned).level is VerdictLevel.ACCEPTED_WITH_WARNINGS
    assert "not the subject" in verdict(warned).reason
