"""The modules setup.py compiles with mypyc (``VCPORTABLE_COMPILE=1``): which build is imported,
that a compiled module is not older than its source, and that the compiled fast path answers
exactly as its pure-Python source does (a difference would mostly not show elsewhere: the fast
path turns any exception into a fallback to the full path, which gives the same N-Quads).

``make`` sets ``VCPORTABLE_COMPILE`` for the tests as it built the package; without it the
tests accept either build.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import os
import pickle
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

import pytest

from vcportable import canonfast, jsonld

ROOT = Path(__file__).parent.parent
VECTORS = ROOT / "tests" / "vectors"


def _compiled_paths() -> list[str]:
    """setup.py's COMPILED list, read without running setup()."""
    tree = ast.parse((ROOT / "setup.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "COMPILED":
            paths: list[str] = ast.literal_eval(node.value)
            return paths
    raise AssertionError("setup.py has no COMPILED list")


MODULES = [
    path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    for path in _compiled_paths()
]


def _is_compiled(module: str) -> bool:
    return str(importlib.import_module(module).__file__).endswith(tuple(EXTENSION_SUFFIXES))


COMPILED = all(_is_compiled(module) for module in MODULES)


def test_the_build_asked_for_is_the_one_imported() -> None:
    wanted = os.environ.get("VCPORTABLE_COMPILE")
    if wanted is None:
        pytest.skip("VCPORTABLE_COMPILE not set: either build will do")
    found = {module: _is_compiled(module) for module in MODULES}
    assert found == dict.fromkeys(MODULES, wanted == "1"), (
        f"VCPORTABLE_COMPILE={wanted} but compiled: {found} (rebuild: make, or "
        f"VCPORTABLE_COMPILE={wanted} pip install -e .)"
    )


def test_no_compiled_module_is_older_than_its_source() -> None:
    """An edit of a compiled module's source is not in use until it is compiled again."""
    stale = []
    for module, path in zip(MODULES, _compiled_paths(), strict=True):
        imported = Path(str(importlib.import_module(module).__file__))
        if imported.suffix != ".py":
            source = ROOT / "src" / path
            newer = source.stat().st_mtime > imported.stat().st_mtime
            if imported.parent == source.parent and newer:
                stale.append(module)
    assert not stale, f"compiled before their source last changed (run make): {stale}"


def test_what_the_compiled_modules_hand_out_can_be_pickled_and_copied() -> None:
    """A frozen dataclass compiled by mypyc cannot be (instances are rebuilt by assignment)."""
    info = canonfast.cache_info()
    assert pickle.loads(pickle.dumps(info)) == info
    assert copy.deepcopy(info) == info


def _documents() -> list[Any]:
    """Every JSON document of the test vectors, and the differential fixture's documents (the
    edge cases of test_canon_fast and seeded random credentials)."""
    documents: list[Any] = []
    for path in sorted(VECTORS.rglob("*.json")):
        if path.parent.name == "canon_fast":
            cases = json.loads(path.read_text("utf-8"))["cases"]
            documents.extend(case["document"] for case in cases)
        else:
            documents.append(json.loads(path.read_text("utf-8")))
    return documents


_ANSWERS = """
import json, sys
from importlib import machinery

# Source before extension modules, so that the compiled modules' .py files are imported.
sys.path_hooks.insert(0, machinery.FileFinder.path_hook(
    (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
    (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
    (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
))
sys.path_importer_cache.clear()

from vcportable import canonfast, jsonld
from vcportable.canonfast import _emit

assert _emit.__file__.endswith(".py"), _emit.__file__
from test_compiled import answers
json.dump(answers(canonfast, jsonld), sys.stdout)
"""


def answers(canonfast_module: Any, jsonld_module: Any) -> list[list[str | None]]:
    """What the fast path answers for every document: N-Quads and the reason for a fallback,
    in compacted-form mode and without."""
    loader = jsonld_module.default_loader()
    result = []
    for document in _documents():
        row = []
        for compacted in (False, True):
            row.append(canonfast_module.canonize_fast(document, loader, compacted=compacted))
            row.append(canonfast_module.explain(document, loader, compacted=compacted))
        result.append(row)
    return result


@pytest.mark.skipif(not COMPILED, reason="the compiled modules are not in use")
def test_compiled_fast_path_answers_as_its_source() -> None:
    path = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, "-c", _ANSWERS], capture_output=True, text=True, env=env, check=True
    )
    pure = json.loads(proc.stdout)
    compiled = answers(canonfast, jsonld)
    assert len(compiled) > 300
    assert sum(row[2] is not None for row in compiled) > 100  # many on the fast path
    for document, mine, theirs in zip(_documents(), compiled, pure, strict=True):
        assert mine == theirs, json.dumps(document)
