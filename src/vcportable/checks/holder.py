"""Holder binding: the one who presents a credential must be the one it was issued to.

A vocational credential certifies a person; anyone who obtained a copy (a former employer, a
leaked backup) could otherwise present it as theirs. The presentation's proof authenticates
its holder; this check then asks, for every enclosed credential, that the holder is its
subject: the subject's ``id`` is the holder's DID, or the key the credential is bound to (an
SD-JWT's ``cnf``) is the key that signed the presentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import VcPortableError
from ..keys import PublicKey
from ..models.report import Check, Code

CHECK_ID = "holder_binding"


@dataclass(frozen=True)
class Presented:
    """One enclosed credential as signed: its document and, for a token, its claims."""

    document: Mapping[str, Any] | None
    claims: Mapping[str, Any] | None = None


def holder_binding(
    holder: str | None,
    holder_keys: Sequence[PublicKey],
    credentials: Sequence[Presented],
    *,
    allow_bearer: bool,
) -> Check:
    """``holder`` is the presentation's holder as authenticated by its proof (None when no
    proof by a named holder verified); ``holder_keys`` the keys that proof was made with."""
    if not credentials:
        return Check.skipped(CHECK_ID, "the presentation encloses no credential")
    unbound = [
        str(number)
        for number, credential in enumerate(credentials, 1)
        if not _bound(credential, holder, holder_keys)
    ]
    if not unbound:
        return Check.passed(CHECK_ID, f"the holder {holder} is the subject of every credential")
    who = f"the holder {holder}" if holder else "no authenticated holder"
    message = (
        f"{who} is not the subject of enclosed credential(s) {', '.join(unbound)}: "
        "someone may be presenting another person's credential"
    )
    if allow_bearer:
        return Check.warning(CHECK_ID, Code.HOLDER_NOT_SUBJECT, message + " (allowed by policy)")
    return Check.failed(CHECK_ID, Code.HOLDER_NOT_SUBJECT, message)


def _bound(credential: Presented, holder: str | None, keys: Sequence[PublicKey]) -> bool:
    if holder is not None and holder in _subject_ids(credential.document):
        return True
    bound_key = _cnf_key(credential.claims)
    return bound_key is not None and bound_key in keys


def _subject_ids(document: Mapping[str, Any] | None) -> set[str]:
    if document is None:
        return set()
    subject = document.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return {s["id"] for s in subjects if isinstance(s, Mapping) and isinstance(s.get("id"), str)}


def _cnf_key(claims: Mapping[str, Any] | None) -> PublicKey | None:
    cnf = claims.get("cnf") if claims is not None else None
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, Mapping):
        return None
    try:
        return PublicKey.from_jwk(jwk)
    except VcPortableError:
        return None
