"""What counts as a URL in a credential (``id``, ``issuer``, ``holder``, contexts...)."""

from __future__ import annotations

import re
from typing import Final

from vcportable.codec.describe import json_type, show

__all__ = ["URL_PATTERN", "is_url", "url_problem"]

_SPECIAL_SCHEMES = r"(?:[hH][tT][tT][pP][sS]?|[wW][sS][sS]?|[fF][tT][pP])"
_URL_CHAR = r'[^\x00-\x20\x7f<>"{}|\\^`]'
_AUTHORITY_CHAR = r'[^\x00-\x20\x7f<>"{}|\\^`/?#]'

#: An absolute URL (RFC 3986 / 3987): a scheme, then no spaces, controls or characters a URL
#: never holds; ``http(s)``, ``ws(s)`` and ``ftp`` need ``//`` and a host, as for the WHATWG
#: parser that ``@digitalbazaar/vc`` uses. DIDs (``did:key:z6Mk...``), URNs and ``data:`` URLs
#: pass. The same pattern is in the JSON Schema of the profile (ECMA-262 compatible).
URL_PATTERN: Final = (
    rf"^(?:{_SPECIAL_SCHEMES}://{_AUTHORITY_CHAR}+(?:[/?#]{_URL_CHAR}*)?"
    rf"|(?!{_SPECIAL_SCHEMES}:)[A-Za-z][A-Za-z0-9+.\-]*:{_URL_CHAR}+)$"
)
_URL_RE: Final = re.compile(URL_PATTERN)


def is_url(value: object) -> bool:
    """True for an absolute URL string (``https://...``, ``did:...``, ``urn:...``)."""
    return isinstance(value, str) and _URL_RE.fullmatch(value) is not None


def url_problem(value: object) -> str | None:
    """Why ``value`` is not a URL (a phrase: "must be ..."), or None when it is one."""
    if is_url(value):
        return None
    if not isinstance(value, str):
        return f"must be a URL string, got {json_type(value)}"
    return f"must be an absolute URL such as https://..., did:... or urn:... (got {show(value)})"
