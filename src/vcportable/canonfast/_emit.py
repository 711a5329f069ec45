"""The walk of the fast canonicalization path (see :mod:`vcportable.canonfast`).

:class:`Emitter` follows pyld's expansion algorithm (``_expand``, ``_expand_object``,
``_expand_value``) step by step for the subset it models, and emits the quads that pyld's node
map and toRDF would produce, with the JSON-LD 1.1 literal forms that pyld and jsonld.js agree on.
:meth:`Emitter.canonical` then labels blank nodes as RDFC-1.0 does (first-degree hashes) and
writes N-Quads exactly as rdf-canonize 5 does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any, Final

from ..jsonld._numbers import _jcs  # the full path's JCS, as jsonld.js writes it
from ..jsonld._rdfc import (
    DEFAULT_BUDGET,
    CanonicalizationBudget,
    FastPathQuads,
    _Rdfc10,
    too_many_blank_nodes,
    too_many_values,
    too_many_values_in_document,
)
from ._compacted import (
    check_context,
    check_node_value,
    check_selected,
    id_compacted,
)
from ._context import ABSENT, BCP47, IRI, KEYWORDS, Ctx, Unsupported

_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE: Final = f"<{_RDF}type>"
_RDF_FIRST: Final = f"<{_RDF}first>"
_RDF_REST: Final = f"<{_RDF}rest>"
_RDF_NIL: Final = f"<{_RDF}nil>"
_RDF_JSON: Final = f"{_RDF}JSON"
_RDF_LANGSTRING: Final = f"{_RDF}langString"
_XSD_STRING: Final = f"{_XSD}string"
_XSD_BOOLEAN: Final = f"{_XSD}boolean"
_XSD_INTEGER: Final = f"{_XSD}integer"
_XSD_DOUBLE: Final = f"{_XSD}double"

_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_HIGH_BMP: Final = "[\ue000-\uffff]"  # slow to compile, and needed only with _ASTRAL

# rdf-canonize 5 (lib/NQuads.js) literal escaping: ECHARs, else \\uXXXX with upper-case hex.
_NEEDS_ESCAPE: Final = re.compile(r'[\x00-\x1f\x7f"\\]')
_ESCAPES: Final[dict[int, str]] = {i: f"\\u{i:04X}" for i in (*range(0x20), 0x7F)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_ESCAPES.update({0x22: '\\"', 0x5C: "\\\\"})

_MAX_SAFE_INTEGER: Final = 2**53

_Quad = tuple[str, str, str, str]  # N-Quads terms; the graph is "" for the default graph
_NODE_PROPERTY: Final = operator.itemgetter(0, 1, 3)  # subject, predicate, graph of a quad


# --------------------------------------------------------------------------------------------
# Literals (JSON-LD 1.1 "object to RDF", as pyld 3.3 and jsonld.js 9 both write them)


def _escape(value: str) -> str:
    return value.translate(_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def _check_language(tag: Any) -> str:
    if not isinstance(tag, str) or not BCP47.match(tag):
        raise Unsupported("language tag")
    return tag.lower()


def _canonical_double(value: float) -> str:
    if abs(value) < 1e-6:
        raise Unsupported("tiny double")  # String(v) has no '.', jsonld.js calls it an integer
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext  # doubles only

    exact = Decimal(value)
    with localcontext() as context:
        context.prec = 16
        context.rounding = ROUND_HALF_EVEN
        even = +exact
        context.rounding = ROUND_HALF_UP
        if +exact != even:
            raise Unsupported("double rounding tie")  # Python rounds half-even, V8 half-up
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")


def _number(value: int | float, datatype: str | None) -> tuple[str, str, Any]:
    """(lexical form, datatype, comparison key of the JSON value) of a JSON number.

    Integers are compared as integers: exact in Python, and where mypyc compiles this module
    too (it would convert an int to a double where a float is compared)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unsupported("non-finite number")
        if not value.is_integer():
            return _canonical_double(value), datatype or _XSD_DOUBLE, ("n", value)
    integral = int(value)
    if abs(integral) >= 10**21:
        raise Unsupported("number beyond 1e21")  # a double in JavaScript
    if abs(integral) >= _MAX_SAFE_INTEGER and int(float(integral)) != integral:
        raise Unsupported("integer JavaScript cannot represent")
    if datatype == _XSD_DOUBLE:
        return _canonical_double(float(value)), datatype, ("n", float(value))
    return str(integral), datatype or _XSD_INTEGER, ("n", float(value))


def _check_json(value: Any) -> int:
    """Values whose JCS form the fast path models (the full path decides the rest); returns
    the number of members and items inside ``value`` (the budget counts them)."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int):
        if abs(value) >= _MAX_SAFE_INTEGER:
            raise Unsupported("number beyond 2^53")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= _MAX_SAFE_INTEGER:
            raise Unsupported("unusual number in @json")
    elif isinstance(value, list):
        return len(value) + sum(_check_json(item) for item in value)
    elif isinstance(value, dict):
        if "@context" in value:  # the full path checks every @context, even inside @json
            raise Unsupported("@context inside @json")
        return len(value) + sum(_check_json(item) for item in value.values())
    else:
        raise Unsupported("not JSON")
    return 0


def _json_literal(value: Any) -> tuple[str, Any, int]:
    """N-Quads literal, identity and number of JSON values inside an ``@json`` value. pyld
    compares structures with Python's ``==`` (so ``[true]`` equals ``[1]``), jsonld.js by
    reference (never equal)."""
    if value is None:
        raise Unsupported("null @json value")
    objects = _check_json(value)
    term = f'"{_escape(_jcs(value))}"^^<{_RDF_JSON}>'
    if isinstance(value, dict | list):
        return term, (("j", _python_equality(value)), object()), objects
    kind = ("b", value) if isinstance(value, bool) else ("v", value)
    return term, ((*kind, "@json"),) * 2, objects


def _python_equality(value: Any) -> str:
    """A string equal for two JSON structures exactly when Python's ``==`` says they are."""

    def normal(item: Any) -> Any:
        if isinstance(item, bool):
            return int(item)
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, list):
            return [normal(i) for i in item]
        if isinstance(item, dict):
            return {k: normal(v) for k, v in item.items()}
        return item

    return json.dumps(normal(value), sort_keys=True)


def _literal(value: Any, datatype: str | None, language: str | None) -> tuple[str, Any]:
    """N-Quads literal and identity of a scalar ``@value`` with its ``@type``/``@language``.

    The identity is what pyld and jsonld.js compare to drop a repeated value of a property
    (``@value`` of the same JSON type, ``@type`` as written, ``@language``): ``"a"`` and
    ``{"@value": "a", "@type": xsd:string}`` are two values, written as two equal lines.
    """
    if datatype is None and language is None and type(value) is str:  # the usual case
        identity: tuple[Any, ...] = ("s", value, None, None)
        return f'"{_escape(value)}"', (identity, identity)
    if datatype is not None and not IRI.match(datatype):
        raise Unsupported("unusual datatype")
    if datatype == _RDF_LANGSTRING:
        raise Unsupported("explicit rdf:langString")
    kind: Any
    given = datatype
    if isinstance(value, bool):
        lexical, datatype = ("true" if value else "false"), datatype or _XSD_BOOLEAN
        kind = ("b", value)
    elif isinstance(value, int | float):
        lexical, datatype, kind = _number(value, datatype)
    elif isinstance(value, str):
        if datatype == _XSD_DOUBLE:
            raise Unsupported("string typed xsd:double")
        kind = ("s", value)
        if datatype is None and language is not None:
            identity = (*kind, None, language)
            return f'"{_escape(value)}"@{language}', (identity, identity)
        lexical = value
    else:
        raise Unsupported("non-scalar @value")
    identity = (*kind, given, None)
    key = (identity, identity)
    if datatype is None or datatype == _XSD_STRING:
        return f'"{_escape(lexical)}"', key
    return f'"{_escape(lexical)}"^^<{datatype}>', key


# --------------------------------------------------------------------------------------------
# Enclosed documents: a presentation's walk serves its credentials' own canonicalizations


#: The members a Data Integrity proof leaves out of what it signs: a document's ``proof``, a
#: proof's ``proofValue`` (the rest of the proof, with the document's ``@context``, is signed).
LEFT_OUT: Final = ("proof", "proofValue")

_Span = tuple[int, int, int, int]  # first quad, first repeat, end of quads, end of repeats


class Enclosed:
    """The quads of an object that fills a ``@graph`` container (a credential in a
    presentation, a proof in a credential), as the enclosing walk emitted them into ``graph``,
    and those of its :data:`LEFT_OUT` members apart.

    An object that is walked from the active context ``ctx`` emits the same quads wherever it
    stands (blank nodes numbered otherwise: RDFC-1.0 relabels them), as long as no object
    inside it brings a context of its own (that would be compared with the enclosing
    document's, :attr:`Emitter.root`). So when a document alone compiles to ``ctx`` itself
    (:meth:`Ctx.embedded` makes sure an enclosed credential does; a proof has its credential's
    context), its quads are these without the left-out members', moved to the default graph:
    the unsecured credential, or the proof configuration, that a Data Integrity proof signs.
    Quads of distinct graphs never meet in the node map, and each ``@graph`` container value
    gets a fresh graph; a quad a left-out member emitted and a kept member stated again (the
    one way they meet) makes :meth:`alone` decline.
    """

    __slots__ = (
        "budget",
        "ctx",
        "cuts",
        "document",
        "graph",
        "left_out",
        "quads",
        "repeats",
        "strict",
    )

    def __init__(
        self,
        document: dict[str, Any],
        left_out: list[str],
        ctx: Ctx,
        graph: str,
        quads: list[_Quad],
        repeats: list[_Quad],
        cuts: list[_Span],
        budget: CanonicalizationBudget,
        strict: bool,
    ) -> None:
        self.document = document  # kept alive: its values' ids name it (canonfast._share)
        self.left_out = left_out  # its members that were cut out (``cuts``)
        self.ctx = ctx
        self.graph = graph
        self.quads = quads
        self.repeats = repeats
        #: the whole object's span, then the spans of its left-out members, in order
        self.cuts = cuts
        self.budget = budget
        self.strict = strict  # the walk proved compacted form (a walk that did not cannot serve)

    def alone(self) -> Emitter | None:
        """An emitter holding the quads of the object without its left-out members, alone;
        ``None`` when a kept member states again a quad a left-out one stated first (a node
        inside a proof with the proof's own ``id`` and ``proofValue``): alone, the kept
        member's quad is the first, and it is not among these."""
        repeats = self._kept(self.repeats, 1)
        if repeats and not self._left_out_quads().isdisjoint(repeats):
            return None
        emitter = Emitter(strict=self.strict, budget=self.budget)
        emitter.quads = self._kept(self.quads, 0)
        emitter.repeats = repeats
        emitter.blank = True
        return emitter

    def _left_out_quads(self) -> set[_Quad]:
        """The quads the left-out members emitted first, moved as :meth:`_kept` moves them."""
        graph = self.graph
        return {
            (s, p, o, "" if g == graph else g)
            for cut in self.cuts[1:]
            for s, p, o, g in self.quads[cut[0] : cut[2]]
        }

    def _kept(self, quads: list[_Quad], first: int) -> list[_Quad]:
        """``quads`` (``first`` 0) or repeats (1) of the object, left-out members' cut out."""
        whole = self.cuts[0]
        graph = self.graph
        kept: list[_Quad] = []
        start = whole[first]
        for cut in [*self.cuts[1:], (whole[2], whole[3], 0, 0)]:
            kept += [(s, p, o, "" if g == graph else g) for s, p, o, g in quads[start : cut[first]]]
            start = cut[first + 2]
        return kept


# --------------------------------------------------------------------------------------------
# The walk: pyld's _expand / _expand_object / _expand_value + node map + toRDF, fused


class Emitter:
    """Quads of one document, with blank nodes numbered locally (RDFC-1.0 relabels them).

    With ``strict`` the walk also proves that the document is in compacted form for its own
    contexts (see :mod:`vcportable.canonfast._compacted`): anything it cannot prove is
    ``Unsupported``, and the full path decides.
    """

    __slots__ = (
        "blank",
        "budget",
        "count",
        "labels",
        "max_values",
        "values",
        "quads",
        "repeats",
        "root",
        "context",
        "seen",
        "strict",
        "embedded",
        "enclosed",
    )

    def __init__(
        self, *, strict: bool = False, budget: CanonicalizationBudget = DEFAULT_BUDGET
    ) -> None:
        self.quads: list[_Quad] = []  # in order; a line twice when the document has two values
        self.seen: dict[Any, Any] = {}  # quad or (s, p, g, value identity) -> jsonld.js identity
        self.labels: dict[str, str] = {}  # document blank node ids -> local labels
        self.count = 0
        self.blank = False
        self.strict = strict
        self.root: Ctx | None = None  # the document's own active context, and its @context
        self.context: Any = None
        self.budget = budget
        self.repeats: list[_Quad] = []  # values added again (kept once): they count as pairs
        self.values = 0  # and these (jsonld._safe.json_values)
        self.max_values = budget.max_values
        self.embedded = 0  # objects with their own @context walked so far
        #: where enclosed documents' quads went, when the caller keeps them (canonfast._share)
        self.enclosed: list[Enclosed] | None = None

    def check_pairs(self) -> None:
        """Pairs of values of one property of one node (``jsonld._safe.value_pairs``)."""
        count = len(self.quads) + len(self.repeats)
        if count * (count - 1) // 2 <= self.budget.max_value_pairs:
            return  # cannot be over: the usual case, counted for nothing
        widths = Counter(map(_NODE_PROPERTY, itertools.chain(self.quads, self.repeats)))
        if sum(n * (n - 1) // 2 for n in widths.values()) > self.budget.max_value_pairs:
            raise too_many_values(self.budget)

    def counted(self, values: int) -> None:
        """Count JSON values (members and items outside ``@context``) as the full path does
        before pyld."""
        self.values += values
        if self.values > self.max_values:
            raise too_many_values_in_document(self.budget)

    def fresh(self) -> str:
        self.count += 1
        if self.count > self.budget.max_blank_nodes:  # the RDFC port checks it too, later
            raise too_many_blank_nodes(self.budget)
        self.blank = True
        return f"_:b{self.count}"

    def label(self, term: str) -> str:
        if term.startswith("_:"):
            local = self.labels.get(term)
            if local is None:
                local = self.labels[term] = self.fresh()
            return local
        return term

    def add(self, s: str, p: str, o: str, g: str, key: Any = None) -> None:
        """Emit a quad once per distinct value, as pyld's and jsonld.js's node maps keep them.

        ``key`` is ``(pyld identity, jsonld.js identity)`` of a literal value, None for IRIs and
        blank nodes (one quad each). Two values with different identities are both kept even
        when they are the same RDF term (``"a"`` and ``"a"^^xsd:string``): two equal lines.
        """
        quad = (s, p, o, g)
        if key is None:
            if quad not in self.seen:
                self.seen[quad] = None
                self.quads.append(quad)
            else:
                self.repeats.append(quad)
            return
        slot = (s, p, g, key[0])
        previous = self.seen.get(slot, ABSENT)
        if previous is ABSENT:
            self.seen[slot] = key[1]
            self.quads.append(quad)
        elif previous != key[1]:
            # equal for pyld, different for jsonld.js (two @json structures): not modelled
            raise Unsupported("duplicate literal")
        else:
            self.repeats.append(quad)

    # -- objects -------------------------------------------------------------------------------

    def element(
        self,
        ctx: Ctx,
        prop: str | None,
        element: dict[str, Any],
        graph: str,
        free: bool,
        context_applied: bool = False,
    ) -> tuple[str, Any]:
        """Expand one JSON object and emit its quads; return its RDF term and dedup key.

        ``free`` is set for top-level objects and the contents of ``@graph`` containers, which
        must be node objects with at least one property besides ``@id``.
        """
        self.values += len(element) - ("@context" in element)
        if self.values > self.max_values:
            raise too_many_values_in_document(self.budget)
        scoped = ctx.term(prop).scoped if prop is not None else None
        # revert type-scoped contexts unless this is a value object or a node reference
        revert = not context_applied  # the top-level context is applied after this step
        if (
            revert
            and ctx.raw.get("previousContext")
            and len(element) <= 2
            and "@context" not in element
        ):
            for key in sorted(element):
                expanded = ctx.expand_vocab(key)
                if expanded == "@value":
                    revert = False
                    break
                if expanded == "@id" and len(element) == 1:
                    revert = False
                    break
        mark: tuple[int, int, int, Ctx] | None = None  # where a graph's object starts (Enclosed)
        if revert:
            ctx = ctx.reverted()
        if scoped is not None:
            ctx = ctx.with_context("P", scoped)
        if "@context" in element and not context_applied:
            if self.strict:
                # compaction writes no embedded context; one that starts afresh (a credential
                # in a presentation: verifiableCredential resets the context) or that repeats
                # the document's own where it applies (a JCS proof) is a document of its own,
                # checked here exactly as at the top level
                fresh = not ctx.mappings and ctx.vocab is None
                if not fresh and not (
                    self.root is not None
                    and ctx.raw is self.root.raw
                    and element["@context"] == self.context
                ):
                    raise Unsupported("embedded @context")
                check_context(element["@context"])
            ctx = ctx.embedded(element["@context"])
            self.embedded += 1
        if self.enclosed is not None and free and graph:
            mark = (len(self.quads), len(self.repeats), self.embedded, ctx)
        strict = self.strict
        type_ctx = ctx
        type_key: str | None = None
        for key in element:
            if ctx.expand_vocab(key) == "@type":
                if type_key is not None:
                    raise Unsupported("several @type keys")
                type_key = key
        types: list[str] = []
        if type_key is not None:
            value = element[type_key]
            types = [value] if isinstance(value, str) else value
            if not isinstance(types, list) or not types:
                raise Unsupported("unusual @type value")
            if type(value) is list:
                self.values += len(value)  # items must be strings: no nested arrays
            for name in sorted(types):
                if not isinstance(name, str):
                    raise Unsupported("unusual @type value")
                if strict and not type_ctx.compacts_vocab(name):
                    raise Unsupported("not compacted: type")
                local = type_ctx.scoped_context_of(name)
                if local is not None and local is not False:
                    ctx = ctx.with_context("T", local)

        id_key = value_key = language_key = None
        properties: list[tuple[str, str]] = []
        for key in element:
            if key == "@context":
                continue
            expanded = ctx.expand_vocab(key)
            if key == type_key:
                if expanded != "@type":
                    raise Unsupported("@type key redefined by a type-scoped context")
                if strict and not type_ctx.key_compacted(key):
                    raise Unsupported("not compacted: key")
                continue
            if expanded is None:
                raise Unsupported("undefined term")
            if strict and not ctx.key_compacted(key):
                raise Unsupported("not compacted: key")
            if expanded == "@id" and id_key is None:
                id_key = key
            elif expanded == "@value" and value_key is None:
                value_key = key
            elif expanded == "@language" and language_key is None:
                language_key = key
            elif expanded in KEYWORDS:
                raise Unsupported("keyword not modelled")
            elif element[key] is not None:
                properties.append((key, expanded))
            elif ctx.term(key).type == "@json":
                raise Unsupported("null @json value")
            elif strict:
                raise Unsupported("not compacted: null")
            # else: a null value expands to nothing (pyld and jsonld.js alike)

        if value_key is not None:
            if strict:
                raise Unsupported("not compacted: value object")
            if free or id_key is not None or properties:
                raise Unsupported("unusual value object")
            return self.value_object(ctx, type_ctx, element, value_key, type_key, language_key)
        if language_key is not None:
            raise Unsupported("@language in a node object")

        if id_key is None:
            subject = self.fresh()
        else:
            identifier = element[id_key]
            if not isinstance(identifier, str):
                raise Unsupported("@id is not a string")
            subject = self.label(ctx.expand_id(identifier))
            if strict and not id_compacted(ctx, identifier, subject):
                raise Unsupported("not compacted: @id")
        if free and not (types or properties):
            raise Unsupported("node would be dropped")
        for name in types:
            iri = type_ctx.expand_vocab(name)
            if iri is None or iri in KEYWORDS:
                raise Unsupported("relative @type")
            self.add(subject, _RDF_TYPE, f"<{iri}>", graph)
        if mark is None:
            for key, iri in properties:
                self.property(ctx, subject, key, iri, element[key], graph)
        else:
            self.enclosed_properties(ctx, subject, element, properties, bool(types), graph, mark)
        return subject, None

    def enclosed_properties(
        self,
        ctx: Ctx,
        subject: str,
        element: dict[str, Any],
        properties: list[tuple[str, str]],
        typed: bool,
        graph: str,
        mark: tuple[int, int, int, Ctx],
    ) -> None:
        """Emit the properties of an object that fills a ``@graph`` container (a credential
        in a presentation, its proof), and note where its quads went, its :data:`LEFT_OUT`
        members' apart (:class:`Enclosed`): a proof's check reuses them."""
        cuts: list[_Span] = []
        for key, iri in properties:
            if key in LEFT_OUT:
                first, first_repeat = len(self.quads), len(self.repeats)
                self.property(ctx, subject, key, iri, element[key], graph)
                cuts.append((first, first_repeat, len(self.quads), len(self.repeats)))
            else:
                self.property(ctx, subject, key, iri, element[key], graph)
        left_out: list[str] = [key for key in LEFT_OUT if key in element]
        if (
            self.enclosed is not None
            and self.embedded == mark[2]  # no context embedded deeper: it would be compared
            # with the enclosing document's (``self.root``), not with this object's
            and (typed or len(properties) > len(cuts))  # not dropped alone
            and len(cuts) == len(left_out)  # each left-out member emitted as a property
        ):
            whole = (mark[0], mark[1], len(self.quads), len(self.repeats))
            self.enclosed.append(
                Enclosed(
                    element,
                    left_out,
                    mark[3],
                    graph,
                    self.quads,
                    self.repeats,
                    [whole, *cuts],
                    self.budget,
                    self.strict,
                )
            )

    def value_object(
        self,
        ctx: Ctx,
        type_ctx: Ctx,
        element: dict[str, Any],
        value_key: str,
        type_key: str | None,
        language_key: str | None,
    ) -> tuple[str, Any]:
        value = element[value_key]
        if value is None:
            raise Unsupported("null @value")
        if type_key is not None:
            if language_key is not None:
                raise Unsupported("typed value with language")
            name = element[type_key]
            if not isinstance(name, str):
                raise Unsupported("unusual @type value")
            if ctx.expand_vocab(name) == "@json":
                if type_ctx.expand_vocab(name) != "@json":
                    raise Unsupported("ambiguous @json")
                literal, identity, objects = _json_literal(value)
                self.counted(objects)
                return literal, identity
            datatype = type_ctx.expand_vocab(name)
            if datatype is None or datatype in KEYWORDS:
                raise Unsupported("unusual datatype")
            return _literal(value, datatype, None)
        if language_key is not None:
            if not isinstance(value, str):
                raise Unsupported("language on a non-string")
            return _literal(value, None, _check_language(element[language_key]))
        return _literal(value, None, None)

    def scalar(self, ctx: Ctx, prop: str, value: Any) -> tuple[str, Any]:
        """pyld ``_expand_value`` for a property value that is a string, number or boolean."""
        term = ctx.term(prop)
        if term.iri is None or term.iri in KEYWORDS:
            raise Unsupported("property redefined by its scoped context")
        coercion = term.type
        if coercion is None and term.language is None and term.direction is None:
            return _literal(value, None, None)  # the usual case
        if isinstance(value, str):
            if coercion == "@id":
                node = self.label(ctx.expand_id(value))
                if self.strict and not id_compacted(ctx, value, node):
                    raise Unsupported("not compacted: IRI")
                return node, None
            if coercion == "@vocab":
                iri = ctx.expand_vocab(value)
                if iri is None or iri in KEYWORDS:
                    raise Unsupported("unusual @vocab value")
                if self.strict and not ctx.compacts_vocab(value):
                    raise Unsupported("not compacted: vocabulary IRI")
                return f"<{iri}>", None
        if self.strict and (coercion in ("@id", "@vocab", "@none") or term.language is not None):
            raise Unsupported("not compacted: value form")
        if coercion is not None and coercion not in ("@id", "@vocab", "@none"):
            if coercion == "@json" or not isinstance(coercion, str):
                raise Unsupported("unusual coercion")
            return _literal(value, coercion, None)
        if isinstance(value, str):
            if term.direction is not None:
                raise Unsupported("@direction")
            if term.language is not None:
                return _literal(value, None, _check_language(term.language))
        return _literal(value, None, None)

    def item(self, ctx: Ctx, prop: str, value: Any, graph: str) -> tuple[str, Any]:
        if isinstance(value, dict):
            return self.element(ctx, prop, value, graph, free=False)
        if isinstance(value, str | int | float):  # bool is an int
            return self.scalar(ctx, prop, value)
        raise Unsupported("null or array in a list")

    def property(self, ctx: Ctx, subject: str, key: str, iri: str, value: Any, graph: str) -> None:
        term = ctx.term(key)
        if term.reverse:
            raise Unsupported("@reverse")
        container = term.container
        if container - {"@set", "@graph", "@list", "@language"}:
            raise Unsupported("index, id or type map")
        inner = ctx.with_context("P", term.scoped) if term.scoped is not None else ctx
        predicate = f"<{iri}>"
        if term.type == "@json":
            if container - {"@set"}:
                raise Unsupported("@json in a container")
            literal, identity, objects = _json_literal(value)
            self.counted(objects)
            self.add(subject, predicate, literal, graph, identity)
            return
        if "@language" in container and isinstance(value, dict):
            self.language_map(ctx, inner, subject, key, predicate, value, graph)
            return
        strict = self.strict
        if type(value) is list:
            values = value
            # checked with the next object; strict mode refuses nested arrays anyway
            self.values += len(value) if strict else _items(value)
        else:
            values = [value]
        if strict:
            if "@language" in container:
                raise Unsupported("not compacted: value of a language map term")
            if not values and not container:  # compaction never writes [] for a plain term
                raise Unsupported("empty array")
            if term.shared:
                check_selected(ctx, key, iri, term, values)
        if "@list" in container:
            if "@graph" in container:
                raise Unsupported("@list with @graph")
            if strict and (term.type is not None or term.language is not None):
                raise Unsupported("not compacted: typed list")
            items = [self.item(inner, key, v, graph)[0] for v in values]
            head = _RDF_NIL
            if items:
                nodes = [self.fresh() for _ in items]
                head = nodes[0]
                for node, obj, rest in zip(nodes, items, [*nodes[1:], _RDF_NIL], strict=True):
                    self.add(node, _RDF_FIRST, obj, graph)
                    self.add(node, _RDF_REST, rest, graph)
            self.add(subject, predicate, head, graph)
            return
        for v in values if strict else _flatten(values):
            if strict:
                kind = type(v)
                if kind is dict:
                    if "@graph" not in container:
                        check_node_value(inner, term, v)
                elif kind is list or v is None:
                    raise Unsupported("not compacted: null or nested array")
            if "@graph" in container:
                if not isinstance(v, dict):
                    raise Unsupported("@graph container value is not an object")
                name = self.fresh()
                self.element(inner, key, v, name, free=True)
                self.add(subject, predicate, name, graph)
            else:
                obj, dedup = self.item(inner, key, v, graph)
                self.add(subject, predicate, obj, graph, dedup)

    def language_map(
        self,
        ctx: Ctx,
        inner: Ctx,
        subject: str,
        key: str,
        predicate: str,
        value: dict[str, Any],
        graph: str,
    ) -> None:
        self.counted(len(value) + sum(_items(texts) for texts in value.values()))
        if ctx.term(key).direction is not None:
            raise Unsupported("@direction")
        if not value:
            raise Unsupported("empty language map")
        for tag, texts in value.items():
            language = None if inner.expand_vocab(tag) == "@none" else _check_language(tag)
            if self.strict and language != tag:
                raise Unsupported("not compacted: language map key")
            for text in texts if isinstance(texts, list) else [texts]:
                if not isinstance(text, str):
                    raise Unsupported("language map value is not a string")
                obj, dedup = _literal(text, None, language)
                self.add(subject, predicate, obj, graph, dedup)

    # -- canonical form ------------------------------------------------------------------------

    def canonical(self) -> str:
        """RDFC-1.0 canonical N-Quads, as rdf-canonize 5 (lib/RDFC10.js) writes them.

        Blank nodes are labelled by their first-degree hashes. When two blank nodes share one
        (their labels then depend on N-degree hashing: a presentation of credentials with alike
        blank nodes), the full path's port of RDFC-1.0 goes on from these hashes, under
        ``budget``: its result depends only on the dataset, not on labels.
        """
        self.counted(0)  # array items counted since the last object
        self.check_pairs()
        quads = self.quads
        if not self.blank:
            lines = [_line(*quad) for quad in quads]
        else:
            label = self._labels()
            lines = [
                f"{label.get(s, s)} {p} {label[o] if o[0] == '_' else o}"
                f"{f' {label[g]} .' if g else ' .'}\n"
                for s, p, o, g in quads
            ]
        lines.sort()
        return _checked("".join(lines))

    def _labels(self) -> dict[str, str]:
        """Canonical label of each blank node (RDFC-1.0 sections 4.4.3 and 4.6)."""
        mentions: defaultdict[str, list[_Quad]] = defaultdict(list)
        for quad in self.quads:
            s, _, o, g = quad
            if s[0] == "_":
                mentions[s].append(quad)
            if o[0] == "_" and o != s:
                mentions[o].append(quad)
            if g and g != s and g != o:
                mentions[g].append(quad)
        by_hash: dict[str, list[str]] = {}
        hashes: dict[str, str] = {}
        tied = False
        for node, mentioned in mentions.items():
            digest = hashes[node] = _hash_first_degree(node, mentioned)
            alike = by_hash.get(digest)
            if alike is None:
                by_hash[digest] = [node]
            else:
                alike.append(node)
                tied = True
        if not tied:
            return {by_hash[digest][0]: f"_:c14n{i}" for i, digest in enumerate(sorted(by_hash))}
        # Code point order is UTF-16 order here (``_checked`` declines the text otherwise).
        rdfc = _Rdfc10([], self.budget)
        rdfc.bnode_hash = hashes
        rdfc.bnode_quads = FastPathQuads(mentions)
        return rdfc.label(by_hash)


def _checked(text: str) -> str:
    """Canonical N-Quads the fast path vouches for: UTF-8 without lone surrogates, and no
    string where JavaScript's UTF-16 sort order differs from code point order."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise Unsupported("lone surrogate") from None
        if _ASTRAL.search(text) and re.search(_HIGH_BMP, text):
            raise Unsupported("UTF-16 and code point orders differ")
    return text


def _items(value: Any) -> int:
    """Items of an array, nested arrays' included (0 for a single value)."""
    if not isinstance(value, list):
        return 0
    return len(value) + sum(_items(item) for item in value if isinstance(item, list))


def _flatten(values: list[Any]) -> Iterator[Any]:
    """Array items as expansion sees them outside lists: nested arrays flattened, nulls dropped."""
    for value in values:
        if isinstance(value, list):
            yield from _flatten(value)
        elif value is not None:
            yield value


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _hash_first_degree(node: str, quads: list[_Quad]) -> str:
    """RDFC-1.0 Hash First Degree Quads: ``node`` as ``_:a``, other blank nodes as ``_:z``."""
    lines = [
        f"{('_:a' if s == node else '_:z') if s[0] == '_' else s} {p} "
        f"{('_:a' if o == node else '_:z') if o[0] == '_' else o}"
        f"{(' _:a .' if g == node else ' _:z .') if g else ' .'}\n"
        for s, p, o, g in quads
    ]
    lines.sort()
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
