"""Data Integrity sign/verify throughput per suite, against the JS reference, in one run.

Also: each suite against the bare signature it rests on (Ed25519 or P-256 over the same 64
bytes, issue 12: >= 0.5), presentations of 1, 5, 20 and 100 credentials against the sum of
their credentials (issue 12: <= 1.2x, on the fast path; CPU time in alternating rounds, the
median ratio), a cold ``vcportable verify`` process against ``node verify.mjs`` (medians of
7, alternating), and memory over 10,000 verifications (it must stay flat: caches are
bounded).

    python benchmarks/dataintegrity.py [--seconds 1.0] [--memory-n 10000]
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    JS_VERIFY,
    bytecode_env,
    interop_dir,
    node_bench,
    ops_per_second,
    print_table,
    save,
    unsigned_sample,
    versus_reference,
)

from vcportable import canonfast, jsonld
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier
from vcportable.wallet import create_presentation, sign_presentation

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


def bare_rates(key_type: KeyType, seconds: float) -> dict[str, float]:
    """Bare signing and verification of 64 bytes (what a Data Integrity suite signs: two
    SHA-256 digests) with the same key classes the suites use."""
    key = KeyPair.generate(key_type)
    data = bytes(64)
    signature = key.sign(data)
    return {
        "sign": ops_per_second(lambda: key.sign(data), seconds=seconds),
        "verify": ops_per_second(lambda: key.public_key.verify(signature, data), seconds=seconds),
    }


PRESENTATION_SIZES = (1, 5, 20, 100)


def presentation_costs(seconds: float) -> dict[str, dict[str, Any]]:
    """CPU ms per verification of a signed presentation of n credentials (distinct ids),
    against n verifications of one of its credentials.

    Measured alternately: each round verifies the presentation, then its credential n times,
    a few times over, in CPU time; the ratio is the median of the rounds' (a busy moment of a
    shared machine weighs on both sides of one round), over about ``seconds`` per size. Also
    whether it all stayed on the fast path, and whether every credential's proof took the
    walk of the presentation's (``canonfast.stats()["shared walk"]``: the credential and its
    proof configuration).
    """
    holder = KeyPair.generate()
    issuer = Issuer(KeyPair.generate(), clock=CLOCK)
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["id"] = holder.controller
    credentials = []
    for i in range(max(PRESENTATION_SIZES)):
        unsigned["id"] = f"urn:uuid:0c4e6a52-0000-4000-8000-{i:012d}"
        credentials.append(issuer.issue(unsigned))
    verifier = Verifier(clock=CLOCK)
    costs = {}
    for n in PRESENTATION_SIZES:
        unsigned_vp = create_presentation(credentials[:n], holder=holder.controller)
        vp = sign_presentation(unsigned_vp, holder, challenge="c", domain="d", clock=CLOCK)
        before = canonfast.stats()
        assert verifier.verify(vp, challenge="c", domain="d").verified
        after = canonfast.stats()
        shared = after.get("shared walk", 0) - before.get("shared walk", 0) == 2 * n
        fast = after.get("fallback", 0) == before.get("fallback", 0)
        rounds = _alternate(
            functools.partial(verifier.verify, vp, challenge="c", domain="d"),
            functools.partial(_verify_times, verifier, credentials[0], n),
            seconds=seconds,
        )
        costs[str(n)] = {
            "ms": statistics.median(vp_ms for vp_ms, _ in rounds),
            "sum_of_credentials_ms": statistics.median(sum_ms for _, sum_ms in rounds),
            "ratio": statistics.median(vp_ms / sum_ms for vp_ms, sum_ms in rounds),
            "rounds": len(rounds),
            "fast_path": fast,
            "shared_walks": shared,
        }
    return costs


def _verify_times(verifier: Verifier, credential: dict[str, Any], times: int) -> None:
    for _ in range(times):
        verifier.verify(credential)


def _alternate(
    first: Callable[[], Any], second: Callable[[], Any], *, seconds: float, min_rounds: int = 7
) -> list[tuple[float, float]]:
    """CPU ms per call of ``first`` and of ``second``, in rounds that call both alike, one
    after the other (at least ``min_rounds``, for about ``seconds`` in all)."""
    clock = time.process_time
    began = clock()
    first(), second()  # a warm-up, and how long one of each takes
    calls = max(1, int(seconds / min_rounds / max(clock() - began, 1e-6)))
    rounds: list[tuple[float, float]] = []
    start = clock()
    while len(rounds) < min_rounds or clock() - start < seconds:
        spent = [0.0, 0.0]
        for _ in range(calls):
            for index, fn in enumerate((first, second)):
                began = clock()
                fn()
                spent[index] += clock() - began
        rounds.append((spent[0] * 1000 / calls, spent[1] * 1000 / calls))
    return rounds


def pyld_normalize_rate(seconds: float) -> float:
    from pyld import jsonld as pyld_jsonld

    doc = unsigned_sample()
    doc["issuer"]["id"] = KeyPair.generate().controller
    loader = jsonld.default_loader()
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    return ops_per_second(lambda: pyld_jsonld.normalize(doc, options), seconds=seconds)


def cold_cli(runs: int = 7) -> dict[str, float | None]:
    """Median wall time of one whole-process verify of the same file (the harness's signed
    sample), ours and the harness's, run alternately (so that a busy moment of the machine
    weighs on both); also a bare ``python -c pass``, the floor of any Python command.

    Python reads its compiled bytecode, as an installed package does (pip compiles it), even
    when this process's environment says ``PYTHONDONTWRITEBYTECODE``: compiling ~100 modules
    on every run would be measured otherwise. The cache is a fresh folder, filled by one
    untimed round."""
    signed = Path(__file__).parent.parent / "tests/vectors/interop/reference-signed.json"
    harness = interop_dir()
    commands = {
        "vcportable_ms": ([sys.executable, "-m", "vcportable", "verify", str(signed)], None),
        "node_ms": (["node", "verify.mjs", str(signed)], harness),
        "python_startup_ms": ([sys.executable, "-c", "pass"], None),
    }
    if harness is None:
        del commands["node_ms"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    with bytecode_env() as env:
        for round_ in range(runs + 1):
            for name, (cmd, cwd) in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)
                if round_:  # round 0 fills the bytecode cache
                    times[name].append((time.perf_counter() - start) * 1000)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "vcportable_ms": medians["vcportable_ms"],
        "node_ms": medians.get("node_ms"),
        "python_startup_ms": medians["python_startup_ms"],
    }


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


def _cold_share(cold: dict[str, float | None]) -> dict[str, float]:
    ours, node = cold["vcportable_ms"], cold["node_ms"]
    return {"ours_over_node": ours / node} if ours and node else {}


def _target(name: str, value: float, goal: float, *, at_most: bool = False) -> dict[str, Any]:
    met = value <= goal if at_most else value >= goal
    return {"target": name, "value": value, "goal": goal, "unit": "x", "met": met}


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--memory-n", type=int, default=10_000, help="verifications for memory")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-start row")
    args = parser.parse_args()
    if args.cold_only:
        cold = cold_cli()
        print(json.dumps(cold | _cold_share(cold), indent=2))
        return {"cold": cold}

    rates = suite_rates(args.seconds)
    rates["vc+jwt"] = vc_jwt_rates(args.seconds)
    bare = {"ed25519": bare_rates(KeyType.ED25519, args.seconds)}
    bare["p256"] = bare_rates(KeyType.P256, args.seconds)
    floor = bare["ed25519"]["verify"]
    presentations = presentation_costs(args.seconds)
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
    rows.append(("raw Ed25519 sign", f"{bare['ed25519']['sign']:.0f}/s"))
    rows.append(("raw P-256 verify", f"{bare['p256']['verify']:.0f}/s"))
    ratios = {
        "eddsa-rdfc-2022 verify / bare Ed25519 verify": (
            rates["eddsa-rdfc-2022"]["verify"] / floor
        ),
        "eddsa-rdfc-2022 sign / bare Ed25519 sign": (
            rates["eddsa-rdfc-2022"]["sign"] / bare["ed25519"]["sign"]
        ),
        "ecdsa-rdfc-2019 verify / bare P-256 verify": (
            rates["ecdsa-rdfc-2019"]["verify"] / bare["p256"]["verify"]
        ),
        "eddsa-jcs-2022 verify / eddsa-rdfc-2022 verify": (
            rates["eddsa-jcs-2022"]["verify"] / rates["eddsa-rdfc-2022"]["verify"]
        ),
    }
    rows += [(name, f"{value:.2f}x") for name, value in ratios.items()]
    for n, cost in presentations.items():
        path = "fast path" if cost["fast_path"] else "FULL PATH"
        shared = "" if cost["shared_walks"] else ", NOT SHARED"
        rows.append(
            (
                f"presentation of {n} credential(s), {path}{shared}",
                f"{cost['ms']:.1f} ms CPU {cost['ratio']:.2f}x",
            )
        )
    goals = {
        "eddsa-rdfc-2022 verify / bare Ed25519 verify": 0.5,
        "eddsa-rdfc-2022 sign / bare Ed25519 sign": 0.5,
        "ecdsa-rdfc-2019 verify / bare P-256 verify": 0.5,
        "eddsa-jcs-2022 verify / eddsa-rdfc-2022 verify": 1.0,
    }
    targets = [
        _target(f"{name} (issue 12: >= {goal})", ratios[name], goal) for name, goal in goals.items()
    ]
    for n, cost in presentations.items():
        fast = cost["fast_path"]
        name = f"presentation of {n} / its credentials{'' if fast else ', LEFT the fast path'}"
        targets.append(_target(f"{name} (issue 12: <= 1.2x)", cost["ratio"], 1.2, at_most=True))
    if node:
        jcs_vs_js = rates["eddsa-jcs-2022"]["verify"] / node[JS_VERIFY]
        targets.append(
            _target("eddsa-jcs-2022 verify vs JS reference (issue 12: >= 3x)", jcs_vs_js, 3.0)
        )
    if cold["node_ms"]:
        share = _cold_share(cold)["ours_over_node"]
        targets.append(
            _target("cold verify, ours / node (issue 12: <= 0.5)", share, 0.5, at_most=True)
        )
    payload: dict[str, Any] = {
        "targets": targets,
        "rates": rates,
        "pyld_normalize": pyld_rate,
        "raw_ed25519_verify": floor,
        "bare": bare,
        "ratios": ratios,
        "presentations": presentations,
        "cold": cold,
        "memory": mem,
    }
    if node:
        ours = rates["eddsa-rdfc-2022"]
        rows += versus_reference(node, ours["sign"], ours["verify"], "vcportable")
        jcs = rates["eddsa-jcs-2022"]["verify"] / node[JS_VERIFY]
        rows.append(("ratio verify (eddsa-jcs-2022 / JS eddsa-rdfc-2022)", f"{jcs:.2f}x"))
        payload["node"] = node
    rows.append(("cold `vcportable verify` (median)", f"{cold['vcportable_ms']:.0f} ms"))
    if cold["node_ms"] is not None:
        rows.append(("cold `node verify.mjs` (median)", f"{cold['node_ms']:.0f} ms"))
    rows.append(("cold `python -c pass` (median)", f"{cold['python_startup_ms']:.0f} ms"))
    rows.append(
        (f"memory growth 1,000 -> {args.memory_n:,} verifies", f"{mem['growth_kib']:.0f} KiB")
    )
    print_table("Data Integrity (sample credential of the interop harness)", rows)
    print(f"\nsaved {save('dataintegrity', payload)}")
    return payload


if __name__ == "__main__":
    main()
