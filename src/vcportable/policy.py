"""One :class:`VerificationPolicy`: every knob and limit of verification, with safe defaults.

Immutable: relaxing a rule means building a new policy with a loudly named field changed, so a
reader of the calling code sees every relaxation in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from .codec.json import MAX_INPUT_BYTES, MAX_JSON_DEPTH

if TYPE_CHECKING:
    from .jsonld import CanonicalizationBudget
    from .proofs.jose.jws import JosePolicy


@dataclass(frozen=True)
class VerificationPolicy:
    """Every knob of verification, with safe defaults. Immutable: build a new one to relax."""

    max_input_bytes: int = MAX_INPUT_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    #: A photo of a QR code or a baked badge (the envelope inside has its own, smaller caps).
    max_image_bytes: int = 16 * 1024 * 1024
    clock_skew: timedelta = timedelta(seconds=60)
    #: The key that signed a credential must be controlled by its issuer. Some official test
    #: vectors use a URL issuer with a did:key; turning this off makes that a warning.
    require_issuer_binding: bool = True
    #: A presentation must carry a proof (by its holder) unless this is turned off.
    require_presentation_proof: bool = True
    #: A presentation's holder must be the subject of every credential it presents (its DID, or
    #: the key an SD-JWT is bound to). Turn on only for credentials meant as bearer credentials:
    #: it lets anyone who obtained a copy present someone else's credential.
    allow_bearer_credentials: bool = False
    #: Proofs in one proof set or chain (each proof of a chain re-signs the proofs before it,
    #: so the work grows fast: the bound keeps it small).
    max_proofs: int = 8
    #: Work bounds of RDFC-1.0 (N-degree hash calls, permutations, blank nodes, values): past
    #: them a proof fails with CANONICALIZATION_TOO_COMPLEX. None means
    #: :data:`vcportable.jsonld.DEFAULT_BUDGET`, under which any input within the size limit
    #: ends in well under a second; raising it reopens that denial of service.
    canonicalization_budget: CanonicalizationBudget | None = None
    #: Cryptosuite names accepted; None means every suite vcportable implements.
    allowed_cryptosuites: frozenset[str] | None = None
    #: The JOSE family's own rules (algorithms per key type, token types, key binding, size
    #: limits); None means the defaults of :class:`~vcportable.proofs.jose.jws.JosePolicy` (imported
    #: only when a token is verified). It shares no field with this policy: the clock skew
    #: above and the challenge and domain of each call apply to tokens too.
    jose: JosePolicy | None = None
