"""Work done on an event loop: it may not wait on a lock or take the slow JSON-LD path.

A server verifies a small, plain credential on the event loop that read it (the hand-off to a
worker thread costs as much as the verification). What such a verification must never do there
is wait for something another thread holds (pyld's lock, the context compiler's) or run pyld at
all (tens of milliseconds, serialized across the process): every other request of the worker
would wait too. Inside :func:`on_loop`, those places raise :class:`WouldBlock` instead, and the
caller does the whole verification again in a thread. Elsewhere nothing changes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["WouldBlock", "holding", "on_loop", "refuse_on_loop"]

_ON_LOOP: ContextVar[bool] = ContextVar("vcportable_on_loop", default=False)


class WouldBlock(Exception):  # noqa: N818  (not an error: a request to move the work)
    """The work would wait or take long here, on an event loop: do it in a thread instead.
    Not a :class:`~vcportable.errors.VcPortableError`, so no check reports it as a failure."""


@contextlib.contextmanager
def on_loop() -> Iterator[None]:
    """Mark the work inside as running on an event loop (for this task only)."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def refuse_on_loop(what: str) -> None:
    """Raise :class:`WouldBlock` if on an event loop: ``what`` is too slow to run there."""
    if _ON_LOOP.get():
        raise WouldBlock(what)


class holding:  # noqa: N801  (used as ``with holding(lock):``, like a lock)
    """``with lock``, except that on an event loop a lock another thread holds raises
    :class:`WouldBlock` instead of waiting."""

    __slots__ = ("lock",)

    def __init__(self, lock: threading.Lock | threading.RLock) -> None:
        self.lock = lock

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=not _ON_LOOP.get()):
            raise WouldBlock("a lock another thread holds")

    def __exit__(self, *exc: object) -> None:
        self.lock.release()
