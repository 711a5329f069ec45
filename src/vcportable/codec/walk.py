"""Walks of a parsed JSON-LD document: its objects, and the context objects of a ``@context``
value. Iterative (no depth is too deep) and shared by the checks that read either."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

#: The names the VC contexts give keywords: defining them again, the same, is no alias.
KEYWORD_NAMES: Final = (("id", "@id"), ("type", "@type"))


def objects(
    root: Any, children: Callable[[dict[str, Any]], Iterable[Any]]
) -> Iterator[dict[str, Any]]:
    """Every JSON object under ``root`` (arrays walked through), going on into ``children``."""
    stack: list[Any] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            yield item
            stack.extend(children(item))


def nodes(document: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object of ``document`` outside ``@context`` values."""
    return objects(document, lambda node: (v for k, v in node.items() if k != "@context"))


def context_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every context object of a ``@context`` value, those scoped in its terms included."""
    return objects(
        value,
        lambda ctx: (
            definition["@context"]
            for definition in ctx.values()
            if isinstance(definition, dict) and "@context" in definition
        ),
    )
