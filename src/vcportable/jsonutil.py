"""Bounded, strict JSON parsing for untrusted input.

Every input size is bounded (DESIGN security rules): bytes before parsing, nesting depth
before the recursive parser can blow the stack, and duplicate member names are refused because
two parsers may keep different copies (a classic JOSE confusion).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InputError

MAX_INPUT_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64


def _nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside strings; linear, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif ch in "]}":
            depth -= 1
    return deepest


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
    depth = _nesting_depth(text)
    if depth > max_depth:
        raise InputError(
            f"{what} nests {depth} levels deep, over the limit of {max_depth}", code="TOO_DEEP"
        )
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
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise InputError(f"{what} holds an unpaired UTF-16 surrogate escape (not Unicode text)")
    return value
