"""What a credential says was certified, as a verdict shows it to an employer.

Read from an Open Badges 3.0 ``credentialSubject``: the achievement (name, description, type,
criteria), the level achieved, its alignments to frameworks such as ESCO and EQF, and the
evidence. Only what the credential states, as strings: a field it does not carry is left out,
never filled in; a value of the wrong shape is ignored rather than guessed at.

A text the credential gives in several languages (VC 2.0 language value objects) is kept in
English, else in the language whose tag comes first (their order is not signed), and every
language is kept in the record's ``languages``; :func:`in_language` shows a report in the
reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from ..i18n import language_texts, pick_text

if TYPE_CHECKING:
    from .report import VerificationReport

#: Each text a credential gives in several languages: field name -> {language tag: text}.
Languages = dict[str, dict[str, str]]


@dataclass(frozen=True, kw_only=True)
class AlignmentFact:
    """An ``Alignment``: e.g. framework ``ESCO``, code ``7115.1``, name ``carpenter``."""

    framework: str | None = None
    code: str | None = None
    name: str | None = None
    url: str | None = None


@dataclass(frozen=True, kw_only=True)
class AchievementFact:
    """The ``achievement`` of the subject, and the ``level`` it was achieved at (the name of
    the rubric level its ``result`` points to, or the level's id)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    achievement_type: str | None = None
    criteria: str | None = None
    level: str | None = None
    alignments: list[AlignmentFact] | None = None
    languages: Languages | None = None


@dataclass(frozen=True, kw_only=True)
class EvidenceFact:
    """One ``evidence`` item: what the assessment was based on."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    languages: Languages | None = None


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether a JSON value is an object. A dict, a string, an array or None (what an absent
    property reads as) is told at once; anything else goes through the Mapping ABC's check,
    ten times slower, which every verification would otherwise pay a dozen times."""
    if isinstance(value, dict):
        return True
    if value is None or isinstance(value, (str, list)):
        return False
    return isinstance(value, Mapping)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def stated_texts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a fact record from texts as signed (field -> value): each text as a
    string in English or the first tag's language, plus ``languages`` for those given in
    several; a field without text is left out."""
    found: dict[str, Any] = {}
    languages: Languages = {}
    for field, value in values.items():
        if isinstance(value, str):  # one text in no language: nothing to pick among
            if value:
                found[field] = value
            continue
        texts = language_texts(value)
        if texts:
            found[field] = pick_text(texts, None)
            if len(texts) > 1:
                languages[field] = texts
    if languages:
        found["languages"] = languages
    return found


_Record = TypeVar("_Record", "VerificationReport", AchievementFact, EvidenceFact)


def _picked(record: _Record, lang: str | None) -> _Record:
    if not record.languages:
        return record
    texts: dict[str, Any] = {f: pick_text(given, lang) for f, given in record.languages.items()}
    return replace(record, **texts)


def in_language(report: VerificationReport, lang: str | None) -> VerificationReport:
    """``report`` with every text its credential (or an enclosed one) gives in several
    languages shown in ``lang``: the exact tag, its primary language (``pt-BR`` -> ``pt``),
    English, then the first tag. Texts in one form only stay as they are."""
    evidence = [_picked(e, lang) for e in report.evidence] if report.evidence else None
    return replace(
        _picked(report, lang),
        achievement=_picked(report.achievement, lang) if report.achievement else None,
        evidence=evidence,
        credentials=[in_language(sub, lang) for sub in report.credentials],
    )


def _items(value: Any) -> list[Mapping[str, Any]]:
    """An object or an array of objects (VC 2.0 allows both), as a list of the objects."""
    if isinstance(value, list):
        return [v for v in value if is_object(v)]
    return [value] if is_object(value) else []


def single_subject(credential: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The credential's one subject; None when there is none or several (no guessing which)."""
    subjects = _items(credential.get("credentialSubject"))
    return subjects[0] if len(subjects) == 1 else None


def achievement_of(subject: Mapping[str, Any]) -> AchievementFact | None:
    achievement = subject.get("achievement")
    if not is_object(achievement):
        return None
    criteria = achievement.get("criteria")
    alignments = [
        AlignmentFact(
            framework=_text(a.get("targetFramework")),
            code=_text(a.get("targetCode")),
            name=_text(a.get("targetName")),
            url=_text(a.get("targetUrl")),
        )
        for a in _items(achievement.get("alignment"))
    ]
    texts = {
        "name": achievement.get("name"),
        "description": achievement.get("description"),
        "criteria": criteria.get("narrative") if is_object(criteria) else None,
    }
    return AchievementFact(
        id=_text(achievement.get("id")),
        achievement_type=_text(achievement.get("achievementType")),
        level=_level(subject, achievement),
        alignments=[a for a in alignments if a != AlignmentFact()] or None,
        **stated_texts(texts),
    )


def _level(subject: Mapping[str, Any], achievement: Mapping[str, Any]) -> str | None:
    """OB 3.0: a ``result`` names its ``achievedLevel`` by the id of a ``rubricCriterionLevel``
    of the achievement's ``resultDescription``; show that level's name when it is there."""
    for result in _items(subject.get("result")):
        achieved = _text(result.get("achievedLevel"))
        if achieved:  # the rubric is read only for a credential that names a level
            names = {
                level.get("id"): _text(level.get("name"))
                for description in _items(achievement.get("resultDescription"))
                for level in _items(description.get("rubricCriterionLevel"))
            }
            return names.get(achieved) or achieved
    return None


def evidence_of(credential: Mapping[str, Any]) -> list[EvidenceFact] | None:
    found = [
        EvidenceFact(
            id=_text(item.get("id")),
            **stated_texts({key: item.get(key) for key in ("name", "description", "narrative")}),
        )
        for item in _items(credential.get("evidence"))
    ]
    return [e for e in found if e != EvidenceFact()] or None
