"""The compacted-form proof of the fast path (the rule: :mod:`vcportable.jsonld._compacted`).

While it emits quads, the fast path in strict mode checks that compacting the document with its
own contexts would give the document back, for the shapes it models:

* a key is a term of the active context that is the only term for its IRI (or keyword) or the
  one pyld's compaction selects for each of its values, a keyword that has no alias, or an
  undefined term that the context's ``@vocab`` expands and no term claims;
* a ``@type`` value and a ``@type: @vocab`` value are what pyld's own IRI compaction writes;
* an ``@id`` (or ``@type: @id`` value) is an absolute IRI that no prefix of the context would
  shorten, or a blank node identifier;
* values are in the form compaction writes for the term's definition: no value objects, no
  node objects under a datatype, no ``null`` and no nested arrays, language maps with
  lower-case tags; a node reference written ``{"id": x}`` where the term coerces to ``@id`` is
  taken for the IRI x (as the full path does).

Anything else is ``Unsupported``: the full path does the real round trip and decides.
"""

from __future__ import annotations

from typing import Any

from ..errors import InlineContextNotAllowed
from ..jsonld._compacted import holds_inline_terms, refuse_inline_vocab_in_context
from ._context import Ctx, Unsupported, _Term


def check_context(local: Any) -> None:
    """An embedded context must not set ``@vocab`` or ``@base``, and a context that defines
    terms inline goes to the full path, which holds them to
    :func:`~vcportable.jsonld._compacted.refuse_inline_aliases` (both refuse such documents)."""
    try:
        refuse_inline_vocab_in_context(local)
    except InlineContextNotAllowed:
        raise Unsupported("@vocab or @base in an embedded context") from None
    if holds_inline_terms(local):
        raise Unsupported("terms defined in an inline context")


def id_compacted(ctx: Ctx, value: str, node: str) -> bool:
    """Would compaction write the IRI of ``node`` (an N-Quads term) back as ``value``?"""
    if value.startswith("_:"):
        return True
    inverse = ctx.inverse()
    return (
        node == f"<{value}>"
        and not value.startswith(inverse.prefixes)
        and not value.startswith(inverse.schemes)
    )


def check_node_value(ctx: Ctx, term: _Term, value: dict[str, Any]) -> None:
    """A node object is written as compaction writes it for ``term``: not under a datatype.
    Where the term coerces to ``@id``, a bare node reference is ``{"id": x}`` (the rule takes
    it for the IRI x that compaction writes); under ``@type: @vocab`` it is left to the full
    path."""
    if term.type not in (None, "@id", "@vocab"):
        raise Unsupported("not compacted: node object under a datatype")
    reference = len(value) == 1 and ctx.expand_vocab(next(iter(value))) == "@id"
    if reference and (term.type == "@vocab" or (term.type == "@id" and "id" not in value)):
        raise Unsupported("not compacted: node reference where compaction writes an IRI")


def check_selected(ctx: Ctx, key: str, iri: str, term: _Term, values: list[Any]) -> None:
    """When several terms share ``iri``, compaction picks one per value: it must be ``key``."""
    for value in values:
        shape: str | None = None
        if isinstance(value, dict) and "@graph" not in term.container:
            ids = [v for k, v in value.items() if ctx.expand_vocab(k) == "@id"]
            shape = "node" if not ids else _node_id_shape(ctx, ids[0])
        elif isinstance(value, str) and term.type == "@id":
            shape = _node_id_shape(ctx, value)
        elif isinstance(value, str | int | float) and term.type not in ("@id", "@vocab", "@json"):
            shape = "plain" if term.type is None else "typed"
        if shape is None or ctx.selected_term(iri, shape, term.type) != key:
            raise Unsupported("not compacted: term shared by several IRIs")


def _node_id_shape(ctx: Ctx, identifier: Any) -> str | None:
    if not isinstance(identifier, str):
        return None
    if identifier.startswith("_:"):
        return "node-id"
    iri = ctx.expand_id(identifier)[1:-1]
    return "node-id" if ctx.inverse().counts.get(iri, 0) == 0 else None
