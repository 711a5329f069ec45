"""All benchmarks in one run, then the targets of the issues checked against the results.

    python benchmarks/run.py [--seconds 1.0]        (or: make bench)

Runs dataintegrity.py, canon.py and jose.py one after the other (each prints its own table and
writes benchmarks/results/<name>.json), then prints the targets and writes
benchmarks/results/summary.json. Ratios are always against a baseline measured in the same run.
Exit status 0 whatever the numbers: this reports, it does not gate CI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import JS_SIGN, JS_VERIFY, RESULTS, print_table, save

HERE = Path(__file__).resolve().parent


def _run(script: str, seconds: float) -> dict[str, Any]:
    subprocess.run([sys.executable, str(HERE / script), "--seconds", str(seconds)], check=True)
    loaded: dict[str, Any] = json.loads((RESULTS / script.replace(".py", ".json")).read_text())
    return loaded


def targets(
    di: dict[str, Any], canon: dict[str, Any], jose: dict[str, Any]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def target(
        name: str, value: float | None, goal: float, unit: str = "x", *, at_most: bool = False
    ) -> None:
        met = value is not None and (value <= goal if at_most else value >= goal)
        rows.append({"target": name, "value": value, "goal": goal, "unit": unit, "met": met})

    ours = di["rates"]["eddsa-rdfc-2022"]
    node = di.get("node")
    if node:
        target(
            "eddsa-rdfc-2022 verify vs Digital Bazaar vc (issue 4: >= 3x)",
            ours["verify"] / node[JS_VERIFY],
            3.0,
        )
        target(
            "eddsa-rdfc-2022 sign vs Digital Bazaar vc (issue 4: >= 3x)",
            ours["sign"] / node[JS_SIGN],
            3.0,
        )
    target(
        "eddsa-rdfc-2022 verify vs plain pyld normalize pair (issue 2: >= 1x)",
        ours["verify"] / (di["pyld_normalize"] / 2),
        1.0,
    )
    cold = di["cold"]
    if cold["node_ms"]:
        target(
            "cold CLI verify, node time / ours (issue 2: > 1x)",
            cold["node_ms"] / cold["vcportable_ms"],
            1.0,
        )
    target(
        "memory growth, 1,000 -> 10,000 verifies (issue 2: flat, <= 1 MiB)",
        di["memory"]["growth_kib"],
        1024.0,
        unit=" KiB",
        at_most=True,
    )
    target(
        "fast-path share of project credentials (issue 4: >= 99%)",
        canon["coverage"]["share"] * 100,
        99.0,
        unit="%",
    )
    for alg, result in jose["results"].items():
        if "ratio" in result:
            target(
                f"vc+jwt {alg} verify vs bare jwcrypto (issue 3: >= 70%)",
                result["ratio"] * 100,
                70.0,
                unit="%",
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    di = _run("dataintegrity.py", args.seconds)
    canon = _run("canon.py", args.seconds)
    jose = _run("jose.py", args.seconds)
    _run("parts.py", args.seconds)  # no target: where a verification's time goes
    rows = targets(di, canon, jose)
    rows += _run("qr.py", args.seconds)["targets"]  # issue 10: QR versions, envelope speed
    rows += _run("trust.py", args.seconds)["targets"]  # issue 9: trust list load, check overhead
    rows += _run("registry.py", args.seconds)["targets"]  # issue 11: batch, memory, revoke p99
    rows += _run("server.py", args.seconds)["targets"]  # issue 13: VC-API verify, issue on PG
    rows += di["targets"] + jose["targets"]  # issue 12: per-credential ratios, cold start
    rows += _run("verify_scale.py", args.seconds)["targets"]  # issue 12: batches (--max 10000)
    print_table(
        "Targets",
        [
            (r["target"], ("met  " if r["met"] else "MISSED ") + f"{r['value']:.2f}{r['unit']}")
            for r in rows
            if r["value"] is not None
        ],
    )
    print(f"\nsaved {save('summary', {'targets': rows})}")


if __name__ == "__main__":
    main()
