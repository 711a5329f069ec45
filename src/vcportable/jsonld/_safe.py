"""JSON-LD expansion and toRdf in safe mode (pyld with hooks), and :func:`canonize`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from ..errors import CanonicalizationError, VcPortableError
from ._compacted import check_compacted, refuse_hidden_statements, refuse_inline_aliases
from ._loader import _ABSOLUTE_IRI, BCP47, DocumentLoader, _BoundedCache, _walk_contexts
from ._numbers import (
    _jcs,
    _js_canonical_double,
    _js_is_double,
    _js_number,
    _js_parse_float,
    _js_to_fixed_0,
)
from ._rdfc import (
    _RDF_JSON,
    _XSD_DOUBLE,
    _XSD_INTEGER,
    DEFAULT_BUDGET,
    CanonicalizationBudget,
    _iri_term,
    _object_term,
    _Quad,
    _Rdfc10,
    too_many_values,
    too_many_values_in_document,
)

RdfDirection = Literal["i18n-datatype"] | None


# --------------------------------------------------------------------------------------------
# Expansion and toRdf in safe mode (pyld with hooks)
# --------------------------------------------------------------------------------------------


class _Dropped(Exception):
    def __init__(self, expanded: Any) -> None:
        super().__init__(expanded)
        self.expanded = expanded


def _is_absolute(value: object) -> bool:
    return isinstance(value, str) and _ABSOLUTE_IRI.match(value) is not None


def _describe(path: Sequence[Any]) -> str:
    keys = [str(key) for key in path if key is not None]
    return ".".join(keys) if keys else "the top-level object"


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, failing where jsonld.js in safe mode fails (its ``safe: true`` events)."""

    def __init__(self, rdf_direction: RdfDirection, processed: _BoundedCache) -> None:
        super().__init__(on_property_dropped=self._on_property_dropped)
        self._rdf_direction = rdf_direction
        self._processed = processed
        self._path: list[Any] = []

    # -- events raised while expanding ---------------------------------------------------

    @staticmethod
    def _on_property_dropped(expanded: Any) -> None:
        raise _Dropped(expanded)

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        try:
            result = super()._expand_object(
                active_ctx,
                active_property,
                expanded_active_property,
                element,
                expanded_parent,
                *args,
                **kwargs,
            )
        except _Dropped as dropped:
            key = self._dropped_key(active_ctx, element, dropped.expanded)
            raise CanonicalizationError(
                f"invalid property: {key!r} in {_describe(self._path)} is not defined by the "
                "active @context (safe mode refuses to drop it: it would not be signed)"
            ) from None
        self._check_graph_containers(active_ctx, element, expanded_parent)
        return result

    def _check_graph_containers(
        self, active_ctx: Any, element: Mapping[str, Any], expanded_parent: Mapping[str, Any]
    ) -> None:
        # jsonld.js drops an empty object, a value, a list or an object with only @id found in
        # an @graph container (safe mode: an error); pyld keeps it as an empty named graph.
        mappings = active_ctx.get("mappings") or {}
        for key in element:
            mapping = mappings.get(key)
            if not mapping or not mapping.get("@container"):
                continue
            container = _pyld.JsonLdProcessor.arrayify(mapping["@container"])
            if "@graph" not in container or "@id" in container or "@index" in container:
                continue
            for value in _pyld.JsonLdProcessor.arrayify(expanded_parent.get(mapping["@id"], [])):
                if not (isinstance(value, dict) and "@graph" in value):
                    continue
                for item in _pyld.JsonLdProcessor.arrayify(value["@graph"]):
                    if not isinstance(item, dict) or (
                        len(item) == 0
                        or "@value" in item
                        or "@list" in item
                        or (len(item) == 1 and "@id" in item)
                    ):
                        raise CanonicalizationError(_drop_reason(item, [*self._path, key]))

    def _dropped_key(self, active_ctx: Any, element: Mapping[str, Any], expanded: Any) -> str:
        for key in sorted(element):
            if key == "@context":
                continue
            candidate = self._expand_iri(active_ctx, key, vocab=True)
            if candidate == expanded and not (
                candidate is not None
                and (_pyld._is_absolute_iri(candidate) or _pyld._is_keyword(candidate))
            ):
                return key
        return str(expanded)

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        is_object = isinstance(element, dict)
        if is_object:
            self._path.append(active_property)
        try:
            result = super()._expand(
                active_ctx,
                active_property,
                element,
                options,
                inside_list=inside_list,
                inside_index=inside_index,
                type_scoped_ctx=type_scoped_ctx,
            )
            if result is None:
                if element is not None and not isinstance(element, list):
                    raise CanonicalizationError(_drop_reason(element, self._path))
            elif is_object and isinstance(result, dict):
                self._check_expanded(result)
            elif isinstance(result, dict) and "@id" in result:
                # A string coerced to an IRI (@type: @id / @vocab). jsonld.js checks it only
                # when it becomes an RDF object: a blank node identifier is relabelled whatever
                # its characters, an empty one is silently skipped (refused here).
                node_id = result["@id"]
                if not (isinstance(node_id, str) and node_id.startswith("_:")) and not (
                    _is_absolute(node_id)
                ):
                    where = _describe([*self._path, active_property])
                    raise CanonicalizationError(f"{_iri_problem('@id', node_id)} in {where}")
            return result
        finally:
            if is_object:
                self._path.pop()

    def _check_expanded(self, result: Mapping[str, Any]) -> None:
        if "@value" in result or "@list" in result or "@set" in result:
            return
        where = _describe(self._path)
        if "@id" in result:
            node_id = result["@id"]
            if not _is_absolute(node_id):
                raise CanonicalizationError(f"{_iri_problem('@id', node_id)} in {where}")
        for node_type in result.get("@type", ()):
            if not _is_absolute(node_type):
                raise CanonicalizationError(
                    f"{_iri_problem('@type', node_type)} in {where} "
                    "(is the type defined by the active @context?)"
                )

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # pyld caches contexts loaded by URL, but processes type- and property-scoped contexts
        # again for every node (a fresh child context gets a fresh id). The result depends
        # only on the active context (its _uuid), the local context object and the flags, so
        # it is memoized per loader; the entry holds the local context, so its id() cannot be
        # reused while cached.
        key: tuple[Any, ...] | None = None
        uuid = active_ctx.get("_uuid")
        if uuid is not None and not args and "cycles" not in kwargs:
            key = (uuid, id(local_ctx), tuple(sorted(kwargs.items())))
            cached = self._processed.get(key)
            if cached is not None and cached[0] is local_ctx:
                return cached[1]
        result = super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)
        vocab = result.get("@vocab")
        if vocab is not None and not _is_absolute(vocab):
            raise CanonicalizationError(f"relative @vocab reference {vocab!r} in a @context")
        if key is not None and "_uuid" in result:
            self._processed[key] = (local_ctx, result)
        return result

    # -- toRdf -----------------------------------------------------------------------------

    def dataset(self, expanded: Any, options: dict[str, Any]) -> list[_Quad]:
        """pyld's to_rdf of an expanded document, with jsonld.js's toRdf safe-mode checks, as a
        list of quads."""
        issuer = _pyld.IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        quads: list[_Quad] = []
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default":
                graph_term = None
            elif _is_absolute(graph_name):
                graph_term = _iri_term(graph_name)
            else:
                raise CanonicalizationError(_iri_problem("graph", graph_name))
            _check_graph(graph)
            for triple in self._graph_to_rdf(graph, issuer, options):
                predicate = triple["predicate"]["value"]
                quads.append(
                    (
                        _iri_term(triple["subject"]["value"]),
                        _iri_term(predicate),
                        _object_term(triple["object"]),
                        graph_term,
                        predicate,
                    )
                )
        return quads

    def _object_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> Any:
        if isinstance(item, dict) and "@value" in item:
            value = item["@value"]
            datatype = item.get("@type")
            language = item.get("@language")
            if language is not None and not (isinstance(language, str) and BCP47.match(language)):
                raise CanonicalizationError(f"invalid @language value {language!r} (not BCP47)")
            if "@direction" in item and self._rdf_direction is None and datatype != "@json":
                raise CanonicalizationError(
                    f"@direction on {value!r} cannot be expressed in RDF (rdfDirection not set)"
                )
            if datatype == "@json":
                return {"type": "literal", "value": _jcs(value), "datatype": _RDF_JSON}
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = _js_number(value)
                if _js_is_double(number) or datatype == _XSD_DOUBLE:
                    return _literal(_js_canonical_double(number), datatype or _XSD_DOUBLE)
                return _literal(_js_to_fixed_0(number), datatype or _XSD_INTEGER)
            if datatype == _XSD_DOUBLE and isinstance(value, str):
                return _literal(_js_canonical_double(_js_parse_float(value)), _XSD_DOUBLE)
        result = super()._object_to_rdf(item, issuer, triples, options)
        if result is None:
            target = item.get("@id") if isinstance(item, dict) else item
            raise CanonicalizationError(_iri_problem("object", target))
        return result


def _literal(value: str, datatype: str) -> dict[str, str]:
    return {"type": "literal", "value": value, "datatype": datatype}


def _check_graph(graph: Mapping[str, Mapping[str, Any]]) -> None:
    """jsonld.js toRdf events: relative subject, relative predicate, blank node predicate."""
    for subject, node in graph.items():
        for prop, items in node.items():
            if not items or (prop != "@type" and _pyld._is_keyword(prop)):
                continue
            if not _is_absolute(subject):
                raise CanonicalizationError(_iri_problem("subject", subject))
            if prop == "@type":
                continue
            if not _is_absolute(prop):
                raise CanonicalizationError(_iri_problem("predicate", prop))
            if prop.startswith("_:"):
                raise CanonicalizationError(
                    f"blank node predicate {prop!r}: RDF cannot use a blank node identifier as a "
                    "property (is a term mapped to one?)"
                )


def _iri_problem(keyword: str, value: object) -> str:
    if not isinstance(value, str):
        return f"reserved or null {keyword} value"
    if not value:
        return f"empty {keyword} value (it would be left out of the signed data)"
    if re.match(r"^([A-Za-z][A-Za-z0-9+-.]*|_):", value):
        return f"{keyword} value {value!r} contains whitespace, which an IRI cannot contain"
    return (
        f"relative {keyword} reference {value!r} (vcportable canonicalizes without a base IRI; "
        "use absolute IRIs)"
    )


def _drop_reason(element: Any, path: Sequence[Any]) -> str:
    where = _describe(path)
    if not isinstance(element, dict):
        return f"free-floating scalar {element!r} in {where} would be dropped"
    keys = {key for key in element if key != "@context"}
    if not keys:
        reason = "empty object"
    elif "@value" in element and element["@value"] is None:
        reason = "object with a null @value"
    elif len(keys) == 1:
        reason = f"object with only {next(iter(keys))!r}"
    else:
        reason = "object with a null @value or only @language"
    return f"{reason} in {where} would be dropped (safe mode)"


# --------------------------------------------------------------------------------------------
# canonize
# --------------------------------------------------------------------------------------------


def canonize(
    document: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    rdf_direction: RdfDirection = "i18n-datatype",
    compacted: bool = False,
    budget: CanonicalizationBudget = DEFAULT_BUDGET,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, in safe mode.

    Byte-identical to ``rdf-canonize`` 5 after ``jsonld.toRDF`` (jsonld.js 9) with the options
    the ``eddsa-rdfc-2022`` cryptosuite uses: ``safe: true``, ``base: null``,
    ``rdfDirection: 'i18n-datatype'``. Pass ``rdf_direction=None`` for ``jsonld.canonize``'s
    default (then ``@direction`` is an error). With ``compacted`` the document must also be in
    compacted form for its own contexts, without ``@vocab``/``@base`` in an embedded context
    (see :func:`vcportable.jsonld.canonize_signed`).

    Raises :class:`ContextNotAllowedError` for a context ``loader`` does not serve (checked first),
    :class:`CanonicalizationError` when the document cannot be canonicalized without losing
    data, with the offending term or path in the message, and its subclasses
    :class:`NotCompactedError` and :class:`CanonicalizationTooComplex` (``budget`` ran out).
    """
    if not isinstance(document, Mapping):
        raise CanonicalizationError("a JSON-LD document must be a JSON object")
    if compacted:
        refuse_hidden_statements(document)
    _walk_contexts(document, loader, strict=True, exact_integers=compacted)
    if json_values(document) > budget.max_values:
        raise too_many_values_in_document(budget)
    if compacted:
        refuse_inline_aliases(document, loader)
    processor = _SafeProcessor(rdf_direction, loader._processed)
    options = _options(loader, rdf_direction)
    with _pyld_errors():
        with loader._pyld_lock:
            expanded = processor.expand(dict(document), options)
        if value_pairs(expanded) > budget.max_value_pairs:
            raise too_many_values(budget)
        if compacted:
            check_compacted(
                document,
                expanded,
                loader,
                lambda sub: _expand(sub, loader, rdf_direction),
            )
        with loader._pyld_lock:
            quads = processor.dataset(expanded, options)
    return _Rdfc10(quads, budget).run()


def json_values(document: Any) -> int:
    """JSON values below the top: object members and array items, outside ``@context``
    (the fast path counts the same as it walks)."""
    count = 0
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            members = [value for key, value in item.items() if key != "@context"]
            count += len(members)
            stack.extend(members)
        elif isinstance(item, list):
            count += len(item)
            stack.extend(item)
    return count


def value_pairs(expanded: Any) -> int:
    """The node map's work: for each (graph, node, property), n values make n(n-1)/2 pairs.

    Counted on the expanded form the way the fast path counts the quads it adds, so both
    paths refuse the same documents: nodes with the same ``@id`` in one graph are one node,
    a node without ``@id`` is its own, ``@graph`` containers open graphs of their own.
    """
    counts: dict[tuple[Any, Any, str], int] = {}
    pairs = 0
    stack: list[tuple[Any, Any]] = [(node, "@default") for node in expanded]
    while stack:
        item, graph = stack.pop()
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@list" in item:
            stack.extend((member, graph) for member in item["@list"])
            continue
        subject = item.get("@id")
        if not isinstance(subject, str):
            subject = id(item)
        for key, values in item.items():
            if key == "@graph":
                stack.extend((member, subject) for member in values)
            elif key == "@type" or not key.startswith("@"):
                slot = (graph, subject, key)
                count = counts.get(slot, 0)
                pairs += count * len(values) + len(values) * (len(values) - 1) // 2
                counts[slot] = count + len(values)
                if key != "@type":
                    stack.extend((value, graph) for value in values)
    return pairs


def _options(loader: DocumentLoader, rdf_direction: RdfDirection) -> dict[str, Any]:
    return {
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader._resolved, loader),
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
        "extractAllScripts": False,
        "rdfDirection": rdf_direction,
    }


def _expand(document: Any, loader: DocumentLoader, rdf_direction: RdfDirection) -> Any:
    """Safe-mode expansion of a document embedded in another (a credential in a presentation);
    :func:`canonize` checked its contexts and numbers already, with the enclosing document's."""
    processor = _SafeProcessor(rdf_direction, loader._processed)
    with _pyld_errors(), loader._pyld_lock:
        return processor.expand(dict(document), _options(loader, rdf_direction))


@contextmanager
def _pyld_errors() -> Iterator[None]:
    """pyld's exceptions as vcportable's."""
    try:
        yield
    except VcPortableError:
        raise
    except _pyld.JsonLdError as exc:
        ours = _our_error(exc)
        if ours is not None:
            raise ours from None  # ContextNotAllowedError etc. raised inside pyld's wrapping
        raise _describe_pyld_error(exc) from exc
    except RecursionError as exc:
        raise CanonicalizationError("the JSON-LD document is nested too deeply") from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError) as exc:
        raise CanonicalizationError(f"JSON-LD processing failed: {exc!r}") from exc


def _our_error(exc: BaseException) -> VcPortableError | None:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, VcPortableError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _describe_pyld_error(exc: BaseException) -> CanonicalizationError:
    innermost = exc
    while isinstance(innermost.__cause__, _pyld.JsonLdError):
        innermost = innermost.__cause__
    code = getattr(innermost, "code", None) or getattr(innermost, "type", "")
    message = str(innermost.args[0]) if innermost.args else type(innermost).__name__
    return CanonicalizationError(f"invalid JSON-LD ({code}): {message}")
