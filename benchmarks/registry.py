"""Registry benchmarks (issue 11): batch issuance against bare signing, roster memory, revoke p99.

    python benchmarks/registry.py [--quick] [--pg URL] [--workers 2]

1. Batch of N eddsa-rdfc-2022 credentials (10,000; --quick 2,000) through ``issue_batch`` (roster
   validation, registry, status allocation, audit, atomic file output) against bare signing of
   the same credentials (validated, then proved, as `vcportable issue` does) on as many spawned
   worker processes (default: one per core, so both sides use both cores), in alternating
   rounds of the same run (medians); on SQLite and on PostgreSQL. Target: at most 25% over
   bare signing, in wall time; CPU seconds (PostgreSQL: with the server's) are shown too, and
   those of the batch's main process (the rest is its workers': checks, signing, files), and
   those of signing and writing the same files without the registry (the share of file
   output, which the kernel's cost of creating a file decides).
2. Peak memory of a roster of 100,000 rows (--quick 10,000) issued in a fresh process (the main
   process and the largest worker). Target: under 300 MB.
3. Revoking one credential in a registry of 1,000,000 (--quick 100,000) records: p99 of 500
   revocations. Target: under 20 ms.

PostgreSQL runs when its server answers (``VCPORTABLE_TEST_PG_URL`` or --pg); each run uses a
schema of its own, dropped afterwards. Results go to benchmarks/results/registry.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import ROOT, print_table, save

sys.path.insert(0, str(ROOT / "src"))

from vcportable.batch import CHUNK, issue_batch  # noqa: E402
from vcportable.clock import format_datetime  # noqa: E402
from vcportable.issuer import Issuer  # noqa: E402
from vcportable.keys import KeyPair  # noqa: E402
from vcportable.registry_issuer import RegistryIssuer, Subject, build_credential  # noqa: E402
from vcportable.store import CredentialRecord, IssuerProfile, Store  # noqa: E402
from vcportable.store.allocation import MIN_LIST_SIZE  # noqa: E402
from vcportable.store.engine import insert_rows  # noqa: E402
from vcportable.store.registry import _RECORD_COLUMNS, _record_values  # noqa: E402
from vcportable.store.schema import credentials  # noqa: E402

EXAMPLE = ROOT / "examples" / "credentials" / "carpenter-level-2.json"
ACHIEVEMENT_ID = json.loads(EXAMPLE.read_text())["credentialSubject"]["achievement"]["id"]
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def pg_url(base: str) -> Iterator[str | None]:
    """A URL on a fresh schema of the PostgreSQL server, or None when none answers."""
    try:
        import psycopg

        admin = psycopg.connect(
            base.replace("postgresql+psycopg://", "postgresql://"),
            autocommit=True,
            connect_timeout=3,
        )
    except Exception as exc:  # noqa: BLE001  (any failure means: no PostgreSQL here)
        print(f"PostgreSQL skipped: {str(exc).strip()[:100]}")
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def registry_at(url: str, key: KeyPair) -> RegistryIssuer:
    store = Store.open(url, create=True)
    now = format_datetime(time_now())
    store.init_profile(
        IssuerProfile(
            did=key.controller,
            key_id=key.key_id,
            key_path="/bench/issuer.key",
            name="Benchmark Board",
            municipality="Riverside",
            status_base_url="https://status.example/bench",
            list_size=MIN_LIST_SIZE,
            created_at=now,
        )
    )
    achievement = json.loads(EXAMPLE.read_text())["credentialSubject"]["achievement"]
    store.put_achievement(achievement, at=now)
    return RegistryIssuer(store, Issuer(key))


def time_now() -> Any:
    from vcportable.clock import SystemClock

    return SystemClock().now()


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the worker pools)."""
    return own_cpu_seconds() + _seconds(resource.getrusage(resource.RUSAGE_CHILDREN))


def own_cpu_seconds() -> float:
    """CPU time of this process alone: the batch's reading, recording and dispatching."""
    return _seconds(resource.getrusage(resource.RUSAGE_SELF))


def _seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def write_roster(path: Path, rows: int, prefix: str = "w") -> Path:
    with path.open("w") as handle:
        handle.write("key,name,subject_id\n")
        for n in range(rows):
            handle.write(f"{prefix}{n},Worker {n},did:example:worker{n}\n")
    return path


_BARE_KEY: list[KeyPair] = []


def _bare_init(private: str, controller: str, key_id: str) -> None:
    _BARE_KEY.append(KeyPair.from_multibase_private(private).with_identity(controller, key_id))


def _bare_chunk(at: str, items: list[str], validated: bool, out: str | None, first: int) -> int:
    """Worker: sign like `vcportable issue` (validate, then prove), or only prove; with
    ``out``, also write each credential there as the batch writes its files."""
    from vcportable.batch import _write
    from vcportable.clock import FixedClock, parse_datetime
    from vcportable.registry_issuer import sign_document

    issuer = Issuer(_BARE_KEY[0], clock=FixedClock(parse_datetime(at)))
    for n, document in enumerate(items, first):
        text = sign_document(issuer, document, "di", validated=validated)
        if out is not None:
            _write(Path(out) / f"{n}.json", text)
    return len(items)


def bare_signing(
    registry: RegistryIssuer, rows: int, workers: int, validated: bool, out: Path | None = None
) -> float:
    """Seconds to sign ``rows`` credentials like the batch's on the same number of spawned
    worker processes (chunks of 128, both cores busy), without registry or roster; without
    files unless ``out`` (a new folder for them)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    achievement = registry.store.achievement(ACHIEVEMENT_ID)
    at = registry.now()
    documents = [
        json.dumps(
            build_credential(
                registry.profile,
                achievement,
                Subject(f"Worker {n}", f"did:example:worker{n}"),
                credential_id=f"urn:uuid:{uuid.uuid4()}",
                valid_from=at,
                valid_until=None,
                list_id=1,
                index=n,
            )
        )
        for n in range(rows)
    ]
    key = registry.issuer.key
    start = time.perf_counter()
    spawn = multiprocessing.get_context("spawn")
    identity = (key.to_multibase_private(), key.controller, key.key_id)
    if out is not None:
        out.mkdir()
    with ProcessPoolExecutor(workers, spawn, initializer=_bare_init, initargs=identity) as pool:
        futures = [
            pool.submit(_bare_chunk, at, documents[i : i + CHUNK], validated, out and str(out), i)
            for i in range(0, rows, CHUNK)
        ]
        assert sum(f.result() for f in futures) == rows
    return time.perf_counter() - start


class ServerCpu:
    """CPU seconds of the PostgreSQL server processes that serve a store's connections (read
    from /proc: the server runs on this machine), so the batch is charged for the work it
    makes the server do on the same two cores."""

    def __init__(self, store: Store) -> None:
        self.pids: set[int] = set()
        if store.engine.dialect.name != "postgresql":
            return
        from sqlalchemy import event

        @event.listens_for(store.engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            self.pids.add(int(dbapi_connection.info.backend_pid))

        store.engine.dispose()  # connections opened from now on are seen

    def seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def batch(url: str, rows: int, workers: int, folder: Path, repeat: int) -> dict[str, Any]:
    """Bare signing and the batch in alternating rounds (each batch a new roster into the same
    registry), medians of each, so load from elsewhere on the shared machine hits both alike.
    CPU seconds are this process, its workers and (PostgreSQL) the server processes serving
    the batch: on a busy machine they say more than wall time."""
    key = KeyPair.generate()
    registry = registry_at(url, key)
    server = ServerCpu(registry.store)
    signing, issuing, signing_cpu, issuing_cpu, server_cpu, main_cpu = [], [], [], [], [], []
    writing, writing_cpu = [], []
    for number in range(repeat):
        roster = write_roster(folder / f"roster{number}.csv", rows, prefix=f"run{number}-")
        cpu = cpu_seconds()
        signing.append(bare_signing(registry, rows, workers, validated=False))
        signing_cpu.append(cpu_seconds() - cpu)
        cpu = cpu_seconds()
        writing.append(
            bare_signing(registry, rows, workers, validated=False, out=folder / f"bare{number}")
        )
        writing_cpu.append(cpu_seconds() - cpu)
        cpu, own, served = cpu_seconds(), own_cpu_seconds(), server.seconds()
        start = time.perf_counter()
        result = issue_batch(
            registry, roster, ACHIEVEMENT_ID, folder / f"out{number}", workers=workers
        )
        issuing.append(time.perf_counter() - start)
        server_cpu.append(server.seconds() - served)
        main_cpu.append(own_cpu_seconds() - own)
        issuing_cpu.append(cpu_seconds() - cpu + server_cpu[-1])
        assert result.issued == rows
    proving = bare_signing(registry, rows, workers, validated=True)
    registry.store.close()
    median = statistics.median
    return {
        "bare_issue_s": median(signing),
        "bare_proof_s": proving,
        "batch_s": median(issuing),
        "overhead": median(issuing) / median(signing) - 1,
        "overhead_rounds": [b / s - 1 for b, s in zip(issuing, signing, strict=True)],
        "bare_issue_cpu_s": median(signing_cpu),
        "batch_cpu_s": median(issuing_cpu),
        "bare_files_s": median(writing),
        "bare_files_cpu_s": median(writing_cpu),
        "files_cpu_overhead": median(writing_cpu) / median(signing_cpu) - 1,
        "registry_cpu_overhead": (median(issuing_cpu) - median(writing_cpu)) / median(signing_cpu),
        "server_cpu_s": median(server_cpu),
        "main_cpu_s": median(main_cpu),
        "cpu_overhead": median(issuing_cpu) / median(signing_cpu) - 1,
    }


def memory_child(url: str, rows: int, workers: int) -> None:
    """In a fresh process: issue a roster of ``rows``, print peak RSS (MiB) as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = KeyPair.generate()
        registry = registry_at(url, key)
        roster = write_roster(folder / "roster.csv", rows)
        issue_batch(registry, roster, ACHIEVEMENT_ID, folder / "out", workers=workers)
        registry.store.close()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"main_mib": own, "largest_worker_mib": child}))


def memory(rows: int, workers: int, folder: Path) -> dict[str, float]:
    url = str(folder / "memory.db")
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-child",
            str(rows),
            "--db",
            url,
            "--workers",
            str(workers),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def revoke_p99(url: str, size: int, samples: int = 500) -> dict[str, float]:
    """Fill a registry with ``size`` records (unsigned, small; inserted as a batch inserts
    them, without audit entries), then time single revocations."""
    key = KeyPair.generate()
    registry = registry_at(url, key)
    store = registry.store
    at = registry.now()
    ids: list[str] = []
    chunk = 20_000
    fill_start = time.perf_counter()
    for first in range(0, size, chunk):
        count = min(chunk, size - first)
        with store.transaction() as connection:
            pairs = store.allocate(connection, count, list_size=MIN_LIST_SIZE, at=at)
            records = []
            for n, (list_id, index) in enumerate(pairs, first):
                cid = f"urn:uuid:{uuid.UUID(int=n + 1)}"
                ids.append(cid)
                records.append(
                    CredentialRecord(
                        id=cid,
                        subject_id=f"did:example:{n}",
                        subject_name=f"W{n}",
                        achievement_id=ACHIEVEMENT_ID,
                        format="di",
                        list_id=list_id,
                        status_index=index,
                        valid_from=at,
                        valid_until=None,
                        content_hash="0" * 64,
                        document="{}",
                        issued_at=at,
                        row_key=f"r{n}",
                    )
                )
            insert_rows(
                connection,
                credentials,
                _RECORD_COLUMNS,
                [_record_values(r) for r in records],
            )
    fill = time.perf_counter() - fill_start
    timings = []
    for cid in random.sample(ids, samples):
        start = time.perf_counter()
        store.change_state("revoke", cid, reason="benchmark", at=at)
        timings.append((time.perf_counter() - start) * 1000)
    store.close()
    timings.sort()
    return {
        "size": size,
        "fill_s": fill,
        "p50_ms": timings[len(timings) // 2],
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, in the rows benchmarks/run.py prints."""
    rows: list[dict[str, Any]] = []

    def target(name: str, value: float, goal: float, unit: str) -> None:
        rows.append(
            {"target": name, "value": value, "goal": goal, "unit": unit, "met": value <= goal}
        )

    for backend in ("sqlite", "postgresql"):
        found = results.get(f"batch_{backend}")
        if found:
            target(
                f"issue-batch over signing, {backend} (issue 11: <= 25%)",
                found["overhead"] * 100,
                25.0,
                "%",
            )
    memory = results.get("memory")
    if memory:
        target(
            f"peak memory, roster of {memory['rows']:,} (issue 11: < 300 MB)",
            (memory["main_mib"] + memory["largest_worker_mib"]) * 1.048576,
            300.0,
            " MB",
        )
    for backend in ("sqlite", "postgresql"):
        found = results.get(f"revoke_{backend}")
        if found:
            target(
                f"revoke p99 in {found['size']:,}, {backend} (issue 11: < 20 ms)",
                found["p99_ms"],
                20.0,
                " ms",
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI-like runs)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pg", default=os.environ.get("VCPORTABLE_TEST_PG_URL", PG_DEFAULT))
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds (medians)")
    parser.add_argument(
        "--only", choices=["batch", "memory", "revoke"], action="append", help="some parts only"
    )
    parser.add_argument(
        "--scratch",
        type=Path,
        help="the folder to work in (default: the system's temporary folder); the batch's"
        " registry and files go there, so its file system decides the files' share",
    )
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help="ignored (benchmarks/run.py passes it)")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.db, args.memory_child, args.workers)
        return
    rows = 2_000 if args.quick else 10_000
    roster_rows = 10_000 if args.quick else 100_000
    registry_size = 100_000 if args.quick else 1_000_000
    results: dict[str, Any] = {
        "workers": args.workers,
        "quick": args.quick,
        "load_average_before": os.getloadavg()[0],
    }
    parts = set(args.only or ["batch", "memory", "revoke"])
    with tempfile.TemporaryDirectory(dir=args.scratch) as tmp:
        folder = Path(tmp)
        results["scratch"] = tmp
        if "batch" in parts:
            (folder / "sqlite").mkdir()
            results["batch_sqlite"] = batch(
                str(folder / "sqlite" / "r.db"), rows, args.workers, folder / "sqlite", args.repeat
            )
            with pg_url(args.pg) as url:
                if url:
                    (folder / "pg").mkdir()
                    results["batch_postgresql"] = batch(
                        url, rows, args.workers, folder / "pg", args.repeat
                    )
        if "memory" in parts:
            results["memory"] = {"rows": roster_rows, **memory(roster_rows, args.workers, folder)}
        if "revoke" in parts:
            results["revoke_sqlite"] = revoke_p99(str(folder / "revoke.db"), registry_size)
            with pg_url(args.pg) as url:
                if url:
                    results["revoke_postgresql"] = revoke_p99(url, registry_size)
    results["load_average_after"] = os.getloadavg()[0]
    results["targets"] = targets(results)
    table = []
    for backend in ("sqlite", "postgresql"):
        found = results.get(f"batch_{backend}")
        if found:
            table += [
                (
                    f"{backend}: {rows} signed like `vcportable issue` ({args.workers} workers)",
                    f"{found['bare_issue_s']:.2f} s",
                ),
                (
                    f"{backend}: the same, proofs only (no validation)",
                    f"{found['bare_proof_s']:.2f} s",
                ),
                (f"{backend}: issue-batch of {rows}", f"{found['batch_s']:.2f} s"),
                (
                    f"{backend}: overhead over signing (target <= 25%)",
                    f"{found['overhead'] * 100:.1f}%",
                ),
                (
                    f"{backend}: CPU seconds, signing / batch (of which the server)",
                    f"{found['bare_issue_cpu_s']:.1f} / {found['batch_cpu_s']:.1f}"
                    f" ({found['server_cpu_s']:.1f})",
                ),
                (
                    f"{backend}: CPU seconds of the batch's main process (reading, recording)",
                    f"{found['main_cpu_s']:.1f}",
                ),
                (f"{backend}: CPU overhead", f"{found['cpu_overhead'] * 100:.1f}%"),
                (
                    f"{backend}: CPU of signing and writing the files (their share)",
                    f"{found['bare_files_cpu_s']:.1f} ({found['files_cpu_overhead'] * 100:+.1f}%)",
                ),
                (
                    f"{backend}: CPU overhead beyond the files (registry, roster, dispatch)",
                    f"{found['registry_cpu_overhead'] * 100:+.1f}%",
                ),
                (
                    f"{backend}: overhead of each round",
                    " ".join(f"{o * 100:+.0f}%" for o in found["overhead_rounds"]),
                ),
            ]
    mem = results.get("memory")
    if mem:
        table.append(
            (
                f"peak memory, roster of {roster_rows} (target < 300 MB): main",
                f"{mem['main_mib']:.0f} MiB",
            )
        )
        table.append(("  largest worker", f"{mem['largest_worker_mib']:.0f} MiB"))
    for backend in ("sqlite", "postgresql"):
        found = results.get(f"revoke_{backend}")
        if found:
            table.append(
                (
                    f"{backend}: revoke p99 in {found['size']:,} (target < 20 ms)",
                    f"{found['p99_ms']:.2f} ms",
                )
            )
    table.append(("worked in", results["scratch"]))
    table.append(
        (
            "load average before / after the run",
            f"{results['load_average_before']:.1f} / {results['load_average_after']:.1f}",
        )
    )
    print_table("Registry (issue 11)", table)
    print(f"\nsaved {save('registry', results)}")


if __name__ == "__main__":
    main()
