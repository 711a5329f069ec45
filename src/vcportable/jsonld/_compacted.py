"""The compacted-form rule of signed JSON-LD, decided by a real round trip (the full path).

A Data Integrity signature covers the RDF of a document; vcportable's checks read its JSON. The
two agree only if every key is the term the document's own contexts give to that property and
every value is written the way compaction writes it. So a document is accepted only if it equals
``compact(expand(document), document["@context"])`` (VC Data Model 2.0, "ensure compacted
form"), compared structurally:

* objects must have the same keys, and equal values under each key;
* a single value and a one-element array are equal (compaction writes a lone value unless the
  term's container is ``@list`` or ``@set``, where it writes an array; either spelling is the
  same RDF and the same JSON value for a check). This is one level only: a nested array where
  compaction gives a flat value is a difference;
* scalars are equal when their JSON types and values are (``true`` is not ``1``);
* a node reference written as an object, ``{"id": x}``, equals the IRI ``x`` that compaction
  writes for a term that coerces to ``@id``: both are the same RDF, the VC data model asks for
  ``credentialSubject`` and allows ``issuer`` and ``holder`` as objects, and every check reads
  both spellings (Digital Bazaar's selective disclosure derives such objects too);
* an object that carries its own ``@context`` below the top level (a credential inside a
  presentation, whose ``verifiableCredential`` term resets the context) is a document of its
  own and is checked with its own ``@context``.

The first difference is raised as :class:`~vcportable.errors.NotCompactedError`, naming the JSON
path and what compaction gives there instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NoReturn

from ..codec.walk import KEYWORD_NAMES, context_objects, nodes
from ..errors import InlineContextNotAllowed, NotCompactedError
from ._loader import BCP47, DocumentLoader

Expand = Callable[[Any], Any]
"""Expands a (sub-)document as the full path does (pyld in safe mode)."""

_INLINE_FORBIDDEN = ("@vocab", "@base")


def refuse_hidden_statements(document: Any) -> None:
    """Refuse what would state something where the checks do not read it.

    * An embedded context object that sets ``@vocab`` or ``@base``: it silently gives a meaning
      to every undefined term (or relative IRI) of the document, so a misspelt or unknown
      property would be signed instead of refused. Contexts loaded by URL (bundled, pinned)
      may set them: the VC examples context does.
    * ``@included`` and ``@reverse`` keys: they state properties of a node away from the node's
      own object (``"@included": [{"id": <the credential>, "validUntil": ...}]`` is the same
      RDF as a ``validUntil`` of the credential, which the validity check would not see).
    """
    for node in nodes(document):
        if "@context" in node:
            refuse_inline_vocab_in_context(node["@context"])
        for keyword in _ELSEWHERE:
            if keyword in node:
                raise InlineContextNotAllowed(
                    f"a signed document states properties under {keyword}, away from the "
                    "node they describe, where no check reads them; vcportable refuses it"
                )


#: Keywords that state a node's properties away from its own object.
_ELSEWHERE = ("@included", "@reverse")


def refuse_inline_vocab_in_context(value: Any) -> None:
    """The ``@vocab``/``@base`` rule of :func:`refuse_hidden_statements`, for one ``@context``
    value."""
    for ctx in context_objects(value):
        for keyword in _INLINE_FORBIDDEN:
            if keyword in ctx:
                raise InlineContextNotAllowed(
                    f"an embedded @context sets {keyword} ({ctx[keyword]!r}); vcportable "
                    f"refuses {keyword} in inline contexts of signed documents because it "
                    "silently gives a meaning to every undefined term (define each term, "
                    "or use a bundled context)"
                )


def holds_inline_terms(value: Any) -> bool:
    """Whether a ``@context`` value defines terms of its own (an object with a term in it)."""
    return _inline_terms(value, stop_at=1) > 0


def _inline_terms(value: Any, stop_at: int | None = None) -> int:
    """Term definitions in a ``@context`` value, scoped ones included (counting stops at
    ``stop_at``)."""
    count = 0
    for ctx in context_objects(value):
        count += sum(1 for key in ctx if not key.startswith("@"))
        if stop_at is not None and count >= stop_at:
            break
    return count


def refuse_inline_aliases(document: Any, loader: DocumentLoader) -> None:
    """Refuse an inline context that gives a second name to what the contexts name already.

    The RDF of a document, which its signature covers, is the same whether a property is
    written under the term a bundled context gives it or under a second term that an inline
    context adds for the same IRI (``{"vu": "https://www.w3.org/2018/credentials#validUntil"}``),
    and compaction even picks the shorter one. Every check reads JSON keys: ``validUntil`` moved
    to ``vu`` by anyone holding the credential would be an expiry that no check sees, under the
    issuer's intact signature. So a term of an inline context (in ``@context``, embedded in a
    node, or scoped in such a term) may be new vocabulary only: no alias of a keyword, and no
    IRI that a term of the bundled contexts (their scoped contexts included) names otherwise.
    Documents without inline terms cost nothing here."""
    inline = _inline_context_values(document)
    if not inline:
        return
    from pyld import jsonld as _pyld  # only documents with inline terms come this far

    processor = _pyld.JsonLdProcessor()
    options = _apart_options(loader)
    top = document.get("@context") if isinstance(document, Mapping) else None
    urls = [c for c in (top if isinstance(top, list) else [top]) if isinstance(c, str)]
    try:
        with loader._pyld_lock:
            initial = processor._get_initial_context(options)
            base = _processed(processor, initial, urls, options) if urls else initial
            known = _known_names(loader, tuple(_bundled_urls(document)))
            for value in inline:
                active = base
                for entry in value if isinstance(value, list) else [value]:
                    after = _processed(processor, active, entry, options)
                    if isinstance(entry, dict):
                        _check_inline(processor, options, after, entry, known)
                    active = after
    except _pyld.JsonLdError as exc:
        reason = str(exc.args[0] if exc.args else exc).strip().rstrip(".")
        raise InlineContextNotAllowed(
            f"an inline @context of this document cannot be processed: {reason[:200]}"
        ) from None


def _apart_options(loader: DocumentLoader) -> dict[str, Any]:
    """pyld options for the alias check: its own resolved-context cache (see the loader's
    ``_resolved_apart``), so that what it processes with protection overridable is never what
    expansion reuses."""
    from pyld.context_resolver import ContextResolver

    return {
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader._resolved_apart, loader),
        "processingMode": "json-ld-1.1",
    }


def _processed(processor: Any, active: Any, local: Any, options: dict[str, Any]) -> Any:
    """``local`` processed onto ``active`` as expansion does where it applies: a scoped
    context may redefine protected terms (JSON-LD 1.1, 4.1.11)."""
    return processor._process_context(
        active, local, options, override_protected=True, validate_scoped=False
    )  # scoped contexts are processed where :func:`_check_inline` meets them, once each


#: Most term definitions a signed document's inline contexts may hold (a credential's own
#: vocabulary is a handful; each is processed by pyld under the loader's lock).
MAX_INLINE_TERMS = 256


def _inline_context_values(document: Any) -> list[Any]:
    found: list[Any] = []
    terms = 0
    for node in nodes(document):
        if "@context" in node and holds_inline_terms(node["@context"]):
            found.append(node["@context"])
            terms += _inline_terms(node["@context"])
            if terms > MAX_INLINE_TERMS:
                raise InlineContextNotAllowed(
                    f"the document's inline contexts define more than {MAX_INLINE_TERMS} "
                    "terms; vcportable refuses that many in a signed document"
                )
    return found


def _bundled_urls(document: Any) -> list[str]:
    """Every context URL the document names, at any depth (the loader serves bundled ones)."""
    urls: list[str] = []
    for node in nodes(document):
        context = node.get("@context")
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, str) and entry not in urls:
                urls.append(entry)
    return urls


@lru_cache(maxsize=64)
def _known_names(loader: DocumentLoader, urls: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """IRI (or keyword) -> the terms the contexts at ``urls`` give it, scoped ones included:
    the same for every document naming the same contexts (about 6 ms of pyld each time).
    The caller holds the loader's pyld lock."""
    from pyld import jsonld as _pyld

    processor = _pyld.JsonLdProcessor()
    options = _apart_options(loader)
    initial = processor._get_initial_context(options)
    names: dict[str, set[str]] = {}
    seen: set[str] = set()
    pending = [(initial, url) for url in urls]
    while pending:
        active, local = pending.pop()
        key = json.dumps(local, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        processed = _processed(processor, active, local, options)
        for term, mapping in processed["mappings"].items():
            if not mapping:
                continue
            iri = mapping.get("@id")
            if isinstance(iri, str):
                names.setdefault(iri, set()).add(term)
            if "@context" in mapping:
                pending.append((processed, mapping["@context"]))
    return {iri: frozenset(terms) for iri, terms in names.items()}


def _check_inline(
    processor: Any,
    options: dict[str, Any],
    active: Any,
    local: dict[str, Any],
    known: dict[str, frozenset[str]],
) -> None:
    """Each term ``local`` defines (``active``: the context with ``local`` applied), then each
    inline context scoped in them, each processed once (iteratively: no depth is too deep)."""
    pending = [(active, local)]
    while pending:
        active, local = pending.pop()
        for term, definition in local.items():
            if term.startswith("@"):
                continue
            mapping = active["mappings"].get(term) or {}
            iri = mapping.get("@id")
            if not isinstance(iri, str):
                continue
            if iri.startswith("@") and (term, iri) not in KEYWORD_NAMES:
                raise InlineContextNotAllowed(
                    f"an inline @context makes {term!r} an alias of {iri}: vcportable refuses "
                    "keyword aliases in inline contexts of signed documents, which let the same "
                    "data be written under keys that no check reads"
                )
            named = known.get(iri, frozenset())
            if named and term not in named:
                raise InlineContextNotAllowed(
                    f"an inline @context makes {term!r} a second name for {iri}, which the "
                    f"bundled contexts call {sorted(named)[0]!r}: the same signed data could "
                    "then hide from the checks that read that key; use the bundled term"
                )
            scoped = definition.get("@context") if isinstance(definition, dict) else None
            if scoped is not None and holds_inline_terms(scoped):
                scope = active
                for entry in scoped if isinstance(scoped, list) else [scoped]:
                    scope = _processed(processor, scope, entry, options)
                    if isinstance(entry, dict):
                        pending.append((scope, entry))


def check_compacted(
    document: Mapping[str, Any], expanded: Any, loader: DocumentLoader, expand: Expand
) -> None:
    """Raise NotCompactedError unless ``document`` is the compaction of ``expanded`` (its own
    expansion, by the full path) with its own ``@context``; ``expand`` expands the documents
    embedded in it."""
    _Comparer(loader, expand).document(document, expanded, "")


class _Comparer:
    def __init__(self, loader: DocumentLoader, expand: Expand) -> None:
        self.loader = loader
        self.expand = expand
        self.urls: tuple[str, ...] = ()

    def _options(self) -> dict[str, Any]:
        from pyld.context_resolver import ContextResolver  # only the full path needs pyld

        return {
            "base": None,
            "documentLoader": self.loader,
            "contextResolver": ContextResolver(self.loader._resolved, self.loader),
            "processingMode": "json-ld-1.1",
            "compactArrays": True,
            "compactToRelative": False,
            "skipExpansion": True,  # the full path expanded it already
        }

    def document(self, document: Mapping[str, Any], expanded: Any, path: str) -> None:
        from pyld import jsonld as _pyld

        if not path:
            self.urls = tuple(_bundled_urls(document))
        context = document.get("@context")
        with self.loader._pyld_lock:
            compacted = _pyld.JsonLdProcessor().compact(
                expanded, {"@context": context} if context is not None else {}, self._options()
            )
        if context is None:
            compacted.pop("@context", None)
        self.object(document, compacted, path, root=True)

    def object(self, original: Mapping[str, Any], compacted: Any, path: str, *, root: bool) -> None:
        if not isinstance(compacted, dict):
            _differ(path, original, compacted)
        if not root and "@context" in original:
            self.subdocument(original, path)
            return
        extra = [key for key in original if key not in compacted]
        missing = [key for key in compacted if key not in original]
        if extra or missing:
            where = _join(path, extra[0]) if extra else path
            raise NotCompactedError(
                f"not in compacted form at {where or 'the top level'}: "
                + (f"key {extra[0]!r} is not the term compaction gives for it" if extra else "")
                + ("; " if extra and missing else "")
                + (f"compaction gives key(s) {', '.join(map(repr, missing))}" if missing else "")
                + " (write each property with the term its @context defines)",
                path=where,
            )
        for key, value in original.items():
            if key == "@context" and root:
                continue
            if key == "@language" and _same_tag(value, compacted[key]):
                continue  # BCP 47 tags ignore case; expansion lower-cases them before signing
            if key in ("type", "@type") and self.same_types(value, compacted[key]):
                continue
            self.value(value, compacted[key], _join(path, key))

    def same_types(self, written: Any, compacted: Any) -> bool:
        """Whether ``written`` types are those compaction gives, each the same or a term the
        bundled contexts define as an alias of it (Open Badges 3.0 defines
        ``AchievementCredential`` as ``OpenBadgeCredential``, which compaction prefers): one
        type under another of its names, which the checks read alike (the profile's types)."""
        one = written if isinstance(written, list) else [written]
        other = compacted if isinstance(compacted, list) else [compacted]
        if len(one) != len(other) or not all(isinstance(t, str) for t in (*one, *other)):
            return False
        if one == other:
            return True
        with self.loader._pyld_lock:
            names = _known_names(self.loader, self.urls)
        return all(a == b or _aliases(names, a, b) for a, b in zip(one, other, strict=True))

    def value(self, original: Any, compacted: Any, path: str, *, unwrap: bool = True) -> None:
        if isinstance(original, list) or isinstance(compacted, list):
            if not (isinstance(original, list) and isinstance(compacted, list)):
                if unwrap and isinstance(original, list) and len(original) == 1:
                    self.value(original[0], compacted, f"{path}[0]", unwrap=False)
                    return
                if unwrap and isinstance(compacted, list) and len(compacted) == 1:
                    self.value(original, compacted[0], path, unwrap=False)
                    return
                _differ(path, original, compacted)
            if len(original) != len(compacted):
                _differ(path, original, compacted)
            for index, (item, other) in enumerate(zip(original, compacted, strict=True)):
                self.value(item, other, f"{path}[{index}]", unwrap=False)
        elif isinstance(original, dict):
            if isinstance(compacted, str) and original == {"id": compacted}:
                return  # a node reference, spelled as an object
            self.object(original, compacted, path, root=False)
        elif type(original) is not type(compacted) or original != compacted:
            _differ(path, original, compacted)

    def subdocument(self, document: Mapping[str, Any], path: str) -> None:
        self.document(document, self.expand(document), path)


def _aliases(names: dict[str, frozenset[str]], term: str, other: str) -> bool:
    """Whether the bundled contexts give ``term`` one meaning only, an IRI ``other`` names
    too."""
    meanings = [terms for terms in names.values() if term in terms]
    return len(meanings) == 1 and other in meanings[0]


def _same_tag(written: Any, compacted: Any) -> bool:
    """Whether ``written`` is the language tag compaction gives as ``compacted`` in another
    ASCII case (``ar-EG`` for ``ar-eg``); a letter that lower-cases into ASCII from elsewhere
    (the Kelvin sign into ``k``) is another spelling, never the tag that was signed."""
    return (
        isinstance(written, str)
        and written.isascii()
        and BCP47.match(written) is not None
        and written.lower() == compacted
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _differ(path: str, original: Any, compacted: Any) -> NoReturn:
    raise NotCompactedError(
        f"not in compacted form at {path or 'the top level'}: {_show(original)} is written "
        f"where compaction with the document's own @context gives {_show(compacted)}",
        path=path,
    )
