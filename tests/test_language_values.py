"""Credentials whose names and descriptions come in several languages (VC 2.0 section 11.1):
issued on every format, refused when malformed, and shown in the employer's language."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import require_harness, unsigned_sample
from fixtures.trust_region import (
    ISSUER_KEYS,
    NOW,
    RIVERSIDE_BUILD,
    credential,
    issue,
    region,
)
from vcportable.card import CardText, lines
from vcportable.checks.trust import TrustCheck
from vcportable.cli import cli
from vcportable.clock import FixedClock
from vcportable.dids import OfflineResolver
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.models.credential import validate_profile
from vcportable.models.facts import in_language
from vcportable.trust.model import parse_trust_list
from vcportable.trust.resolver import TrustListResolver
from vcportable.trust.verdict import VerdictLevel, verdict
from vcportable.verifier import Verifier


def text(value: str, language: str, **rest: str) -> dict[str, str]:
    return {"@value": value, "@language": language, **rest}


NAMES = [
    text("Carpenter", "en"),
    text("Carpintero", "es"),
    text("Charpentier", "fr"),
    text("Zimmerer", "de"),
    text("Carpinteiro", "pt-BR"),  # BCP 47 case, as people write it
    text("نجار", "ar-EG", **{"@direction": "rtl"}),  # takes the full canonicalization path
]
FRENCH_ONLY = text("Construit et pose des charpentes.", "fr")
CRITERIA = [text("Passed the examination.", "en"), text("Prüfung bestanden.", "de")]
TITLE = [text("Vocational credential", "en"), text("Berufsnachweis", "de")]


def multilingual(unsigned: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(unsigned)
    achievement = doc["credentialSubject"]["achievement"]
    achievement.update(name=NAMES, description=FRENCH_ONLY, criteria={"narrative": CRITERIA})
    doc["name"] = TITLE
    doc["issuer"]["name"] = [text("Riverside Board", "en"), text("Junta de Ribera", "es")]
    return doc


# -- the profile: each form accepted, each malformed form named ----------------------------------

ACH = "credentialSubject.achievement"


@pytest.mark.parametrize(
    "value",
    [
        "Carpenter",
        text("Carpenter", "en"),
        text("نجار", "ar", **{"@direction": "rtl"}),
        NAMES,
        [text("Colour", "en-gb"), text("Color", "en-us")],
        [text("Colour", "en-GB"), text("Color", "en-US")],
    ],
    ids=["string", "object", "direction", "array", "regions", "regions-as-written"],
)
def test_each_form_follows_the_profile(value: Any) -> None:
    doc = unsigned_sample()
    doc["issuer"]["id"] = "did:example:board"
    doc["credentialSubject"]["achievement"]["name"] = value
    assert validate_profile(doc) == []


MALFORMED: list[tuple[str, Any, str]] = [
    ("language-map", {"en": "Carpenter", "es": "Carpintero"}, "is a language map, which needs"),
    ("empty-object", {}, "a language value object needs @value and @language"),
    ("empty-entry", [{}], "entry 0: a language value object needs @value and @language"),
    ("no-language", {"@value": "Carpenter"}, "@language must be a language code such as 'en'"),
    ("bad-tag", text("Carpenter", "english"), "@language must be a language code"),
    ("extra-member", text("a", "en", **{"@type": "xsd:string"}), "only @value, @language and"),
    ("empty-value", text("", "en"), "@value must not be empty"),
    ("number-value", {"@value": 7, "@language": "en"}, "@value must be a string"),
    ("long-value", text("x" * 10_001, "en"), "@value must be at most 10000 characters"),
    ("direction", text("a", "en", **{"@direction": "auto"}), "@direction must be 'ltr' or 'rtl'"),
    ("empty-array", [], "must be an array of 1 to 32 language value objects"),
    ("too-many", [text("n", chr(97 + n // 26) + chr(97 + n % 26)) for n in range(33)], "1 to 32"),
    ("string-in-array", ["Carpenter"], "entry 0: must be a language value object"),
    ("same-language", [text("a", "en"), text("b", "en")], "entry 1: a second text in the lang"),
    ("same-language-case", [text("a", "pt-br"), text("b", "pt-BR")], "entry 1: a second text"),
    ("empty-string", "", "must not be empty"),
    ("number", 42, "must be a string, a language value object with @value and @language, or a"),
]


@pytest.mark.parametrize(
    ("value", "message"), [pytest.param(v, m, id=name) for name, v, m in MALFORMED]
)
def test_malformed_texts_are_refused_by_name(value: Any, message: str) -> None:
    doc = unsigned_sample()
    doc["issuer"]["id"] = "did:example:board"
    doc["credentialSubject"]["achievement"]["name"] = value
    problems = dict(validate_profile(doc))
    assert message in problems[f"{ACH}.name"], problems


def test_issue_refuses_a_malformed_text_naming_the_field(tmp_path: Path) -> None:
    key = tmp_path / "board.key"
    CliRunner().invoke(cli, ["key", "generate", "--out", str(key), "--no-passphrase"])
    doc = unsigned_sample()
    doc["credentialSubject"]["achievement"]["criteria"]["narrative"] = [text("a", "en")] * 2
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["issue", "--key", str(key), "--credential", str(source)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"{ACH}.criteria.narrative: entry 1: a second text in the language 'en'" in result.output


# -- every format signs them and verifies them -----------------------------------------------------


def _secured(fmt: str) -> str | dict[str, Any]:
    unsigned = multilingual(unsigned_sample())
    if fmt == "ecdsa-rdfc-2019":
        return Issuer(KeyPair.generate(KeyType.P256), cryptosuite=fmt).issue(unsigned)
    issuer = Issuer(KeyPair.generate())
    if fmt == "vc+jwt":
        return issuer.issue_jwt(unsigned)
    if fmt == "vc+sd-jwt":
        return issuer.issue_sd_jwt(unsigned, disclosable=["credentialSubject.achievement"])
    return issuer.issue(unsigned)


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "vc+jwt", "vc+sd-jwt"])
def test_every_format_issues_and_verifies_them(fmt: str) -> None:
    report = Verifier().verify(_secured(fmt))
    assert report.verified, report.failures
    assert report.achievement is not None
    assert (report.name, report.achievement.name) == ("Vocational credential", "Carpenter")
    assert report.achievement.description == "Construit et pose des charpentes."
    german = in_language(report, "de")
    assert (german.name, german.issuer_name) == ("Berufsnachweis", "Riverside Board")
    assert german.achievement is not None
    assert (german.achievement.name, german.achievement.criteria) == (
        "Zimmerer",
        "Prüfung bestanden.",
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda a: a["name"][3].update({"@language": "fr"}),
        lambda a: a["name"][0].update({"@direction": "rtl"}),
        lambda a: a["description"].update({"@language": "fr-CA"}),
    ],
    ids=["language", "direction", "description-language"],
)
def test_the_signature_covers_language_and_direction(edit: Any) -> None:
    signed = _secured("eddsa-rdfc-2022")
    assert isinstance(signed, dict)
    edit(signed["credentialSubject"]["achievement"])
    assert not Verifier().verify(signed).verified


def test_the_order_of_the_languages_is_not_signed() -> None:
    """JSON-LD: the values of a property are a set, so reordering them keeps the proof."""
    signed = _secured("eddsa-rdfc-2022")
    assert isinstance(signed, dict)
    signed["credentialSubject"]["achievement"]["name"].reverse()
    assert Verifier().verify(signed).verified


# -- shown in the employer's language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", "Zimmerer"),
        ("de-AT", "Zimmerer"),  # its primary language
        ("pt-BR", "Carpinteiro"),
        ("pt", "Carpinteiro"),  # a regional text serves its primary language
        ("it", "Carpenter"),  # then English
        (None, "Carpenter"),
    ],
)
def test_the_fallback_order(lang: str | None, expected: str) -> None:
    report = Verifier().verify(_secured("eddsa-rdfc-2022"))
    shown = in_language(report, lang)
    assert shown.achievement is not None and shown.achievement.name == expected
    assert shown.achievement.description == "Construit et pose des charpentes."  # one form only


def test_without_english_the_text_shown_is_what_was_signed_not_its_order() -> None:
    """The order of the values is not signed: reordering them changes neither the text shown
    nor the languages reported."""
    doc = multilingual(unsigned_sample())
    doc["credentialSubject"]["achievement"]["name"] = NAMES[2:4]
    signed = Issuer(KeyPair.generate()).issue(doc)
    report = Verifier().verify(signed)
    assert report.achievement is not None and report.achievement.name == "Zimmerer"  # de < fr
    assert report.achievement.languages is not None
    assert list(report.achievement.languages["name"]) == ["de", "fr"]
    shown = in_language(report, "es").achievement
    assert shown is not None and shown.name == "Zimmerer"
    signed["credentialSubject"]["achievement"]["name"].reverse()
    relayed = Verifier().verify(signed)
    assert relayed.verified, relayed.failures
    assert relayed.achievement == report.achievement
    assert in_language(relayed, "es").achievement == shown


@pytest.mark.parametrize(
    ("lang", "name"),
    [("en", "Carpenter"), ("de", "Zimmerer"), ("fr", "Charpentier"), ("es", "Carpintero")],
)
def test_the_verdict_names_the_achievement_in_the_employers_language(lang: str, name: str) -> None:
    """An achievement the catalogue does not name: the verdict takes the credential's name."""
    unsigned = multilingual(credential(RIVERSIDE_BUILD, "urn:vcp:construction:formwork"))
    unsigned["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = "7115.1"
    signed = issue(unsigned, ISSUER_KEYS[RIVERSIDE_BUILD])
    trust_list = parse_trust_list(region())
    report = Verifier(
        resolver=TrustListResolver(trust_list, fallback=OfflineResolver()),
        checks=[TrustCheck(trust_list, municipality="valmont", lang=lang)],
        clock=FixedClock(NOW),
    ).verify(signed)
    result = verdict(in_language(report, lang), lang)
    assert result.level is not VerdictLevel.REJECTED, result
    assert name in result.reason, result
    shown = in_language(report, lang).achievement
    assert shown is not None and shown.name == name


def test_verify_cli_shows_the_texts_in_the_language_asked(tmp_path: Path) -> None:
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(_secured("eddsa-rdfc-2022")))
    shown = CliRunner().invoke(cli, ["verify", str(path), "--lang", "fr"])
    assert "Charpentier" in shown.output and "Carpenter" not in shown.output
    as_json = CliRunner().invoke(cli, ["verify", str(path), "--lang", "es", "--json"])
    report = json.loads(as_json.output)
    assert report["achievement"]["name"] == "Carpintero"
    assert report["achievement"]["languages"]["name"]["de"] == "Zimmerer"  # all of them kept


def test_card_and_wallet_show_pick_the_language(tmp_path: Path) -> None:
    report = Verifier().verify(_secured("eddsa-rdfc-2022"))
    card = dict(lines(CardText.from_report(in_language(report, "es")), "es"))
    assert card["Logro"] == "Carpintero" and card["Emitido por"] == "Junta de Ribera"

    env = {"VCPORTABLE_WALLET": str(tmp_path / "wallet")}
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(_secured("eddsa-rdfc-2022")))

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["wallet", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    run("add", str(path))
    (stored,) = run("list").split()[:1]
    assert "Zimmerer" in run("show", stored, "--lang", "de")
    out = tmp_path / "card.html"
    run("card", stored, "--out", str(out), "--lang", "fr")
    assert "<dd>Charpentier</dd>" in out.read_text(encoding="utf-8")


# -- interop ---------------------------------------------------------------------------------------


@pytest.mark.node
def test_digital_bazaar_verifies_them(tmp_path: Path) -> None:
    import subprocess

    harness = require_harness()
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(_secured("eddsa-rdfc-2022"), ensure_ascii=False))
    proc = subprocess.run(
        ["node", "verify.mjs", str(path)], cwd=harness, capture_output=True, text=True, timeout=120
    )
    assert json.loads(proc.stdout)["verified"] is True, proc.stdout + proc.stderr


@pytest.mark.parametrize(("tag", "verified"), [("KO", True), ("\u212ao", False)])
def test_a_tag_re_spelled_verifies_only_in_another_ascii_case(tag: str, verified: bool) -> None:
    """``KO`` is the signed ``ko`` in another case; the Kelvin sign lower-cases to ``k`` too,
    but ``\u212ao`` is another spelling that was never signed."""
    unsigned = multilingual(unsigned_sample())
    achievement = unsigned["credentialSubject"]["achievement"]
    achievement["name"] = [*achievement["name"], text("목수", "ko")]
    signed = Issuer(KeyPair.generate()).issue(unsigned)
    signed["credentialSubject"]["achievement"]["name"][-1]["@language"] = tag
    report = Verifier().verify(signed)
    assert report.verified is verified, report.failures
    if not verified:
        assert [c.code.value for c in report.failures] == ["NOT_COMPACTED"]
