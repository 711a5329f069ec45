"""DID resolution, offline: did:key, did:jwk, and did:web only from local copies.

Verification must work without the network, so nothing here fetches anything. did:web
documents come from the caller (usually the trust list) or from a cache folder filled
beforehand (``vcportable did web create`` writes one entry); a missing one is a
:class:`~vcportable.errors.ResolutionError` that says how to add it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from vcportable.codec.json import parse_json
from vcportable.errors import InputError, ResolutionError

from .document import ControllerDocument
from .methods import did_web_segments, resolve_did_jwk, resolve_did_key

__all__ = ["MAX_DID_LENGTH", "MAX_DOCUMENT_BYTES", "DidResolver", "OfflineResolver"]

MAX_DID_LENGTH = 4096
MAX_DOCUMENT_BYTES = 256 * 1024
_DID = re.compile(r"did:([a-z0-9]+):([A-Za-z0-9._:%_-]+)")


class DidResolver(Protocol):
    """Anything that turns a DID into its document; raises ResolutionError."""

    def resolve(self, did: str) -> ControllerDocument: ...


def _resolve_self_contained(did: str, method: str, specific_id: str) -> ControllerDocument:
    return (resolve_did_key if method == "key" else resolve_did_jwk)(did, specific_id)


class OfflineResolver(DidResolver):
    """Resolves did:key and did:jwk from the DID, and did:web only from local copies.

    did:web documents are looked up first in ``did_web_documents`` (DID -> document, e.g. from
    the trust list), then in ``did_web_cache_dir``, a mirror of the did:web URLs with the host
    as first folder::

        did:web:example.com                -> <cache_dir>/example.com/.well-known/did.json
        did:web:example.com:issuers:1      -> <cache_dir>/example.com/issuers/1/did.json
        did:web:example.com%3A8443:x       -> <cache_dir>/example.com:8443/x/did.json

    so ``curl --create-dirs -o <cache_dir>/<host>/<path>/did.json https://<host>/<path>/did.json``
    fills it. The network is never used.

    did:key and did:jwk documents depend only on the DID: each resolver keeps the last
    ``cache_size`` of them (base58 and point checks are a tenth of a verification), in a cache
    it owns, so nothing is shared behind a caller's back. did:web documents are read each time:
    the folder may be updated while the resolver lives.
    """

    def __init__(
        self,
        did_web_documents: Mapping[str, Mapping[str, Any]] | None = None,
        did_web_cache_dir: Path | None = None,
        *,
        cache_size: int = 1024,
    ) -> None:
        self._documents = dict(did_web_documents or {})
        self._cache_dir = did_web_cache_dir
        self._self_contained: Callable[[str, str, str], ControllerDocument] = functools.lru_cache(
            maxsize=cache_size
        )(_resolve_self_contained)

    def resolve(self, did: str) -> ControllerDocument:
        if not isinstance(did, str):
            raise ResolutionError("a DID must be a string")
        if len(did) > MAX_DID_LENGTH:
            raise ResolutionError(f"DID is longer than {MAX_DID_LENGTH} characters")
        match = _DID.fullmatch(did)
        if match is None:
            raise ResolutionError(
                f"{did[:200]!r} is not a DID (expected did:<method>:<id>, no '#fragment' or "
                "'?query')"
            )
        method, specific_id = match.groups()
        if method in ("key", "jwk"):
            return self._self_contained(did, method, specific_id)
        if method == "web":
            return self._resolve_did_web(did)
        raise ResolutionError(
            f"DID method '{method}' is not supported (did:key, did:jwk and did:web are)"
        )

    def did_web_cache_path(self, did: str) -> Path | None:
        """Where this resolver reads the document of ``did`` (None without a cache folder)."""
        if self._cache_dir is None:
            return None
        return self._cache_dir.joinpath(*did_web_segments(did), "did.json")

    def _resolve_did_web(self, did: str) -> ControllerDocument:
        if did in self._documents:
            document = self._documents[did]
            size = len(json.dumps(document, separators=(",", ":")).encode("utf-8"))
            if size > MAX_DOCUMENT_BYTES:
                raise ResolutionError(
                    f"DID document of {did} is larger than {MAX_DOCUMENT_BYTES} bytes"
                )
            return ControllerDocument.parse(document, did)
        url = "https://" + "/".join(did_web_segments(did)) + "/did.json"
        path = self.did_web_cache_path(did)
        if path is None:
            raise ResolutionError(
                f"{did} is not cached and no did:web cache folder is configured; add its document "
                f"(from {url}) to the trust list or to a did:web cache folder"
            )
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
        except FileNotFoundError:
            raise ResolutionError(
                f"{did} is not cached (the network is never used); download {url} and save it "
                f"as {path}, or add the document to the trust list"
            ) from None
        except OSError as exc:
            raise ResolutionError(
                f"cannot read cached DID document {path}: {exc.strerror}"
            ) from None
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ResolutionError(
                f"cached DID document {path} is larger than {MAX_DOCUMENT_BYTES} bytes"
            )
        try:
            document = parse_json(data, max_bytes=MAX_DOCUMENT_BYTES, what=f"{path}")
        except InputError as exc:
            raise ResolutionError(
                f"cached DID document {path} is not valid JSON: {exc.message}"
            ) from None
        return ControllerDocument.parse(document, did)
