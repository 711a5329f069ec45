"""vcportable's build: pure Python, or with ``VCPORTABLE_COMPILE=1`` the verification fast path
compiled to C extensions by mypyc from the same (``mypy --strict``) source.

    pip install .                           # pure Python: no compiler needed
    VCPORTABLE_COMPILE=1 pip install .      # mypyc: a C compiler and the Python headers
    VCPORTABLE_COMPILE=1 pip install -e .   # editable: the extensions are built into src/

Everything else (metadata, packages, data) is in pyproject.toml; docs/performance.md says what
compiling gains, tests/test_compiled.py checks that the compiled modules are the ones imported
and that they answer as the pure ones do.
"""

from __future__ import annotations

import os

from setuptools import setup

#: The modules compiled with VCPORTABLE_COMPILE=1, under src/: canonicalization's fast path and
#: small modules every verification runs through. Not a module whose frozen dataclasses reach
#: callers (codec.dates, models.facts, models.report): compiled, they can be neither pickled
#: (a report crosses the process pool of `verify --jobs`) nor copied.
COMPILED = [
    "vcportable/canonfast/__init__.py",
    "vcportable/canonfast/_compacted.py",
    "vcportable/canonfast/_context.py",
    "vcportable/canonfast/_emit.py",
    "vcportable/codec/urls.py",
    "vcportable/i18n.py",
    "vcportable/jsonld/_compacted.py",
    "vcportable/jsonld/_signed.py",
]

if os.environ.get("VCPORTABLE_COMPILE") == "1":
    from mypyc.build import mypycify

    # The build environment has mypy but not our dependencies: modules that are only imported
    # (pydantic's models, say) are read for their types, their errors left to `make typecheck`.
    paths = ["--follow-imports=silent", *(f"src/{path}" for path in COMPILED)]
    setup(ext_modules=mypycify(paths, group_name="vcportable"))
else:
    setup()
