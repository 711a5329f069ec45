"""Work on an event loop (vcportable.nonblocking): what would wait or run pyld raises WouldBlock
there, and only there, and leaves nothing behind that changes later work."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from conftest import unsigned_sample
from vcportable import canonfast, jsonld
from vcportable.nonblocking import WouldBlock, holding, on_loop, refuse_on_loop


def test_refuse_and_holding_act_only_on_the_loop() -> None:
    refuse_on_loop("anything")  # not on a loop: nothing happens
    lock = threading.Lock()
    taken = threading.Event()
    release = threading.Event()

    def other() -> None:
        with lock:
            taken.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    taken.wait(5)
    try:
        with on_loop():
            with pytest.raises(WouldBlock):
                refuse_on_loop("pyld")
            with pytest.raises(WouldBlock), holding(lock):
                pass
        refuse_on_loop("pyld")  # the mark ends with its block
    finally:
        release.set()
        thread.join()
    with on_loop(), holding(lock):  # free: taken at once, released after
        assert lock.locked()
    assert not lock.locked()


def test_the_slow_path_is_refused_on_the_loop_and_nothing_is_remembered() -> None:
    """A document only the full path canonicalizes raises WouldBlock on the loop and is
    canonicalized off it; a context set first met on the loop is not remembered as unusable
    (the fast path takes it off the loop, then on it)."""
    loader = jsonld.DocumentLoader()  # a loader of its own: a context set it has never compiled
    document: dict[str, Any] = unsigned_sample()
    document["name"] = {"@value": "Zimmerer", "@language": "de"}
    assert canonfast.explain(document, loader, compacted=True) is not None  # the full path's
    with on_loop(), pytest.raises(WouldBlock):
        jsonld.canonize_signed(document, loader)
    assert "Zimmerer" in jsonld.canonize_signed(document, loader)

    fresh = jsonld.DocumentLoader()
    plain = unsigned_sample()
    plain["@context"] = list(reversed(plain["@context"][1:])) + plain["@context"][:1]
    with on_loop(), pytest.raises(WouldBlock, match="compiling a context set"):
        jsonld.canonize_signed(plain, fresh)  # an order of contexts the snapshot lacks
    assert canonfast.explain(plain, fresh, compacted=True) is None  # compiled now, off the loop
    expected = jsonld.canonize_signed(plain, fresh)
    with on_loop():
        assert jsonld.canonize_signed(plain, fresh) == expected


def test_pyld_is_not_imported_on_the_loop() -> None:
    """A compiler's first use of pyld (a type IRI no bundled term names, say) imports it:
    about 100 ms, left to a worker thread."""
    from vcportable.canonfast._context import compiler_for

    compiler = compiler_for(jsonld.DocumentLoader())
    with on_loop(), pytest.raises(WouldBlock, match="importing pyld"):
        compiler.processor  # noqa: B018  (the property does the work)
    assert compiler.processor is not None  # off the loop, it is made
