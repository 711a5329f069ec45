"""Offline JSON-LD: bundled contexts, a loader that never touches the network, and RDFC-1.0.

Three things live here:

* :class:`DocumentLoader` serves JSON-LD context documents from the bundle shipped with vcportable
  (``contexts/`` in the repository, ``vcportable._contexts`` once installed; every file pinned by
  SHA-256 in ``manifest.json``), from folders the user adds, and from an in-memory mapping. Any
  other URL raises :class:`~vcportable.errors.ContextNotAllowedError`. It has no network code.
* :func:`canonize` turns a JSON-LD document into RDFC-1.0 canonical N-Quads, byte for byte what
  Digital Bazaar's ``jsonld.js`` 9 + ``rdf-canonize`` 5 produce for the Data Integrity
  cryptosuites, in **safe mode**: anything the JSON-LD algorithms would silently drop (an
  undefined term, a relative IRI, an object with only ``@id``...) is an error, because a dropped
  value would not be signed.
* :func:`check_contexts` refuses a document that names a context the loader does not serve,
  before any processing.

User context folders
--------------------
Each folder given in ``extra_dirs`` holds the context files (``*.json``) and a ``manifest.json``
that maps each context URL to its file, either as a bare file name or with a pinned digest::

    {
      "https://example.org/contexts/trades/v1": "trades-v1.json",
      "https://example.org/contexts/extra/v1": {"file": "extra-v1.json",
                                                "sha256": "9f86d081884c7d65...(64 hex)"}
    }

File names are plain names inside the folder (no path separators). Files and manifests are at most
1 MiB; each file must be a JSON object with an ``@context`` entry. A user folder cannot replace a
bundled URL, and a URL may be defined only once across folders and ``extra``. The bundle's own
``manifest.json`` uses the second (pinned) form for every entry.

How the output is kept byte-identical to rdf-canonize
-----------------------------------------------------
pyld does the JSON-LD expansion and the conversion to RDF (with the hooks below); the RDF dataset
is then canonicalized here, by a port of rdf-canonize's RDFC-1.0 (``RDFC10.js``), because pyld's
canonicalizer differs from it: its N-Quads escaping only handles ``\\t \\n \\r " \\\\``, it sorts
by code point where JavaScript sorts by UTF-16 code unit, it counts a quad twice for a blank node
that appears in two positions, and it has no bound on the work a crafted graph can cause.
JavaScript number semantics (``1.0`` is the integer ``1``, ``toExponential(15)`` rounding) and
``@json`` literals (JSON Canonicalization Scheme as the ``canonicalize`` package writes it) are
reproduced as well.

Deliberate differences from jsonld.js (each an error here, never different output):

* a base IRI is never used: an ``@base`` in a context does not resolve relative IRIs, so a
  document that relies on it fails with "relative @id reference" (jsonld.js resolves it);
* ``@import`` in a context is refused (pyld would merge the imported document in place);
* an empty string coerced to an IRI (``"renderMethod": ""`` where the term is ``@type: @id``) is
  refused; jsonld.js silently leaves it out of the dataset, unsigned;
* IRIs containing whitespace (by JavaScript's or Python's definition), strings with unpaired
  surrogates and non-finite numbers are refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from .errors import (
    CanonicalizationError,
    ConfigurationError,
    ContextNotAllowedError,
    VcPortableError,
)

__all__ = [
    "MAX_CONTEXT_BYTES",
    "DocumentLoader",
    "RdfDirection",
    "canonize",
    "check_contexts",
    "default_loader",
]

MAX_CONTEXT_BYTES: Final = 1024 * 1024
"""Upper bound for one user context file (and for a user folder's ``manifest.json``)."""

RESOLVED_CONTEXT_CACHE_SIZE: Final = 256
"""Per-loader bound of pyld's resolved-context cache (URLs plus embedded context objects)."""

PROCESSED_CONTEXT_CACHE_SIZE: Final = 1024
"""Per-loader bound of the processed scoped-context memo (see ``_SafeProcessor``)."""

_BUNDLE_PACKAGE: Final = "vcportable._contexts"
_MANIFEST: Final = "manifest.json"

RdfDirection = Literal["i18n-datatype"] | None

_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_RDF_LANGSTRING: Final = _RDF + "langString"
_RDF_JSON: Final = _RDF + "JSON"
_XSD_STRING: Final = _XSD + "string"
_XSD_DOUBLE: Final = _XSD + "double"
_XSD_INTEGER: Final = _XSD + "integer"

# Whitespace as JavaScript's \s sees it, plus what Python's \s adds (\x1c-\x1f, \x85). jsonld.js
# and pyld each call an IRI absolute when it has a scheme and no whitespace *by their own
# definition*; an IRI is accepted here only when both agree. ("+-." is a range, as in both:
# it admits a comma.)
_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^" + _WHITESPACE + r"]*\Z")
_BCP47: Final = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*\Z")
_KEYWORD_LIKE: Final = re.compile(r"^@[a-zA-Z]+\Z")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_FILE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SHA256_HEX: Final = re.compile(r"^[0-9a-f]{64}\Z")

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


@lru_cache(maxsize=1)
def _bundle_manifest() -> dict[str, _Pinned]:
    try:
        raw = resources.files(_BUNDLE_PACKAGE).joinpath(_MANIFEST).read_bytes()
        entries = _parse_manifest(json.loads(raw), require_digest=True)
    except (OSError, ValueError) as exc:
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
                data = resources.files(_BUNDLE_PACKAGE).joinpath(pinned.file).read_bytes()
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
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigurationError(f"{what} is not valid JSON: {exc}") from exc
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
    See the module docstring for the user folder format.
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
                return resources.files(_BUNDLE_PACKAGE).joinpath(pinned.file).read_bytes()
            user = self._files.get(url)
            if user is not None:
                with user.path.open("rb") as handle:
                    return handle.read(MAX_CONTEXT_BYTES + 1)
        except OSError:
            return None
        return None

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
            raw = json.loads(manifest_path.read_bytes())
            entries = _parse_manifest(raw, require_digest=False)
        except OSError as exc:
            raise ConfigurationError(f"{where}: cannot read {_MANIFEST}: {exc}") from exc
        except ValueError as exc:
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


def _walk_contexts(document: Any, loader: DocumentLoader, *, strict: bool) -> None:
    """Check every @context of a document; in strict (canonize) mode also its numbers."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "@context" in node:
                _check_context_value(node["@context"], loader, strict=strict, seen=set())
            values: Any = (value for key, value in node.items() if key != "@context")
        else:
            values = node
        for value in values:
            if isinstance(value, dict | list):
                stack.append(value)
            elif strict and isinstance(value, int | float) and not isinstance(value, bool):
                _js_number(value)  # refuses what JSON.parse would turn into Infinity


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
    if isinstance(language, str) and not _BCP47.match(language):
        raise CanonicalizationError(
            f"invalid @language value {language!r} in a @context (not BCP47)"
        )
    for term, definition in ctx.items():
        if term in _CONTEXT_KEYWORDS:
            continue
        if _KEYWORD_LIKE.match(term) and not _pyld._is_keyword(term):
            raise CanonicalizationError(
                f"reserved term {term!r} in a @context (terms like @foo are dropped)"
            )
        iri = definition.get("@id") if isinstance(definition, dict) else definition
        if isinstance(iri, str) and _KEYWORD_LIKE.match(iri) and not _pyld._is_keyword(iri):
            raise CanonicalizationError(f"reserved @id value {iri!r} for term {term!r}")
        reverse = definition.get("@reverse") if isinstance(definition, dict) else None
        if isinstance(reverse, str) and _KEYWORD_LIKE.match(reverse):
            raise CanonicalizationError(f"reserved @reverse value {reverse!r} for term {term!r}")


# --------------------------------------------------------------------------------------------
# JavaScript number semantics (jsonld.js toRdf and the `canonicalize` JCS package)
# --------------------------------------------------------------------------------------------


def _js_number(value: int | float) -> float:
    """The IEEE double JSON.parse would have produced for this JSON number."""
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        shown = repr(value) if len(repr(value)) < 40 else f"{repr(value)[:20]}..."
        raise CanonicalizationError(f"number {shown} is not a finite IEEE double")
    return number


def _js_number_to_string(x: float) -> str:
    """ECMAScript Number::toString(10)."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _js_number_to_string(-x)
    if x == float("inf"):
        return "Infinity"
    mantissa, _, exponent = repr(x).partition("e")
    integral, _, fraction = mantissa.partition(".")
    digits = integral + fraction
    significant = digits.lstrip("0")
    point = len(integral) + (int(exponent) if exponent else 0) - (len(digits) - len(significant))
    significant = significant.rstrip("0")
    k = len(significant)
    if k <= point <= 21:
        return significant + "0" * (point - k)
    if 0 < point <= 21:
        return significant[:point] + "." + significant[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + significant
    e = point - 1
    sign = "+" if e >= 0 else "-"
    head = significant if k == 1 else significant[0] + "." + significant[1:]
    return f"{head}e{sign}{abs(e)}"


def _js_is_double(x: float) -> bool:
    """jsonld.js ``types.isDouble``: the number's string has a '.', or it is >= 1e21."""
    return "." in _js_number_to_string(x) or abs(x) >= 1e21


def _js_to_exponential_15(x: float) -> str:
    """ECMAScript Number.prototype.toExponential(15): exact value, ties rounded up."""
    if x != x:
        return "NaN"
    sign = ""
    if x < 0:
        sign, x = "-", -x
    if x == float("inf"):
        return sign + "Infinity"
    if x == 0:
        return sign + "0.000000000000000e+0"
    num, den = x.as_integer_ratio()
    # 10**e <= num/den < 10**(e + 1); the digit-count estimate is at most one too high.
    e = len(str(num)) - len(str(den))
    if (num < den * 10**e) if e >= 0 else (num * 10**-e < den):
        e -= 1
    shift = 15 - e
    n, d = (num * 10**shift, den) if shift >= 0 else (num, den * 10**-shift)
    q, r = divmod(n, d)
    if 2 * r >= d:
        q += 1
    if q >= 10**16:
        q //= 10
        e += 1
    text = str(q)
    return f"{sign}{text[0]}.{text[1:]}e{'+' if e >= 0 else '-'}{abs(e)}"


def _js_canonical_double(x: float) -> str:
    """jsonld.js: ``value.toExponential(15).replace(/(\\d)0*e\\+?/, '$1E')``."""
    return re.sub(r"(\d)0*e\+?", r"\1E", _js_to_exponential_15(x), count=1)


def _js_to_fixed_0(x: float) -> str:
    """ECMAScript Number.prototype.toFixed(0) (ties rounded up; keeps '-' for -0.x)."""
    if x != x:
        return "NaN"
    if abs(x) >= 1e21:
        return _js_number_to_string(x)
    sign = ""
    if x < 0:
        sign, x = "-", -x
    num, den = x.as_integer_ratio()
    q, r = divmod(num, den)
    if 2 * r >= den:
        q += 1
    return sign + str(q)


_JS_STR_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_FLOAT_PREFIX: Final = re.compile(
    r"[" + _JS_STR_WHITESPACE + r"]*([+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?))"
)


def _js_parse_float(text: str) -> float:
    """ECMAScript parseFloat."""
    match = _JS_FLOAT_PREFIX.match(text)
    if match is None:
        return float("nan")
    return float(match.group(1).replace("Infinity", "inf"))


_JSON_STRING_ESCAPES: Final = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_JSON_STRING_SPECIAL: Final = re.compile('[\x00-\x1f"\\\\\ud800-\udfff]')


def _json_string_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return _JSON_STRING_ESCAPES.get(code) or f"\\u{code:04x}"


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _jcs(value: Any) -> str:
    """JSON Canonicalization Scheme as the ``canonicalize`` npm package (jsonld.js) writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _js_number_to_string(_js_number(value))
    if isinstance(value, str):
        return '"' + _JSON_STRING_SPECIAL.sub(_json_string_escape, value) + '"'
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_jcs(key) + ":" + _jcs(value[key]) for key in keys) + "}"
    raise CanonicalizationError(f"@json value of type {type(value).__name__} is not JSON")


# --------------------------------------------------------------------------------------------
# N-Quads terms, escaped exactly as rdf-canonize 5 (NQuads.js) escapes them
# --------------------------------------------------------------------------------------------

_LITERAL_SPECIAL: Final = re.compile('[\x00-\x1f\x7f"\\\\]')
_LITERAL_ESCAPES: Final = {
    **{chr(code): f"\\u{code:04X}" for code in [*range(0x20), 0x7F]},
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_IRI_SPECIAL: Final = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def _escape_literal(value: str) -> str:
    if _LITERAL_SPECIAL.search(value) is None:
        return value
    return _LITERAL_SPECIAL.sub(lambda m: _LITERAL_ESCAPES[m.group()], value)


def _escape_iri(value: str) -> str:
    if _IRI_SPECIAL.search(value) is None:
        return value
    return _IRI_SPECIAL.sub(lambda m: f"\\u{ord(m.group()):04X}", value)


def _refuse_surrogates(value: str) -> str:
    if _SURROGATE.search(value) is not None:
        raise CanonicalizationError(
            "a string contains an unpaired UTF-16 surrogate; it cannot be signed as UTF-8"
        )
    return value


def _iri_term(value: str) -> str:
    if value.startswith("_:"):
        return value
    return "<" + _escape_iri(_refuse_surrogates(value)) + ">"


def _object_term(obj: Mapping[str, Any]) -> str:
    kind = obj["type"]
    if kind == "blank node":
        return str(obj["value"])
    if kind == "IRI":
        return _iri_term(obj["value"])
    text = '"' + _escape_literal(_refuse_surrogates(obj["value"])) + '"'
    datatype: str = obj.get("datatype") or _XSD_STRING
    if datatype == _RDF_LANGSTRING:
        language = obj.get("language")
        return text + "@" + language if language else text
    if datatype != _XSD_STRING:
        return text + "^^" + _iri_term(datatype)
    return text


# --------------------------------------------------------------------------------------------
# RDFC-1.0: a port of rdf-canonize 5 (lib/RDFC10.js), same hashing input and sort order
# --------------------------------------------------------------------------------------------

# A quad is (subject, predicate, object, graph, predicate IRI): subject/object/graph are N-Quads
# terms ("<iri>", '"literal"...', or a blank node "_:label"), graph is None for the default
# graph, the predicate is given both as a term and as the bare IRI (for Hash Related Blank Node).
_Quad = tuple[str, str, str, str | None, str]


def _quad_line(s: str, p: str, o: str, g: str | None) -> str:
    if g is None:
        return f"{s} {p} {o} .\n"
    return f"{s} {p} {o} {g} .\n"


class _Issuer:
    __slots__ = ("counter", "existing", "prefix")

    def __init__(self, prefix: str, existing: dict[str, str] | None = None, counter: int = 0):
        self.prefix = prefix
        self.existing: dict[str, str] = {} if existing is None else existing
        self.counter = counter

    def clone(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.existing), self.counter)

    def get_id(self, old: str) -> str:
        issued = self.existing.get(old)
        if issued is None:
            issued = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.existing[old] = issued
        return issued


def _permutations(items: list[str]) -> Iterator[list[str]]:
    """rdf-canonize's Permuter: Steinhaus-Johnson-Trotter from the sorted list."""
    current = sorted(items)
    left = {item: True for item in current}
    length = len(current)
    while True:
        snapshot = current[:]
        k: str | None = None
        pos = 0
        for i, element in enumerate(current):
            is_left = left[element]
            if (k is None or element > k) and (
                (is_left and i > 0 and element > current[i - 1])
                or (not is_left and i < length - 1 and element > current[i + 1])
            ):
                k, pos = element, i
        if k is not None:
            swap = pos - 1 if left[k] else pos + 1
            current[pos] = current[swap]
            current[swap] = k
            for element in current:
                if element > k:
                    left[element] = not left[element]
        yield snapshot
        if k is None:
            return


class _Rdfc10:
    def __init__(self, quads: list[_Quad]) -> None:
        self.quads = quads
        self.bnode_quads: dict[str, list[_Quad]] = {}
        self.bnode_hash: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")
        self.utf16_sort = any(
            _ASTRAL.search(term) is not None
            for quad in quads
            for term in (quad[0], quad[1], quad[2], quad[3] or "")
        )
        self.remaining = 0

    def _sort(self, lines: list[str]) -> None:
        # JavaScript sorts strings by UTF-16 code unit; that differs from code point order only
        # when a character outside the BMP meets one in U+E000..U+FFFF.
        if self.utf16_sort:
            lines.sort(key=_utf16_key)
        else:
            lines.sort()

    def run(self) -> str:
        for quad in self.quads:
            for term in (quad[0], quad[2], quad[3]):
                if term is not None and term.startswith("_:"):
                    listed = self.bnode_quads.setdefault(term, [])
                    if not listed or listed[-1] is not quad:
                        listed.append(quad)

        hash_to_bnodes: dict[str, list[str]] = {}
        for bnode in self.bnode_quads:
            hash_to_bnodes.setdefault(self._hash_first_degree(bnode), []).append(bnode)

        non_unique: list[list[str]] = []
        for digest in sorted(hash_to_bnodes):
            bnodes = hash_to_bnodes[digest]
            if len(bnodes) > 1:
                non_unique.append(bnodes)
            else:
                self.canonical.get_id(bnodes[0])

        # rdf-canonize's default work bound (maxWorkFactor 1).
        self.remaining = sum(len(bnodes) for bnodes in non_unique)
        for bnodes in non_unique:
            results: list[tuple[str, _Issuer]] = []
            for bnode in bnodes:
                if bnode in self.canonical.existing:
                    continue
                issuer = _Issuer("_:b")
                issuer.get_id(bnode)
                results.append(self._hash_n_degree(bnode, issuer))
            results.sort(key=lambda result: result[0])
            for _, issuer in results:
                for existing in issuer.existing:
                    self.canonical.get_id(existing)

        canonical = self.canonical.existing
        lines = [
            _quad_line(
                canonical.get(s, s),
                p,
                canonical.get(o, o),
                None if g is None else canonical.get(g, g),
            )
            for s, p, o, g, _ in self.quads
        ]
        self._sort(lines)
        return "".join(lines)

    def _hash_first_degree(self, bnode: str) -> str:
        cached = self.bnode_hash.get(bnode)
        if cached is not None:
            return cached
        lines = []
        for s, p, o, g, _ in self.bnode_quads[bnode]:
            lines.append(
                _quad_line(
                    _first_degree_term(s, bnode),
                    p,
                    _first_degree_term(o, bnode),
                    None if g is None else _first_degree_term(g, bnode),
                )
            )
        self._sort(lines)
        digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        self.bnode_hash[bnode] = digest
        return digest

    def _hash_related(self, related: str, quad: _Quad, issuer: _Issuer, position: str) -> str:
        data = position
        if position != "g":
            data += "<" + quad[4] + ">"
        issued = self.canonical.existing.get(related) or issuer.existing.get(related)
        data += issued if issued is not None else self.bnode_hash[related]
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def _hash_n_degree(self, bnode: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining == 0:
            raise CanonicalizationError(
                "RDFC-1.0 work limit exceeded: the document's blank node structure is too "
                "complex to canonicalize (same bound as rdf-canonize)"
            )
        self.remaining -= 1

        hash_to_related: dict[str, list[str]] = {}
        for quad in self.bnode_quads[bnode]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term is not None and term.startswith("_:") and term != bnode:
                    digest = self._hash_related(term, quad, issuer, position)
                    hash_to_related.setdefault(digest, []).append(term)

        md = hashlib.sha256()
        canonical = self.canonical.existing
        for digest in sorted(hash_to_related):
            md.update(digest.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in _permutations(hash_to_related[digest]):
                issuer_copy = issuer.clone()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    issued = canonical.get(related)
                    if issued is not None:
                        path += issued
                    else:
                        if related not in issuer_copy.existing:
                            recursion.append(related)
                        path += issuer_copy.get_id(related)
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self._hash_n_degree(related, issuer_copy)
                    path += issuer_copy.get_id(related) + "<" + result_hash + ">"
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return md.hexdigest(), issuer


def _first_degree_term(term: str, bnode: str) -> str:
    if term.startswith("_:"):
        return "_:a" if term == bnode else "_:z"
    return term


# --------------------------------------------------------------------------------------------
# Expansion and toRdf in safe mode (pyld with hooks)
# --------------------------------------------------------------------------------------------


class _Dropped(Exception):
    def __init__(self, expanded: Any) -> None:
        super().__init__(expanded)
        self.expanded = expanded


def _is_absolute(value: object) -> bool:
    return isinstance(value, str) and _ABSOLUTE_IRI.match(value) is not None


def _describe(path: Sequence[Any]) -> str:
    keys = [str(key) for key in path if key is not None]
    return ".".join(keys) if keys else "the top-level object"


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, failing where jsonld.js in safe mode fails (its ``safe: true`` events)."""

    def __init__(self, rdf_direction: RdfDirection, processed: _BoundedCache) -> None:
        super().__init__(on_property_dropped=self._on_property_dropped)
        self._rdf_direction = rdf_direction
        self._processed = processed
        self._path: list[Any] = []

    # -- events raised while expanding ---------------------------------------------------

    @staticmethod
    def _on_property_dropped(expanded: Any) -> None:
        raise _Dropped(expanded)

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        try:
            result = super()._expand_object(
                active_ctx,
                active_property,
                expanded_active_property,
                element,
                expanded_parent,
                *args,
                **kwargs,
            )
        except _Dropped as dropped:
            key = self._dropped_key(active_ctx, element, dropped.expanded)
            raise CanonicalizationError(
                f"invalid property: {key!r} in {_describe(self._path)} is not defined by the "
                "active @context (safe mode refuses to drop it: it would not be signed)"
            ) from None
        self._check_graph_containers(active_ctx, element, expanded_parent)
        return result

    def _check_graph_containers(
        self, active_ctx: Any, element: Mapping[str, Any], expanded_parent: Mapping[str, Any]
    ) -> None:
        # jsonld.js drops an empty object, a value, a list or an object with only @id found in
        # an @graph container (safe mode: an error); pyld keeps it as an empty named graph.
        mappings = active_ctx.get("mappings") or {}
        for key in element:
            mapping = mappings.get(key)
            if not mapping or not mapping.get("@container"):
                continue
            container = _pyld.JsonLdProcessor.arrayify(mapping["@container"])
            if "@graph" not in container or "@id" in container or "@index" in container:
                continue
            for value in _pyld.JsonLdProcessor.arrayify(expanded_parent.get(mapping["@id"], [])):
                if not (isinstance(value, dict) and "@graph" in value):
                    continue
                for item in _pyld.JsonLdProcessor.arrayify(value["@graph"]):
                    if not isinstance(item, dict) or (
                        len(item) == 0
                        or "@value" in item
                        or "@list" in item
                        or (len(item) == 1 and "@id" in item)
                    ):
                        raise CanonicalizationError(_drop_reason(item, [*self._path, key]))

    def _dropped_key(self, active_ctx: Any, element: Mapping[str, Any], expanded: Any) -> str:
        for key in sorted(element):
            if key == "@context":
                continue
            candidate = self._expand_iri(active_ctx, key, vocab=True)
            if candidate == expanded and not (
                candidate is not None
                and (_pyld._is_absolute_iri(candidate) or _pyld._is_keyword(candidate))
            ):
                return key
        return str(expanded)

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        is_object = isinstance(element, dict)
        if is_object:
            self._path.append(active_property)
        try:
            result = super()._expand(
                active_ctx,
                active_property,
                element,
                options,
                inside_list=inside_list,
                inside_index=inside_index,
                type_scoped_ctx=type_scoped_ctx,
            )
            if result is None:
                if element is not None and not isinstance(element, list):
                    raise CanonicalizationError(_drop_reason(element, self._path))
            elif is_object and isinstance(result, dict):
                self._check_expanded(result)
            elif isinstance(result, dict) and "@id" in result:
                # A string coerced to an IRI (@type: @id / @vocab). jsonld.js checks it only
                # when it becomes an RDF object: a blank node identifier is relabelled whatever
                # its characters, an empty one is silently skipped (refused here).
                node_id = result["@id"]
                if not (isinstance(node_id, str) and node_id.startswith("_:")) and not (
                    _is_absolute(node_id)
                ):
                    where = _describe([*self._path, active_property])
                    raise CanonicalizationError(f"{_iri_problem('@id', node_id)} in {where}")
            return result
        finally:
            if is_object:
                self._path.pop()

    def _check_expanded(self, result: Mapping[str, Any]) -> None:
        if "@value" in result or "@list" in result or "@set" in result:
            return
        where = _describe(self._path)
        if "@id" in result:
            node_id = result["@id"]
            if not _is_absolute(node_id):
                raise CanonicalizationError(f"{_iri_problem('@id', node_id)} in {where}")
        for node_type in result.get("@type", ()):
            if not _is_absolute(node_type):
                raise CanonicalizationError(
                    f"{_iri_problem('@type', node_type)} in {where} "
                    "(is the type defined by the active @context?)"
                )

    def _process_context(
        self, active_ctx: Any, local_ctx: Any, options: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # pyld caches contexts loaded by URL, but processes type- and property-scoped contexts
        # again for every node (a fresh child context gets a fresh id). The result depends
        # only on the active context (its _uuid), the local context object and the flags, so
        # it is memoized per loader; the entry holds the local context, so its id() cannot be
        # reused while cached.
        key: tuple[Any, ...] | None = None
        uuid = active_ctx.get("_uuid")
        if uuid is not None and not args and "cycles" not in kwargs:
            key = (uuid, id(local_ctx), tuple(sorted(kwargs.items())))
            cached = self._processed.get(key)
            if cached is not None and cached[0] is local_ctx:
                return cached[1]
        result = super()._process_context(active_ctx, local_ctx, options, *args, **kwargs)
        vocab = result.get("@vocab")
        if vocab is not None and not _is_absolute(vocab):
            raise CanonicalizationError(f"relative @vocab reference {vocab!r} in a @context")
        if key is not None and "_uuid" in result:
            self._processed[key] = (local_ctx, result)
        return result

    # -- toRdf -----------------------------------------------------------------------------

    def dataset(self, document: Any, options: dict[str, Any]) -> list[_Quad]:
        """pyld's to_rdf, with jsonld.js's toRdf safe-mode checks, as a list of quads."""
        expanded = self.expand(document, options)
        issuer = _pyld.IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        quads: list[_Quad] = []
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default":
                graph_term = None
            elif _is_absolute(graph_name):
                graph_term = _iri_term(graph_name)
            else:
                raise CanonicalizationError(_iri_problem("graph", graph_name))
            _check_graph(graph)
            for triple in self._graph_to_rdf(graph, issuer, options):
                predicate = triple["predicate"]["value"]
                quads.append(
                    (
                        _iri_term(triple["subject"]["value"]),
                        _iri_term(predicate),
                        _object_term(triple["object"]),
                        graph_term,
                        predicate,
                    )
                )
        return quads

    def _object_to_rdf(self, item: Any, issuer: Any, triples: Any, options: Any) -> Any:
        if isinstance(item, dict) and "@value" in item:
            value = item["@value"]
            datatype = item.get("@type")
            language = item.get("@language")
            if language is not None and not (isinstance(language, str) and _BCP47.match(language)):
                raise CanonicalizationError(f"invalid @language value {language!r} (not BCP47)")
            if "@direction" in item and self._rdf_direction is None and datatype != "@json":
                raise CanonicalizationError(
                    f"@direction on {value!r} cannot be expressed in RDF (rdfDirection not set)"
                )
            if datatype == "@json":
                return {"type": "literal", "value": _jcs(value), "datatype": _RDF_JSON}
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = _js_number(value)
                if _js_is_double(number) or datatype == _XSD_DOUBLE:
                    return _literal(_js_canonical_double(number), datatype or _XSD_DOUBLE)
                return _literal(_js_to_fixed_0(number), datatype or _XSD_INTEGER)
            if datatype == _XSD_DOUBLE and isinstance(value, str):
                return _literal(_js_canonical_double(_js_parse_float(value)), _XSD_DOUBLE)
        result = super()._object_to_rdf(item, issuer, triples, options)
        if result is None:
            target = item.get("@id") if isinstance(item, dict) else item
            raise CanonicalizationError(_iri_problem("object", target))
        return result


def _literal(value: str, datatype: str) -> dict[str, str]:
    return {"type": "literal", "value": value, "datatype": datatype}


def _check_graph(graph: Mapping[str, Mapping[str, Any]]) -> None:
    """jsonld.js toRdf events: relative subject, relative predicate, blank node predicate."""
    for subject, node in graph.items():
        for prop, items in node.items():
            if not items or (prop != "@type" and _pyld._is_keyword(prop)):
                continue
            if not _is_absolute(subject):
                raise CanonicalizationError(_iri_problem("subject", subject))
            if prop == "@type":
                continue
            if not _is_absolute(prop):
                raise CanonicalizationError(_iri_problem("predicate", prop))
            if prop.startswith("_:"):
                raise CanonicalizationError(
                    f"blank node predicate {prop!r}: RDF cannot use a blank node identifier as a "
                    "property (is a term mapped to one?)"
                )


def _iri_problem(keyword: str, value: object) -> str:
    if not isinstance(value, str):
        return f"reserved or null {keyword} value"
    if not value:
        return f"empty {keyword} value (it would be left out of the signed data)"
    if re.match(r"^([A-Za-z][A-Za-z0-9+-.]*|_):", value):
        return f"{keyword} value {value!r} contains whitespace, which an IRI cannot contain"
    return (
        f"relative {keyword} reference {value!r} (vcportable canonicalizes without a base IRI; "
        "use absolute IRIs)"
    )


def _drop_reason(element: Any, path: Sequence[Any]) -> str:
    where = _describe(path)
    if not isinstance(element, dict):
        return f"free-floating scalar {element!r} in {where} would be dropped"
    keys = {key for key in element if key != "@context"}
    if not keys:
        reason = "empty object"
    elif "@value" in element and element["@value"] is None:
        reason = "object with a null @value"
    elif len(keys) == 1:
        reason = f"object with only {next(iter(keys))!r}"
    else:
        reason = "object with a null @value or only @language"
    return f"{reason} in {where} would be dropped (safe mode)"


# --------------------------------------------------------------------------------------------
# canonize
# --------------------------------------------------------------------------------------------


def canonize(
    document: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    rdf_direction: RdfDirection = "i18n-datatype",
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, in safe mode.

    Byte-identical to ``rdf-canonize`` 5 after ``jsonld.toRDF`` (jsonld.js 9) with the options
    the ``eddsa-rdfc-2022`` cryptosuite uses: ``safe: true``, ``base: null``,
    ``rdfDirection: 'i18n-datatype'``. Pass ``rdf_direction=None`` for ``jsonld.canonize``'s
    default (then ``@direction`` is an error).

    Raises :class:`ContextNotAllowedError` for a context ``loader`` does not serve (checked first)
    and :class:`CanonicalizationError` when the document cannot be canonicalized without losing
    data, with the offending term or path in the message.
    """
    if not isinstance(document, Mapping):
        raise CanonicalizationError("a JSON-LD document must be a JSON object")
    _walk_contexts(document, loader, strict=True)
    processor = _SafeProcessor(rdf_direction, loader._processed)
    options: dict[str, Any] = {
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader._resolved, loader),
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
        "extractAllScripts": False,
        "rdfDirection": rdf_direction,
    }
    try:
        with loader._pyld_lock:
            quads = processor.dataset(dict(document), options)
    except VcPortableError:
        raise
    except _pyld.JsonLdError as exc:
        ours = _our_error(exc)
        if ours is not None:
            raise ours from None  # ContextNotAllowedError etc. raised inside pyld's wrapping
        raise _describe_pyld_error(exc) from exc
    except RecursionError as exc:
        raise CanonicalizationError("the JSON-LD document is nested too deeply") from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, ArithmeticError) as exc:
        raise CanonicalizationError(f"JSON-LD processing failed: {exc!r}") from exc
    return _Rdfc10(quads).run()


def _our_error(exc: BaseException) -> VcPortableError | None:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, VcPortableError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _describe_pyld_error(exc: BaseException) -> CanonicalizationError:
    innermost = exc
    while isinstance(innermost.__cause__, _pyld.JsonLdError):
        innermost = innermost.__cause__
    code = getattr(innermost, "code", None) or getattr(innermost, "type", "")
    message = str(innermost.args[0]) if innermost.args else type(innermost).__name__
    return CanonicalizationError(f"invalid JSON-LD ({code}): {message}")
