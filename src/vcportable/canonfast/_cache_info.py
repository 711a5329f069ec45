"""What :func:`vcportable.canonfast.cache_info` answers, in a module of its own: setup.py
compiles ``_context`` with mypyc, and a compiled frozen dataclass can be neither pickled nor
copied (its instances are rebuilt by assignment, which ``frozen`` forbids). This one stays a
plain dataclass in either build."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CacheInfo:
    """Size of the compiled-context cache (bounded: see :func:`set_cache_size`)."""

    loaders: int
    context_sets: int
    compiled_contexts: int
    max_context_sets_per_loader: int
    max_loaders: int
