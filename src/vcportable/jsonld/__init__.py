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
* :func:`canonize_signed` is what Data Integrity signs and verifies: the fast path
  (:mod:`vcportable.canonfast`) or this one, in compacted form only, under a work budget.
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

from typing import TYPE_CHECKING, Any

from ._loader import MAX_CONTEXT_BYTES, DocumentLoader, check_contexts, default_loader
from ._loader import PROCESSED_CONTEXT_CACHE_SIZE as PROCESSED_CONTEXT_CACHE_SIZE
from ._loader import RESOLVED_CONTEXT_CACHE_SIZE as RESOLVED_CONTEXT_CACHE_SIZE
from ._loader import _bundle_manifest as _bundle_manifest
from ._loader import _Pinned as _Pinned
from ._loader import _walk_contexts as _walk_contexts
from ._numbers import _js_canonical_double as _js_canonical_double
from ._numbers import _js_number_to_string as _js_number_to_string
from ._numbers import _js_to_exponential_15 as _js_to_exponential_15
from ._rdfc import DEFAULT_BUDGET, CanonicalizationBudget
from ._rdfc import _Rdfc10 as _Rdfc10
from ._signed import canonize_signed

if TYPE_CHECKING:
    from ._safe import RdfDirection, canonize

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_CONTEXT_BYTES",
    "CanonicalizationBudget",
    "DocumentLoader",
    "RdfDirection",
    "canonize",
    "canonize_signed",
    "check_contexts",
    "default_loader",
]


def __getattr__(name: str) -> Any:
    """``canonize`` and ``RdfDirection`` (the full path, built on pyld) are imported on first
    use: the fast path of a verification never needs pyld, and its import is a third of a cold
    ``vcportable verify``."""
    if name in ("canonize", "RdfDirection"):
        from . import _safe

        return getattr(_safe, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The modules, in dependency order (no cycles):
#   _numbers  JavaScript number semantics and JCS (the `canonicalize` package)
#   _loader   the bundle, user folders, DocumentLoader, the @context checks   (uses _numbers)
#   _rdfc     N-Quads terms, the RDFC-1.0 port of rdf-canonize, its budget   (uses _numbers)
#   _compacted  the compacted-form round trip and the inline @vocab rule    (uses _loader)
#   _safe     pyld with the safe-mode hooks, canonize (uses _loader, _numbers, _rdfc, _compacted)
#   _signed   canonize_signed: the fast path, else the full one (uses _safe and
#             vcportable.canonfast, which imports _numbers, _rdfc and _compacted only)
