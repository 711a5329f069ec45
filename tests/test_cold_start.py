"""A cold ``vcportable verify`` of a Data Integrity credential imports only what it uses (issue 12).

Whole processes, as a user runs them: the fast path reads the bundled contexts' compiled form
from the snapshot (``vcportable.canonfast.snapshot``), so pyld, the JOSE library and pydantic
are never imported; ``--version`` and ``--help`` stay lighter still. The speed itself is
measured in ``benchmarks/dataintegrity.py`` (cold row), not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIGNED = ROOT / "tests" / "vectors" / "interop" / "reference-signed.json"
HEAVY = ("pyld", "jwcrypto", "pydantic")

#: What the warm path of a Data Integrity verify once imported and no longer does: each is
#: needed only elsewhere (key files, DID publishing, status lists, encoding keys, shell
#: patterns, doubles, unprintable text, progress bars, package resources in zip files, JCS).
NOT_ON_THE_WARM_PATH = (
    "vcportable.keys.keyfile",
    "vcportable.dids.publish",
    "vcportable.status.reading",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.kdf.scrypt",
    "glob",
    "decimal",
    "unicodedata",
    "rich",
    "importlib.resources",
    "zipfile",
    "tempfile",
    "rfc8785",
)

_MARK = "-- modules --"
# ``python -m vcportable ARGS``, then the names in sys.modules at exit (-X importtime would
# miss the modules loaded by importlib.import_module, as the CLI loads its commands).
_DRIVER = f"""
import atexit, runpy, sys
atexit.register(lambda: print({_MARK!r}, *sorted(sys.modules), sep="\\n", file=sys.stderr))
runpy.run_module("vcportable", run_name="__main__", alter_sys=True)
"""


def _imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a ``python -m vcportable ARGS`` process imported."""
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _, _, names = done.stderr.partition(_MARK + "\n")
    return set(names.split()), done


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


@pytest.mark.parametrize("output", [(), ("--json",)])
def test_verify_imports_nothing_the_warm_path_does_not_use(output: tuple[str, ...]) -> None:
    names, done = _imported("verify", *output, str(SIGNED))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vcportable.canonfast._emit" in names  # the names are read: it did verify
    assert sorted(names & set(NOT_ON_THE_WARM_PATH)) == []


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
