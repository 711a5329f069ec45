"""RDFC-1.0 canonical N-Quads: terms escaped as rdf-canonize 5 escapes them, and a port of its
RDFC-1.0 (``RDFC10.js``) with the same hashing input, UTF-16 sort order and work bound, plus a
named budget (:class:`CanonicalizationBudget`) that keeps crafted blank nodes from taking more
than a fraction of a second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..errors import CanonicalizationError, CanonicalizationTooComplex
from ._numbers import _utf16_key

_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_RDF_LANGSTRING: Final = _RDF + "langString"
_RDF_JSON: Final = _RDF + "JSON"
_XSD_STRING: Final = _XSD + "string"
_XSD_DOUBLE: Final = _XSD + "double"
_XSD_INTEGER: Final = _XSD + "integer"

_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


# --------------------------------------------------------------------------------------------
# N-Quads terms, escaped exactly as rdf-canonize 5 (NQuads.js) escapes them
# --------------------------------------------------------------------------------------------

_LITERAL_SPECIAL: Final = re.compile('[\x00-\x1f\x7f"\\\\]')
_LITERAL_ESCAPES: Final = {
    **{chr(code): f"\\u{code:04X}" for code in [*range(0x20), 0x7F]},
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_IRI_SPECIAL: Final = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def _escape_literal(value: str) -> str:
    if _LITERAL_SPECIAL.search(value) is None:
        return value
    return _LITERAL_SPECIAL.sub(lambda m: _LITERAL_ESCAPES[m.group()], value)


def _escape_iri(value: str) -> str:
    if _IRI_SPECIAL.search(value) is None:
        return value
    return _IRI_SPECIAL.sub(lambda m: f"\\u{ord(m.group()):04X}", value)


def _refuse_surrogates(value: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")  # fails on a surrogate only (no regex compiled at start-up)
        except UnicodeEncodeError:
            raise CanonicalizationError(
                "a string contains an unpaired UTF-16 surrogate; it cannot be signed as UTF-8"
            ) from None
    return value


def _iri_term(value: str) -> str:
    if value.startswith("_:"):
        return value
    return "<" + _escape_iri(_refuse_surrogates(value)) + ">"


def _object_term(obj: Mapping[str, Any]) -> str:
    kind = obj["type"]
    if kind == "blank node":
        return str(obj["value"])
    if kind == "IRI":
        return _iri_term(obj["value"])
    text = '"' + _escape_literal(_refuse_surrogates(obj["value"])) + '"'
    datatype: str = obj.get("datatype") or _XSD_STRING
    if datatype == _RDF_LANGSTRING:
        language = obj.get("language")
        return text + "@" + language if language else text
    if datatype != _XSD_STRING:
        return text + "^^" + _iri_term(datatype)
    return text


# --------------------------------------------------------------------------------------------
# RDFC-1.0: a port of rdf-canonize 5 (lib/RDFC10.js), same hashing input and sort order
# --------------------------------------------------------------------------------------------

# A quad is (subject, predicate, object, graph, predicate IRI): subject/object/graph are N-Quads
# terms ("<iri>", '"literal"...', or a blank node "_:label"), graph is None for the default
# graph, the predicate is given both as a term and as the bare IRI (for Hash Related Blank Node).
_Quad = tuple[str, str, str, str | None, str]


def _quad_line(s: str, p: str, o: str, g: str | None) -> str:
    if g is None:
        return f"{s} {p} {o} .\n"
    return f"{s} {p} {o} {g} .\n"


class _Issuer:
    __slots__ = ("counter", "existing", "prefix")

    def __init__(self, prefix: str, existing: dict[str, str] | None = None, counter: int = 0):
        self.prefix = prefix
        self.existing: dict[str, str] = {} if existing is None else existing
        self.counter = counter

    def clone(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.existing), self.counter)

    def get_id(self, old: str) -> str:
        issued = self.existing.get(old)
        if issued is None:
            issued = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.existing[old] = issued
        return issued


class FastPathQuads(dict[str, list[_Quad]]):
    """``_Rdfc10.bnode_quads`` from the quads that mention each blank node in the fast path's
    form (``canonfast``: the graph ``""`` for the default graph, IRIs that need no escaping),
    a node's converted when N-degree hashing first asks for it: it asks for a few only."""

    def __init__(self, mentions: Mapping[str, list[tuple[str, str, str, str]]]) -> None:
        super().__init__()
        self.mentions = mentions

    def __missing__(self, bnode: str) -> list[_Quad]:
        quads: list[_Quad] = [(s, p, o, g or None, p[1:-1]) for s, p, o, g in self.mentions[bnode]]
        self[bnode] = quads
        return quads


def _permutations(items: list[str]) -> Iterator[list[str]]:
    """rdf-canonize's Permuter: Steinhaus-Johnson-Trotter from the sorted list."""
    current = sorted(items)
    left = {item: True for item in current}
    length = len(current)
    while True:
        snapshot = current[:]
        k: str | None = None
        pos = 0
        for i, element in enumerate(current):
            is_left = left[element]
            if (k is None or element > k) and (
                (is_left and i > 0 and element > current[i - 1])
                or (not is_left and i < length - 1 and element > current[i + 1])
            ):
                k, pos = element, i
        if k is not None:
            swap = pos - 1 if left[k] else pos + 1
            current[pos] = current[swap]
            current[swap] = k
            for element in current:
                if element > k:
                    left[element] = not left[element]
        yield snapshot
        if k is None:
            return


@dataclass(frozen=True, slots=True)
class CanonicalizationBudget:
    """How much N-degree hashing one canonicalization may do before it gives up with
    :class:`~vcportable.errors.CanonicalizationTooComplex`.

    Blank nodes that first-degree hashes cannot tell apart make RDFC-1.0 recurse and permute;
    crafted ones make it exponential (or quadratic with deep recursion: a cycle of a few thousand
    blank nodes took seconds). Credentials and presentations need a handful of calls at most;
    with the defaults any input up to the verifier's size limit ends well under a second.
    rdf-canonize's own bound (one call per blank node that is not unique) applies as well.
    """

    #: Calls of Hash N-Degree Quads, recursive ones included (also bounds the recursion depth).
    max_ndegree_hash_calls: int = 256
    #: Permutations tried, over all calls.
    max_permutations: int = 4096
    #: Pairs of values of one property of one node (n values make n(n-1)/2): JSON-LD's node
    #: map (pyld) compares each new value with every earlier one, so a property with thousands
    #: of values, or one node spread over thousands of objects, is quadratic.
    max_value_pairs: int = 100_000
    #: Distinct blank nodes (objects without ``id``, graphs, lists): hashing each is linear, and
    #: a credential or presentation has a few dozen.
    max_blank_nodes: int = 1024
    #: JSON values (object members and array items) outside ``@context``, counted before any
    #: JSON-LD processing: pyld spends some 20 microseconds on each (the full path's cost).
    max_values: int = 15_000


DEFAULT_BUDGET: Final = CanonicalizationBudget()


class _Rdfc10:
    def __init__(
        self,
        quads: list[_Quad],
        budget: CanonicalizationBudget = DEFAULT_BUDGET,
        hash_algorithm: str = "sha256",
    ) -> None:
        self.quads = quads
        self.budget = budget
        # RDFC-1.0's hash is a parameter: the ECDSA suites use SHA-384 with P-384 keys.
        self.digest = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}[hash_algorithm]
        self.calls_left = budget.max_ndegree_hash_calls
        self.permutations_left = budget.max_permutations
        self.bnode_quads: dict[str, list[_Quad]] = {}
        self.bnode_hash: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")
        self.utf16_sort = any(
            _ASTRAL.search(term) is not None
            for quad in quads
            for term in (quad[0], quad[1], quad[2], quad[3] or "")
        )
        self.remaining = 0

    def _sort(self, lines: list[str]) -> None:
        # JavaScript sorts strings by UTF-16 code unit; that differs from code point order only
        # when a character outside the BMP meets one in U+E000..U+FFFF.
        if self.utf16_sort:
            lines.sort(key=_utf16_key)
        else:
            lines.sort()

    def run(self) -> str:
        for quad in self.quads:
            for term in (quad[0], quad[2], quad[3]):
                if term is not None and term.startswith("_:"):
                    listed = self.bnode_quads.setdefault(term, [])
                    if not listed or listed[-1] is not quad:
                        listed.append(quad)
        if len(self.bnode_quads) > self.budget.max_blank_nodes:
            raise too_many_blank_nodes(self.budget)

        hash_to_bnodes: dict[str, list[str]] = {}
        for bnode in self.bnode_quads:
            hash_to_bnodes.setdefault(self._hash_first_degree(bnode), []).append(bnode)
        self.label(hash_to_bnodes)

        canonical = self.canonical.existing
        lines = [
            _quad_line(
                canonical.get(s, s),
                p,
                canonical.get(o, o),
                None if g is None else canonical.get(g, g),
            )
            for s, p, o, g, _ in self.quads
        ]
        self._sort(lines)
        return "".join(lines)

    def label(self, hash_to_bnodes: dict[str, list[str]]) -> dict[str, str]:
        """Issue the canonical labels (``self.canonical``), given the blank nodes by first
        degree hash: unique hashes first, in hash order, then N-degree hashing of the rest.

        The fast path (``canonfast``) calls it directly with its own first-degree hashes and
        ``bnode_quads``: it has computed both already."""
        non_unique: list[list[str]] = []
        for digest in sorted(hash_to_bnodes):
            bnodes = hash_to_bnodes[digest]
            if len(bnodes) > 1:
                non_unique.append(bnodes)
            else:
                self.canonical.get_id(bnodes[0])

        # rdf-canonize's default work bound (maxWorkFactor 1).
        self.remaining = sum(len(bnodes) for bnodes in non_unique)
        for bnodes in non_unique:
            results: list[tuple[str, _Issuer]] = []
            for bnode in bnodes:
                if bnode in self.canonical.existing:
                    continue
                issuer = _Issuer("_:b")
                issuer.get_id(bnode)
                try:
                    results.append(self._hash_n_degree(bnode, issuer))
                except RecursionError:
                    raise _too_complex("the recursion is too deep") from None
            results.sort(key=lambda result: result[0])
            for _, issuer in results:
                for existing in issuer.existing:
                    self.canonical.get_id(existing)
        return self.canonical.existing

    def _hash_first_degree(self, bnode: str) -> str:
        cached = self.bnode_hash.get(bnode)
        if cached is not None:
            return cached
        lines = []
        for s, p, o, g, _ in self.bnode_quads[bnode]:
            lines.append(
                _quad_line(
                    _first_degree_term(s, bnode),
                    p,
                    _first_degree_term(o, bnode),
                    None if g is None else _first_degree_term(g, bnode),
                )
            )
        self._sort(lines)
        digest = self.digest("".join(lines).encode("utf-8")).hexdigest()
        self.bnode_hash[bnode] = digest
        return digest

    def _hash_related(self, related: str, quad: _Quad, issuer: _Issuer, position: str) -> str:
        data = position
        if position != "g":
            data += "<" + quad[4] + ">"
        issued = self.canonical.existing.get(related) or issuer.existing.get(related)
        data += issued if issued is not None else self.bnode_hash[related]
        return self.digest(data.encode("utf-8")).hexdigest()

    def _hash_n_degree(self, bnode: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining == 0:
            raise _too_complex("more N-degree hashing than rdf-canonize allows")
        if self.calls_left == 0:
            raise _too_complex("over max_ndegree_hash_calls")
        self.remaining -= 1
        self.calls_left -= 1

        hash_to_related: dict[str, list[str]] = {}
        for quad in self.bnode_quads[bnode]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term is not None and term.startswith("_:") and term != bnode:
                    digest = self._hash_related(term, quad, issuer, position)
                    hash_to_related.setdefault(digest, []).append(term)

        md = self.digest()
        canonical = self.canonical.existing
        for digest in sorted(hash_to_related):
            md.update(digest.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in _permutations(hash_to_related[digest]):
                if self.permutations_left == 0:
                    raise _too_complex("over max_permutations")
                self.permutations_left -= 1
                issuer_copy = issuer.clone()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    issued = canonical.get(related)
                    if issued is not None:
                        path += issued
                    else:
                        if related not in issuer_copy.existing:
                            recursion.append(related)
                        path += issuer_copy.get_id(related)
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self._hash_n_degree(related, issuer_copy)
                    path += issuer_copy.get_id(related) + "<" + result_hash + ">"
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return md.hexdigest(), issuer


def _too_complex(why: str) -> CanonicalizationTooComplex:
    return CanonicalizationTooComplex(
        f"RDFC-1.0 work limit exceeded ({why}): the document's blank nodes are too complex "
        "to canonicalize"
    )


def too_many_values(budget: CanonicalizationBudget) -> CanonicalizationTooComplex:
    return CanonicalizationTooComplex(
        f"canonicalization work limit exceeded (over max_value_pairs={budget.max_value_pairs}): "
        "a node has too many values for one property"
    )


def too_many_values_in_document(budget: CanonicalizationBudget) -> CanonicalizationTooComplex:
    return CanonicalizationTooComplex(
        f"canonicalization work limit exceeded (over max_values={budget.max_values}): "
        "the document has too many JSON values"
    )


def too_many_blank_nodes(budget: CanonicalizationBudget) -> CanonicalizationTooComplex:
    return CanonicalizationTooComplex(
        f"canonicalization work limit exceeded (over max_blank_nodes={budget.max_blank_nodes})"
        ": the document has too many blank nodes (objects without an id)"
    )


def _first_degree_term(term: str, bnode: str) -> str:
    if term.startswith("_:"):
        return "_:a" if term == bnode else "_:z"
    return term
