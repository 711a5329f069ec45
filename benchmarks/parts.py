"""Where one verification's time goes: ``Verifier.verify`` of the interop harness's signed
reference credential (eddsa-rdfc-2022, JSON text in, report out) and its parts, each timed alone
in the same process (best of 5 rounds of 400, wall clock).

    python benchmarks/parts.py   (``--seconds``, which benchmarks/run.py passes, is ignored)

Prints the table of docs/performance.md ("Where a verification's time goes") and writes
``benchmarks/results/parts.json``. The rest (proof checks, key lookup, issuer binding, validity,
facts, the report) is the whole less the parts.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from common import ROOT, print_table, save

from vcportable import jsonld
from vcportable.clock import FixedClock, parse_datetime
from vcportable.codec.json import parse_json
from vcportable.keys import PublicKey
from vcportable.models.datamodel import check_data_model
from vcportable.proofs.dataintegrity.suites import (
    decode_signature,
    proof_configuration,
    suite_by_name,
    unsecured_document,
)
from vcportable.verifier import Verifier

SIGNED = ROOT / "tests" / "vectors" / "interop" / "reference-signed.json"
ROUNDS, CALLS = 5, 400


def best_microseconds(fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(CALLS):
            fn()
        best = min(best, (time.perf_counter() - start) / CALLS * 1e6)
    return best


def main() -> None:
    text = SIGNED.read_text()
    document = json.loads(text)
    proof = document["proof"]
    unsecured = unsecured_document(document, proof)
    config = proof_configuration(unsecured, proof)
    loader = jsonld.default_loader()
    verifier = Verifier(clock=FixedClock(parse_datetime(proof["created"])))
    report = verifier.verify(text)
    assert report.verified, report.failures
    key = PublicKey.from_multibase(proof["verificationMethod"].partition("#")[2])
    signature = decode_signature(proof["proofValue"])
    signed_hash = suite_by_name(proof["cryptosuite"]).hash_data(unsecured, config, loader)
    key.verify(signature, signed_hash)
    parts: dict[str, Callable[[], Any]] = {
        "whole verification": lambda: verifier.verify(text),
        "Ed25519 verification of the 64 hashed bytes (the floor)": lambda: key.verify(
            signature, signed_hash
        ),
        "canonicalization, document (fast path, compacted form proved)": lambda: (
            jsonld.canonize_signed(unsecured, loader)
        ),
        "canonicalization, proof options": lambda: jsonld.canonize_signed(config, loader),
        "VC data model rules": lambda: check_data_model(document),
        "strict JSON parsing": lambda: parse_json(text),
    }
    micros = {name: best_microseconds(fn) for name, fn in parts.items()}
    whole = micros["whole verification"]
    micros["the rest: proof checks, key lookup, issuer binding, validity, facts, the report"] = (
        whole - sum(us for name, us in micros.items() if name != "whole verification")
    )
    print_table(
        "Where a verification's time goes (µs, share of the whole)",
        [(name, f"{us:.0f} µs {us / whole:4.0%}") for name, us in micros.items()],
    )
    print(f"load average {os.getloadavg()[0]:.2f}")
    path = save("parts", {"microseconds": micros, "load_average": os.getloadavg()[0]})
    print(f"\nsaved {path}")


if __name__ == "__main__":
    main()
