"""docs/errors.md documents every code a report or an exception can carry."""

from __future__ import annotations

from pathlib import Path

from vcportable.models.report import Code

DOC = (Path(__file__).parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")


def test_every_report_code_is_documented() -> None:
    missing = [code.value for code in Code if f"`{code.value}`" not in DOC]
    assert not missing, f"add these codes to docs/errors.md: {missing}"
