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
