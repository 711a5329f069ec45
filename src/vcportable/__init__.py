"""vcportable: issue, carry and verify portable vocational credentials offline.

The names below are the safe, high-level API; they need no algorithm choices::

    from vcportable import Issuer, KeyPair, Verifier

    key = KeyPair.generate()
    signed = Issuer(key).issue(unsigned_credential)
    report = Verifier().verify(signed)          # never raises for a bad credential
    report.verified, [(c.id, c.status, c.code) for c in report.checks]

The modules under ``vcportable.proofs``, ``vcportable.keys``, ``vcportable.dids`` and
``vcportable.jsonld`` are the low-level layer. Names are imported on first use, so that
``import vcportable`` (and the CLI) starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Issuer": "vcportable.issuer",
    "issue": "vcportable.issuer",
    "Verifier": "vcportable.verifier",
    "VerificationPolicy": "vcportable.verifier",
    "verify": "vcportable.verifier",
    "VerificationReport": "vcportable.models.report",
    "Check": "vcportable.models.report",
    "CheckStatus": "vcportable.models.report",
    "Code": "vcportable.models.report",
    "KeyPair": "vcportable.keys",
    "KeyType": "vcportable.keys",
    "OfflineResolver": "vcportable.dids",
    "DocumentLoader": "vcportable.jsonld",
    "create_presentation": "vcportable.wallet",
    "sign_presentation": "vcportable.wallet",
    "FixedClock": "vcportable.clock",
    "SystemClock": "vcportable.clock",
    "VcPortableError": "vcportable.errors",
    "ConfigurationError": "vcportable.errors",
    "InputError": "vcportable.errors",
    "CredentialInvalidError": "vcportable.errors",
    "KeyFileError": "vcportable.errors",
    "ResolutionError": "vcportable.errors",
    "ContextNotAllowedError": "vcportable.errors",
    "CanonicalizationError": "vcportable.errors",
}

__all__ = [
    "CanonicalizationError",
    "Check",
    "CheckStatus",
    "Code",
    "ConfigurationError",
    "ContextNotAllowedError",
    "CredentialInvalidError",
    "DocumentLoader",
    "FixedClock",
    "InputError",
    "Issuer",
    "KeyFileError",
    "KeyPair",
    "KeyType",
    "OfflineResolver",
    "ResolutionError",
    "SystemClock",
    "VcPortableError",
    "VerificationPolicy",
    "VerificationReport",
    "Verifier",
    "create_presentation",
    "issue",
    "sign_presentation",
    "verify",
]

if TYPE_CHECKING:
    from .clock import FixedClock, SystemClock
    from .dids import OfflineResolver
    from .errors import (
        CanonicalizationError,
        ConfigurationError,
        ContextNotAllowedError,
        CredentialInvalidError,
        InputError,
        KeyFileError,
        ResolutionError,
        VcPortableError,
    )
    from .issuer import Issuer, issue
    from .jsonld import DocumentLoader
    from .keys import KeyPair, KeyType
    from .models.report import Check, CheckStatus, Code, VerificationReport
    from .verifier import VerificationPolicy, Verifier, verify
    from .wallet import create_presentation, sign_presentation


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vcportable' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
