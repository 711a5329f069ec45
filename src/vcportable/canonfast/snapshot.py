"""The compiled-context snapshot: what pyld computes for the bundled contexts, shipped as data.

A fresh process on the fast path needs pyld for one thing: turning each context set (and the
scoped contexts a document reaches from it) into the active contexts :class:`._context.Ctx`
wraps, plus a few compaction answers. Importing pyld and processing ~25 KB of contexts is most
of a cold ``vcportable verify``; this module persists those results for the context sets of a
corpus of credentials (the test vectors), so that they are read back without pyld. Anything
the snapshot does not hold (another context set, a scoped context no corpus document reached,
a user's context folder) is compiled by pyld as before, on first use.

``snapshot.jsonl`` holds a header line (the sets, in line order) and one line per context set:
the active contexts (pyld's own, without its ``_uuid`` and ``inverse`` caches), their term
definitions and scoped contexts (each stored once), the transitions between the contexts and
the memoized compaction answers, and the pinned SHA-256 of every context document the set was
compiled from. A set is used only when the loader's bundle pins exactly those digests.

Regenerate it after changing the bundle, pyld or the fast path (tests/test_canon_fast.py fails
until then)::

    python -m vcportable.canonfast.snapshot
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ..jsonld import DocumentLoader
    from ._context import Ctx

FORMAT: Final = 1
FILE: Final = Path(__file__).with_name("snapshot.jsonl")
CORPUS: Final = (
    "tests/vectors/credentials",
    "tests/vectors/interop",
    "tests/vectors/vc-di-eddsa",
    "tests/vectors/vc-di-ecdsa",
    "tests/vectors/bitstring-status-list",
    "tests/vectors/canon_fast",
)
"""Folders (from the repository's root) whose JSON documents decide which sets are kept."""

_DROPPED: Final = ("_uuid", "inverse", "previousContext")  # pyld's caches, and a reference


@dataclass(frozen=True, slots=True)
class Node:
    """One recorded active context and what the fast path memoized on it."""

    raw: dict[str, Any]  # pyld's active context, previousContext restored
    prev: int | None
    next: list[tuple[str, Any, int]]  # kind, local context (E: its JSON key), child node
    vocab_compacted: dict[str, bool]
    selected: list[tuple[str, str, str | None, str | None]]  # iri, shape, datatype -> term


# -- reading (no pyld) -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lines() -> tuple[dict[str, int], list[bytes]]:
    try:
        lines = FILE.read_bytes().splitlines()
        header = json.loads(lines[0])
    except (OSError, ValueError, IndexError):
        return {}, []  # no snapshot: everything is compiled by pyld
    if header.get("format") != FORMAT:
        return {}, []
    return {json.dumps(urls): i + 1 for i, urls in enumerate(header["sets"])}, lines


def recorded(urls: tuple[str, ...], loader: DocumentLoader) -> list[Node] | None:
    """The recorded nodes of the context set ``urls`` (the root first), or None when the
    snapshot does not hold it or ``loader`` does not serve the documents it was made from."""
    index, lines = _lines()
    line = index.get(json.dumps(list(urls)))
    if line is None:
        return None
    data = json.loads(lines[line])
    if any(loader.pinned_digest(url) != digest for url, digest in data["contexts"].items()):
        return None
    scoped = data["scoped"]
    definitions = data["definitions"]
    for definition in definitions:  # shared by every context that has the term, as in pyld
        if "@context" in definition:
            definition["@context"] = scoped[definition["@context"]]
    raws: list[dict[str, Any]] = []
    for i, node in enumerate(data["nodes"]):
        raw = node["raw"]
        # pyld keys its caches (the inverse context, processed scoped contexts) by _uuid: equal
        # contexts may share one, different ones must not
        raw["_uuid"] = f"vcportable snapshot {line}.{i}"
        raw["mappings"] = {
            term: definitions[i] if i is not None else None for term, i in raw["mappings"].items()
        }
        raws.append(raw)
    nodes = []
    for node, raw in zip(data["nodes"], raws, strict=True):
        prev = node["prev"]
        if prev is not None:
            raw["previousContext"] = raws[prev]
        nodes.append(
            Node(
                raw=raw,
                prev=prev,
                next=[(k, local if k == "E" else scoped[local], c) for k, local, c in node["next"]],
                vocab_compacted=node["vocab"],
                selected=[
                    (iri, shape, datatype, term) for iri, shape, datatype, term in node["selected"]
                ],
            )
        )
    return nodes


# -- writing (pyld compiles, this records) -----------------------------------------------------


def _encode_set(root: Ctx, contexts: dict[str, str]) -> dict[str, Any]:
    """Every active context reachable from ``root``, one node per pyld active context; term
    definitions and scoped contexts are stored once each (pyld shares them between contexts)."""
    order: dict[int, Ctx] = {}  # id(raw) -> first Ctx seen with it
    merged: dict[int, list[Ctx]] = {}  # Ctx objects sharing one raw (a reverted context)
    stack = [root]
    while stack:
        ctx = stack.pop()
        same = merged.setdefault(id(ctx.raw), [])
        if any(other is ctx for other in same):
            continue
        same.append(ctx)
        order.setdefault(id(ctx.raw), ctx)
        children = [child for _, child in ctx._next.values()]
        stack.extend(reversed(children + ([ctx._prev] if ctx._prev is not None else [])))
    index = {key: i for i, key in enumerate(order)}
    scoped = _Table()
    definitions = _Table()
    local_of: dict[int, int] = {}  # id(scoped context) -> its index in ``scoped``
    nodes = []
    for key, ctx in order.items():
        mappings: dict[str, int | None] = {}
        for term, definition in ctx.mappings.items():
            if definition is None:
                mappings[term] = None
                continue
            plain = _plain(definition)
            local = plain.pop("@context", None)
            if local is not None:
                local_of[id(definition["@context"])] = plain["@context"] = scoped.add(local)
            mappings[term] = definitions.add(plain)
        raw = _plain({k: v for k, v in ctx.raw.items() if k not in _DROPPED})
        raw["mappings"] = mappings
        transitions: dict[tuple[str, Any], int] = {}
        vocab: dict[str, bool] = {}
        selected: dict[tuple[str, str, str | None], str | None] = {}
        for alias in merged[key]:
            for (kind, ident), (local, child) in alias._next.items():
                if kind == "E":
                    transitions[(kind, ident)] = index[id(child.raw)]
                elif id(local) in local_of:
                    transitions[(kind, local_of[id(local)])] = index[id(child.raw)]
            vocab.update(alias._vocab_compacted)
            selected.update(alias._selected)
        previous = ctx.raw.get("previousContext")
        nodes.append(
            {
                "raw": raw,
                "prev": index[id(previous)] if previous else None,
                "next": [[kind, local, child] for (kind, local), child in transitions.items()],
                "vocab": dict(sorted(vocab.items())),
                "selected": sorted(
                    ([*memo, term] for memo, term in selected.items()), key=json.dumps
                ),
            }
        )
    return {
        "contexts": dict(sorted(contexts.items())),
        "scoped": scoped.values,
        "definitions": definitions.values,
        "nodes": nodes,
    }


class _Table:
    """JSON values stored once each (by content), referred to by their index."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[str, int] = {}

    def add(self, value: Any) -> int:
        key = json.dumps(value, sort_keys=True)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(value)
        return self._index[key]


def _plain(value: Any) -> Any:
    """pyld's frozen dictionaries and tuples as plain JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _documents(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Every JSON object under ``paths`` as the fast path sees it when signing or verifying:
    the document without its proofs, each proof's configuration, each enclosed credential.
    A fixture of ``{"cases": [{"document": ...}]}`` gives its documents."""
    for path in sorted(p for folder in paths for p in folder.rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        cases = document.get("cases") if isinstance(document, dict) else None
        stack = [case.get("document") for case in cases] if isinstance(cases, list) else [document]
        while stack:
            doc = stack.pop()
            if not isinstance(doc, dict) or "@context" not in doc:
                continue
            proofs = doc.get("proof", [])
            yield {k: v for k, v in doc.items() if k != "proof"}
            for proof in proofs if isinstance(proofs, list) else [proofs]:
                if isinstance(proof, dict):
                    config = {k: v for k, v in proof.items() if k != "proofValue"}
                    yield {**config, "@context": doc["@context"]}
            enclosed = doc.get("verifiableCredential", [])
            stack.extend(enclosed if isinstance(enclosed, list) else [enclosed])


def build(paths: Iterable[Path]) -> list[str]:
    """The snapshot's lines for the corpus under ``paths``, compiled by pyld now."""
    from ..jsonld import DocumentLoader
    from . import canonize_fast
    from ._context import compiler_for

    by_set: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for doc in _documents(paths):
        context = doc["@context"]
        if isinstance(context, list) and all(isinstance(url, str) for url in context):
            by_set.setdefault(tuple(context), []).append(doc)
    header: list[str] = []
    lines: list[str] = []
    for urls in sorted(by_set):
        loader = DocumentLoader()  # a compiler of its own: its contexts are this set's only
        compiler = compiler_for(loader)
        compiler.use_snapshot = False
        for doc in by_set[urls]:
            canonize_fast(doc, loader, compacted=True)
        root = compiler.sets.get(urls)
        digests = {url: loader.pinned_digest(url) for url in sorted(compiler.vetted)}
        if root is None or isinstance(root[1], str) or None in digests.values():
            continue  # not compiled, or not from the bundle alone
        header.append(json.dumps(list(urls)))
        pinned = {url: digest for url, digest in digests.items() if digest is not None}
        lines.append(json.dumps(_encode_set(root[1], pinned), ensure_ascii=False))
    first = json.dumps({"format": FORMAT, "sets": [json.loads(key) for key in header]})
    return [first, *lines]


def main(argv: list[str] | None = None) -> int:
    """``python -m vcportable.canonfast.snapshot [ROOT]``: rewrite ``snapshot.jsonl`` from the
    corpus of the repository at ROOT (default: the current folder)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".")
    folders = [root / folder for folder in CORPUS]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        print(f"corpus folders not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    lines = build(folders)
    FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{FILE}: {len(lines) - 1} context sets, {FILE.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
