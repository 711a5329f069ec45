"""Batch issuance from a roster: validate everything, then record, sign and write, resumably.

Pass one reads the whole roster (streaming) and collects every problem with its line: bad
fields, duplicate keys, subjects that fail the profile, keys already issued with other data.
Nothing is issued if there is one, unless the caller skips bad rows.

Pass two goes chunk by chunk. A chunk's credentials are allocated and recorded in one
transaction; then worker processes sign them while the next chunk is recorded, and threads
write the files (each atomically; the batch syncs them to disk once, at its end) while the
workers sign. A row whose key is already in the registry is not issued again: its file is
written from the record if it is missing or does not hold the recorded credential, which is how
a run killed at any point (or cut by a power failure) resumes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import FixedClock, parse_datetime
from .codec.base64url import b64url_decode
from .codec.json import MAX_INPUT_BYTES, parse_json
from .errors import CredentialInvalidError, InputError, StorageError
from .fileutil import write_atomic
from .issuer import Issuer
from .keys import KeyPair
from .registry_issuer import Format, RegistryIssuer, Subject, sign_document
from .roster import Problem, RosterRow, read_roster
from .store import CredentialRecord

#: Rows recorded per transaction (and signed per worker task).
CHUNK = 128
#: Problems kept and reported (a roster of the wrong file would list every line).
MAX_PROBLEMS = 1000


@dataclass
class BatchResult:
    issued: int = 0
    already: int = 0  # issued by an earlier run, file present
    restored: int = 0  # issued by an earlier run, file written now
    skipped: list[Problem] = field(default_factory=list)


@dataclass
class Validation:
    rows: int
    problems: list[Problem]
    bad_lines: set[int]


def validate(
    registry: RegistryIssuer, roster: Path, achievement: Mapping[str, Any], fmt: Format
) -> Validation:
    """Pass one: every problem of the roster, each with its line."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    pending: list[RosterRow] = []
    rows = 0
    now = registry.now()

    def note(problem: Problem) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem)

    def against_registry() -> None:
        with registry.store.transaction() as connection:
            found = registry.store.by_row_keys(
                connection, str(achievement["id"]), [r.key for r in pending]
            )
        for row in pending:
            old = found.get(row.key)
            if old is not None and (old.row_hash != row.digest() or old.format != fmt):
                note(
                    Problem(
                        row.line,
                        f"key {row.key} was issued before ({old.id}) with other data or "
                        "format; use a new key, or `vcportable renew`",
                    )
                )
        pending.clear()

    for item in read_roster(roster):
        if isinstance(item, Problem):
            note(item)
            continue
        rows += 1
        if item.key in seen:
            note(Problem(item.line, f"key {item.key} is already used on line {seen[item.key]}"))
            continue
        seen[item.key] = item.line
        try:
            registry.draft(
                achievement,
                Subject(item.name, item.subject_id),
                valid_from=item.valid_from or now,
                valid_until=item.valid_until,
            )
        except CredentialInvalidError as exc:
            for path, message in exc.problems:
                note(Problem(item.line, f"{path or '(credential)'}: {message}"))
            continue
        pending.append(item)
        if len(pending) >= CHUNK:
            against_registry()
    if pending:
        against_registry()
    return Validation(rows, problems, {p.line for p in problems})


def _output(out_dir: Path, key: str, fmt: str) -> Path:
    return out_dir / f"{key}.{'jwt' if fmt == 'jwt' else 'json'}"


# -- worker processes ------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(
    private: str, controller: str, key_id: str, cryptosuite: str, parent: int
) -> None:
    key = KeyPair.from_multibase_private(private).with_identity(controller, key_id)
    _WORKER["key"], _WORKER["suite"] = key, cryptosuite
    # The batch's pid comes from the batch itself: a worker that starts after the batch was
    # killed already has another parent, and must leave at once rather than wait for it.
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """A worker holds both ends of its task pipe, so it never sees its parent die: when a
    batch is killed (SIGKILL, power button) the worker would wait for tasks forever. It
    leaves as soon as it has another parent."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _sign_with(key: KeyPair, suite: str, at: str, items: list[tuple[str, str]]) -> list[str]:
    """Sign recorded credentials; the proofs say ``at``, the time they were recorded."""
    issuer = Issuer(key, cryptosuite=suite, clock=FixedClock(parse_datetime(at)))
    return [sign_document(issuer, document, fmt, validated=True) for document, fmt in items]


def _sign_chunk(at: str, items: list[tuple[str, str]]) -> list[str]:
    return _sign_with(_WORKER["key"], _WORKER["suite"], at, items)


Submit = Callable[[str, list[tuple[str, str]]], "Future[list[str]]"]


@contextlib.contextmanager
def _signers(registry: RegistryIssuer, workers: int) -> Iterator[Submit]:
    """Where chunks are signed: worker processes (spawned: forking a process with threads is
    unsafe), or the calling process for one worker."""
    key, suite = registry.issuer.key, registry.issuer.cryptosuite
    if workers <= 1:

        def here(at: str, items: list[tuple[str, str]]) -> Future[list[str]]:
            future: Future[list[str]] = Future()
            future.set_result(_sign_with(key, suite, at, items))
            return future

        yield here
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(key.to_multibase_private(), key.controller, key.key_id, suite, os.getpid()),
    )
    try:
        yield lambda at, items: pool.submit(_sign_chunk, at, items)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _chunks(rows: Iterable[RosterRow], size: int) -> Iterator[list[RosterRow]]:
    chunk: list[RosterRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def issue_batch(
    registry: RegistryIssuer,
    roster: Path,
    achievement_id: str,
    out_dir: Path,
    *,
    fmt: Format = "di",
    skip_invalid: bool = False,
    workers: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
    validation: Validation | None = None,
) -> BatchResult:
    """Issue one credential per valid roster row into ``out_dir`` (see the module docs)."""
    achievement = registry.store.achievement(achievement_id)
    checked = validation or validate(registry, roster, achievement, fmt)
    if checked.problems and not skip_invalid:
        raise CredentialInvalidError([(f"line {p.line}", p.message) for p in checked.problems])
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    _remove_leftovers(out_dir)
    result = BatchResult(skipped=list(checked.problems))
    good = (
        r
        for r in read_roster(roster)
        if isinstance(r, RosterRow) and r.line not in checked.bad_lines
    )
    workers = workers if workers is not None else (os.cpu_count() or 1)
    in_flight: deque[tuple[list[Path], Future[list[str]]]] = deque()
    writes: deque[Future[None]] = deque()

    def finish_one(writers: ThreadPoolExecutor) -> None:
        paths, future = in_flight.popleft()
        for path, text in zip(paths, future.result(), strict=True):
            writes.append(writers.submit(_write, path, text))
        while len(writes) > 4 * CHUNK:
            writes.popleft().result()
        progress(len(paths))

    with ThreadPoolExecutor(max_workers=4) as writers, _signers(registry, workers) as submit:
        for chunk in _chunks(good, CHUNK):
            at = registry.now()
            records, done_before = _record_chunk(registry, achievement, chunk, fmt, at)
            todo: list[CredentialRecord] = []
            for record in done_before:
                path = _output(out_dir, record.row_key or record.id, record.format)
                if _intact(path, record):
                    result.already += 1
                else:
                    todo.append(record)
                    result.restored += 1
            result.issued += len(records)
            todo += records
            if done_before and len(todo) < len(chunk):
                progress(len(chunk) - len(todo))
            if todo:
                paths = [_output(out_dir, r.row_key or r.id, r.format) for r in todo]
                items = [(r.document, r.format) for r in todo]
                in_flight.append((paths, submit(at, items)))
            while len(in_flight) > max(2, workers * 2):
                finish_one(writers)
        while in_flight:
            finish_one(writers)
        while writes:
            writes.popleft().result()
    if result.issued or result.restored:
        os.sync()  # once for the whole batch (see _write)
    return result


def _record_chunk(
    registry: RegistryIssuer,
    achievement: Mapping[str, Any],
    chunk: list[RosterRow],
    fmt: Format,
    at: str,
) -> tuple[list[CredentialRecord], list[CredentialRecord]]:
    """(newly recorded, recorded by an earlier run) for one chunk, in one transaction."""
    store = registry.store
    with store.transaction() as connection:
        before = store.by_row_keys(connection, str(achievement["id"]), [r.key for r in chunk])
        new = [r for r in chunk if r.key not in before]
        records = (
            registry.new_records(
                connection,
                achievement,
                [
                    (Subject(r.name, r.subject_id), r.valid_from, r.valid_until, r.key, r.digest())
                    for r in new
                ],
                fmt=fmt,
                at=at,
                validate=False,  # every row's draft was validated in pass one
            )
            if new
            else []
        )
        if records:
            store.record(connection, records, at=at)
    return records, list(before.values())


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary files of a run that was killed while writing (``write_atomic`` names them
    ``.<name>.<random>.tmp``); only those older than this run, so a run writing into the same
    folder right now keeps its own."""
    started = time.time()
    for pattern in (".*.json.*.tmp", ".*.jwt.*.tmp"):
        for path in out_dir.glob(pattern):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < started:
                    path.unlink()


def _intact(path: Path, record: CredentialRecord) -> bool:
    """Whether the output file of a recorded credential holds it, signed: a file cut short by
    a power cut before the batch's final sync is written again by the next run."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
        if record.format == "jwt":
            parts = data.strip().split(b".")
            payload = (
                b64url_decode(parts[1].decode("ascii"), what="token") if len(parts) == 3 else b""
            )
            document = parse_json(payload, what=str(path))
        else:
            document = parse_json(data, what=str(path))
            if "proof" not in document:
                return False
    except (OSError, InputError, UnicodeDecodeError):
        return False
    return isinstance(document, dict) and document.get("id") == record.id


def _write(path: Path, text: str) -> None:
    """One output file, atomically but without its own fsync: thousands of fsyncs would cost
    more than the signing (the batch syncs once at its end, and the registry, already durable,
    lets a re-run restore any file a power cut took)."""
    try:
        write_atomic(path, (text + "\n").encode("utf-8"), sync=False)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from None
