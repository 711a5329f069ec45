"""The employer's presentation request: a fresh challenge, who asks (domain), what is asked
for, and until when the request stands.

Shaped as a W3C CCG Verifiable Presentation Request (``query`` of type ``QueryByExample``,
``challenge``, ``domain``), plus ``expires``; carried as JSON or as a ``VR:`` envelope whose QR
code the worker's wallet scans. A request is not signed: it only tells the wallet what to bind
the presentation to. The challenge is what stops a replay; the domain, shown to the worker,
says who will receive it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .clock import format_datetime
from .codec.dates import parse_datetime_stamp
from .codec.json import parse_json
from .errors import EnvelopeError, InputError

#: How long a request stands by default: the time to walk up to the counter and scan.
DEFAULT_TTL: Final = timedelta(minutes=10)
#: A challenge long enough that guessing the next one is hopeless (128 bits), in hex: the QR
#: envelope packs hex as bytes (a base64url challenge made the presentation's QR code two
#: versions larger).
CHALLENGE_BYTES: Final = 16
MAX_REQUEST_BYTES: Final = 8 * 1024
MAX_TEXT_CHARS: Final = 256
MAX_TYPES: Final = 16
QUERY_TYPE: Final = "QueryByExample"


@dataclass(frozen=True)
class PresentationRequest:
    """What a verifier asks for; ``types`` empty means any credential."""

    challenge: str
    domain: str | None = None
    types: tuple[str, ...] = ()
    expires: datetime | None = None

    def __post_init__(self) -> None:
        _check_text(self.challenge, "challenge")
        if self.domain is not None:
            _check_text(self.domain, "domain")
        if len(self.types) > MAX_TYPES:
            raise InputError(f"a request asks for at most {MAX_TYPES} credential types")
        for name in self.types:
            _check_text(name, "credential type")

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {}
        if self.types:
            example = {"type": list(self.types)}
            document["query"] = [{"type": QUERY_TYPE, "credentialQuery": [{"example": example}]}]
        document["challenge"] = self.challenge
        if self.domain is not None:
            document["domain"] = self.domain
        if self.expires is not None:
            document["expires"] = format_datetime(self.expires)
        return document

    def to_envelope(self) -> str:
        """The ``VR:`` envelope text, for a QR code."""
        from .envelope import Kind, encode

        return encode(self.to_json(), kind=Kind.REQUEST)

    def check_current(self, now: datetime) -> None:
        """:class:`InputError` when the request has expired: its challenge is stale."""
        if self.expires is not None and now > self.expires:
            raise InputError(
                f"the request expired at {format_datetime(self.expires)}; ask the employer "
                "for a new one"
            )

    def missing_types(self, credential_types: Sequence[str]) -> list[str]:
        """The asked-for types that a credential of ``credential_types`` does not have."""
        return [t for t in self.types if t not in credential_types]


def create_request(
    *,
    now: datetime,
    domain: str | None = None,
    types: Sequence[str] = (),
    ttl: timedelta = DEFAULT_TTL,
) -> PresentationRequest:
    """A request with a fresh random challenge, standing for ``ttl`` from ``now``."""
    return PresentationRequest(
        challenge=secrets.token_hex(CHALLENGE_BYTES),
        domain=domain,
        types=tuple(dict.fromkeys(types)),
        expires=now + ttl,
    )


def parse_request(document: Any) -> PresentationRequest:
    """A request from its JSON; :class:`InputError` naming what is wrong. Members this code
    does not know are ignored (other verifiers may add some); known ones must be right."""
    if not isinstance(document, Mapping):
        raise InputError("a presentation request is a JSON object")
    challenge = document.get("challenge")
    if not isinstance(challenge, str):
        raise InputError("the presentation request has no challenge")
    domain = document.get("domain")
    if domain is not None and not isinstance(domain, str):
        raise InputError("the presentation request's domain is not a string")
    expires = document.get("expires")
    expires_at = parse_datetime_stamp(expires) if expires is not None else None
    if expires is not None and expires_at is None:
        raise InputError(f"the presentation request's expires {expires!r} is not a date-time")
    return PresentationRequest(challenge, domain, _types(document.get("query")), expires_at)


def read_request(data: bytes) -> PresentationRequest:
    """A request from what the wallet was given: its JSON, its ``VR:`` envelope text, or a
    photo of that QR code. :class:`InputError` naming what was found instead."""
    from .envelope import Kind, decode_envelope, read_image

    text = _text(data)
    if text is None:
        text = read_image(data)  # a photo of the employer's screen
    elif text.lstrip().startswith("{"):
        return parse_request(_parse(data))
    envelope = decode_envelope(text)
    if envelope.kind is not Kind.REQUEST or not isinstance(envelope.content, bytes):
        raise EnvelopeError(
            f"this QR code holds a {envelope.kind.value}, not a presentation request"
        )
    return parse_request(_parse(envelope.content))


def _parse(data: bytes) -> Any:
    return parse_json(data, what="the presentation request", max_bytes=MAX_REQUEST_BYTES)


def _text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _types(query: Any) -> tuple[str, ...]:
    """The credential types asked for in ``QueryByExample`` queries."""
    if query is None:
        return ()
    queries = query if isinstance(query, list) else [query]
    found: list[str] = []
    for item in queries[:MAX_TYPES]:
        if not isinstance(item, Mapping) or item.get("type") != QUERY_TYPE:
            raise InputError(
                f"the presentation request asks with a query this wallet does not answer "
                f"(only {QUERY_TYPE})"
            )
        asks = item.get("credentialQuery")
        for ask in (asks if isinstance(asks, list) else [asks])[:MAX_TYPES]:
            example = ask.get("example") if isinstance(ask, Mapping) else None
            wanted = example.get("type") if isinstance(example, Mapping) else None
            names = wanted if isinstance(wanted, list) else [wanted]
            for name in names:
                if not isinstance(name, str):
                    raise InputError("the presentation request's example type is not a string")
                found.append(name)
    return tuple(dict.fromkeys(found))


def _check_text(value: str, what: str) -> None:
    if not value or len(value) > MAX_TEXT_CHARS:
        raise InputError(f"the {what} must be 1 to {MAX_TEXT_CHARS} characters")
    if not value.isprintable() or value != value.strip():
        raise InputError(f"the {what} {value[:40]!r} holds control characters or edge spaces")
