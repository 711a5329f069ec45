"""The one canonicalization of signed JSON-LD: compacted form enforced, work bounded.

Data Integrity signs the canonical RDF of a document while vcportable's checks read its JSON, so
whatever is signed or verified must be in compacted form for its own contexts: then the JSON a
check reads is the RDF the signature covers. The fast path proves it while it emits the quads;
anything it does not model goes to the full path, which does the real round trip with pyld.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import canonfast as _canonfast  # imports this package's submodules only
from ..nonblocking import refuse_on_loop
from ._loader import DocumentLoader
from ._rdfc import DEFAULT_BUDGET, CanonicalizationBudget


def canonize_signed(
    document: Mapping[str, Any],
    loader: DocumentLoader,
    *,
    budget: CanonicalizationBudget = DEFAULT_BUDGET,
) -> str:
    """RDFC-1.0 N-Quads of a document (or proof configuration) to sign or verify.

    The rule (docs/canonicalization.md, "Signed documents are in compacted form"): the document
    must equal its own compaction, ``compact(expand(document), document["@context"])``, and no
    embedded context may set ``@vocab`` or ``@base``.

    Raises :class:`~vcportable.errors.NotCompactedError` (code ``NOT_COMPACTED``) naming the JSON
    path of the first difference and what compaction writes there,
    :class:`~vcportable.errors.InlineContextNotAllowed` (``CONTEXT_NOT_ALLOWED``),
    :class:`~vcportable.errors.CanonicalizationTooComplex` when ``budget`` runs out, and the
    errors of :func:`canonize`. The fast and the full path give the same answer and bytes.
    """
    if isinstance(document, dict):
        text = _canonfast.canonize_fast(document, loader, compacted=True, budget=budget)
        if text is not None:
            return text
    refuse_on_loop("the full JSON-LD path (pyld)")
    from ._safe import canonize  # pyld: imported only when the fast path declines

    return canonize(document, loader, compacted=True, budget=budget)
