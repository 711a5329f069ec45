"""How codec messages name a value they refuse: its JSON type, or a short quote of it."""

from __future__ import annotations


def json_type(value: object) -> str:
    """``"a string"``, ``"an array"``, ``"null"``...: the JSON type of a parsed value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def show(value: str, limit: int = 60) -> str:
    """``value`` quoted, cut at ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "...")
