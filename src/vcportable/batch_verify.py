"""Verification of long streams over several processes, in input order, in bounded memory.

:meth:`Verifier.verify_many <vcportable.verifier.Verifier.verify_many>` is the in-process API (a
server calls it from its own threads). This module is for the other case: a roster or an audit
export of a million credentials on a machine with several cores. Python runs one verification
at a time per process, so the work goes to worker processes, in chunks (one task per item would
cost more in pickling than a verification), with a fixed number of chunks in flight: the input
is read only as fast as the results are consumed, and results come back in the order of the
inputs whichever worker finished first.

Workers are spawned (forking a process that may hold threads is unsafe) and build their state
once, from a picklable factory; a worker whose parent dies (killed, never shut down) exits.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConfigurationError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .models.report import VerificationReport
    from .verifier import Verifier

__all__ = ["CHUNK_SIZE", "default_jobs", "ordered_map", "start_worker", "verify_parallel"]

T = TypeVar("T")
R = TypeVar("R")

#: Items per task: large enough that pickling is a small share of the work (a verification
#: takes about a millisecond), small enough that a slow chunk does not stall the output.
CHUNK_SIZE = 64
#: Chunks in flight per worker: one being worked on, one queued, one being collected.
CHUNKS_PER_JOB = 3
#: More workers than this is a mistake (a typo in --jobs), not a machine.
MAX_JOBS = 256

Input = bytes | str | Mapping[str, Any]


def default_jobs() -> int:
    """The cores this process may run on (its CPU affinity where the system says)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    jobs: int,
    chunk_size: int = CHUNK_SIZE,
    initializer: Callable[[], object] | None = None,
) -> Generator[R, None, None]:
    """``fn`` over ``items`` in ``jobs`` worker processes, yielding results in input order.

    At most ``jobs * CHUNKS_PER_JOB`` chunks are read ahead, so memory does not grow with the
    length of ``items``. ``fn`` and ``initializer`` must be picklable (module-level functions,
    or :func:`functools.partial` of them); ``initializer`` runs once in each worker. With one
    job everything runs here, in this process, with no pool at all.
    """
    _check_jobs(jobs)
    if chunk_size < 1:
        raise ConfigurationError(f"chunk_size must be at least 1, not {chunk_size}")
    if jobs == 1:
        if initializer is not None:
            initializer()
        yield from map(fn, items)
        return
    import multiprocessing  # here: a command verifying one file does not pay for the pool
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(os.getpid(), initializer),
    )
    try:
        chunks = _chunks(items, chunk_size)
        in_flight: deque[Future[list[R]]] = deque()
        for chunk in islice(chunks, jobs * CHUNKS_PER_JOB):
            in_flight.append(pool.submit(_run_chunk, fn, chunk))
        while in_flight:
            done = in_flight.popleft().result()
            for chunk in islice(chunks, 1):
                in_flight.append(pool.submit(_run_chunk, fn, chunk))
            yield from done
    finally:  # also when the consumer stops early (a closed pipe): nothing more is started
        pool.shutdown(wait=True, cancel_futures=True)


def _check_jobs(jobs: int) -> None:
    if not 1 <= jobs <= MAX_JOBS:
        raise ConfigurationError(f"jobs must be between 1 and {MAX_JOBS}, not {jobs}")


def verify_parallel(
    inputs: Iterable[Input],
    verifier: Callable[[], Verifier],
    *,
    jobs: int | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[VerificationReport]:
    """:meth:`Verifier.verify_many` over ``jobs`` processes (default: every core): one report
    per input, in order. ``verifier`` is a picklable factory (each worker builds its verifier
    once: a verifier holds caches and locks, which do not cross processes)."""
    jobs = default_jobs() if jobs is None else jobs
    _check_jobs(jobs)  # now, not when the first report is asked for
    if jobs == 1:
        return verifier().verify_many(inputs, challenge=challenge, domain=domain)
    return ordered_map(
        partial(_verify_here, challenge, domain),
        inputs,
        jobs=jobs,
        chunk_size=chunk_size,
        initializer=partial(_install, verifier),
    )


# -- in the workers ---------------------------------------------------------------------------

_WORKER: dict[str, Verifier] = {}


def _install(factory: Callable[[], Verifier]) -> None:
    _WORKER["verifier"] = factory()


def _verify_here(challenge: str | None, domain: str | None, data: Input) -> VerificationReport:
    return _WORKER["verifier"].verify(data, challenge=challenge, domain=domain)


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def start_worker(parent: int, initializer: Callable[[], object] | None = None) -> None:
    """Set up a worker process of ``parent`` (its pid, passed by the parent itself: a worker
    that starts after its parent was killed already has another), then run ``initializer``.
    Also for the pools of vcportable.batch."""
    # Ctrl-C reaches the whole process group: the parent stops the batch and shuts the pool
    # down; a worker interrupted in the middle of a chunk would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer()


def _exit_with(parent: int) -> None:
    """A worker holds both ends of its task pipe, so it never sees its parent die: it leaves
    as soon as it has another parent."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
