"""The one place that tells what kind of input a verifier was given, and which
:class:`~vcportable.proofs.base.ProofVerifier` verifies it.

Nothing else guesses: a JSON document goes to Data Integrity, a compact token to the JOSE
family (whose ``typ`` header then names the exact format, never the content), and anything
else to the QR envelope reader (envelope text, a photo of a QR code, a baked badge), which
hands back the credential exactly as it was signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .base import ProofVerifier

#: The characters of a compact JWS or SD-JWT: base64url segments, '.' and '~'; every other
#: byte is read as '!' (one pass of C translate over a token: a third of a regex's time).
_TOKEN_CHARS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~"
_NOT_TOKEN: Final = bytes(0x21 if byte not in _TOKEN_CHARS else byte for byte in range(256))
_JSON_STARTS = frozenset(b'{["')


class InputFormat(StrEnum):
    JSON = "json"
    TOKEN = "token"
    ENVELOPE = "envelope"


def detect(data: bytes | str) -> InputFormat:
    """The format of ``data`` by its form alone: JSON, a compact token, or an envelope (also
    the verdict for input that is neither: the envelope reader names what it found)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    head = raw[:64].lstrip(b" \t\r\n")
    if head[:1] and head[0] in _JSON_STARTS:
        return InputFormat.JSON
    if _is_token(raw.strip(b" \t\r\n")):
        return InputFormat.TOKEN
    return InputFormat.ENVELOPE


def _is_token(text: bytes) -> bool:
    """Whether ``text`` has the form of a compact token, ``[A-Za-z0-9_-]+\\.[A-Za-z0-9_.~-]*``:
    only its characters, and a first segment of base64url before a '.'."""
    dot = text.find(b".")
    return dot > 0 and b"!" not in text.translate(_NOT_TOKEN) and b"~" not in text[:dot]


def is_sd_jwt(token: str) -> bool:
    """An SD-JWT (issuer JWT, disclosures and optional key binding joined by '~')."""
    return "~" in token


def proof_verifier(
    form: InputFormat, chosen: Mapping[InputFormat, ProofVerifier] | None = None
) -> ProofVerifier:
    """The proof verifier of ``form``: the caller's choice in ``chosen``, else Data Integrity
    for JSON and :class:`~vcportable.proofs.tokens.TokenVerifier` for tokens (imported only
    when a token comes: JSON never pays for the JOSE modules). An envelope is opened first; it
    has no proof verifier of its own (ValueError)."""
    if chosen is not None and form in chosen:
        return chosen[form]
    if form is InputFormat.JSON:
        from .dataintegrity import DataIntegrityVerifier

        return DataIntegrityVerifier()
    if form is InputFormat.TOKEN:
        from .tokens import TokenVerifier

        return TokenVerifier()
    raise ValueError(f"no proof verifier for {form.value} input: open the envelope first")
