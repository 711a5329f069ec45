"""One walk for a presentation and the credentials it encloses.

Verifying a presentation signed with an RDFC suite canonicalizes the presentation, whose
dataset holds every enclosed credential (each in its own graph, its proof in another), and then,
for each credential's own proof, the credential without its proof and the proof configuration.
Within :func:`sharing`, the presentation's walk keeps where the quads of each credential and of
each proof went (:class:`~vcportable.canonfast._emit.Enclosed`), and a later canonicalization
of the credential without its ``proof``, or of the proof without its ``proofValue``, takes them
instead of walking it again. Only the walk is shared: blank node labelling and writing the
N-Quads are done for each dataset, so the bytes are those of a walk of its own
(docs/canonicalization.md, "Presentations").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from ..jsonld._rdfc import CanonicalizationBudget
from ._context import Ctx
from ._emit import Emitter, Enclosed

__all__ = ["Session", "current", "sharing"]

_Key = tuple[tuple[str, int], ...]
_CONTEXT: Final = frozenset({"@context"})


def _key(document: Mapping[str, Any], left_out: Set[str]) -> _Key:
    """The members of ``document`` by identity, ``left_out`` left out: two mappings with one
    key hold the same values as long as the one that was kept is alive and unchanged (a
    verification does not change what it verifies)."""
    return tuple([(name, id(value)) for name, value in document.items() if name not in left_out])


class Session:
    """The objects walked within one :func:`sharing` block that may serve again."""

    def __init__(self) -> None:
        self._enclosed: dict[_Key, Enclosed] = {}

    def keep(self, enclosed: list[Enclosed]) -> None:
        for item in enclosed:
            self._enclosed[_key(item.document, {"@context", *item.left_out})] = item

    def alone(
        self,
        document: Mapping[str, Any],
        ctx: Ctx,
        budget: CanonicalizationBudget,
        strict: bool,
    ) -> Emitter | None:
        """The quads of ``document``, compiled to ``ctx``, when an enclosing walk emitted
        them from that very context, in the same mode and with ``budget``: an enclosed
        credential without its ``proof``, or its proof without ``proofValue`` (the proof
        configuration)."""
        hit = self._enclosed.get(_key(document, _CONTEXT))
        if hit is None or hit.ctx is not ctx or hit.strict != strict or hit.budget != budget:
            return None
        return hit.alone()


_current: ContextVar[Session | None] = ContextVar("vcportable_canonfast_sharing", default=None)


def current() -> Session | None:
    """The session of the innermost :func:`sharing` block, if any."""
    return _current.get()


@contextmanager
def sharing() -> Iterator[Session]:
    """Let the canonicalizations inside the block share the walks of enclosed documents
    (per thread and task: a context variable). The documents must not change inside it."""
    session = Session()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
