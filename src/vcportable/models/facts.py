"""What a credential says was certified, as a verdict shows it to an employer.

Read from an Open Badges 3.0 ``credentialSubject``: the achievement (name, description, type,
criteria), the level achieved, its alignments to frameworks such as ESCO and EQF, and the
evidence. Only what the credential states, as strings: a field it does not carry is left out,
never filled in; a value of the wrong shape is ignored rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True, kw_only=True)
class EvidenceFact:
    """One ``evidence`` item: what the assessment was based on."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _items(value: Any) -> list[Mapping[str, Any]]:
    """An object or an array of objects (VC 2.0 allows both), as a list of the objects."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, Mapping)]


def single_subject(credential: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The credential's one subject; None when there is none or several (no guessing which)."""
    subjects = _items(credential.get("credentialSubject"))
    return subjects[0] if len(subjects) == 1 else None


def achievement_of(subject: Mapping[str, Any]) -> AchievementFact | None:
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
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
    return AchievementFact(
        id=_text(achievement.get("id")),
        name=_text(achievement.get("name")),
        description=_text(achievement.get("description")),
        achievement_type=_text(achievement.get("achievementType")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, Mapping) else None,
        level=_level(subject, achievement),
        alignments=[a for a in alignments if a != AlignmentFact()] or None,
    )


def _level(subject: Mapping[str, Any], achievement: Mapping[str, Any]) -> str | None:
    """OB 3.0: a ``result`` names its ``achievedLevel`` by the id of a ``rubricCriterionLevel``
    of the achievement's ``resultDescription``; show that level's name when it is there."""
    names = {
        level.get("id"): _text(level.get("name"))
        for description in _items(achievement.get("resultDescription"))
        for level in _items(description.get("rubricCriterionLevel"))
    }
    for result in _items(subject.get("result")):
        achieved = _text(result.get("achievedLevel"))
        if achieved:
            return names.get(achieved) or achieved
    return None


def evidence_of(credential: Mapping[str, Any]) -> list[EvidenceFact] | None:
    found = [
        EvidenceFact(
            id=_text(item.get("id")),
            name=_text(item.get("name")),
            description=_text(item.get("description")),
            narrative=_text(item.get("narrative")),
        )
        for item in _items(credential.get("evidence"))
    ]
    return [e for e in found if e != EvidenceFact()] or None
