"""The holder's side: wrap a credential in a presentation and sign it for a verifier.

A verifier that wants proof of possession sends a ``challenge`` (and its ``domain``); the holder
answers in the form that fits how the credential was secured:

* a Data Integrity credential (JSON-LD) goes into a VC 2.0 presentation signed by the holder
  with the ``authentication`` purpose, carrying both;
* a ``vc+jwt`` goes into a ``vp+jwt`` signed by the holder (``nonce`` and ``aud``);
* an SD-JWT reveals only the chosen disclosures, key-bound by a KB-JWT (or inside a ``vp+jwt``).

`vcportable present` and `vcportable wallet present` both come here, so the two never differ.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal

from .. import jsonld
from ..clock import Clock, FixedClock, SystemClock
from ..codec.json import parse_json
from ..errors import ConfigurationError, InputError
from ..keys import KeyPair
from ..proofs import dataintegrity as di

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

CredentialForm = Literal["json", "jwt", "sd-jwt"]


class PresentationFormat(StrEnum):
    """How a presentation is secured."""

    DI = "di"
    JWT = "jwt"
    SD_JWT = "sd-jwt"


#: The presentation formats each form of credential can go into, the default first.
FORMATS: Final[Mapping[CredentialForm, tuple[PresentationFormat, ...]]] = {
    "json": (PresentationFormat.DI,),
    "jwt": (PresentationFormat.JWT,),
    "sd-jwt": (PresentationFormat.SD_JWT, PresentationFormat.JWT),
}


def credential_form(credential: str) -> CredentialForm:
    """Whether a credential as signed is JSON-LD, a compact JWT, or an SD-JWT."""
    text = credential.strip()
    if text.startswith("{"):
        return "json"
    return "sd-jwt" if "~" in text else "jwt"


def credential_types(credential: str) -> list[str]:
    """The types a credential (as signed) states: its ``type`` (a VC-JWT 1.1's ``vc.type``),
    and an SD-JWT VC's ``vct``. Read, not verified: for matching what a verifier asks for."""
    text = credential.strip()
    if credential_form(text) == "json":
        document = parse_json(text, what="the credential")
    else:
        from ..proofs.jose.jws import JosePolicy, Rejection, parse_compact

        try:
            token = parse_compact(text.split("~")[0], JosePolicy(), what="the credential")
        except Rejection:
            return []
        document = token.payload
    if not isinstance(document, dict):
        return []
    legacy = document.get("vc")
    stated = (legacy if isinstance(legacy, dict) else document).get("type")
    names = stated if isinstance(stated, list) else [stated]
    return [n for n in [*names, document.get("vct")] if isinstance(n, str)]


def create_presentation(
    credentials: Sequence[Mapping[str, Any]], *, holder: str | None = None
) -> dict[str, Any]:
    """An unsigned VC 2.0 presentation of ``credentials``."""
    presentation: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [copy.deepcopy(dict(c)) for c in credentials],
    }
    if holder is not None:
        presentation["holder"] = holder
    return presentation


def sign_presentation(
    presentation: Mapping[str, Any],
    key: KeyPair,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    cryptosuite: str = di.DEFAULT_CRYPTOSUITE,
    loader: jsonld.DocumentLoader | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Sign a presentation with the holder's key (purpose ``authentication``)."""
    return di.add_proof(
        presentation,
        key,
        created=(clock or SystemClock()).now(),
        loader=loader or jsonld.default_loader(),
        cryptosuite=cryptosuite,
        purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def present(
    credential: str,
    holder_key: KeyPair | None,
    *,
    now: datetime,
    format: PresentationFormat | str | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    disclose: Iterable[str] = (),
    loader: jsonld.DocumentLoader | None = None,
) -> str:
    """The presentation of one credential (as signed: JSON text or a token) for a verifier.

    ``format`` defaults to the first that fits the credential (:data:`FORMATS`). Only an
    SD-JWT can go without ``holder_key`` (it is then not key-bound) and only an SD-JWT takes
    ``disclose`` paths. Raises :class:`ConfigurationError` for a combination that cannot work
    (a ``jwt`` presentation of JSON-LD, a key binding without ``challenge`` and ``domain``) and
    :class:`InputError` for a credential or path that is not usable.
    """
    form = credential_form(credential)
    chosen = _format(form, format)
    disclose = list(disclose)
    if disclose and form != "sd-jwt":
        raise ConfigurationError("only an SD-JWT credential can disclose chosen claims")
    if holder_key is None and chosen is not PresentationFormat.SD_JWT:
        raise ConfigurationError("the holder's key is needed to sign the presentation")
    text = credential.strip()
    if chosen is PresentationFormat.DI:
        assert holder_key is not None  # checked above
        document = parse_json(text, what="the credential")
        if not isinstance(document, dict):
            raise InputError("the credential is not a JSON object")
        unsigned = create_presentation([document], holder=holder_key.controller)
        signed = sign_presentation(
            unsigned, holder_key, challenge=challenge, domain=domain, loader=loader,
            clock=FixedClock(now),
        )  # fmt: skip
        return json.dumps(signed, indent=2, ensure_ascii=False)
    from ..proofs.jose import issue_vp_jwt
    from ..proofs.sdjwt import present_sd_jwt

    if chosen is PresentationFormat.SD_JWT:
        if holder_key is not None and (challenge is None or domain is None):
            raise ConfigurationError(
                "a key-bound SD-JWT presentation needs a challenge and a domain (nonce and "
                "audience): without them it could be replayed to anyone"
            )
        return present_sd_jwt(
            text, disclose, holder_key=holder_key, nonce=challenge, aud=domain, now=now
        )
    assert holder_key is not None  # checked above
    enclosed = present_sd_jwt(text, disclose) if form == "sd-jwt" else text
    return issue_vp_jwt([enclosed], holder_key, now=now, nonce=challenge, aud=domain)


def _format(form: CredentialForm, wanted: PresentationFormat | str | None) -> PresentationFormat:
    fitting = FORMATS[form]
    if wanted is None:
        return fitting[0]
    try:
        chosen = PresentationFormat(wanted)
    except ValueError:
        names = ", ".join(f.value for f in PresentationFormat)
        raise ConfigurationError(
            f"unknown presentation format {wanted!r} (one of {names})"
        ) from None
    if chosen not in fitting:
        names = " or ".join(f.value for f in fitting)
        raise ConfigurationError(
            f"a {form} credential cannot be presented as {chosen.value}: use {names}"
        )
    return chosen
