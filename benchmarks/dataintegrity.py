"""Data Integrity sign/verify throughput per suite, against the JS reference, in one run.

Also: a cold ``vcportable verify`` process against ``node verify.mjs``, and memory over
10,000 verifications (it must stay flat: caches are bounded).

    python benchmarks/dataintegrity.py [--seconds 1.0] [--memory-n 10000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    interop_dir,
    node_bench,
    ops_per_second,
    print_table,
    save,
    unsigned_sample,
    versus_reference,
)

from vcportable import jsonld
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier

CLOCK = FixedClock(datetime(2026, 1, 15, tzinfo=UTC))
SUITES = [
    ("eddsa-rdfc-2022", KeyType.ED25519),
    ("eddsa-jcs-2022", KeyType.ED25519),
    ("ecdsa-rdfc-2019", KeyType.P256),
]


def suite_rates(seconds: float) -> dict[str, dict[str, float]]:
    unsigned = unsigned_sample()
    rates = {}
    for name, key_type in SUITES:
        issuer = Issuer(KeyPair.generate(key_type), cryptosuite=name, clock=CLOCK)
        signed = issuer.issue(unsigned)
        verifier = Verifier(clock=CLOCK)
        assert verifier.verify(signed).verified
        rates[name] = {
            "sign": ops_per_second(lambda i=issuer: i.issue(unsigned), seconds=seconds),
            "verify": ops_per_second(lambda v=verifier, s=signed: v.verify(s), seconds=seconds),
        }
    return rates


def vc_jwt_rates(seconds: float) -> dict[str, float]:
    """The same credential as a vc+jwt, through the same Issuer and Verifier."""
    issuer = Issuer(KeyPair.generate(), clock=CLOCK)
    unsigned = unsigned_sample()
    token = issuer.issue_jwt(unsigned)
    verifier = Verifier(clock=CLOCK)
    assert verifier.verify(token).verified
    return {
        "sign": ops_per_second(lambda: issuer.issue_jwt(unsigned), seconds=seconds),
        "verify": ops_per_second(lambda: verifier.verify(token), seconds=seconds),
    }


def raw_ed25519_rate(seconds: float) -> float:
    """The floor: one bare Ed25519 verification of 64 bytes (what a verify cannot go below)."""
    key = KeyPair.generate()
    data = bytes(64)
    signature = key.sign(data)
    return ops_per_second(lambda: key.public_key.verify(signature, data), seconds=seconds)


def pyld_normalize_rate(seconds: float) -> float:
    from pyld import jsonld as pyld_jsonld

    doc = unsigned_sample()
    doc["issuer"]["id"] = KeyPair.generate().controller
    loader = jsonld.default_loader()
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    return ops_per_second(lambda: pyld_jsonld.normalize(doc, options), seconds=seconds)


def cold_cli(runs: int = 5) -> dict[str, float | None]:
    """Median wall time of one whole-process verify: ours and the harness's."""
    with tempfile.TemporaryDirectory() as tmp:
        signed = Path(tmp) / "signed.json"
        signed.write_text(
            json.dumps(Issuer(KeyPair.generate()).issue(unsigned_sample()))
        )

        def median(cmd: list[str], cwd: Path | None = None) -> float:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
                times.append(time.perf_counter() - start)
            return statistics.median(times) * 1000

        ours = median([sys.executable, "-m", "vcportable", "verify", str(signed)])
        harness = interop_dir()
        node = None
        if harness is not None:
            ref = Path(tmp) / "ref.json"
            ref.write_text(
                (
                    Path(__file__).parent.parent / "tests/vectors/interop/reference-signed.json"
                ).read_text()
            )
            node = median(["node", "verify.mjs", str(ref)], cwd=harness)
        return {"vcportable_ms": ours, "node_ms": node}


def memory(n: int) -> dict[str, float]:
    """Traced Python memory after 1,000 and after ``n`` verifications (KiB)."""
    signed = Issuer(KeyPair.generate(), clock=CLOCK).issue(unsigned_sample())
    verifier = Verifier(clock=CLOCK)
    tracemalloc.start()
    marks = {}
    for i in range(1, n + 1):
        verifier.verify(signed)
        if i in (1000, n):
            marks[i] = tracemalloc.get_traced_memory()[0] / 1024
    tracemalloc.stop()
    return {
        "after_1000_kib": marks[1000],
        f"after_{n}_kib": marks[n],
        "growth_kib": marks[n] - marks[1000],
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--memory-n", type=int, default=10_000, help="verifications for memory")
    args = parser.parse_args()

    rates = suite_rates(args.seconds)
    rates["vc+jwt"] = vc_jwt_rates(args.seconds)
    floor = raw_ed25519_rate(args.seconds)
    pyld_rate = pyld_normalize_rate(args.seconds)
    node = node_bench()
    cold = cold_cli()
    mem = memory(args.memory_n)

    rows = []
    for name, r in rates.items():
        rows.append((f"vcportable sign   {name}", f"{r['sign']:.0f}/s"))
        rows.append((f"vcportable verify {name}", f"{r['verify']:.0f}/s"))
    rows.append(("pyld normalize (one document)", f"{pyld_rate:.0f}/s"))
    rows.append(("raw Ed25519 verify (the floor)", f"{floor:.0f}/s"))
    payload: dict[str, Any] = {
        "rates": rates,
        "pyld_normalize": pyld_rate,
        "raw_ed25519_verify": floor,
        "cold": cold,
        "memory": mem,
    }
    if node:
        ours = rates["eddsa-rdfc-2022"]
        rows += versus_reference(node, ours["sign"], ours["verify"], "vcportable")
        payload["node"] = node
    rows.append(("cold `vcportable verify` (median)", f"{cold['vcportable_ms']:.0f} ms"))
    if cold["node_ms"] is not None:
        rows.append(("cold `node verify.mjs` (median)", f"{cold['node_ms']:.0f} ms"))
    rows.append(
        (f"memory growth 1,000 -> {args.memory_n:,} verifies", f"{mem['growth_kib']:.0f} KiB")
    )
    print_table("Data Integrity (sample credential of the interop harness)", rows)
    print(f"\nsaved {save('dataintegrity', payload)}")
    return payload


if __name__ == "__main__":
    main()
