"""RDFC-1.0 canonicalization: the fast path against pyld and the full path, in one run.

Measures, on the sample credential of the interop harness (issuer set to the harness's did:key):
milliseconds per canonicalization for pyld's plain ``normalize``, vcportable's full path
(``jsonld.canonize``), the fast path (``canonfast.canonize_fast``) and what signing and verifying
call (``jsonld.canonize_signed``: the fast path proving compacted form), for the document and
for its proof configuration; the cost of a first call (the context set read from the snapshot,
or compiled by pyld); the work of one
``eddsa-rdfc-2022`` verification (two canonicalizations, two SHA-256, one Ed25519 check) and of
one signature, against the reference harness's ``vc.verifyCredential`` / ``vc.issue`` when
``node`` is available; the share of the project's credentials that take the fast path; and the
size of the compiled-context cache.

    VCPORTABLE_INTEROP_DIR=/tmp/interop python benchmarks/canon.py [--seconds 1.0]

Prints a table and writes ``benchmarks/results/canon.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from common import ROOT, SAMPLE, node_bench, ops_per_second, print_table, save, versus_reference
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld as pyld_jsonld

from vcportable import canonfast, jsonld
from vcportable.canonfast import _context as canonfast_context
from vcportable.canonfast.snapshot import _lines as _snapshot_lines
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType

# The interop harness's fixed test seed (lib.mjs DEFAULT_SEED_HEX): same issuer DID as bench.mjs.
HARNESS_SEED = bytes.fromhex("9b937b81322d816cfab9d5a3baacc9b2a5febe4b149f126b3630f93a29527017")
CLOCK = FixedClock(datetime(2026, 1, 15, tzinfo=UTC))
LOADER = jsonld.default_loader()


def sample_documents() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(signed credential, its unsecured document, its proof configuration)."""
    key = KeyPair.from_private_bytes(KeyType.ED25519, HARNESS_SEED)
    credential = json.loads(SAMPLE.read_text("utf-8"))
    del credential["issuer"]["id"]  # a placeholder: the issuer fills in the key's identity
    signed = Issuer(key, cryptosuite="eddsa-rdfc-2022", clock=CLOCK).issue(credential)
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    config["@context"] = signed["@context"]
    return signed, unsecured, config


def ms_per_op(fn: Any, seconds: float) -> float:
    return 1000.0 / ops_per_second(fn, seconds=seconds)


def cold_compile_ms(document: dict[str, Any], *, snapshot: bool = True, runs: int = 5) -> float:
    """First ``canonize_signed`` (what signing and verifying call) after the compiled-context
    cache is emptied (median): with the snapshot read afresh, as in a new process, or without
    it (pyld compiles the context set, as for a set the snapshot does not hold)."""
    times = []
    for _ in range(runs):
        canonfast.clear_cache()
        _snapshot_lines.cache_clear()
        canonfast_context.compiler_for(LOADER).use_snapshot = snapshot
        start = time.perf_counter()
        jsonld.canonize_signed(document, LOADER)
        times.append((time.perf_counter() - start) * 1000)
    canonfast.clear_cache()  # the compiler without the snapshot is not kept
    return sorted(times)[len(times) // 2]


def project_documents() -> list[tuple[str, dict[str, Any]]]:
    """The project's own credentials (fixtures, examples), each document also without its
    proof and as its proof configurations: what signing and verifying canonicalize."""
    found = []
    for base in (ROOT / "tests" / "vectors", ROOT / "examples"):
        for path in sorted(base.rglob("*.json")):
            if "canon_fast" in path.parts or path.parent.name == "contexts":
                continue
            try:
                document = json.loads(path.read_text("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if not isinstance(document, dict) or "@context" not in document:
                continue
            name = str(path.relative_to(ROOT))
            found.append((name, document))
            proof = document.get("proof")
            if isinstance(proof, dict):
                found.append(
                    (f"{name} (without proof)", {k: v for k, v in document.items() if k != "proof"})
                )
                config = {k: v for k, v in proof.items() if k != "proofValue"}
                config["@context"] = document["@context"]
                found.append((f"{name} (proof configuration)", config))
    return found


def coverage() -> dict[str, Any]:
    accepted, fallbacks = 0, []
    for name, document in project_documents():
        try:
            jsonld.canonize(document, LOADER, compacted=True)
        except Exception:  # refused by the full path too: not counted
            continue
        accepted += 1
        reason = canonfast.explain(document, LOADER, compacted=True)
        if reason is not None:
            fallbacks.append({"document": name, "reason": reason})
    share = (accepted - len(fallbacks)) / accepted if accepted else 0.0
    return {
        "documents": accepted,
        "fast": accepted - len(fallbacks),
        "share": share,
        "fallbacks": fallbacks,
    }


def crypto_ops(seconds: float) -> dict[str, float]:
    private = Ed25519PrivateKey.from_private_bytes(HARNESS_SEED)
    public = private.public_key()
    message = hashlib.sha256(b"x").digest() * 2
    signature = private.sign(message)
    return {
        "ed25519_verify_ms": ms_per_op(lambda: public.verify(signature, message), seconds),
        "ed25519_sign_ms": ms_per_op(lambda: private.sign(message), seconds),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    seconds = args.seconds

    signed, unsecured, config = sample_documents()
    assert canonfast.canonize_fast(unsecured, LOADER) == jsonld.canonize(unsecured, LOADER)
    assert canonfast.canonize_fast(config, LOADER) == jsonld.canonize(config, LOADER)
    assert canonfast.canonize_fast(unsecured, LOADER, compacted=True) is not None

    normalize_options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": LOADER,
    }
    timings = {
        "pyld_normalize_document_ms": ms_per_op(
            lambda: pyld_jsonld.normalize(unsecured, normalize_options), seconds
        ),
        "full_path_document_ms": ms_per_op(lambda: jsonld.canonize(unsecured, LOADER), seconds),
        "full_path_proof_config_ms": ms_per_op(lambda: jsonld.canonize(config, LOADER), seconds),
        "fast_path_document_ms": ms_per_op(
            lambda: canonfast.canonize_fast(unsecured, LOADER), seconds
        ),
        "fast_path_proof_config_ms": ms_per_op(
            lambda: canonfast.canonize_fast(config, LOADER), seconds
        ),
        "signed_document_ms": ms_per_op(lambda: jsonld.canonize_signed(unsecured, LOADER), seconds),
        "signed_proof_config_ms": ms_per_op(
            lambda: jsonld.canonize_signed(config, LOADER), seconds
        ),
        "fast_path_first_call_ms": cold_compile_ms(unsecured),
        "first_call_without_snapshot_ms": cold_compile_ms(unsecured, snapshot=False),
    }
    timings.update(crypto_ops(seconds))

    key = Ed25519PrivateKey.from_private_bytes(HARNESS_SEED)
    public = key.public_key()

    def canonical(document: dict[str, Any]) -> bytes:
        return jsonld.canonize_signed(document, LOADER).encode()  # what the suites call

    def hash_data() -> bytes:
        proof_hash = hashlib.sha256(canonical(config)).digest()
        doc_hash = hashlib.sha256(canonical(unsecured)).digest()
        return proof_hash + doc_hash

    signature = key.sign(hash_data())
    verify_rate = ops_per_second(lambda: public.verify(signature, hash_data()), seconds=seconds)
    sign_rate = ops_per_second(lambda: key.sign(hash_data()), seconds=seconds)

    node = node_bench()
    covered = coverage()
    cache = asdict(canonfast.cache_info())

    rows = [
        ("pyld normalize, document", f"{timings['pyld_normalize_document_ms']:.3f} ms"),
        ("full path (jsonld.canonize), document", f"{timings['full_path_document_ms']:.3f} ms"),
        ("full path, proof configuration", f"{timings['full_path_proof_config_ms']:.3f} ms"),
        ("fast path, document", f"{timings['fast_path_document_ms']:.3f} ms"),
        ("fast path, proof configuration", f"{timings['fast_path_proof_config_ms']:.3f} ms"),
        (
            "canonize_signed (fast path, compacted form proved), document",
            f"{timings['signed_document_ms']:.3f} ms",
        ),
        ("canonize_signed, proof configuration", f"{timings['signed_proof_config_ms']:.3f} ms"),
        (
            "canonize_signed, first call (reads the snapshot)",
            f"{timings['fast_path_first_call_ms']:.1f} ms",
        ),
        (
            "canonize_signed, first call without the snapshot (pyld compiles)",
            f"{timings['first_call_without_snapshot_ms']:.1f} ms",
        ),
        (
            "speed-up on the document vs pyld",
            f"{timings['pyld_normalize_document_ms'] / timings['fast_path_document_ms']:.1f}x",
        ),
        ("Ed25519 verify (raw)", f"{timings['ed25519_verify_ms']:.3f} ms"),
        ("verify work: 2 fast canon + 2 SHA-256 + Ed25519", f"{verify_rate:.0f}/s"),
        ("sign work:   2 fast canon + 2 SHA-256 + Ed25519", f"{sign_rate:.0f}/s"),
    ]
    payload: dict[str, Any] = {
        "document": str(SAMPLE.relative_to(ROOT)),
        "timings": timings,
        "verify_work_per_second": verify_rate,
        "sign_work_per_second": sign_rate,
        "coverage": covered,
        "cache": cache,
    }
    if node:
        js_canon = node["jsonld.canonize RDFC-1.0 (doc only)"]
        rows += versus_reference(node, sign_rate, verify_rate, "canon+crypto work")
        rows += [
            ("JS jsonld.canonize, document", f"{1000 / js_canon:.3f} ms"),
            (
                "ratio fast canon / JS canon (document)",
                f"{1000 / timings['fast_path_document_ms'] / js_canon:.1f}x",
            ),
        ]
        payload["node"] = node
    rows += [
        (
            "project credentials on the fast path",
            f"{covered['fast']}/{covered['documents']} ({covered['share']:.1%})",
        ),
        (
            "compiled-context cache",
            f"{cache['context_sets']} sets, {cache['compiled_contexts']} ctx",
        ),
    ]
    print_table("RDFC-1.0 canonicalization (sample credential of the interop harness)", rows)
    for fallback in covered["fallbacks"]:
        print(f"  falls back: {fallback['document']}: {fallback['reason']}")
    print(f"\nsaved {save('canon', payload)}")
    return payload


if __name__ == "__main__":
    main()
