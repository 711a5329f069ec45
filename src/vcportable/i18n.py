"""The employer's language: gettext catalogues for messages, and picking one text among several.

Messages are written in English in the source and translated by the catalogues in
``vcportable/locales/<lang>/LC_MESSAGES/vcportable.mo`` (English, Spanish, French, German;
extracted and compiled with babel, see docs/recognition.md). Any other language falls back to
English. Names that come in several languages (a trust list's ``{"en": ..., "es": ...}``, or a
credential's VC 2.0 language value objects) are picked with the same preference order: the
exact tag, its primary language, English, then the first one given.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "gettext_for",
    "language_texts",
    "normalize_language",
    "pick_text",
    "pick_value",
]

DOMAIN: Final = "vcportable"
LOCALES: Final = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE: Final = "en"
#: Languages with a message catalogue.
LANGUAGES: Final = ("en", "es", "fr", "de")
_MAX_VALUES: Final = 64


def normalize_language(lang: str | None) -> str:
    """``es_ES``, ``ES-es`` -> ``es-es``; None or blank -> ``en``."""
    if not lang or not lang.strip():
        return DEFAULT_LANGUAGE
    return lang.strip().replace("_", "-").lower()[:35]


@functools.lru_cache(maxsize=16)
def _translation(primary: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALES, languages=[primary], fallback=True)


def gettext_for(lang: str | None) -> Callable[[str], str]:
    """The ``gettext`` function of ``lang``'s catalogue (English when there is none)."""
    primary = normalize_language(lang).split("-")[0]
    return _translation(primary if primary in LANGUAGES else DEFAULT_LANGUAGE).gettext


def _preferences(lang: str | None) -> list[str]:
    tag = normalize_language(lang)
    return list(dict.fromkeys([tag, tag.split("-")[0], DEFAULT_LANGUAGE]))


def pick_text(texts: Mapping[str, str], lang: str | None) -> str:
    """One of ``texts`` (language tag -> text) in the preferred order; "" when empty."""
    if lang is not None and lang in texts:  # the common case, on every verification
        return texts[lang]
    by_tag = {normalize_language(tag): text for tag, text in texts.items()}
    for tag in _preferences(lang):
        if tag in by_tag:
            return by_tag[tag]
        primary = tag.split("-")[0]
        for other, text in by_tag.items():
            if other.split("-")[0] == primary:
                return text
    return next(iter(texts.values()), "")


def language_texts(value: Any) -> dict[str, str]:
    """A credential's text as signed (a string, a VC 2.0 language value object
    ``{"@value": ..., "@language": ...}``, or a list of such objects) as ``{tag: text}``; a
    text without a language has the tag ``""``. Empty texts and other shapes (a list of
    strings is several values, not one text) are left out.

    Only what Data Integrity signs decides what is shown: expansion lower-cases a tag, so the
    tags are in lower case, and the values of a property are a set whose order is not signed
    (anyone may reorder them), so the tags come in code point order, a second text in one
    language yields to the smaller one, and a list over the bound of values shows nothing
    rather than the part that happens to come first."""
    if isinstance(value, str):
        return {"": value} if value else {}
    if isinstance(value, list) and len(value) > _MAX_VALUES:
        return {}
    texts: dict[str, str] = {}
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, Mapping) and isinstance(item.get("@value"), str) and item["@value"]:
            tag = item.get("@language")
            key = tag.lower() if isinstance(tag, str) else ""
            if key not in texts or item["@value"] < texts[key]:
                texts[key] = item["@value"]
    return dict(sorted(texts.items()))


def pick_value(value: Any, lang: str | None) -> str | None:
    """A credential's text as signed (see :func:`language_texts`) in ``lang``, picked like
    every other text; None when there is no text."""
    texts = language_texts(value)
    return pick_text(texts, lang) if texts else None
