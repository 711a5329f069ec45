"""Fast, exact RDFC-1.0 canonicalization for the JSON-LD documents vcportable signs and verifies.

:func:`canonize_fast` returns exactly the canonical N-Quads of :func:`vcportable.jsonld.canonize`
(safe mode, rdf-canonize 5 output, for either ``rdf_direction``), or ``None`` when the document
uses JSON-LD that this path does not model; the caller then runs the full path, which also raises
the proper errors::

    text = canonfast.canonize_fast(document, loader)
    if text is None:
        text = jsonld.canonize(document, loader)

:func:`explain` says why a document falls back, :func:`stats` counts, :func:`cache_info` reports
the size of the (bounded) compiled-context cache. With ``compacted=True`` (what
:func:`vcportable.jsonld.canonize_signed` asks for) the walk also proves that the document is in
compacted form for its own contexts (:mod:`._compacted`), and declines whatever it cannot prove.

Why it is fast: nearly all of pyld's time goes into re-processing ~25 KB of contexts and into a
generic expansion. Here

1. every context set is processed **once**, by pyld itself (so term definitions, ``@protected``,
   type- and property-scoped contexts follow pyld exactly), and kept as a compiled active
   context with memoized key expansions and memoized scoped-context transitions, in a bounded
   LRU per document loader (:func:`cache_info`);
2. the compact document is walked once, following pyld's expansion algorithm step by step
   (context reverting, property-scoped then embedded then type-scoped contexts, ``@id`` /
   ``@vocab`` / datatype coercion, default and term languages, language maps, ``@json``,
   ``@list`` and ``@graph`` containers such as ``proof`` and ``verifiableCredential``), emitting
   quads directly with node-map semantics and the JSON-LD-to-RDF literal forms;
3. blank nodes get their canonical labels from RDFC-1.0's first-degree hashes, and the quads are
   written with rdf-canonize's escaping and sorted. When two blank nodes share a first-degree
   hash (N-degree hashing decides), the full path's port of rdf-canonize (``jsonld._rdfc``)
   goes on from these hashes, under the same work budget: its result depends only on the
   dataset.
   pyoxigraph's ``Dataset.canonicalize`` is not used: 0.5.13 labels such ties differently from
   rdf-canonize when blank nodes name graphs (a verifiable presentation of two similar
   credentials), and the first-degree phase in Python is faster than the round trip through it.

Within :func:`sharing` (the Data Integrity verifier opens it around a presentation), the walk
of a presentation keeps where the quads of each enclosed credential and of its proof went, and
the canonicalizations of what the credential's own proof signs (the credential without its
proof, the proof configuration) take them instead of walking them again: an enclosed
credential is walked with the very active context it has alone (``verifiableCredential``
resets the context), so its quads are the same (``_share``).

A property keeps every value that pyld and jsonld.js keep: two values are one when their JSON-LD
identity (``@value`` of the same JSON type, ``@type`` as written, ``@language``) is equal, so
``"a"`` and ``{"@value": "a", "@type": "xsd:string"}`` are two equal N-Quads lines, as both write
them; where pyld and jsonld.js would disagree (two equal ``@json`` structures) it declines.

Exactness over coverage: anything outside the modelled subset raises an internal ``Unsupported``
internally, and the fast path answers ``None``. The subset excludes, on purpose, every corner
where pyld and jsonld.js (safe mode) disagree or where safe mode must fail: terms that are not
defined, relative or unusual IRIs (only absolute IRIs of printable ASCII without
``<>"{}|^`\\`` pass), ``null``, empty arrays and objects, nodes that would be dropped,
``@index``, ``@reverse``, ``@nest``, ``@included``, explicit ``@graph``/``@list``/``@set``
objects, index/id/type maps, ``@direction``, invalid BCP 47 tags, numbers JavaScript reads
differently (integers it cannot represent, tiny doubles, rounding ties, 1e21 and beyond), strings
typed ``xsd:double``, equal ``@json`` structures repeated on one property,
lone surrogates, strings where JavaScript's UTF-16 sort order differs from code-point order
(astral characters next to U+E000..U+FFFF), contexts with ``@import`` or keyword-like terms.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import CanonicalizationTooComplex
from ..jsonld._rdfc import DEFAULT_BUDGET, CanonicalizationBudget
from ..nonblocking import WouldBlock
from . import _share
from ._compacted import check_context
from ._context import (
    CacheInfo,
    Loader,
    Unsupported,
    cache_info,
    clear_cache,
    compiler_for,
    set_cache_size,
)
from ._emit import Emitter
from ._share import sharing

__all__ = [
    "CacheInfo",
    "Loader",
    "cache_info",
    "canonize_fast",
    "clear_cache",
    "explain",
    "set_cache_size",
    "sharing",
    "stats",
]

_stats: Counter[str] = Counter()


def _run(document: Any, loader: Loader, compacted: bool, budget: CanonicalizationBudget) -> str:
    if not isinstance(document, dict):
        raise Unsupported("document is not an object")
    compiler = compiler_for(loader)
    context = document.get("@context")
    if compacted:
        check_context(context)
    ctx = compiler.root(context)
    session = _share.current()
    if session is not None:
        walked = session.alone(document, ctx, budget, compacted)
        if walked is not None:
            _stats["shared walk"] += 1
            return walked.canonical()
    emitter = Emitter(strict=compacted, budget=budget)
    emitter.root, emitter.context = ctx, context
    if session is not None:
        emitter.enclosed = []
    emitter.element(ctx, None, document, "", free=True, context_applied=True)
    text = emitter.canonical()
    if session is not None and emitter.enclosed:
        session.keep(emitter.enclosed)
    return text


def _attempt(
    document: Any,
    loader: Loader,
    compacted: bool = False,
    budget: CanonicalizationBudget = DEFAULT_BUDGET,
) -> tuple[str | None, str | None]:
    try:
        return _run(document, loader, compacted, budget), None
    except CanonicalizationTooComplex:
        raise  # the same dataset: the full path would spend the same budget in vain
    except Unsupported as exc:
        return None, str(exc)
    except RecursionError:
        return None, "nesting too deep"
    except WouldBlock:
        raise  # on an event loop: the whole verification moves to a thread
    except Exception as error:  # pyld errors, unknown contexts...: the full path reports them
        return None, f"error: {type(error).__name__}"


# --------------------------------------------------------------------------------------------
# Public API


def canonize_fast(
    document: object,
    loader: Loader,
    *,
    compacted: bool = False,
    budget: CanonicalizationBudget = DEFAULT_BUDGET,
) -> str | None:
    """Canonical N-Quads (RDFC-1.0) of ``document``, or ``None`` to use the full path.

    When it returns a string, that string is byte-identical to
    ``vcportable.jsonld.canonize(document, loader, compacted=compacted)``. With ``compacted``
    it returns a string only for documents it proves to be in compacted form (see
    :func:`vcportable.jsonld.canonize_signed`). It never modifies ``document`` and raises only
    :class:`~vcportable.errors.CanonicalizationTooComplex` when ``budget`` runs out (the full
    path would too); a document it cannot vouch for (including every document the full path
    rejects, and contexts the loader refuses) gets ``None``.
    """
    result, reason = _attempt(document, loader, compacted, budget)
    _stats["fast" if result is not None else "fallback"] += 1
    if reason is not None:
        _stats[f"fallback: {reason}"] += 1
    return result


def explain(document: object, loader: Loader, *, compacted: bool = False) -> str | None:
    """Why :func:`canonize_fast` falls back for ``document`` (``None`` when it does not)."""
    return _attempt(document, loader, compacted)[1]


def stats() -> dict[str, int]:
    """Counters since start: ``fast``, ``fallback`` and ``fallback: <reason>``, and ``shared
    walk`` (fast answers that took the quads of an enclosing walk, see :func:`sharing`)."""
    return dict(_stats)
