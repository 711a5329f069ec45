"""Shared fixtures: vector paths, a fixed clock, the default offline loader and resolver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).parent / "vectors"


def load_json(relative: str) -> Any:
    return json.loads((VECTORS / relative).read_text(encoding="utf-8"))


def load_text(relative: str) -> str:
    return (VECTORS / relative).read_text(encoding="utf-8")


@pytest.fixture
def fixed_now() -> datetime:
    return datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def require_harness() -> Path:
    """The Node interop harness (Digital Bazaar's libraries), or skip with the reason."""
    import os
    import shutil

    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: interop with the JavaScript reference skipped")
    value = os.environ.get("VCPORTABLE_INTEROP_DIR")
    if not value or not (Path(value) / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.skip(
            "VCPORTABLE_INTEROP_DIR does not point at the interop harness with node_modules "
            "(run `make interop`): interop with the JavaScript reference skipped"
        )
    return Path(value)


# -- editing JSON documents in tests ----------------------------------------------------------

#: Sentinel for :func:`set_path`: remove the member or item instead of setting it.
DELETE = object()


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) to a member or item inside ``value``."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def set_path(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """Set (or, with :data:`DELETE`, remove) the value at ``path`` in place; return what was
    there before (:data:`DELETE` for a member that was absent)."""
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    before = parent.get(key, DELETE) if isinstance(parent, dict) else parent[key]
    if value is DELETE:
        del parent[key]
    else:
        parent[key] = value
    return before


def unsigned_sample() -> dict[str, Any]:
    """The harness's sample credential as a template to issue: its placeholder issuer id
    removed, so the issuer fills in its own (a stated issuer must be the key's identity)."""
    document: dict[str, Any] = load_json("interop/sample-unsigned.json")
    del document["issuer"]["id"]
    return document


def status_entry(url: str = "https://status.example/1", index: int = 94567) -> dict[str, Any]:
    """A revocation entry of the Bitstring Status List at ``url``."""
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def resolve_method(resolver: Any, vm_id: str, purpose: str = "assertionMethod") -> tuple[Any, Any]:
    """The method ``vm_id`` names and its controller document, looked up as the verifier
    does: the controller's own document, the method listed there under ``purpose``."""
    from vcportable.dids import find_method

    document = resolver.resolve(vm_id.partition("#")[0])
    return find_method(document, vm_id, purpose), document
