"""A cold ``vcportable verify`` of a Data Integrity credential imports only what it uses (issue 12).

Whole processes, as a user runs them: the fast path reads the bundled contexts' compiled form
from the snapshot (``vcportable.canonfast.snapshot``), so pyld, the JOSE library and pydantic
are never imported; ``--version`` and ``--help`` stay lighter still. The speed itself is
measured in ``benchmarks/dataintegrity.py`` (cold row), not here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIGNED = ROOT / "tests" / "vectors" / "interop" / "reference-signed.json"
HEAVY = ("pyld", "jwcrypto", "pydantic")


def _imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a ``python -X importtime -m vcportable ARGS`` process imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vcportable", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", done.stderr, re.M))
    return names, done


def _top_level(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_verify_of_a_data_integrity_credential_imports_no_pyld_jose_or_pydantic() -> None:
    names, done = _imported("verify", str(SIGNED))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout
    assert not _top_level(names) & set(HEAVY)
    assert "vcportable.canonfast._emit" in names  # it did canonicalize, on the fast path
    assert "vcportable.cli.trust" not in names  # no trust list: no trust list editor


def test_verify_json_output_imports_no_pyld_jose_or_pydantic() -> None:
    names, done = _imported("verify", "--json", str(SIGNED))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["verified"] is True
    assert not _top_level(names) & set(HEAVY)


def test_an_unbundled_context_set_still_verifies_through_pyld(tmp_path: Path) -> None:
    """A miss of the snapshot (an embedded context: not a list of URLs) is only slower: the
    same verdict (the unused term does not change the signed quads), with pyld imported."""
    document = json.loads(SIGNED.read_text())
    document["@context"] = [*document["@context"], {"extra": "https://example.org/extra"}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    names, done = _imported("verify", str(changed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout
    assert "pyld" in _top_level(names)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("verify", "--help")])
def test_version_and_help_import_no_library_code(args: tuple[str, ...]) -> None:
    names, done = _imported(*args)
    assert done.returncode == 0, done.stderr
    heavy = {"pyld", "jwcrypto", "pydantic", "cryptography", "rich"}
    assert not _top_level(names) & heavy
    assert "vcportable.verifier" not in names
