"""Language access: the catalogues are complete and current, and names are picked well."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from vcportable.i18n import LANGUAGES, LOCALES, gettext_for, pick_text, pick_value

SRC = Path(__file__).resolve().parent.parent / "src" / "vcportable"
SOURCES = [
    SRC / "checks" / "trust.py",
    SRC / "cli" / "trust.py",
    SRC / "cli" / "profile.py",
    *sorted((SRC / "trust").glob("*.py")),
]


def _template_ids() -> set[str]:
    with open(LOCALES / "vcportable.pot", "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_template_holds_exactly_the_messages_of_the_sources() -> None:
    extracted = {
        message
        for path in SOURCES
        for _, message, _, _ in extract_from_file("python", str(path), keywords={"_": None})
    }
    assert extracted == _template_ids(), (
        "regenerate: pybabel extract --no-location --omit-header --sort-output -k _ "
        "-o src/vcportable/locales/vcportable.pot <the trust sources> (docs/recognition.md)"
    )


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    folder = LOCALES / lang / "LC_MESSAGES"
    with open(folder / "vcportable.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id}
    assert set(translated) == _template_ids()
    for msgid, msgstr in translated.items():
        assert msgstr, f"{lang}: {msgid!r} is not translated"
        assert _fields(msgstr) == _fields(msgid), f"{lang}: placeholders differ in {msgid!r}"
    with open(folder / "vcportable.mo", "rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == translated, (
        "recompile: pybabel compile -d src/vcportable/locales -D vcportable"
    )


def test_the_package_ships_the_catalogues() -> None:
    pyproject = (SRC.parent.parent / "pyproject.toml").read_text()
    assert re.search(r'"locales/\*/LC_MESSAGES/\*\.mo"', pyproject)
    assert all((LOCALES / lang / "LC_MESSAGES" / "vcportable.mo").is_file() for lang in LANGUAGES)


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("es", "la credencial no nombra ningún emisor"),
        ("es-MX", "la credencial no nombra ningún emisor"),
        ("fr_FR", "l’attestation ne nomme aucun émetteur"),
        ("DE", "der Nachweis nennt keinen Aussteller"),
        ("pt", "the credential names no issuer"),
        (None, "the credential names no issuer"),
        ("", "the credential names no issuer"),
    ],
)
def test_messages_fall_back_to_english(lang: str | None, expected: str) -> None:
    assert gettext_for(lang)("the credential names no issuer") == expected


NAMES = {"en": "Carpenter", "es": "Carpintero", "pt-BR": "Carpinteiro"}


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("es", "Carpintero"),
        ("es-ES", "Carpintero"),
        ("pt", "Carpinteiro"),
        ("pt-BR", "Carpinteiro"),
        ("de", "Carpenter"),
        (None, "Carpenter"),
    ],
)
def test_pick_text_prefers_exact_then_primary_then_english(lang: str | None, expected: str) -> None:
    assert pick_text(NAMES, lang) == expected


def test_pick_value_reads_language_value_objects() -> None:
    value = [
        {"@value": "Zimmerer", "@language": "de"},
        {"@value": "Carpenter", "@language": "en"},
    ]
    assert pick_value(value, "de-AT") == "Zimmerer"
    assert pick_value(value, "fr") == "Carpenter"
    assert pick_value({"@value": "Charpentier", "@language": "fr"}, "es") == "Charpentier"
    assert pick_value("plain", "es") == "plain"
    assert pick_value([1, {"@value": 2}], "en") is None
