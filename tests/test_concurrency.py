"""Concurrency and crashes, on SQLite and PostgreSQL: no revocation is lost, and a batch killed
with SIGKILL at a random point ends, once re-run, with every row issued exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from registry_fixtures import db_url  # noqa: F401  (fixture)
from test_registry_issuer import ACHIEVEMENT_ID, NOW, make_registry
from vcportable.clock import FixedClock, format_datetime
from vcportable.errors import ConflictError
from vcportable.keys import KeyPair
from vcportable.registry_issuer import Subject
from vcportable.store import CredentialRecord, Store, audit
from vcportable.store.schema import audit_log, credentials

AT = format_datetime(NOW)


def test_concurrent_revocations_lose_none(db_url: str) -> None:  # noqa: F811
    registry = make_registry(db_url, KeyPair.generate(), FixedClock(NOW))
    store = registry.store
    achievement = store.achievement(ACHIEVEMENT_ID)
    with store.transaction() as connection:
        records = registry.new_records(
            connection,
            achievement,
            [(Subject(f"W{n}", f"did:example:{n}"), None, None, f"k{n}", None) for n in range(200)],
            fmt="di",
            at=AT,
        )
        store.record(connection, records, at=AT)
    ids = [r.id for r in records]
    # 8 instances (each its own engine, as behind a load balancer) each revoke their own slice
    # and their neighbour's: every credential is revoked twice at about the same time, so
    # exactly one attempt of each pair succeeds and the other is a conflict.
    conflicts: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def instance(number: int) -> None:
        own = Store.open(db_url)
        try:
            barrier.wait()
            neighbour = (number + 1) % 8
            mine = ids[number * 25 : number * 25 + 25] + ids[neighbour * 25 : neighbour * 25 + 25]
            for cid in mine:
                try:
                    own.change_state("revoke", cid, reason=f"by {number}", at=AT)
                except ConflictError:
                    conflicts.append(cid)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(conflicts) == sorted(ids)
    assert {store.credential(cid).state for cid in ids} == {"revoked"}
    with store.transaction() as connection:
        entries = (
            connection.execute(
                select(audit_log.c.credential_id).where(audit_log.c.action == "revoke")
            )
            .scalars()
            .all()
        )
        assert sorted(entries) == sorted(ids)  # one entry per revocation, none lost
        assert audit.verify_chain(connection).intact
    flagged = set(store.flagged_indices(records[0].list_id, "revoked"))
    assert flagged == {r.status_index for r in records}
    store.close()


ROWS = 600


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vcportable", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _marked(token: str) -> set[int]:
    """Live processes started with ``VCPORTABLE_TEST_BATCH=token`` (the batch and the worker
    processes it spawned, which inherit its environment)."""
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"VCPORTABLE_TEST_BATCH={token}".encode() in environ.read_bytes():
                found.add(int(environ.parent.name))
        except OSError:
            continue
    return {pid for pid in found if _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def _cli_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vcportable", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_batch_killed_at_random_points_resumes_exactly_once(
    db_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    key = KeyPair.generate()
    key_file = tmp_path / "issuer.key"
    key.save(key_file, None)
    env = {"VCPORTABLE_DB": db_url}
    init = _cli_run(
        [
            "issuer",
            "init",
            "--db",
            db_url,
            "--key",
            str(key_file),
            "--name",
            "Board",
            "--municipality",
            "Riverside",
            "--status-url",
            "https://status.example/r",
        ],
        env,
    )
    assert init.returncode == 0, init.stderr
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "key,name,subject_id\n" + "".join(f"r{n},Worker {n},did:example:{n}\n" for n in range(ROWS))
    )
    example = Path(__file__).parent.parent / "examples" / "credentials" / "carpenter-level-2.json"
    out = tmp_path / "out"
    args = [
        "issue-batch",
        str(roster),
        "--achievement",
        str(example),
        "--out-dir",
        str(out),
        "--workers",
        "2",
    ]
    kills = 0
    tokens: list[str] = []
    for _ in range(2):
        # kill at a random point of the run: once a random number of files are out (the
        # registry is then ahead of the files: recorded but unwritten rows must be resumed)
        already = len(list(out.glob("*.json"))) if out.exists() else 0
        threshold = rng.randrange(already + 1, ROWS) if already + 1 < ROWS else ROWS
        token = f"{seed}-{len(tokens)}-{time.monotonic_ns()}"
        process = _cli(args, {**env, "VCPORTABLE_TEST_BATCH": token})
        while (
            process.poll() is None
            and len(list(out.glob("*.json")) if out.exists() else []) < threshold
        ):
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(60)
        tokens.append(token)
    assert kills >= 1, f"seed {seed}: every run finished before it could be killed"
    deadline = time.monotonic() + 10
    while any(_marked(t) for t in tokens) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [t for t in tokens if _marked(t)], "signing workers outlived their killed batch"
    final = _cli_run(args, env)
    assert final.returncode == 0, f"seed {seed}: {final.stderr}"

    store = Store.open(db_url)
    with store.transaction() as connection:
        rows = connection.execute(select(credentials)).mappings().all()
        issue_entries = connection.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "issue")
        ).scalar_one()
        chain = audit.verify_chain(connection)
    store.close()
    assert chain.intact, f"seed {seed}: {chain.problems}"
    assert len(rows) == ROWS and issue_entries == ROWS, f"seed {seed}, {kills} kill(s)"
    assert len({r["row_key"] for r in rows}) == ROWS
    assert len({(r["list_id"], r["status_index"]) for r in rows}) == ROWS
    by_key = {r["row_key"]: CredentialRecord(**r) for r in rows}
    files = sorted(out.glob("*.json"))
    assert len(files) == ROWS and not list(out.glob(".*.tmp"))
    for path in rng.sample(files, 50):
        document = json.loads(path.read_text())
        assert document["id"] == by_key[path.stem].id
