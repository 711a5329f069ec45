"""Helpers shared by the benchmark scripts: timing loops, the Node harness, table output."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SAMPLE = ROOT / "tests" / "vectors" / "interop" / "sample-unsigned.json"


@contextlib.contextmanager
def bytecode_env() -> Iterator[dict[str, str]]:
    """An environment in which a child Python reads and writes compiled bytecode, in a fresh
    cache folder, as an installed package does (pip compiles it), even when this process's
    environment says ``PYTHONDONTWRITEBYTECODE``: a benchmark of whole processes would
    otherwise measure the compiling of every module, in each worker process too. Fill the
    cache with one untimed run first."""
    with tempfile.TemporaryDirectory(prefix="vcportable-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        yield env


def unsigned_sample() -> dict[str, Any]:
    """The sample as a template to issue: without its placeholder issuer id, which the
    issuer fills in (a stated issuer must be the signing key's identity)."""
    document: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    del document["issuer"]["id"]
    return document


def ops_per_second(
    fn: Callable[[], Any],
    *,
    seconds: float = 1.0,
    min_ops: int = 20,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Run ``fn`` repeatedly for about ``seconds`` of ``clock`` (after a warm-up) and return
    its rate. ``clock=time.process_time`` counts this process's CPU only: on a shared machine
    the wall clock also counts the others' work."""
    for _ in range(5):
        fn()
    count = 0
    start = clock()
    elapsed = 0.0
    while elapsed < seconds or count < min_ops:
        fn()
        count += 1
        elapsed = clock() - start
    return count / elapsed


def interop_dir() -> Path | None:
    """The installed Node harness (with node_modules), or None when unavailable."""
    if shutil.which("node") is None:
        return None
    candidates = [os.environ.get("VCPORTABLE_INTEROP_DIR"), str(ROOT / ".cache" / "interop")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "node_modules").is_dir():
            return Path(candidate)
    return None


def node_bench(n: int = 300) -> dict[str, float] | None:
    """ops/s of the reference harness's bench.mjs, by label; None without node."""
    harness = interop_dir()
    if harness is None:
        return None
    proc = subprocess.run(
        ["node", "bench.mjs", str(n)], cwd=harness, capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        return None
    report = json.loads(proc.stdout)
    return {r["label"]: r["opsPerSec"] for r in report["results"] if "opsPerSec" in r}


JS_SIGN = "vc.issue eddsa-rdfc-2022"
JS_VERIFY = "vc.verifyCredential eddsa-rdfc-2022"


def versus_reference(
    node: dict[str, float], sign: float, verify: float, what: str
) -> list[tuple[str, str]]:
    """Table rows: the reference harness's sign/verify rates and ``what``'s ratios to them."""
    return [
        (f"Digital Bazaar vc sign   ({JS_SIGN})", f"{node[JS_SIGN]:.0f}/s"),
        (f"Digital Bazaar vc verify ({JS_VERIFY})", f"{node[JS_VERIFY]:.0f}/s"),
        (f"ratio sign   ({what} / JS)", f"{sign / node[JS_SIGN]:.2f}x"),
        (f"ratio verify ({what} / JS)", f"{verify / node[JS_VERIFY]:.2f}x"),
    ]


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    print("-" * (width + 24))
    for label, value in rows:
        print(f"{label:<{width}}  {value:>20}")


def save(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
