"""Bounded, strict JSON parsing for untrusted input.

Every input size is bounded (DESIGN security rules): bytes before parsing, then nesting depth
(the C decoder guards its own recursion; the depth limit is checked on what it returns), and
duplicate member names are refused because two parsers may keep different copies (a classic
JOSE confusion).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InputError

MAX_INPUT_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers in ``value`` nest more than ``limit`` levels; iterative, and it stops
    at the first container past the limit."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise InputError(f"duplicate JSON member name {key!r}")
        obj[key] = value
    return obj


def _refuse_constant(name: str) -> Any:
    raise InputError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"number {text[:40]} is too large to represent")
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in ``value`` holds half of a UTF-16 pair (not Unicode text)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_json(
    data: bytes | str,
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    what: str = "input",
) -> Any:
    """Parse untrusted JSON within limits; raise :class:`InputError` with a precise reason.

    The error's ``code`` is ``TOO_LARGE``, ``TOO_DEEP`` or ``MALFORMED``.
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputError(f"{what} is {size} bytes, over the limit of {max_bytes}", code="TOO_LARGE")
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{what} is not UTF-8 text: {exc.reason} at byte {exc.start}"
            ) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(f"{what} is empty")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        # The C decoder guards its own recursion: far too deep for the limit anyway.
        raise InputError(f"{what} nests deeper than {max_depth} levels", code="TOO_DEEP") from None
    if _deeper_than(value, max_depth):
        raise InputError(f"{what} nests deeper than {max_depth} levels", code="TOO_DEEP")
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise InputError(f"{what} holds an unpaired UTF-16 surrogate escape (not Unicode text)")
    return value
