"""pydantic's validation errors as one sentence, the same wherever they arise (a request body, a
path parameter, the configuration file): each bad member's path and what is wrong with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def describe(errors: Iterable[Mapping[str, Any]], *, whole: str, skip: int = 0) -> str:
    """``"options.format: Input should be 'di' or 'jwt'; ..."``. ``whole`` names a problem of
    the value itself; ``skip`` drops leading path parts the reader does not see (FastAPI's
    ``body`` / ``path``)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in tuple(e.get('loc', ()))[skip:]) or whole}: {e.get('msg')}"
        for e in errors
    )
