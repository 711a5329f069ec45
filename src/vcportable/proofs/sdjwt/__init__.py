"""SD-JWT: credentials whose claims the holder discloses one by one (W3C ``vc+sd-jwt``,
IETF SD-JWT VC ``dc+sd-jwt``), with key binding.

:mod:`.disclosures` makes, parses and applies disclosures; :mod:`.issue` issues and presents;
:mod:`.verify` verifies (a ``vp+sd-jwt`` presentation through
:func:`vcportable.proofs.tokens.verify_token`, which verifies what it encloses).
"""

from __future__ import annotations

from .disclosures import HASHES, Disclosure, decode_disclosure, digest_of
from .issue import (
    Profile,
    default_disclosable,
    disclosures_of,
    issue_sd_jwt,
    present_sd_jwt,
    sd_jwt_from_claims,
    to_sd_jwt_vc_claims,
)
from .verify import verify_sd_jwt

__all__ = [
    "HASHES",
    "Disclosure",
    "Profile",
    "decode_disclosure",
    "default_disclosable",
    "digest_of",
    "disclosures_of",
    "issue_sd_jwt",
    "present_sd_jwt",
    "sd_jwt_from_claims",
    "to_sd_jwt_vc_claims",
    "verify_sd_jwt",
]
