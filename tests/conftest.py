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
