"""Which statements a set of JSON pointers selects, for the selective disclosure suites.

The W3C selective disclosure functions (vc-di-ecdsa, "Selective Disclosure Functions"): JSON
pointers pick parts of a compact JSON-LD document (:func:`select_json_ld`); to tell which
canonical N-Quads those parts are, every blank node of the document first gets a temporary IRI
(skolemization), so the quads of a selection carry the same node names as the quads of the whole
document (:func:`canonicalize_and_group`).

Skolemization here adds an ``id`` to every JSON object that has none, instead of the spec's
expand / skolemize / compact round trip, so pointers address the document as written. The
canonical form of the result, with the temporary IRIs turned back into blank nodes, must be the
canonical form of the document itself: anything the shortcut misread (an object that is not a
node) is refused, never signed differently.
"""

from __future__ import annotations

import copy
import itertools
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ... import jsonld
from ...canonfast import canonize_fast
from ...errors import CanonicalizationError, InputError
from .nquads import Quad, canonicalize_quads, quads_of, relabel
from .suites import canonize_rdfc

# --------------------------------------------------------------------------------------------
# JSON pointers (RFC 6901) and selection
# --------------------------------------------------------------------------------------------


def parse_pointer(pointer: object) -> list[str]:
    """The unescaped reference tokens of a JSON pointer; InputError when it is not one."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise InputError(f"JSON pointer {pointer!r} must be a string starting with '/'")
    if pointer == "":
        return []
    tokens = pointer[1:].split("/")
    for token in tokens:
        if re.search(r"~(?![01])", token):
            raise InputError(f"JSON pointer {pointer!r} has a '~' not followed by 0 or 1")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


class _Sparse(dict[int, Any]):
    """An array under construction: only the selected items, by index (made dense at the end)."""


_MISSING: Final = object()
_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,8}")


def _get(container: Any, token: str) -> Any:
    """The member or item ``token`` names, or _MISSING."""
    if isinstance(container, dict) and not isinstance(container, _Sparse):
        return container.get(token, _MISSING)
    if isinstance(container, list | _Sparse) and _INDEX.fullmatch(token):
        index = int(token)
        if isinstance(container, _Sparse):
            return container.get(index, _MISSING)
        return container[index] if index < len(container) else _MISSING
    return _MISSING


def _put(container: Any, token: str, item: Any) -> None:
    if isinstance(container, list | _Sparse):
        container[int(token)] = item  # an index _get has accepted
    else:
        container[token] = item


def _initial(source: Any) -> Any:
    """A selected object keeps its ``id`` and ``type`` so the selection names the same node."""
    if not isinstance(source, dict):
        return _Sparse() if isinstance(source, list) else None
    selection: dict[str, Any] = {}
    if source.get("id"):
        selection["id"] = source["id"]
    if source.get("type"):
        selection["type"] = copy.deepcopy(source["type"])
    return selection


def select_json_ld(document: Mapping[str, Any], pointers: Sequence[str]) -> dict[str, Any] | None:
    """The part of a compact JSON-LD document that ``pointers`` select, with its ``@context``
    (None for no pointers); InputError when a pointer does not match the document."""
    if not pointers:
        return None
    if "@context" not in document:
        raise InputError("selective disclosure needs a JSON-LD document with an @context")
    selection: dict[str, Any] = _initial(document)
    for pointer in pointers:
        tokens = parse_pointer(pointer)
        if not tokens:
            return copy.deepcopy(dict(document))
        value: Any = document
        selected_parent: Any = selection
        selected: Any = selection
        for token in tokens:
            selected_parent = selected
            value = _get(value, token)
            if value is _MISSING:
                raise InputError(f"JSON pointer {pointer!r} does not match the document")
            selected = _get(selected_parent, token)
            if selected is _MISSING:
                selected = _initial(value)
                _put(selected_parent, token, selected)
        if isinstance(value, list):
            selected = copy.deepcopy(value)
        elif isinstance(value, dict):
            selected = {**selected, **copy.deepcopy(value)}
        else:
            selected = value
        _put(selected_parent, tokens[-1], selected)
    dense: dict[str, Any] = _dense(selection)
    return {"@context": copy.deepcopy(document["@context"]), **dense}


def _dense(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_dense(value[index]) for index in sorted(value)]
    if isinstance(value, dict):
        return {key: _dense(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dense(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# Skolemization and grouping
# --------------------------------------------------------------------------------------------


def _canonical(document: dict[str, Any], loader: jsonld.DocumentLoader) -> str:
    """Canonical N-Quads of a piece cut out of a document, which need not be in compacted form
    itself (a node left with only its ``id``): it is compared, never signed as it is."""
    text = canonize_fast(document, loader)
    return text if text is not None else jsonld.canonize(document, loader)


@dataclass(frozen=True)
class _Skolemized:
    document: dict[str, Any]
    prefix: str

    def deskolemize(self, canonical: str) -> list[Quad]:
        """The quads of a canonicalized selection, the temporary IRIs made blank nodes again."""
        head = "<" + self.prefix

        def term(value: str) -> str:
            if value.startswith(head):
                return "_:" + value[len(head) : -1]
            if value.startswith("_:"):
                raise CanonicalizationError(
                    "the document has a blank node that JSON cannot name (a graph container): "
                    "it cannot be used for selective disclosure"
                )
            return value

        return [
            (term(s), p, term(o), None if g is None else term(g), iri)
            for s, p, o, g, iri in quads_of(canonical)
        ]


def _skolemize(document: Mapping[str, Any]) -> _Skolemized:
    # A random prefix, so no IRI already in the document can pass for a temporary one.
    prefix = f"urn:bnid:{secrets.token_hex(16)}:"
    counter = itertools.count()
    named: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict) or "@value" in value:
            return copy.deepcopy(value)
        out = {k: (copy.deepcopy(v) if k == "@context" else walk(v)) for k, v in value.items()}
        if "@list" in out or "@set" in out:
            return out
        key = "@id" if "@id" in out else "id"
        node_id = out.get(key)
        if node_id is None:
            out[key] = f"{prefix}b{next(counter)}"
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            if node_id not in named:
                named[node_id] = f"{prefix}b{next(counter)}"
            out[key] = named[node_id]
        return out

    return _Skolemized(walk(document), prefix)


@dataclass(frozen=True)
class Group:
    """The statements of one set of pointers: by their index among all the statements."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    #: The selection's quads, with the blank node labels of the whole document's quads.
    quads: list[Quad]


@dataclass(frozen=True)
class Grouped:
    #: Every statement of the document: canonical N-Quads, relabelled, sorted.
    nquads: list[str]
    #: Document blank node label -> its new label.
    label_map: dict[str, str]
    groups: dict[str, Group]


LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]


def canonicalize_and_group(
    document: Mapping[str, Any],
    loader: jsonld.DocumentLoader,
    label_map_factory: LabelMapFactory,
    groups: Mapping[str, Sequence[str]],
) -> Grouped:
    """Canonicalize ``document`` with the labels ``label_map_factory`` gives each canonical
    label (input label -> ``c14nN`` in, input label -> new label out), and sort its statements
    into each group's matching and non-matching ones."""
    skolemized = _skolemize(document)
    quads = skolemized.deskolemize(_canonical(skolemized.document, loader))
    canonical, c14n = canonicalize_quads(quads)
    if canonical != canonize_rdfc(dict(document), loader).decode("utf-8"):
        raise CanonicalizationError(
            "the document cannot be used for selective disclosure: giving its blank nodes "
            "names changed what it says (is every JSON object a node with an 'id' term?)"
        )
    label_map = label_map_factory(c14n)
    nquads = relabel(quads, label_map)
    index_of = {line: index for index, line in enumerate(nquads)}
    result: dict[str, Group] = {}
    for name, pointers in groups.items():
        selection = select_json_ld(skolemized.document, pointers)
        selected: list[Quad] = []
        if selection is not None:
            selected = skolemized.deskolemize(_canonical(selection, loader))
        found = {index_of[line] for line in relabel(selected, label_map) if line in index_of}
        result[name] = Group(
            matching={i: nquads[i] for i in sorted(found)},
            non_matching={i: line for i, line in enumerate(nquads) if i not in found},
            quads=selected,
        )
    return Grouped(nquads, label_map, result)


def compact_references(document: dict[str, Any], loader: jsonld.DocumentLoader) -> dict[str, Any]:
    """``document`` with each node reference ``{"id": X}`` written as ``X`` wherever that says the
    same (the term coerces strings to IRIs), as compaction writes it: a selection keeps an object
    whose other members were left out, and signed JSON-LD must be in compacted form."""
    result = copy.deepcopy(document)
    before = _canonical(result, loader)
    for parent, key in list(_references(result)):
        reference = parent[key]
        parent[key] = reference["id"]
        if _canonical(result, loader) != before:
            parent[key] = reference
    return result


def _references(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every object below the top whose only member is a string ``id``."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        if isinstance(item, dict) and list(item) == ["id"] and isinstance(item["id"], str):
            yield value, key
        elif isinstance(item, dict | list) and key != "@context":
            yield from _references(item)
