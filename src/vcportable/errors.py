"""The one exception hierarchy of vcportable.

Exceptions are for *misuse* of the API and for an environment that cannot serve a request
(unreadable key file, wrong passphrase, unknown context while *issuing*). A bad credential is
never an exception: verification returns a :class:`~vcportable.models.report.VerificationReport`.

::

    VcPortableError
    ├── ConfigurationError        the caller asked for something contradictory or unsupported
    ├── InputError                input is not what it must be (not JSON, too large, too deep)
    │   ├── CredentialInvalidError    an unsigned credential breaks the data model or profile
    │   └── InvalidKeyError           a key is malformed, off its curve, of small order, or weak
    ├── KeyFileError              a key file cannot be read, decrypted or written safely
    ├── ResolutionError           a DID or verification method cannot be resolved offline
    ├── ContextNotAllowedError    a JSON-LD context is not bundled (the network is never used)
    │   └── InlineContextNotAllowed  an embedded context sets @vocab or @base
    ├── CanonicalizationError     JSON-LD cannot be canonicalized losslessly (safe mode)
    │   ├── CanonicalizationTooComplex   the RDFC-1.0 work budget ran out
    │   └── NotCompactedError    signed JSON-LD is not in compacted form for its own contexts
    ├── InvalidSignature          a low-level signature check failed (caught by the verifier)
    ├── TrustListError            a trust list is unsigned, badly signed, stale or rolled back
    ├── EnvelopeError             a QR text or image is not a vcportable envelope we can open
    └── StorageError              the registry or wallet store cannot do what was asked
        └── ConflictError             the record exists, or its state forbids the change

Every class carries a stable ``code`` (the same codes a verification report uses), so the CLI
and the server map errors to output in one place.
"""

from __future__ import annotations

from collections.abc import Sequence


class VcPortableError(Exception):
    """Root of every exception raised by vcportable."""

    code: str = "ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConfigurationError(VcPortableError):
    """The API was used in a way that cannot work (unknown cryptosuite, missing resolver...)."""

    code = "CONFIGURATION_ERROR"


class InputError(VcPortableError):
    """Input data is unusable: not JSON, over a size or depth limit, wrong shape."""

    code = "MALFORMED"


class CredentialInvalidError(InputError):
    """An unsigned credential breaks VC Data Model 2.0 or the vcportable profile.

    ``problems`` lists ``(json_path, message)`` pairs, e.g. ``("credentialSubject.achievement.name",
    "Field required")``, so a caller can show every problem at once.
    """

    code = "CREDENTIAL_INVALID"

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        lines = "; ".join(f"{path or '(root)'}: {msg}" for path, msg in self.problems)
        super().__init__(f"credential is invalid: {lines}")


class InvalidKeyError(InputError):
    """A key is unusable wherever it entered (Multikey, JWK, did:key, did:jwk, a DID document,
    a key file, an imported PEM): bad encoding, a point off the curve, a small-order Ed25519
    point, an unsupported or weak algorithm. The message names what is wrong."""

    code = "INVALID_KEY"


class KeyFileError(VcPortableError):
    """A key file cannot be read, decrypted, or is not protected well enough."""

    code = "KEY_FILE_ERROR"


class ResolutionError(VcPortableError):
    """A DID or verification method cannot be resolved without the network."""

    code = "DID_NOT_RESOLVED"


class ContextNotAllowedError(VcPortableError):
    """A JSON-LD context URL is neither bundled nor added by the user."""

    code = "CONTEXT_NOT_ALLOWED"

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"JSON-LD context {url!r} is not bundled or allowed; vcportable never fetches "
            "contexts from the network (add it with a local contexts folder if you trust it)"
        )


class InlineContextNotAllowed(ContextNotAllowedError):
    """An embedded (inline) context sets ``@vocab`` or ``@base``: it would silently give a
    meaning to every undefined term or relative IRI of the document."""

    def __init__(self, message: str) -> None:
        VcPortableError.__init__(self, message)
        self.url = ""


class CanonicalizationError(VcPortableError):
    """JSON-LD would lose data when canonicalized (undefined term, relative IRI...)."""

    code = "DATA_LOSS"


class InvalidSignature(VcPortableError):
    """A signature does not verify. Carries no detail on purpose."""

    code = "SIGNATURE_INVALID"

    def __init__(self, message: str = "signature does not verify") -> None:
        super().__init__(message)


class CanonicalizationTooComplex(CanonicalizationError):
    """Canonicalizing would take more work than the policy's budget allows (crafted blank
    nodes can make RDFC-1.0 exponential)."""

    code = "CANONICALIZATION_TOO_COMPLEX"


class NotCompactedError(CanonicalizationError):
    """Signed JSON-LD is not in compacted form for its own contexts (an absolute IRI for a
    term, a value object where compaction gives a plain value...): the JSON the checks read
    would not be what the signature covers. ``path`` is the JSON path of the first difference."""

    code = "NOT_COMPACTED"

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class TrustListError(VcPortableError):
    """A trust list cannot be accepted: unsigned, below the signature threshold, tampered,
    stale past its grace period, or older than one already accepted."""

    code = "TRUST_LIST_INVALID"


class EnvelopeError(InputError):
    """A QR text or image is not a vcportable envelope that can be opened."""

    code = "ENVELOPE_INVALID"


class StorageError(VcPortableError):
    """The registry or wallet store cannot serve the request (unreachable, locked, corrupt)."""

    code = "STORAGE_ERROR"


class ConflictError(StorageError):
    """The record already exists, or its current state forbids the change (revoking twice,
    reinstating a revoked credential)."""

    code = "CONFLICT"
