"""Batch issuance from a roster: validate everything, then record, sign and write, resumably.

Pass one reads the whole roster (streaming) and collects every problem with its line: bad
fields, duplicate keys, subjects that fail the profile (checked by the worker processes, in
parallel), keys already issued with other data. Nothing is issued if there is one, unless the
caller skips bad rows.

Pass two goes chunk by chunk. A chunk's credentials are allocated and recorded in one
transaction; only after that commit do the worker processes sign them and write their files
(each atomically: complete or absent; the batch syncs them to disk once, at its end), while the
next chunk is recorded. A row whose key is already in the registry is not issued again: its file
is written from the record if it is missing or does not hold the recorded credential, which is
how a run killed at any point (or cut by a power failure) resumes. Pass two re-reads the roster
and refuses a row that is not the one pass one validated (the file changed in between).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .batch_verify import start_worker
from .clock import FixedClock, parse_datetime
from .codec.base64url import b64url_decode
from .codec.json import MAX_INPUT_BYTES, parse_json
from .errors import CredentialInvalidError, InputError, StorageError
from .fileutil import sync_filesystem, write_atomic
from .issuer import Issuer
from .keys import KeyPair
from .registry_issuer import Format, RegistryIssuer, Subject, draft_credential, sign_document
from .roster import Problem, RosterRow, read_roster
from .store import CredentialRecord, IssuerProfile

#: Rows checked or signed per worker task.
CHUNK = 128
#: Rows recorded per transaction, and looked up in the registry per query: each transaction
#: costs about ten round trips to the database, whatever its size.
RECORD_CHUNK = 4 * CHUNK
#: Problems kept and reported (a roster of the wrong file would list every line).
MAX_PROBLEMS = 1000

T = TypeVar("T")


@dataclass
class BatchResult:
    issued: int = 0
    already: int = 0  # issued by an earlier run, file present
    restored: int = 0  # issued by an earlier run, file written now
    skipped: list[Problem] = field(default_factory=list)


@dataclass
class Validation:
    rows: int
    #: The first :data:`MAX_PROBLEMS` problems, in line order.
    problems: list[Problem]
    #: Every bad line, also past :data:`MAX_PROBLEMS` (none of them is issued).
    bad_lines: set[int]
    #: 16 bytes per good row, in order (see :func:`_row_digest`): pass two issues only rows
    #: that pass one validated.
    digests: bytes


def _row_digest(row: RosterRow) -> bytes:
    return hashlib.sha256(f"{row.line}\x1f{row.digest()}".encode()).digest()[:16]


# -- the work done in worker processes ---------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What a worker needs: the key to sign with, and the profile and achievement to check
    drafts against."""

    key: KeyPair
    cryptosuite: str
    profile: IssuerProfile
    achievement: Mapping[str, Any]

    def check(self, now: str, rows: list[RosterRow]) -> list[Problem]:
        """The problems of each row's draft credential (Open Badges profile, data model)."""
        problems = []
        for row in rows:
            try:
                draft_credential(
                    self.profile,
                    self.achievement,
                    Subject(row.name, row.subject_id),
                    valid_from=row.valid_from or now,
                    valid_until=row.valid_until,
                )
            except CredentialInvalidError as exc:
                problems += [
                    Problem(row.line, f"{path or '(credential)'}: {message}")
                    for path, message in exc.problems
                ]
        return problems

    def sign_and_write(self, at: str, items: list[tuple[str, str, str]]) -> int:
        """Sign recorded credentials ``(document, format, path)`` and write each to its path;
        the proofs say ``at``, the time they were recorded. Call only after the commit that
        recorded them."""
        issuer = Issuer(
            self.key, cryptosuite=self.cryptosuite, clock=FixedClock(parse_datetime(at))
        )
        for document, fmt, path in items:
            _write(Path(path), sign_document(issuer, document, fmt, validated=True))
        return len(items)


_JOB: list[_Job] = []  # the worker process's job, set by _init_worker


def _init_worker(
    private: str,
    controller: str,
    key_id: str,
    cryptosuite: str,
    profile: IssuerProfile,
    achievement: Mapping[str, Any],
    parent: int,
) -> None:
    # Leaves when the batch is killed (SIGKILL, power button), ignores Ctrl-C (the batch
    # stops and shuts the pool down), as the workers of `vcportable verify` do.
    start_worker(parent)
    key = KeyPair.from_multibase_private(private).with_identity(controller, key_id)
    _JOB.append(_Job(key, cryptosuite, profile, achievement))


def _check(now: str, rows: list[RosterRow]) -> list[Problem]:
    return _JOB[0].check(now, rows)


def _sign_and_write(at: str, items: list[tuple[str, str, str]]) -> int:
    return _JOB[0].sign_and_write(at, items)


class Workers:
    """The processes a batch checks and signs with (spawned: forking a process with threads is
    unsafe), one per core by default; for one worker, the calling process does the work."""

    def __init__(
        self,
        registry: RegistryIssuer,
        achievement: Mapping[str, Any],
        workers: int | None = None,
    ):
        self.registry = registry
        self.achievement = achievement
        self.count = workers if workers is not None else (os.cpu_count() or 1)
        key, suite = registry.issuer.key, registry.issuer.cryptosuite
        self._here = _Job(key, suite, registry.profile, self.achievement)
        self._pool: ProcessPoolExecutor | None = None
        if self.count > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(
                    key.to_multibase_private(),
                    key.controller,
                    key.key_id,
                    suite,
                    registry.profile,
                    self.achievement,
                    os.getpid(),
                ),
            )

    def __enter__(self) -> Workers:
        return self

    def for_achievement(self, achievement_id: str) -> Workers:
        """These workers, which check drafts against the achievement ``achievement_id``."""
        if str(self.achievement["id"]) != achievement_id:
            raise ValueError(
                f"workers started for {self.achievement['id']!r}, not for {achievement_id!r}"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def check(self, now: str, rows: list[RosterRow]) -> Future[list[Problem]]:
        if self._pool is None:
            return _done(self._here.check(now, rows))
        with _worker_died():
            return self._pool.submit(_check, now, rows)

    def sign_and_write(self, at: str, items: list[tuple[str, str, str]]) -> Future[int]:
        if self._pool is None:
            return _done(self._here.sign_and_write(at, items))
        with _worker_died():
            return self._pool.submit(_sign_and_write, at, items)


def _done(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future


@contextlib.contextmanager
def _worker_died() -> Iterator[None]:
    """A dead worker breaks the pool: the tasks in flight fail, and so does the next submit
    (whichever comes first); either way the user gets one error saying what to do."""
    try:
        yield
    except BrokenProcessPool:
        raise StorageError(
            "a worker process of the batch died (out of memory, or killed); every recorded "
            "credential is kept: run the batch again to finish it"
        ) from None


def _result(future: Future[T]) -> T:
    with _worker_died():
        return future.result()


# -- pass one ----------------------------------------------------------------------------------


def validate(
    registry: RegistryIssuer,
    roster: Path,
    achievement: Mapping[str, Any],
    fmt: Format,
    *,
    workers: Workers | None = None,
) -> Validation:
    """Pass one: every problem of the roster, each with its line (``workers``: check the
    drafts in those processes; by default in this one)."""
    if workers is None:
        with Workers(registry, achievement, 1) as own:
            return validate(registry, roster, achievement, fmt, workers=own)
    pool = workers.for_achievement(str(achievement["id"]))
    problems: list[Problem] = []
    bad_lines: set[int] = set()
    seen: dict[str, int] = {}
    lines, digests = array("L"), bytearray()
    pending: list[RosterRow] = []
    checks: deque[Future[list[Problem]]] = deque()
    rows = 0
    now = registry.now()

    def note(found: list[Problem]) -> None:
        bad_lines.update(p.line for p in found)
        problems.extend(found[: MAX_PROBLEMS - len(problems)])

    def flush() -> None:
        checks.extend(
            pool.check(now, pending[first : first + CHUNK])
            for first in range(0, len(pending), CHUNK)
        )
        note(_against_registry(registry, str(achievement["id"]), fmt, pending))
        for row in pending:
            lines.append(row.line)
            digests.extend(_row_digest(row))
        pending.clear()
        while len(checks) > 2 * pool.count:
            note(_result(checks.popleft()))

    for item in read_roster(roster):
        if isinstance(item, Problem):
            note([item])
            continue
        rows += 1
        if item.key in seen:
            note([Problem(item.line, f"key {item.key} is already used on line {seen[item.key]}")])
            continue
        seen[item.key] = item.line
        pending.append(item)
        if len(pending) >= RECORD_CHUNK:
            flush()
    if pending:
        flush()
    while checks:
        note(_result(checks.popleft()))
    good = b"".join(
        digests[16 * n : 16 * n + 16] for n, line in enumerate(lines) if line not in bad_lines
    )
    problems.sort(key=lambda p: p.line)
    return Validation(rows, problems, bad_lines, good)


def _against_registry(
    registry: RegistryIssuer, achievement_id: str, fmt: Format, rows: list[RosterRow]
) -> list[Problem]:
    """Rows whose key was issued before with other data or in another format."""
    with registry.store.transaction() as connection:
        found = registry.store.by_row_keys(connection, achievement_id, [r.key for r in rows])
    return [
        Problem(
            row.line,
            f"key {row.key} was issued before ({old.id}) with other data or format; use a new "
            "key, or `vcportable renew`",
        )
        for row in rows
        if (old := found.get(row.key)) is not None
        and (old.row_hash != row.digest() or old.format != fmt)
    ]


# -- pass two ----------------------------------------------------------------------------------


def _output(out_dir: Path, key: str, fmt: str) -> Path:
    return out_dir / f"{key}.{'jwt' if fmt == 'jwt' else 'json'}"


def _validated_rows(roster: Path, checked: Validation) -> Iterator[RosterRow]:
    """The good rows again, each the row pass one validated, or :class:`InputError`."""
    changed = InputError(f"{roster} changed since it was checked; nothing more was issued")
    count = 0
    for row in read_roster(roster):
        if not isinstance(row, RosterRow) or row.line in checked.bad_lines:
            continue
        if checked.digests[16 * count : 16 * count + 16] != _row_digest(row):
            raise changed
        count += 1
        yield row
    if 16 * count != len(checked.digests):
        raise changed


def _chunks(rows: Iterator[RosterRow], size: int) -> Iterator[list[RosterRow]]:
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
    workers: int | Workers | None = None,
    progress: Callable[[int], None] = lambda done: None,
    validation: Validation | None = None,
) -> BatchResult:
    """Issue one credential per valid roster row into ``out_dir`` (see the module docs).

    ``workers``: a count of processes (default: one per core), or :class:`Workers` already
    started (the CLI validates with them first)."""
    if not isinstance(workers, Workers):
        with Workers(registry, registry.store.achievement(achievement_id), workers) as own:
            return issue_batch(
                registry,
                roster,
                achievement_id,
                out_dir,
                fmt=fmt,
                skip_invalid=skip_invalid,
                workers=own,
                progress=progress,
                validation=validation,
            )
    achievement = workers.for_achievement(achievement_id).achievement
    checked = validation or validate(registry, roster, achievement, fmt, workers=workers)
    if checked.problems and not skip_invalid:
        raise CredentialInvalidError([(f"line {p.line}", p.message) for p in checked.problems])
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    _claim(out_dir, achievement_id)
    _remove_leftovers(out_dir)
    result = BatchResult(skipped=list(checked.problems))
    in_flight: deque[Future[int]] = deque()

    def finish_one() -> None:
        progress(_result(in_flight.popleft()))

    for chunk in _chunks(_validated_rows(roster, checked), RECORD_CHUNK):
        at = registry.now()
        records, done_before = _record_chunk(registry, achievement, chunk, fmt, at)
        todo: list[CredentialRecord] = []
        for record in done_before:
            if _intact(_output(out_dir, record.row_key or record.id, record.format), record):
                result.already += 1
            else:
                todo.append(record)
                result.restored += 1
        result.issued += len(records)
        todo += records
        if len(todo) < len(chunk):
            progress(len(chunk) - len(todo))
        items = [
            (r.document, r.format, str(_output(out_dir, r.row_key or r.id, r.format))) for r in todo
        ]
        in_flight.extend(
            workers.sign_and_write(at, items[first : first + CHUNK])
            for first in range(0, len(items), CHUNK)
        )
        while len(in_flight) > 2 * workers.count:
            finish_one()
    while in_flight:
        finish_one()
    if result.issued or result.restored:
        sync_filesystem(out_dir)  # once for the whole batch (see _write)
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


#: Names the achievement whose credentials a folder holds: files are named by roster key, so
#: two achievements' batches with the same keys would replace each other's files.
ACHIEVEMENT_FILE = ".vcportable-achievement"


def _claim(out_dir: Path, achievement_id: str) -> None:
    """Refuse a folder that holds another achievement's credentials; claim a new one."""
    marker = out_dir / ACHIEVEMENT_FILE
    try:
        claimed = marker.read_bytes()[:16384].decode("utf-8", "replace").strip()  # 2,048 chars
    except FileNotFoundError:
        claimed = None
    except OSError as exc:
        raise StorageError(f"cannot read {marker}: {exc.strerror or exc}") from None
    if claimed is None:
        try:
            write_atomic(marker, f"{achievement_id}\n".encode(), sync=False)
        except OSError as exc:
            raise StorageError(f"cannot write {marker}: {exc.strerror or exc}") from None
    elif claimed != achievement_id:
        raise InputError(
            f"{out_dir} holds the credentials of achievement {claimed[:200]} (its files are "
            f"named by roster key): give {achievement_id[:200]} an --out-dir of its own"
        )


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
