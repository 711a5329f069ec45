"""Canonical N-Quads as data: split into terms, blank nodes renamed, canonicalized again.

What a canonicalizer wrote is regular (IRIs escape ``>``, literals escape ``"`` and ``\\``), so each
line splits into its terms exactly; blank node labels are only ever read or rewritten in a term
position, never inside a literal that happens to contain ``_:``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from ... import jsonld
from ...errors import CanonicalizationError, InputError
from ...jsonld._numbers import _utf16_key

#: A quad as the canonicalizer takes it: subject, predicate, object and graph as N-Quads terms
#: (graph None for the default graph), and the predicate's IRI.
Quad = tuple[str, str, str, str | None, str]

# Canonical N-Quads terms: IRIs escape '>' (so [^>]* is exact), literals escape '"' and '\'.
_IRI: Final = r"<[^>]*>"
_BLANK: Final = r"_:[^\s]+"
_LITERAL: Final = r'"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[A-Za-z0-9-]+)?'
_LINE: Final = re.compile(
    rf"({_IRI}|{_BLANK}) ({_IRI}) ({_IRI}|{_BLANK}|{_LITERAL})(?: ({_IRI}|{_BLANK}))? \.\n"
)
_ESCAPED: Final = re.compile(r"\\u([0-9A-F]{4})")


def quads_of(canonical: str) -> list[Quad]:
    """Split canonical N-Quads into terms (each line as the canonicalizer wrote it)."""
    quads: list[Quad] = []
    for line in canonical.splitlines(keepends=True):
        match = _LINE.fullmatch(line)
        if match is None:
            raise CanonicalizationError("canonical N-Quads line could not be split into terms")
        s, p, o, g = match.groups()
        quads.append((s, p, o, g, _ESCAPED.sub(lambda m: chr(int(m[1], 16)), p[1:-1])))
    return quads


def relabel(quads: Sequence[Quad], labels: Mapping[str, str]) -> list[str]:
    """N-Quads lines with each blank node ``_:x`` named ``_:labels[x]``, sorted as JavaScript
    sorts them (UTF-16 code units); InputError for a blank node ``labels`` does not name."""

    def term(value: str | None) -> str | None:
        if value is None or not value.startswith("_:"):
            return value
        label = labels.get(value[2:])
        if label is None:
            raise InputError(f"blank node {value} has no label in the label map")
        return "_:" + label

    lines = []
    for s, p, o, g, _ in quads:
        graph = term(g)
        end = " .\n" if graph is None else f" {graph} .\n"
        lines.append(f"{term(s)} {p} {term(o)}{end}")
    lines.sort(key=_utf16_key)
    return lines


def canonicalize_quads(
    quads: list[Quad],
    hash_algorithm: str = "sha256",
    budget: jsonld.CanonicalizationBudget = jsonld.DEFAULT_BUDGET,
) -> tuple[str, dict[str, str]]:
    """RDFC-1.0 of a dataset given as quads (with ``hash_algorithm`` as its hash) within
    ``budget``, and the canonical label (``c14nN``) each input blank node label got."""
    rdfc = jsonld._Rdfc10(quads, budget, hash_algorithm)
    text = rdfc.run()
    return text, {old[2:]: new[2:] for old, new in rdfc.canonical.existing.items()}
