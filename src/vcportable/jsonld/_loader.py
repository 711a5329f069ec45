"""The offline document loader: the pinned bundle, user context folders and the @context
checks.

See the :mod:`vcportable.jsonld` docstring for the user folder format.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final

from ..codec.json import parse_json
from ..errors import CanonicalizationError, ConfigurationError, ContextNotAllowedError, InputError
from ._numbers import _js_number

MAX_CONTEXT_BYTES: Final = 1024 * 1024
"""Upper bound for one user context file (and for a user folder's ``manifest.json``)."""

RESOLVED_CONTEXT_CACHE_SIZE: Final = 256
"""Per-loader bound of pyld's resolved-context cache (URLs plus embedded context objects)."""

PROCESSED_CONTEXT_CACHE_SIZE: Final = 1024
"""Per-loader bound of the processed scoped-context memo (see ``_SafeProcessor``)."""

_BUNDLE_PACKAGE: Final = "vcportable._contexts"
_MANIFEST: Final = "manifest.json"

# Whitespace as JavaScript's \s sees it, plus what Python's \s adds (\x1c-\x1f, \x85). jsonld.js
# and pyld each call an IRI absolute when it has a scheme and no whitespace *by their own
# definition*; an IRI is accepted here only when both agree. ("+-." is a range, as in both:
# it admits a comma.)
_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^" + _WHITESPACE + r"]*\Z")
BCP47: Final = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*\Z")  # jsonld.js REGEX_BCP47
_KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+\Z")
_FILE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SHA256_HEX: Final = re.compile(r"^[0-9a-f]{64}\Z")

KEYWORDS: Final = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@default",
        "@direction",
        "@embed",
        "@explicit",
        "@first",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@omitDefault",
        "@propagate",
        "@protected",
        "@preserve",
        "@requireAll",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
"""pyld's keywords (``pyld.jsonld.KEYWORDS``; tests/test_jsonld.py keeps the two equal), here so
that the fast path and these checks do not import pyld."""

_CONTEXT_KEYWORDS: Final = frozenset(
    {
        "@base",
        "@direction",
        "@import",
        "@language",
        "@propagate",
        "@protected",
        "@type",
        "@version",
        "@vocab",
    }
)


# --------------------------------------------------------------------------------------------
# The bundle
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pinned:
    file: str
    sha256: str | None


def _bundle_file(name: str) -> bytes:
    """A file of the bundle. The package is plain files (pyproject ships it as package data), so
    its folder is read directly: ``importlib.resources`` imports tempfile, shutil, zipfile and
    the compressors, which a cold ``verify`` (it reads the manifest) would pay for nothing."""
    bundle = importlib.import_module(_BUNDLE_PACKAGE).__file__
    if bundle is None:
        raise OSError(f"{_BUNDLE_PACKAGE} is not a folder of files")
    return Path(bundle).with_name(name).read_bytes()


@cache  # the bundle is a fixed set of small files
def _bundle_bytes(name: str) -> bytes:
    """A file of the bundle, read once: ``relatedResource`` digests are checked against these
    bytes on every verification that names a bundled context."""
    return _bundle_file(name)


@lru_cache(maxsize=1)
def _bundle_manifest() -> dict[str, _Pinned]:
    try:
        raw = _bundle_file(_MANIFEST)
        entries = _parse_manifest(parse_json(raw, what=_MANIFEST), require_digest=True)
    except (OSError, ValueError, InputError) as exc:
        raise ConfigurationError(
            f"the bundled JSON-LD context manifest cannot be read ({exc}); "
            "the vcportable installation is corrupted, reinstall it"
        ) from exc
    return entries


_bundle_lock = threading.Lock()
_bundle_docs: dict[str, dict[str, Any]] = {}


def _load_bundled(url: str, pinned: _Pinned) -> dict[str, Any]:
    doc = _bundle_docs.get(url)
    if doc is not None:
        return doc
    with _bundle_lock:
        doc = _bundle_docs.get(url)
        if doc is None:
            try:
                data = _bundle_file(pinned.file)
            except OSError as exc:
                raise ConfigurationError(
                    f"bundled JSON-LD context {url} ({pinned.file}) cannot be read: {exc}; "
                    "the vcportable installation is corrupted, reinstall it"
                ) from exc
            if hashlib.sha256(data).hexdigest() != pinned.sha256:
                raise ConfigurationError(
                    f"bundled JSON-LD context {url} ({pinned.file}) does not match its pinned "
                    "SHA-256: bundle corrupted, reinstall vcportable"
                )
            doc = _parse_context_document(data, f"bundled context {pinned.file}")
            _bundle_docs[url] = doc
    return doc


def _parse_manifest(raw: object, *, require_digest: bool) -> dict[str, _Pinned]:
    if not isinstance(raw, dict):
        raise ValueError("manifest must be a JSON object mapping context URLs to files")
    entries: dict[str, _Pinned] = {}
    for url, entry in raw.items():
        if not _ABSOLUTE_IRI.match(url) or url.startswith("_:"):
            raise ValueError(f"manifest key {url!r} is not an absolute URL")
        if isinstance(entry, str):
            file, digest = entry, None
        elif isinstance(entry, dict) and isinstance(entry.get("file"), str):
            file, digest = entry["file"], entry.get("sha256")
            extra_keys = set(entry) - {"file", "sha256"}
            if extra_keys:
                raise ValueError(f"manifest entry for {url} has unknown keys {sorted(extra_keys)}")
        else:
            raise ValueError(f"manifest entry for {url} must be a file name or {{file, sha256}}")
        if not _FILE_NAME.match(file) or file == _MANIFEST:
            raise ValueError(f"manifest entry for {url}: {file!r} is not a plain file name")
        if digest is not None and (not isinstance(digest, str) or not _SHA256_HEX.match(digest)):
            raise ValueError(f"manifest entry for {url}: sha256 must be 64 lowercase hex digits")
        if require_digest and digest is None:
            raise ValueError(f"manifest entry for {url} has no sha256")
        entries[url] = _Pinned(file, digest)
    return entries


def _parse_context_document(data: bytes, what: str) -> dict[str, Any]:
    try:
        doc = parse_json(data, what=what, max_bytes=MAX_CONTEXT_BYTES)
    except InputError as exc:
        raise ConfigurationError(exc.message) from None
    if not isinstance(doc, dict) or "@context" not in doc:
        raise ConfigurationError(f"{what} is not a JSON-LD context document (no @context)")
    return doc


# --------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _UserFile:
    path: Path
    sha256: str | None


class _BoundedCache:
    """A small thread-safe LRU mapping (the shape pyld's ContextResolver needs)."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return default
            return self._data[key]

    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


_MISSING: Final = object()


class DocumentLoader:
    """Serves JSON-LD contexts offline: the pinned bundle, user folders and an in-memory mapping.

    ``load(url)`` returns the parsed document; the same object every time (callers must not
    modify it). Any URL that is not served raises :class:`ContextNotAllowedError`; there is no
    network code path. The instance is also a pyld document loader (``loader(url, options)``).
    See the :mod:`vcportable.jsonld` docstring for the user folder format.
    """

    def __init__(
        self,
        extra_dirs: Sequence[Path | str] = (),
        extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        bundled = _bundle_manifest()
        self._bundled = bundled
        self._files: dict[str, _UserFile] = {}
        self._docs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        # pyld's resolved-context cache for this loader only: a cache shared between loaders
        # would let one loader's documents answer for another's.
        self._resolved = _BoundedCache(RESOLVED_CONTEXT_CACHE_SIZE)
        # The inline-alias check processes contexts as a scoped context may be (protected
        # terms overridable); pyld caches a processed context by its active context alone, so
        # those results are kept apart, or expansion would find protection lifted.
        self._resolved_apart = _BoundedCache(RESOLVED_CONTEXT_CACHE_SIZE)
        self._processed = _BoundedCache(PROCESSED_CONTEXT_CACHE_SIZE)
        self._checked: set[str] = set()
        # pyld's context caches are not thread-safe; canonicalization is CPU-bound anyway.
        self._pyld_lock = threading.Lock()

        for folder in extra_dirs:
            self._add_folder(Path(folder))
        for url, document in (extra or {}).items():
            self._claim(url, "the extra mapping")
            self._docs[url] = self._copy_extra(url, document)

    # -- public API -----------------------------------------------------------------------

    def load(self, url: str) -> dict[str, Any]:
        """Return the context document for ``url`` (parsed once, then shared)."""
        doc = self._docs.get(url)
        if doc is not None:
            return doc
        pinned = self._bundled.get(url)
        if pinned is not None:
            return _load_bundled(url, pinned)
        user = self._files.get(url)
        if user is None:
            raise ContextNotAllowedError(url)
        with self._lock:
            doc = self._docs.get(url)
            if doc is None:
                doc = self._read_user_file(url, user)
                self._docs[url] = doc
        return doc

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """pyld document loader interface (a RemoteDocument)."""
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": self.load(url),
            "contentType": "application/ld+json",
            # "static" lets pyld keep the resolved (and processed) context across calls.
            "tag": "static",
        }

    def raw_bytes(self, url: str) -> bytes | None:
        """The bytes of a context file as published, for checking ``relatedResource`` digests;
        None for a URL not served from a file."""
        try:
            pinned = self._bundled.get(url)
            if pinned is not None:
                return _bundle_bytes(pinned.file)
            user = self._files.get(url)
            if user is not None:
                with user.path.open("rb") as handle:
                    return handle.read(MAX_CONTEXT_BYTES + 1)
        except OSError:
            return None
        return None

    def pinned_digest(self, url: str) -> str | None:
        """The SHA-256 the bundle pins for ``url`` (this loader serves it from the bundle, as
        every loader does: a bundled URL cannot be replaced), or None for any other URL."""
        pinned = self._bundled.get(url)
        return pinned.sha256 if pinned is not None else None

    def urls(self) -> list[str]:
        """Every URL this loader serves, sorted."""
        return sorted({*self._bundled, *self._files, *self._docs})

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and (
            url in self._bundled or url in self._files or url in self._docs
        )

    # -- internals ------------------------------------------------------------------------

    def _claim(self, url: str, where: str) -> None:
        if url in self._bundled:
            raise ConfigurationError(
                f"JSON-LD context {url} from {where} is bundled with vcportable and cannot be "
                "replaced"
            )
        if url in self._files or url in self._docs:
            raise ConfigurationError(f"JSON-LD context {url} from {where} is defined twice")

    def _add_folder(self, folder: Path) -> None:
        manifest_path = folder / _MANIFEST
        where = f"context folder {folder}"
        try:
            if manifest_path.stat().st_size > MAX_CONTEXT_BYTES:
                raise ConfigurationError(f"{manifest_path} is larger than 1 MiB")
            raw = parse_json(manifest_path.read_bytes(), what=_MANIFEST)
            entries = _parse_manifest(raw, require_digest=False)
        except OSError as exc:
            raise ConfigurationError(f"{where}: cannot read {_MANIFEST}: {exc}") from exc
        except (ValueError, InputError) as exc:
            raise ConfigurationError(f"{where}: invalid {_MANIFEST}: {exc}") from exc
        for url, pinned in entries.items():
            self._claim(url, where)
            path = folder / pinned.file
            try:
                size = path.stat().st_size
            except OSError as exc:
                raise ConfigurationError(f"{where}: context file for {url}: {exc}") from exc
            if size > MAX_CONTEXT_BYTES:
                raise ConfigurationError(f"{where}: {pinned.file} is larger than 1 MiB")
            self._files[url] = _UserFile(path, pinned.sha256)

    @staticmethod
    def _read_user_file(url: str, user: _UserFile) -> dict[str, Any]:
        try:
            with user.path.open("rb") as handle:
                data = handle.read(MAX_CONTEXT_BYTES + 1)
        except OSError as exc:
            raise ConfigurationError(f"context file {user.path} for {url}: {exc}") from exc
        if len(data) > MAX_CONTEXT_BYTES:
            raise ConfigurationError(f"context file {user.path} is larger than 1 MiB")
        if user.sha256 is not None and hashlib.sha256(data).hexdigest() != user.sha256:
            raise ConfigurationError(
                f"context file {user.path} for {url} does not match the sha256 in its manifest"
            )
        return _parse_context_document(data, f"context file {user.path}")

    @staticmethod
    def _copy_extra(url: str, document: Mapping[str, Any]) -> dict[str, Any]:
        if not _ABSOLUTE_IRI.match(url) or url.startswith("_:"):
            raise ConfigurationError(f"extra context key {url!r} is not an absolute URL")
        try:
            data = json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"extra context {url} is not plain JSON: {exc}") from exc
        if len(data) > MAX_CONTEXT_BYTES:
            raise ConfigurationError(f"extra context {url} is larger than 1 MiB")
        return _parse_context_document(data, f"extra context {url}")


@lru_cache(maxsize=1)
def default_loader() -> DocumentLoader:
    """The shared loader over the bundled contexts only."""
    return DocumentLoader()


# --------------------------------------------------------------------------------------------
# @context checks
# --------------------------------------------------------------------------------------------


def check_contexts(document: Mapping[str, Any], loader: DocumentLoader) -> None:
    """Raise :class:`ContextNotAllowedError` for any context URL ``loader`` does not serve.

    Looks at every ``@context`` in the document (top level, nested objects, scoped contexts in
    embedded context definitions) and, transitively, at the contexts those documents reference.
    A ``@context`` inside an ``@json`` literal is checked too (conservatively).
    """
    _walk_contexts(document, loader, strict=False)


def _walk_contexts(
    document: Any, loader: DocumentLoader, *, strict: bool, exact_integers: bool = False
) -> None:
    """Check every @context of a document; in strict (canonize) mode also its numbers, and
    with ``exact_integers`` (a signed document) that each integer is one JavaScript holds."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        values: Any = node
        if isinstance(node, dict):
            values = node.values()
            if "@context" in node:
                _check_context_value(node["@context"], loader, strict=strict, seen=set())
                values = [value for key, value in node.items() if key != "@context"]
        # Tuples, not unions, in isinstance: a union is checked several times slower.
        for value in values:
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif strict and isinstance(value, (int, float)) and not isinstance(value, bool):
                number = _js_number(value)  # refuses what JSON.parse would turn into Infinity
                if exact_integers and isinstance(value, int) and int(number) != value:
                    # 2**53 + 1 is signed as 2**53 (jsonld.js reads JSON numbers as doubles):
                    # the JSON would state a number the signature does not cover
                    raise CanonicalizationError(
                        f"the integer {str(value)[:40]} is not a number JavaScript can hold "
                        f"exactly (it reads {int(number)}): write it as a string"
                    )


def _check_context_value(
    value: Any, loader: DocumentLoader, *, strict: bool, seen: set[str]
) -> None:
    stack: list[Any] = [value]
    while stack:
        ctx = stack.pop()
        if isinstance(ctx, list):
            stack.extend(ctx)
        elif isinstance(ctx, str):
            _check_context_url(ctx, loader, strict=strict, seen=seen)
        elif isinstance(ctx, dict):
            imported = ctx.get("@import")
            if isinstance(imported, str):
                _check_context_url(imported, loader, strict=strict, seen=seen)
            if strict:
                _check_context_definition(ctx)
            for term, definition in ctx.items():
                if not term.startswith("@") and isinstance(definition, dict):
                    scoped = definition.get("@context", _MISSING)
                    if scoped is not _MISSING:
                        stack.append(scoped)


def _check_context_url(url: str, loader: DocumentLoader, *, strict: bool, seen: set[str]) -> None:
    if url not in loader:
        raise ContextNotAllowedError(url)
    memo = ("strict " if strict else "") + url
    if memo in loader._checked or url in seen:
        return
    seen.add(url)
    _check_context_value(loader.load(url).get("@context"), loader, strict=strict, seen=seen)
    loader._checked.add(memo)


def _check_context_definition(ctx: Mapping[str, Any]) -> None:
    """Safe-mode checks jsonld.js makes while processing a context (its warning events)."""
    if "@import" in ctx:
        raise CanonicalizationError(
            "@import in a JSON-LD context is not supported by vcportable (safe mode)"
        )
    language = ctx.get("@language")
    if isinstance(language, str) and not BCP47.match(language):
        raise CanonicalizationError(
            f"invalid @language value {language!r} in a @context (not BCP47)"
        )
    for term, definition in ctx.items():
        if term in _CONTEXT_KEYWORDS:
            continue
        if _KEYWORD_LIKE.match(term) and term not in KEYWORDS:
            raise CanonicalizationError(
                f"reserved term {term!r} in a @context (terms like @foo are dropped)"
            )
        iri = definition.get("@id") if isinstance(definition, dict) else definition
        if isinstance(iri, str) and _KEYWORD_LIKE.match(iri) and iri not in KEYWORDS:
            raise CanonicalizationError(f"reserved @id value {iri!r} for term {term!r}")
        reverse = definition.get("@reverse") if isinstance(definition, dict) else None
        if isinstance(reverse, str) and _KEYWORD_LIKE.match(reverse):
            raise CanonicalizationError(f"reserved @reverse value {reverse!r} for term {term!r}")
