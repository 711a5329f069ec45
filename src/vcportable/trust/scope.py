"""Which achievements a credential certifies, and whether a scope covers them.

A credential's achievements are read from what was signed (Open Badges 3.0:
``credentialSubject.achievement``, with ``id``, ``achievementType`` and ``alignment``). When the
trust list's catalogue knows the achievement id, the catalogue's framework codes are the ones
compared: an issuer cannot widen what its achievement means by aligning it to another
framework code. Levels are compared conservatively: the higher of the credential's and the
catalogue's EQF level counts. The rules are written out in docs/trust-list.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from .model import CatalogueEntry, Scope, TrustIndex, catalogue_key, normalize_code

__all__ = ["Achievement", "achievements_of", "covers", "describe_scope"]

EQF = "EQF"
#: Achievements read from one credential (OB 3.0 has one per subject; a few subjects at most).
MAX_ACHIEVEMENTS = 8
MAX_ALIGNMENTS = 64


class Achievement(NamedTuple):
    """What a scope is matched against."""

    id: str | None
    types: frozenset[str]
    #: ``FRAMEWORK:code`` (framework in upper case).
    codes: frozenset[str]
    eqf_level: int | None
    #: The signed ``name`` as the credential states it (a string or language value objects).
    name: Any
    catalogued: bool

    def label(self) -> str:
        """Codes and level for messages: ``ESCO:7115.1, EQF 4``."""
        parts = sorted(c for c in self.codes if not c.startswith(EQF + ":"))
        if self.eqf_level is not None:
            parts.append(f"EQF {self.eqf_level}")
        return ", ".join(parts)


class _Matcher(NamedTuple):
    """A scope compiled for matching: exact values in sets, prefixes in tuples (one
    ``str.startswith`` call tries them all)."""

    ids: frozenset[str]
    id_prefixes: tuple[str, ...]
    codes: frozenset[str]
    code_prefixes: tuple[str, ...]
    types: frozenset[str]
    max_eqf_level: int | None


def _split(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """``*`` matches anything (the empty prefix), ``abc*`` values starting with ``abc``; any
    other pattern only itself."""
    exact = frozenset(p for p in patterns if not p.endswith("*"))
    return exact, tuple(p[:-1] for p in patterns if p.endswith("*"))


def _matcher(scope: Scope, index: TrustIndex) -> _Matcher:
    # Keyed by identity: the index holds the list, so the scope outlives the entry.
    key = ("scope", id(scope))
    matcher: _Matcher | None = index.derived.get(key)
    if matcher is None:
        ids, id_prefixes = _split(scope.achievements)
        codes, code_prefixes = _split(scope.alignments)
        matcher = _Matcher(
            ids,
            id_prefixes,
            codes,
            code_prefixes,
            frozenset(scope.achievement_types),
            scope.max_eqf_level,
        )
        index.derived[key] = matcher
    return matcher


def covers(scope: Scope, achievement: Achievement, index: TrustIndex) -> bool:
    m = _matcher(scope, index)
    selected = (
        (
            achievement.id is not None
            and (achievement.id in m.ids or achievement.id.startswith(m.id_prefixes))
        )
        or not m.codes.isdisjoint(achievement.codes)
        or (bool(m.code_prefixes) and any(c.startswith(m.code_prefixes) for c in achievement.codes))
    )
    if not selected:
        return False
    if m.types and m.types.isdisjoint(achievement.types):
        return False
    if m.max_eqf_level is not None:
        return achievement.eqf_level is not None and achievement.eqf_level <= m.max_eqf_level
    return True


def describe_scope(scope: Scope) -> str:
    """One line, language-neutral: ``ESCO:71*, urn:x:*; License; EQF <= 5``."""
    parts = [", ".join((*scope.alignments, *scope.achievements))]
    if scope.achievement_types:
        parts.append(", ".join(scope.achievement_types))
    if scope.max_eqf_level is not None:
        parts.append(f"EQF <= {scope.max_eqf_level}")
    return "; ".join(parts)


def achievements_of(credential: Mapping[str, Any], index: TrustIndex) -> list[Achievement]:
    """The achievements a credential certifies; empty when it names none (or too many)."""
    subjects = credential.get("credentialSubject")
    items = subjects if isinstance(subjects, list) else [subjects]
    if len(items) > MAX_ACHIEVEMENTS:
        return []  # too many to judge: nothing is accredited, none is skipped
    found: list[Achievement] = []
    for subject in items:
        if not isinstance(subject, Mapping) or "achievement" not in subject:
            continue
        achievement = subject["achievement"]
        if not isinstance(achievement, Mapping) or not _levels_readable(achievement):
            return []  # an achievement this check cannot read is never waved through
        found.append(_achievement(achievement, index))
    return found


def _levels_readable(achievement: Mapping[str, Any]) -> bool:
    """Whether every alignment is read, and every EQF one names a level 1 to 8: a level the
    reader skipped (the 65th alignment, a number for a code) would judge the achievement at
    a lower level than it states."""
    value = achievement.get("alignment")
    items = value if isinstance(value, list) else [] if value is None else [value]
    if len(items) > MAX_ALIGNMENTS:
        return False
    for alignment in items:
        if not isinstance(alignment, Mapping):
            return False  # JSON-LD reads a nested array's alignments: this reader would not
        framework = alignment.get("targetFramework")
        if isinstance(framework, str) and _names_eqf(framework):
            code = alignment.get("targetCode")  # as _alignment_codes reads it, or not at all
            level = normalize_code(f"{framework}:{code}") if isinstance(code, str) else None
            if level not in _EQF_LEVELS:
                return False
    return True


def _names_eqf(framework: str) -> bool:
    """Whether a framework name means the EQF, however it is spelt."""
    folded = " ".join(framework.split()).casefold()
    return folded in ("eqf", "european qualifications framework")


def _achievement(data: Mapping[str, Any], index: TrustIndex) -> Achievement:
    achievement_id = data.get("id") if isinstance(data.get("id"), str) else None
    entry = index.catalogue.get(catalogue_key(achievement_id)) if achievement_id else None
    if entry is None:
        stated = frozenset(_alignment_codes(data.get("alignment")))
        types = frozenset(_strings(data.get("achievementType")))
        return Achievement(
            achievement_id, types, stated, _eqf_level(stated), data.get("name"), False
        )
    assert achievement_id is not None
    codes, level, types_or_none = _catalogued(entry, index)
    # Only the stated level still counts (the higher one wins); codes come from the catalogue.
    stated_level = _eqf_level(_alignment_codes(data.get("alignment")))
    if level is None or (stated_level is not None and stated_level > level):
        level = stated_level
    types = types_or_none or frozenset(_strings(data.get("achievementType")))
    return Achievement(achievement_id, types, codes, level, data.get("name"), True)


def _catalogued(
    entry: CatalogueEntry, index: TrustIndex
) -> tuple[frozenset[str], int | None, frozenset[str] | None]:
    """An entry's codes (with its EQF level as ``EQF:n``), level and type, derived once."""
    derived: tuple[frozenset[str], int | None, frozenset[str] | None] | None = index.derived.get(
        entry.id
    )
    if derived is None:
        codes = set(entry.codes)
        if entry.eqf_level is not None:
            codes.add(f"{EQF}:{entry.eqf_level}")
        types = frozenset({entry.achievement_type}) if entry.achievement_type else None
        derived = index.derived[entry.id] = (frozenset(codes), _eqf_level(codes), types)
    return derived


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values[:MAX_ALIGNMENTS] if isinstance(v, str)]


def _alignment_codes(value: Any) -> Iterable[str]:
    for alignment in value[:MAX_ALIGNMENTS] if isinstance(value, list) else [value]:
        if not isinstance(alignment, dict | Mapping):
            continue
        framework = alignment.get("targetFramework")
        code = alignment.get("targetCode", alignment.get("targetUrl"))
        if isinstance(framework, str) and isinstance(code, str) and framework and code:
            yield normalize_code(f"{framework}:{code}")


_EQF_LEVELS = {f"{EQF}:{n}": n for n in range(1, 9)}


def _eqf_level(codes: Iterable[str]) -> int | None:
    return max((_EQF_LEVELS[c] for c in codes if c in _EQF_LEVELS), default=None)
