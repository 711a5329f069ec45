"""The MUST-level rules of the W3C VC Data Model, as a function that lists problems.

Why a function over plain JSON rather than a pydantic model: a verifier reads untrusted input,
so this must accept *anything* (a list, a number, deeply nested garbage), never raise, report
every problem at once, and cover what a schema cannot say (dates in order, unique ids, digests).
It checks VC Data Model 2.0 and, when the first context is the 1.1 one, VC Data Model 1.1
(``issuanceDate``/``expirationDate``).

A problem is ``(path, message)``. The path is the dotted JSON path of the offending value, with
array indices in brackets: ``credentialSubject.achievement.alignment[0].targetUrl``; ``""`` is
the document itself. The Open Badges profile (``models.credential``) uses the same paths and, for
the rules both check (URLs, dates), the same messages, so callers can merge the two lists.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from vcportable.codec.dates import XsdDateTime, date_problem, parse_date_time
from vcportable.codec.describe import json_type as _json_type
from vcportable.codec.describe import show as _show
from vcportable.codec.digests import parse_digest_multibase, parse_digest_sri, strongest_sri
from vcportable.codec.urls import is_url, url_problem
from vcportable.codec.walk import KEYWORD_NAMES, context_objects, nodes
from vcportable.errors import ConfigurationError

Problem = tuple[str, str]
Kind = Literal["credential", "presentation"]

VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"

# --------------------------------------------------------------------------------------------
# Helpers


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _items(value: object, path: str) -> Iterator[tuple[object, str]]:
    """The values of a "one or more" property, each with its path."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield item, f"{path}[{index}]"
    else:
        yield value, path


def _type_names(value: object) -> list[str] | None:
    """The type names of a ``type`` value, or None when it is not a string or strings."""
    if isinstance(value, str):
        return [value] if value else None
    if isinstance(value, list) and value and all(isinstance(t, str) and t for t in value):
        return [t for t in value if isinstance(t, str)]
    return None


# --------------------------------------------------------------------------------------------
# The rules


def check_data_model(doc: object, *, kind: Kind = "credential") -> list[Problem]:
    """Every MUST-level VC Data Model problem of ``doc`` as ``(path, message)``; ``[]`` if none.

    ``kind`` says what ``doc`` claims to be. Never raises for any JSON value; raises
    :class:`~vcportable.errors.ConfigurationError` only for an unknown ``kind``.
    Digests of related resources are checked for form here and against the resources by
    :func:`check_related_resources`.
    """
    return read_data_model(doc, kind=kind).problems


@dataclass(frozen=True, slots=True)
class DataModelReading:
    """What :func:`read_data_model` found: the problems, and whether an object below the root
    may carry an ``@context`` (False only when the walk of the ids visited every object of
    the document and none did: checking its contexts then needs its root's alone)."""

    problems: list[Problem]
    nested_contexts: bool


def read_data_model(doc: object, *, kind: Kind = "credential") -> DataModelReading:
    """:func:`check_data_model`, and where the document's ``@context`` values are, found by the
    same walk (a verifier checking them need not walk the document again)."""
    if kind not in ("credential", "presentation"):
        raise ConfigurationError(f"kind must be 'credential' or 'presentation', not {kind!r}")
    if not isinstance(doc, dict):
        problem = ("", f"a verifiable {kind} must be a JSON object, got {_json_type(doc)}")
        return DataModelReading([problem], nested_contexts=True)
    problems: list[Problem] = []
    version = _check_context(doc, problems)
    if kind == "credential":
        _check_credential(doc, version, problems)
    else:
        _check_presentation(doc, version, problems)
    skip = ("verifiableCredential",) if kind == "presentation" else ()
    ids_are_urls, nested_contexts = _walk_ids(doc, skip)
    if not ids_are_urls:
        _check_ids(doc, problems, skip=skip)
    _check_keyword_aliases(doc.get("@context"), problems)
    if nested_contexts:
        for node in nodes([v for k, v in doc.items() if k != "@context" and k not in skip]):
            _check_keyword_aliases(node.get("@context"), problems)
    # Objects under a skipped member were not visited: they may hold contexts.
    return DataModelReading(problems, nested_contexts or any(key in doc for key in skip))


def _check_keyword_aliases(context: Any, out: list[Problem]) -> None:
    """An inline context must not give a keyword another name: ``{"ident": "@id"}`` lets one
    object carry two identities, ``id`` and ``ident``, in any format (a token's payload gets
    no JSON-LD processing that would catch it). ``id`` and ``type``, the names the VC contexts
    give ``@id`` and ``@type``, may be defined again."""
    for ctx in context_objects(context):
        for term, definition in ctx.items():
            if term.startswith("@"):
                continue
            target = definition.get("@id") if isinstance(definition, dict) else definition
            # what it means, not how it is spelt: "id" is @id by the VC contexts' own alias
            target = _KEYWORD_OF.get(target, target) if isinstance(target, str) else target
            if (
                isinstance(target, str)
                and target.startswith("@")
                and (term, target) not in _ALIASED
            ):
                out.append(
                    (
                        f"@context.{term}",
                        f"makes {term!r} another name for {target}: an inline context may not "
                        "alias a keyword",
                    )
                )


def _check_context(doc: dict[Any, Any], out: list[Problem]) -> int:
    """Check ``@context`` and return the data model version it selects (1 or 2)."""
    if "@context" not in doc:
        out.append(("@context", "is required"))
        return 2
    context = doc["@context"]
    values = context if isinstance(context, list) else [context]
    path = "@context" if not isinstance(context, list) else "@context[0]"
    if not values:
        out.append(("@context", f"must not be empty; its first value must be {VC_V2_CONTEXT}"))
        return 2
    first = values[0]
    version = 1 if first == VC_V1_CONTEXT else 2
    if first not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        shown = _show(first) if isinstance(first, str) else _json_type(first)
        out.append(
            (
                path,
                f"must be {VC_V2_CONTEXT} (or {VC_V1_CONTEXT} for VC 1.1), got {shown}",
            )
        )
    for index, value in enumerate(values[1:], start=1):
        if isinstance(value, dict) or is_url(value):
            continue
        out.append((f"@context[{index}]", "must be a context URL or a context object"))
    return version


def _check_type(doc: dict[Any, Any], required: str, out: list[Problem]) -> None:
    if "type" not in doc:
        out.append(("type", "is required"))
        return
    names = _type_names(doc["type"])
    if names is None:
        out.append(("type", "must be a type name or a non-empty array of type names"))
    elif required not in names:
        out.append(("type", f"must include {required!r}"))


def _check_url_or_object(doc: dict[Any, Any], key: str, out: list[Problem]) -> None:
    """``issuer``/``holder``: a URL, or an object whose ``id`` is a URL (checked by the walk)."""
    value = doc[key]
    if isinstance(value, str):
        problem = url_problem(value)
        if problem:
            out.append((key, problem))
    elif isinstance(value, dict):
        if "id" not in value:
            out.append((f"{key}.id", "is required"))
        _check_text(value, key, out)
    else:
        out.append((key, f"must be a URL or an object with an id, got {_json_type(value)}"))


def _check_text(obj: dict[Any, Any], path: str, out: list[Problem]) -> None:
    """``name``/``description``: a string or language value objects (VC 2.0 section 4.6)."""
    for key in ("name", "description"):
        if key not in obj:
            continue
        for value, where in _items(obj[key], _key(path, key)):
            if isinstance(value, str) or _is_language_value(value):
                continue
            out.append((where, "must be a string or a language value object with @value"))


def _is_language_value(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("@value"), str):
        return False
    if not set(value) <= {"@value", "@language", "@direction"}:
        return False
    if "@language" in value and not isinstance(value["@language"], str):
        return False
    return value.get("@direction", "ltr") in ("ltr", "rtl")


def _check_subjects(doc: dict[Any, Any], out: list[Problem]) -> None:
    if "credentialSubject" not in doc:
        out.append(("credentialSubject", "is required"))
        return
    value = doc["credentialSubject"]
    if isinstance(value, list) and not value:
        out.append(("credentialSubject", "must not be an empty array"))
        return
    for subject, path in _items(value, "credentialSubject"):
        if not isinstance(subject, dict):
            out.append(
                (path, f"must be an object (or an array of objects), got {_json_type(subject)}")
            )
        elif not subject:
            out.append((path, "must make at least one claim about the subject"))


def _check_dates(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    if version == 1:
        if "issuanceDate" not in doc:
            out.append(("issuanceDate", "is required in a VC 1.1 credential"))
        for key in ("issuanceDate", "expirationDate"):
            if key in doc:
                problem = date_problem(doc[key], require_timezone=False)
                if problem:
                    out.append((key, problem))
        return
    instants: dict[str, XsdDateTime] = {}
    for key in ("validFrom", "validUntil"):
        if key in doc:
            instant = parse_date_time(doc[key])
            if instant is None:
                out.append((key, date_problem(doc[key]) or ""))
            else:
                instants[key] = instant
    start, end = instants.get("validFrom"), instants.get("validUntil")
    if start is not None and end is not None and _later(start, end):
        out.append(("validUntil", "must not be earlier than validFrom"))


def _later(start: XsdDateTime, end: XsdDateTime) -> bool:
    """Whether ``start`` is after ``end``: their instants (the fraction truncated to
    microseconds) decide unless they are equal; then the digits of the fraction do."""
    if start.instant != end.instant:
        return start.instant > end.instant
    return start.order_key() > end.order_key()


def _check_typed(
    doc: dict[Any, Any], key: str, out: list[Problem], *, require_id: bool = False
) -> None:
    """A property whose values are objects that each must have a ``type`` (and maybe an id)."""
    if key not in doc:
        return
    value = doc[key]
    if isinstance(value, list) and not value:
        out.append((key, "must not be an empty array (leave the property out instead)"))
        return
    for item, path in _items(value, key):
        if not isinstance(item, dict):
            out.append((path, f"must be an object with a type, got {_json_type(item)}"))
            continue
        if "type" not in item:
            out.append((f"{path}.type", "is required"))
        elif _type_names(item["type"]) is None:
            out.append((f"{path}.type", "must be a type name or a non-empty array of type names"))
        if require_id and "id" not in item:
            out.append((f"{path}.id", "is required"))


def _check_related_shape(doc: dict[Any, Any], out: list[Problem]) -> None:
    if "relatedResource" not in doc:
        return
    value = doc["relatedResource"]
    if isinstance(value, list) and not value:
        out.append(
            ("relatedResource", "must not be an empty array (leave the property out instead)")
        )
        return
    seen: dict[str, str] = {}
    for item, path in _items(value, "relatedResource"):
        if not isinstance(item, dict):
            out.append((path, f"must be an object with an id and a digest, got {_json_type(item)}"))
            continue
        resource_id = item.get("id")
        if "id" not in item:
            out.append((f"{path}.id", "is required"))
        elif isinstance(resource_id, str):
            if resource_id in seen:
                out.append((f"{path}.id", f"must be unique: {seen[resource_id]}.id is the same"))
            else:
                seen[resource_id] = path
        if "digestSRI" not in item and "digestMultibase" not in item:
            out.append((path, "needs a digestSRI or a digestMultibase"))
        if "digestSRI" in item and parse_digest_sri(item["digestSRI"]) is None:
            out.append(
                (
                    f"{path}.digestSRI",
                    "must be a Subresource Integrity value such as sha384-<base64 digest>",
                )
            )
        if "digestMultibase" in item and parse_digest_multibase(item["digestMultibase"]) is None:
            out.append(
                (
                    f"{path}.digestMultibase",
                    "must be a multibase ('u' or 'z') multihash of a sha2-256/384/512 digest",
                )
            )
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            out.append((f"{path}.mediaType", "must be a string such as application/json"))


def _check_credential(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    _check_type(doc, "VerifiableCredential", out)
    if "issuer" not in doc:
        out.append(("issuer", "is required"))
    else:
        _check_url_or_object(doc, "issuer", out)
    _check_subjects(doc, out)
    _check_dates(doc, version, out)
    if version == 2:
        _check_text(doc, "", out)
    # VC 1.1 also requires an id on status entries and refresh services; 2.0 only a type.
    _check_typed(doc, "credentialStatus", out, require_id=version == 1)
    _check_typed(doc, "credentialSchema", out, require_id=True)
    _check_typed(doc, "refreshService", out, require_id=version == 1)
    _check_typed(doc, "evidence", out)
    _check_typed(doc, "termsOfUse", out)
    _check_related_shape(doc, out)


def _check_presentation(doc: dict[Any, Any], version: int, out: list[Problem]) -> None:
    _check_type(doc, "VerifiablePresentation", out)
    if "holder" in doc:
        _check_url_or_object(doc, "holder", out)
    if version == 2:
        _check_text(doc, "", out)
    _check_typed(doc, "termsOfUse", out)
    _check_related_shape(doc, out)
    if "verifiableCredential" not in doc:
        return
    value = doc["verifiableCredential"]
    for item, path in _items(value, "verifiableCredential"):
        if isinstance(item, dict):
            if not item:
                out.append((path, "must be a verifiable credential, got an empty object"))
        elif version == 1 and isinstance(item, str) and item.count(".") == 2:
            continue  # VC-JWT 1.1 presentations carry credentials as compact JWS strings
        else:
            out.append((path, f"must be a verifiable credential object, got {_json_type(item)}"))


_ID_KEYS: Final = ("id", "@id")
#: Terms the VC contexts alias to keywords: an object must not carry both spellings.
_ALIASED: Final = KEYWORD_NAMES
_KEYWORD_OF: Final = dict(KEYWORD_NAMES)


def _collides(node: dict[Any, Any]) -> bool:
    return any(alias in node and keyword in node for alias, keyword in _ALIASED)


_CONTAINERS: Final = (dict, list)

# A path as a chain of (parent, key) links: O(1) to extend, rendered only for a problem.
_Trail = tuple[Any, str | int] | None


def _render(trail: _Trail) -> str:
    parts: list[str | int] = []
    while trail is not None:
        trail, part = trail
        parts.append(part)
    pieces = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in reversed(parts)]
    return "".join(pieces).removeprefix(".")


def _walk_ids(doc: dict[Any, Any], skip: tuple[str, ...]) -> tuple[bool, bool]:
    """Whether every ``id`` is one URL: the rule of :func:`_check_ids` without the paths, which
    only a document that breaks it needs (then :func:`_check_ids` finds where, in order); and
    whether an object below the root has an ``@context`` (True too when the walk stopped at a
    bad id before it saw every object). ``@context`` values and the root's ``skip`` members
    are not walked."""
    stack: list[object] = [
        value
        for key, value in doc.items()
        if key != "@context" and key not in skip and isinstance(value, _CONTAINERS)
    ]
    if _collides(doc):
        return False, True
    for name in _ID_KEYS:
        if name in doc and not is_url(doc[name]):
            return False, True
    nested_contexts = False
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if _collides(node):
                return False, True
            for name in _ID_KEYS:
                if name in node and not is_url(node[name]):
                    return False, True
            if "@context" in node:
                nested_contexts = True
            for key, value in node.items():
                if isinstance(value, _CONTAINERS) and key != "@context":
                    stack.append(value)
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, _CONTAINERS):
                    stack.append(value)
    return True, nested_contexts


def _check_ids(doc: dict[Any, Any], out: list[Problem], *, skip: tuple[str, ...]) -> None:
    """Every ``id`` in the document must be one URL (VC 2.0 section 4.4), contexts aside.

    Iterative and linear in the size of the document, whatever its depth; only objects and
    arrays are visited (a path link is made for those alone), in document order.
    """
    stack: list[tuple[object, _Trail]] = [(doc, None)]
    while stack:
        node, trail = stack.pop()
        if isinstance(node, dict):
            children: list[tuple[object, _Trail]] = []
            for alias, keyword in _ALIASED:
                if alias in node and keyword in node:
                    out.append(
                        (
                            _render((trail, keyword)),
                            f"{keyword} beside {alias}, which the contexts make the same "
                            "keyword: two values for one (JSON-LD refuses colliding keywords)",
                        )
                    )
            for key, value in node.items():
                if key == "@context" or (trail is None and key in skip):
                    continue
                if key in _ID_KEYS:
                    problem = (
                        f"must be a single URL, got {_json_type(value)}"
                        if isinstance(value, list)
                        else url_problem(value)
                    )
                    if problem:
                        out.append((_render((trail, key)), problem))
                elif isinstance(value, _CONTAINERS):
                    children.append((value, (trail, key if type(key) is str else str(key))))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend(
                (node[i], (trail, i))
                for i in range(len(node) - 1, -1, -1)
                if isinstance(node[i], _CONTAINERS)
            )


def check_related_resources(doc: object, fetch: Callable[[str], bytes | None]) -> list[Problem]:
    """Recompute the digests of every related resource ``fetch`` can supply offline.

    ``fetch(url)`` returns the resource's bytes, or None when it is not available (then nothing
    is reported: the caller says "not checked"). A digest that does not match is a problem;
    malformed entries are left to :func:`check_data_model`. Exceptions raised by ``fetch``
    propagate (a broken fetch is a bug of the caller, not a property of the credential).
    """
    if not isinstance(doc, dict) or "relatedResource" not in doc:
        return []
    problems: list[Problem] = []
    for item, path in _items(doc["relatedResource"], "relatedResource"):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        resource_id = item["id"]
        sri = parse_digest_sri(item.get("digestSRI"))
        multibase = parse_digest_multibase(item.get("digestMultibase"))
        if sri is None and multibase is None:
            continue
        data = fetch(resource_id)
        if data is None:
            continue
        if sri is not None:
            candidates = strongest_sri(sri)
            algorithm = candidates[0][0]
            actual = hashlib.new(algorithm, data).digest()
            if all(digest != actual for _, digest in candidates):
                problems.append(
                    (
                        f"{path}.digestSRI",
                        f"does not match {resource_id}: its {algorithm} digest is "
                        f"{algorithm}-{base64.b64encode(actual).decode()}",
                    )
                )
        if multibase is not None:
            algorithm, expected = multibase
            if hashlib.new(algorithm, data).digest() != expected:
                problems.append(
                    (
                        f"{path}.digestMultibase",
                        f"does not match {resource_id} (its {algorithm} digest differs)",
                    )
                )
    return problems


__all__ = [
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "DataModelReading",
    "Kind",
    "Problem",
    "check_data_model",
    "check_related_resources",
    "read_data_model",
]
