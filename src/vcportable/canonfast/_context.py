"""Compiled active contexts for the fast canonicalization path (see :mod:`vcportable.canonfast`).

Every context set is processed once, by pyld itself, so that term definitions, ``@protected``
and type- or property-scoped contexts follow pyld exactly; for the bundled contexts that work
was done ahead of time and is read from :mod:`.snapshot`, so pyld is imported only on a miss.
A :class:`Ctx` wraps one pyld active context and memoizes what the walk asks of it: key
expansions, term definitions, and the contexts reached from it (property-scoped ``P``,
type-scoped ``T``, embedded ``E``). Everything is bounded: context sets per loader (LRU),
loaders, contexts per set, memo entries per context.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ..jsonld._loader import BCP47 as BCP47
from ..jsonld._loader import KEYWORDS as KEYWORDS
from ..jsonld._loader import DocumentLoader
from ..nonblocking import WouldBlock, holding, refuse_on_loop
from ._cache_info import CacheInfo as CacheInfo

Loader = Callable[..., Any]
"""A pyld document loader: ``loader(url, options) -> RemoteDocument`` (vcportable's
:class:`~vcportable.jsonld.DocumentLoader` is one)."""

KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+$")
# pyld's own (weak) absolute-IRI test decides how a string expands ...
_PYLD_ABSOLUTE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
# ... and the result must also be an IRI that every implementation writes the same way:
# printable ASCII without <>"{}|^`\ and spaces, so no escaping and no whitespace disagreements.
IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[!#-;=?-\[\]_a-z~]*\Z")

_MAX_MEMO: Final = 4096  # memoized expansions per compiled context
_MAX_TRANSITIONS: Final = 256  # memoized scoped-context transitions per compiled context
#: The members of pyld's initial active context (what a ``null`` context resets to).
_INITIAL_KEYS: Final = frozenset({"mappings", "processingMode", "_uuid"})
_MAX_CONTEXTS_PER_SET: Final = 2048  # compiled contexts reachable from one context set
_MAX_LOADERS: Final = 8

ABSENT: Final = object()


class Unsupported(Exception):
    """The document leaves the subset the fast path models (turns into ``None``)."""


class _Set:
    """Bookkeeping for one cached context set (everything compiled from it)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


@dataclass(frozen=True, slots=True)
class _Term:
    """What one key means in one active context (pyld's ``get_context_value`` answers)."""

    iri: str | None  # expansion with vocab=True: an IRI, a keyword, or None (dropped)
    container: frozenset[str]
    type: Any  # '@id', '@vocab', '@json', '@none', a datatype IRI, or None
    language: Any
    direction: Any
    scoped: Any  # the term's scoped context (False for null), None when absent
    reverse: bool
    shared: bool  # other terms of the context map to the same IRI (compaction must choose)


@dataclass(frozen=True, slots=True)
class Inverse:
    """The part of pyld's inverse context that the compacted-form checks need."""

    counts: dict[str, int]  # IRI or keyword -> number of terms mapping to it
    prefixes: tuple[str, ...]  # IRIs of the terms compaction may use as CURIE prefixes
    schemes: tuple[str, ...]  # "term:" of those terms (an IRI starting so is refused)

    @classmethod
    def of(cls, mappings: Any) -> Inverse:
        counts: dict[str, int] = {}
        prefixes: list[str] = []
        schemes: list[str] = []
        for term, mapping in mappings.items():
            if mapping is None or not isinstance(mapping.get("@id"), str):
                continue
            iri = mapping["@id"]
            counts[iri] = counts.get(iri, 0) + 1
            if mapping.get("_prefix") and ":" not in term:
                prefixes.append(iri)
                schemes.append(term + ":")
        return cls(counts, tuple(prefixes), tuple(schemes))


class Ctx:
    """One pyld active context plus memoized lookups and transitions."""

    __slots__ = (
        "_compiler",
        "_expanded",
        "_inverse",
        "_keys_compacted",
        "_next",
        "_prev",
        "_terms",
        "_selected",
        "_vocab_compacted",
        "mappings",
        "owner",
        "raw",
        "vocab",
    )

    def __init__(self, compiler: _Compiler, raw: Any, owner: _Set) -> None:
        owner.count += 1
        if owner.count > _MAX_CONTEXTS_PER_SET:
            raise Unsupported("too many scoped contexts")
        self.raw = raw
        self.owner = owner
        self.mappings: Any = raw["mappings"]
        vocab = raw.get("@vocab")
        if vocab is not None and not (isinstance(vocab, str) and IRI.match(vocab)):
            raise Unsupported("unusual @vocab")
        self.vocab: str | None = vocab
        language = raw.get("@language")
        if language is not None and not (isinstance(language, str) and BCP47.match(language)):
            raise Unsupported("invalid default language")
        if raw.get("@direction") is not None:
            raise Unsupported("@direction")
        self._expanded: dict[str, str | None] = {}
        self._terms: dict[str, _Term] = {}
        self._next: dict[tuple[str, Any], tuple[Any, Ctx]] = {}
        self._prev: Ctx | None = None
        self._compiler = compiler
        self._inverse: Inverse | None = None
        self._keys_compacted: dict[str, bool] = {}
        self._vocab_compacted: dict[str, bool] = {}
        self._selected: dict[tuple[str, str, str | None], str | None] = {}

    # -- IRI expansion (pyld JsonLdProcessor._expand_iri, for the cases kept) ------------------

    def expand_vocab(self, value: str) -> str | None:
        """A key, type or ``@vocab`` value: an absolute IRI, a keyword, or None (not usable)."""
        try:
            return self._expanded[value]
        except KeyError:
            pass
        result = self._expand_vocab(value)
        if len(self._expanded) < _MAX_MEMO:
            self._expanded[value] = result
        return result

    def _expand_vocab(self, value: str) -> str | None:
        if value in KEYWORDS:
            return value
        if KEYWORD_LIKE.match(value):
            return None
        if value in self.mappings:
            mapping = self.mappings[value]
            iri = mapping.get("@id") if mapping is not None else None
            if isinstance(iri, str) and (iri in KEYWORDS or IRI.match(iri)):
                return iri
            return None
        prefixed = self._expand_prefixed(value)
        if prefixed is not ABSENT:
            return prefixed if isinstance(prefixed, str) and IRI.match(prefixed) else None
        if self.vocab is not None:
            iri = self.vocab + value
            return iri if IRI.match(iri) else None
        return None  # relative: pyld keeps or resolves it, jsonld.js drops it

    def _expand_prefixed(self, value: str) -> Any:
        colon = value.find(":")
        if colon <= 0:
            return ABSENT
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_":
            return None  # blank node identifier
        if suffix.startswith("//"):
            return value
        mapping = self.mappings.get(prefix)
        if mapping and mapping.get("_prefix"):
            return mapping["@id"] + suffix
        if _PYLD_ABSOLUTE.match(value):
            return value
        return ABSENT

    def expand_id(self, value: str) -> str:
        """A document-relative IRI (``@id`` and ``@type: @id`` values) as an N-Quads term.

        Blank node identifiers are returned as ``_:label`` (relabelled by the caller).
        """
        if value.startswith("_:"):
            return value
        if value in KEYWORDS or KEYWORD_LIKE.match(value):
            raise Unsupported("keyword-like @id")
        iri = self._expand_prefixed(value)
        if isinstance(iri, str) and IRI.match(iri):
            return f"<{iri}>"
        raise Unsupported("relative or unusual IRI")

    # -- compaction (what compacting with this context writes back) -----------------------------

    def inverse(self) -> Inverse:
        """How many terms map to each IRI or keyword, and the prefixes compaction may use."""
        if self._inverse is None:
            self._inverse = Inverse.of(self.mappings)
        return self._inverse

    def key_compacted(self, key: str) -> bool:
        """Would compaction write the property (or keyword) ``key`` expands to as ``key``?

        A term that is the only one for its IRI (several: compaction picks one per value, see
        ``_compacted.check_selected``), a keyword that has no alias, the only alias of a
        keyword, or an undefined term that ``@vocab`` expands and no term claims.
        """
        result = self._keys_compacted.get(key)
        if result is None:
            result = self._key_compacted(key)
            if len(self._keys_compacted) < _MAX_MEMO:
                self._keys_compacted[key] = result
        return result

    def _key_compacted(self, key: str) -> bool:
        expanded = self.expand_vocab(key)
        if expanded is None:
            return False
        counts = self.inverse().counts
        if key.startswith("@"):
            return counts.get(key, 0) == 0
        if expanded.startswith("@"):
            return counts.get(expanded, 0) == 1
        if key in self.mappings:
            return counts.get(expanded, 0) >= 1
        vocab = self.vocab
        return (
            vocab is not None
            and ":" not in key
            and expanded == vocab + key
            and counts.get(expanded, 0) == 0
        )

    def compacts_vocab(self, value: str) -> bool:
        """Does compaction (vocabulary-relative, as for ``@type`` values and ``@type: @vocab``
        terms) write ``value`` back unchanged? Asks pyld itself, once per value."""
        try:
            return self._vocab_compacted[value]
        except KeyError:
            pass
        iri = self.expand_vocab(value)
        result = False
        if iri is not None and iri not in KEYWORDS:
            with holding(self._compiler.lock):
                result = self._compiler.processor._compact_iri(self.raw, iri, vocab=True) == value
        if len(self._vocab_compacted) < _MAX_MEMO:
            self._vocab_compacted[value] = result
        return result

    def selected_term(self, iri: str, shape: str, datatype: str | None = None) -> str | None:
        """The term pyld's compaction picks for property ``iri`` and one value of ``shape``:
        ``node`` (no ``@id``), ``node-id`` (an ``@id`` no term claims), ``plain`` (string,
        number or boolean) or ``typed`` (a value of ``datatype``). Needed when several terms
        share an IRI, as Open Badges' ``criteria`` and ``Criteria`` do."""
        memo = (iri, shape, datatype)
        try:
            return self._selected[memo]
        except KeyError:
            pass
        values: dict[str, dict[str, Any]] = {
            "node": {"@type": []},
            "node-id": {"@id": "_:b0"},
            "plain": {"@value": "x"},
            "typed": {"@value": "x", "@type": datatype},
        }
        with holding(self._compiler.lock):
            term: str | None = self._compiler.processor._compact_iri(
                self.raw, iri, value=values[shape], vocab=True
            )
        if len(self._selected) < _MAX_MEMO:
            self._selected[memo] = term
        return term

    # -- term definitions ----------------------------------------------------------------------

    def term(self, key: str) -> _Term:
        try:
            return self._terms[key]
        except KeyError:
            pass
        raw = self.raw
        language = raw.get("@language")
        direction = raw.get("@direction")
        container: frozenset[str] = frozenset()
        type_ = scoped = None
        reverse = False
        if key in self.mappings:
            entry = self.mappings[key]
            if entry is None:
                language = direction = None
            else:
                container = frozenset(entry.get("@container") or ())
                type_ = entry.get("@type")
                scoped = entry.get("@context")
                reverse = bool(entry.get("reverse"))
                if "@language" in entry:
                    language = entry["@language"]
                if "@direction" in entry:
                    direction = entry["@direction"]
        iri = self.expand_vocab(key)
        term = _Term(
            iri=iri,
            container=container,
            type=type_,
            language=language,
            direction=direction,
            scoped=scoped,
            reverse=reverse,
            shared=iri is not None and self.inverse().counts.get(iri, 0) > 1,
        )
        if len(self._terms) < _MAX_MEMO:
            self._terms[key] = term
        return term

    def scoped_context_of(self, type_name: str) -> Any:
        """``get_context_value(ctx, type_name, '@context')``."""
        entry = self.mappings.get(type_name)
        return entry.get("@context") if entry else None

    # -- transitions -----------------------------------------------------------------------------

    def reverted(self) -> Ctx:
        """pyld ``_revert_to_previous_context``."""
        previous = self.raw.get("previousContext")
        if not previous:
            return self
        if self._prev is None or self._prev.raw is not previous:
            self._prev = Ctx(self._compiler, previous, self.owner)
        return self._prev

    def embedded(self, local: Any) -> Ctx:
        """Apply an object's own ``@context``. Where this is the initial context (a credential
        in a presentation: ``verifiableCredential`` resets the context) the result is the one
        a document with that ``@context`` compiles to (:meth:`_Compiler.root`, pyld's same
        processing from the same initial context), so that an enclosed credential walks with
        the very context it walks with alone, and its quads can serve both
        (:class:`vcportable.canonfast._emit.Enclosed`)."""
        if self.initial():
            return self._compiler.root(local)
        return self.with_context("E", local)

    def initial(self) -> bool:
        """Is this pyld's initial active context (what a ``null`` context resets to)?"""
        raw = self.raw
        return (
            not self.mappings
            and raw.keys() <= _INITIAL_KEYS
            and raw.get("processingMode") == "json-ld-1.1"
        )

    def with_context(self, kind: str, local: Any) -> Ctx:
        """Apply a scoped context: ``P`` property-scoped, ``T`` type-scoped, ``E`` embedded."""
        if kind == "E":  # from the document: keyed by content, vetted like a context document
            key: tuple[str, Any] = (kind, json.dumps(local, ensure_ascii=False))
        else:  # from a term definition (vetted with its context), kept alive by the entry below
            key = (kind, id(local))
        hit = self._next.get(key)
        if hit is not None and (kind == "E" or hit[0] is local):
            return hit[1]
        if kind == "E":
            self._compiler.vet(local)
        raw = self._compiler.process(
            self.raw, local, override_protected=kind == "P", propagate=kind != "T"
        )
        child = Ctx(self._compiler, raw, self.owner)
        if len(self._next) < _MAX_TRANSITIONS:
            self._next[key] = (local, child)
        return child


def _vet_context(value: Any, fetch: Callable[[str], None]) -> None:
    """Refuse (conservatively) contexts the full path rejects in safe mode while pyld accepts
    them: ``@import``, keyword-like terms or IRIs (``@foo``), invalid default languages. URLs,
    including those of scoped contexts that may never be used, are loaded through ``fetch``."""
    stack = [value]
    while stack:
        ctx = stack.pop()
        if isinstance(ctx, list):
            stack.extend(ctx)
        elif isinstance(ctx, str):
            fetch(ctx)
        elif isinstance(ctx, dict):
            if "@import" in ctx:
                raise Unsupported("@import")
            language = ctx.get("@language")
            if language is not None and not (isinstance(language, str) and BCP47.match(language)):
                raise Unsupported("invalid default language")
            for term, definition in ctx.items():
                if KEYWORD_LIKE.match(term) and term not in KEYWORDS:
                    raise Unsupported("keyword-like term")
                if isinstance(definition, str):
                    definition = {"@id": definition}
                if not isinstance(definition, dict):
                    continue
                for member in ("@id", "@reverse"):
                    iri = definition.get(member)
                    if isinstance(iri, str) and KEYWORD_LIKE.match(iri) and iri not in KEYWORDS:
                        raise Unsupported("keyword-like IRI")
                if "@context" in definition:
                    stack.append(definition["@context"])
        elif ctx is not None and ctx is not False:
            raise Unsupported("unusual @context value")


class _BoundedDict:
    """The shared cache handed to pyld's ContextResolver, bounded (LRU on insertion). It wraps
    an OrderedDict rather than subclassing it (mypyc cannot compile such a subclass): pyld calls
    ``get`` and ``[key] = value`` only."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        return self._items.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)


class _Compiler:
    """Everything cached for one document loader."""

    def __init__(self, loader: Loader, max_sets: int) -> None:
        self.loader = loader
        self.vetted: set[str] = set()
        self.lock = threading.RLock()
        self.use_snapshot = True
        self._processor: Any = None
        self.resolved = _BoundedDict(128)
        self.max_sets = max_sets
        self.sets: OrderedDict[Any, tuple[_Set, Ctx | str]] = OrderedDict()

    def load(self, url: str, options: Any = None) -> Any:
        """The loader as pyld sees it: every context document is vetted once."""
        remote = self.loader(url, options)
        if url not in self.vetted:
            document = remote.get("document") if isinstance(remote, dict) else None
            if not isinstance(document, dict):
                raise Unsupported("unusual context document")
            self.vetted.add(url)
            try:
                _vet_context(document.get("@context"), self.fetch)
            except BaseException:
                self.vetted.discard(url)
                raise
        return remote

    def fetch(self, url: str) -> None:
        if url not in self.vetted:
            self.load(url)

    def vet(self, local: Any) -> None:
        with holding(self.lock):
            _vet_context(local, self.fetch)

    @property
    def processor(self) -> Any:
        """pyld's processor, imported on first use (a cold verify of a bundled credential
        never needs it)."""
        if self._processor is None:
            refuse_on_loop("importing pyld")  # about 100 ms: a worker thread does it
            from pyld.jsonld import JsonLdProcessor

            self._processor = JsonLdProcessor()
        return self._processor

    def process(self, active: Any, local: Any, *, override_protected: bool, propagate: bool) -> Any:
        refuse_on_loop("processing a context with pyld")
        from pyld.context_resolver import ContextResolver

        options = {
            "documentLoader": self.load,
            "base": "",
            "processingMode": "json-ld-1.1",
            "isFrame": False,
            "contextResolver": ContextResolver(self.resolved, self.load),
        }
        with holding(self.lock):
            return self.processor._process_context(
                active, local, options, override_protected=override_protected, propagate=propagate
            )

    def root(self, local: Any) -> Ctx:
        """The active context of a document's top-level ``@context``, compiled once.

        A context set that cannot be compiled (not served, refused by pyld or by the vetting) is
        remembered too, so that a stream of such documents does not recompile it every time.
        """
        key: Any
        if type(local) is list and all(type(url) is str for url in local):
            key = tuple(local)  # the usual case: a list of URLs, keyed without serializing
        else:
            key = json.dumps(local, ensure_ascii=False)
        with holding(self.lock):
            hit = self.sets.get(key)
            if hit is not None:
                self.sets.move_to_end(key)
        if hit is None:
            owner = _Set()
            result: Ctx | str
            try:
                result = self._compile(key, local, owner)
            except Unsupported as exc:
                result = str(exc)
            except WouldBlock:
                raise  # not the context set's fault: not remembered
            except Exception as error:  # e.g. a context the loader does not serve
                result = f"context: {type(error).__name__}"
            hit = (owner, result)
            with holding(self.lock):
                self.sets[key] = hit
                while len(self.sets) > self.max_sets:
                    self.sets.popitem(last=False)
        if isinstance(hit[1], str):
            raise Unsupported(hit[1])
        return hit[1]

    def _compile(self, key: Any, local: Any, owner: _Set) -> Ctx:
        recorded = self._recorded(key, owner)
        if recorded is not None:
            return recorded
        refuse_on_loop("compiling a context set with pyld")
        initial = self.processor._get_initial_context({"processingMode": "json-ld-1.1"})
        base = Ctx(self, initial, owner)
        return base.with_context("E", local) if local is not None else base

    def _recorded(self, key: Any, owner: _Set) -> Ctx | None:
        """The context set ``key`` from the snapshot, with its memos, if it holds it."""
        if not (self.use_snapshot and type(key) is tuple and type(self.loader) is DocumentLoader):
            return None
        from .snapshot import recorded  # not at the top: `python -m` runs that module

        nodes = recorded(key, self.loader)
        if nodes is None:
            return None
        compiled = [Ctx(self, node.raw, owner) for node in nodes]
        for ctx, node in zip(compiled, nodes, strict=True):
            ctx._prev = compiled[node.prev] if node.prev is not None else None
            for kind, local, child in node.next:
                ident = local if kind == "E" else id(local)
                ctx._next[(kind, ident)] = (local, compiled[child])
            ctx._vocab_compacted.update(node.vocab_compacted)
            ctx._selected.update(
                ((iri, shape, datatype), term) for iri, shape, datatype, term in node.selected
            )
        return compiled[0]


_lock = threading.Lock()
_compilers: OrderedDict[int, tuple[Loader, _Compiler]] = OrderedDict()
_max_sets = 64


def compiler_for(loader: Loader) -> _Compiler:
    with _lock:
        hit = _compilers.get(id(loader))
        if hit is not None and hit[0] is loader:
            _compilers.move_to_end(id(loader))
            return hit[1]
        compiler = _Compiler(loader, _max_sets)
        _compilers[id(loader)] = (loader, compiler)  # holds the loader: its id stays unique
        while len(_compilers) > _MAX_LOADERS:
            _compilers.popitem(last=False)
        return compiler


def cache_info() -> CacheInfo:
    with _lock:
        compilers = [compiler for _, compiler in _compilers.values()]
    sets = [owner for compiler in compilers for owner, _ in list(compiler.sets.values())]
    return CacheInfo(
        loaders=len(compilers),
        context_sets=len(sets),
        compiled_contexts=sum(owner.count for owner in sets),
        max_context_sets_per_loader=_max_sets,
        max_loaders=_MAX_LOADERS,
    )


def clear_cache() -> None:
    """Forget every compiled context (and the loaders they were compiled with)."""
    with _lock:
        _compilers.clear()


def set_cache_size(context_sets_per_loader: int) -> None:
    """Bound the number of distinct ``@context`` values kept per loader (default 64)."""
    global _max_sets
    if context_sets_per_loader < 1:
        raise ValueError("the cache must hold at least one context set")
    with _lock:
        _max_sets = context_sets_per_loader
        _compilers.clear()
