"""The holder's side: wrap credentials in a presentation and sign it for a verifier.

A verifier that wants proof of possession sends a ``challenge`` (and its ``domain``); the holder
signs a Verifiable Presentation with the ``authentication`` purpose that carries both.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from . import jsonld
from .clock import Clock, SystemClock
from .keys import KeyPair
from .proofs import dataintegrity as di

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


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
