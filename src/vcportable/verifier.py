"""The verifier: the pipeline parse -> dispatch -> proofs -> checks -> report.

Verification never raises for a bad credential: each step becomes a :class:`Check` in a
:class:`VerificationReport`. Exceptions escape only for misuse of the API (a wrong argument
type), never for anything inside the input.

:mod:`vcportable.proofs.dispatch` tells the input's format and picks its
:class:`~vcportable.proofs.base.ProofVerifier` (Data Integrity for JSON-LD, the token verifier
for JWTs and SD-JWTs), which establishes who signed what; every later check reads a
:class:`~vcportable.checks.SignedView` of what the signature covers, whatever the format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from . import jsonld
from .checks import CredentialCheck, SignedView
from .checks.holder import Presented, holder_binding
from .checks.status_entry import status_entry_problems
from .clock import Clock, SystemClock
from .codec.dates import parse_xsd_datetime
from .codec.json import parse_json
from .dids import DidResolver, OfflineResolver
from .errors import ContextNotAllowedError, InputError
from .models.datamodel import DataModelReading, check_related_resources, read_data_model
from .models.report import Check, CheckStatus, Code, VerificationReport, validity_period
from .policy import VerificationPolicy
from .proofs.base import Kind, ProofContext, ProofRequest, ProofResult, ProofVerifier
from .proofs.dataintegrity import code_of
from .proofs.dispatch import InputFormat, detect, proof_verifier

__all__ = ["VerificationPolicy", "Verifier", "verify"]

# Checks whose message never varies: built once (a Check is immutable).
_FOLLOWS_DATA_MODEL: Final = {
    kind: Check.passed("data_model", f"follows the VC data model ({kind})")
    for kind in ("credential", "presentation")
}
_ASKED_NOTHING: Final = ProofRequest()
_FAILED: Final = CheckStatus.FAILED
_CONTEXTS_BUNDLED: Final = Check.passed("contexts", "every JSON-LD context is bundled")
_NO_STATUS_ENTRY: Final = Check.skipped("status", "the credential has no revocation status entry")


class Verifier:
    """Verifies credentials and presentations offline.

    Everything that varies is injected: the JSON-LD document loader (bundled contexts only by
    default), the DID resolver (did:key and did:jwk, and did:web from a local cache), the clock,
    the policy, the status source, the further credential checks (trust list, recognition),
    each run on what the signature covers, and, for another proof format or implementation,
    the proof verifier of an input format (``proof_verifiers``; the defaults come from
    :func:`~vcportable.proofs.dispatch.proof_verifier`).
    """

    def __init__(
        self,
        *,
        loader: jsonld.DocumentLoader | None = None,
        resolver: DidResolver | None = None,
        clock: Clock | None = None,
        policy: VerificationPolicy | None = None,
        status: CredentialCheck | None = None,
        checks: Sequence[CredentialCheck] = (),
        proof_verifiers: Mapping[InputFormat, ProofVerifier] | None = None,
    ) -> None:
        self.loader = loader or jsonld.default_loader()
        self.resolver = resolver or OfflineResolver()
        self.clock = clock or SystemClock()
        self.policy = policy or VerificationPolicy()
        self.status = status
        self.checks = tuple(checks)
        self.proof_verifiers = dict(proof_verifiers or {})
        #: The default proof verifier of each format met so far (made once, not per input).
        self._defaults: dict[InputFormat, ProofVerifier] = {}

    # -- entry points ---------------------------------------------------------------------

    def verify(
        self,
        data: bytes | str | Mapping[str, Any],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationReport:
        """Verify a credential or presentation: a parsed document, JSON text or bytes, a
        compact JWT / SD-JWT (its ``typ`` header names its format), or a QR envelope (its text,
        a photo of its QR code, or a badge it is baked into)."""
        read = self._read(data)
        if isinstance(read, VerificationReport):
            return read
        if challenge is None and domain is None:
            return self._verify(*read, _ASKED_NOTHING)
        return self._verify(*read, ProofRequest(challenge, domain))

    def verify_many(
        self,
        inputs: Iterable[bytes | str | Mapping[str, Any]],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> Iterator[VerificationReport]:
        """One report per input, in order, as each is verified: a stream of any length is
        verified in constant memory (the caller decides what to keep)."""
        for data in inputs:
            yield self.verify(data, challenge=challenge, domain=domain)

    def verify_credential(self, credential: Mapping[str, Any]) -> VerificationReport:
        """Every check of one JSON-LD credential (Data Integrity secured), whatever its
        ``type`` says."""
        return self._verify(InputFormat.JSON, credential, ProofRequest(kind="credential"))

    def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationReport:
        """The presentation's own checks, and a report for each credential it encloses.

        ``challenge`` and ``domain`` are what *this verifier* asked for; when given, the proof
        must carry exactly them. The holder must be the subject of every enclosed credential
        unless the policy allows bearer credentials.
        """
        request = ProofRequest(challenge, domain, kind="presentation")
        return self._verify(InputFormat.JSON, presentation, request)

    def verify_token(
        self,
        token: str,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        kind: Kind | None = None,
    ) -> VerificationReport:
        """A ``vc+jwt`` / ``vp+jwt`` / SD-JWT / VC-JWT 1.1 token; ``challenge`` and ``domain``
        are the nonce and audience this verifier asked a presentation or key binding for;
        ``kind``, what the caller expects (a token of the other kind fails)."""
        return self._verify(InputFormat.TOKEN, token, ProofRequest(challenge, domain, kind))

    # -- the pipeline -----------------------------------------------------------------------

    def _read(
        self, data: bytes | str | Mapping[str, Any]
    ) -> tuple[InputFormat, Any] | VerificationReport:
        """Parse: the input's format and what its proof verifier reads (a JSON object, a
        token's text), or the report of input that cannot be read."""
        if not isinstance(data, (str, bytes)) and isinstance(data, Mapping):
            return InputFormat.JSON, data
        form = detect(data)
        if form is InputFormat.ENVELOPE:
            opened = self._open_envelope(data)
            if isinstance(opened, VerificationReport):
                return opened
            data, form = opened, detect(opened)
            if form is InputFormat.ENVELOPE:
                return _unreadable(Code.ENVELOPE_INVALID, "the QR envelope holds no credential")
        if form is InputFormat.TOKEN:
            token = _as_text(data)
            if token is None:
                return _unreadable(Code.MALFORMED, "the token is not UTF-8 text")
            return form, token.strip()
        try:
            document = parse_json(
                data, max_bytes=self.policy.max_input_bytes, max_depth=self.policy.max_json_depth
            )
        except InputError as exc:
            return _unreadable(code_of(exc), exc.message)
        if not isinstance(document, Mapping):
            return _unreadable(Code.MALFORMED, "input must be a JSON object")
        return form, document

    def _open_envelope(self, data: bytes | str) -> bytes | str | VerificationReport:
        """The credential inside a QR envelope, photo or baked badge; a report when there is
        none (the envelope reader is imported only for such input: JSON and tokens never pay
        for the image libraries)."""
        from .envelope import open_input

        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        if len(raw) > self.policy.max_image_bytes:
            return _unreadable(
                Code.TOO_LARGE,
                f"input of {len(raw)} bytes is over the limit of {self.policy.max_image_bytes}",
            )
        try:
            opened = open_input(raw)
        except InputError as exc:
            return _unreadable(code_of(exc), exc.message)
        if opened is None:
            return _unreadable(
                Code.MALFORMED,
                "not a JSON document, a compact token, a QR envelope, a QR image or a baked badge",
            )
        return opened

    def _verify(self, form: InputFormat, data: Any, request: ProofRequest) -> VerificationReport:
        """Dispatch to the format's proof verifier, then the checks of what it found."""
        now = self.clock.now()
        context = ProofContext(self.loader, self.resolver, self.policy, now)
        result = self._proof_verifier(form).verify(data, request, context)
        asked = _request_checks(request, result)
        return self._report(
            replace(result, checks=(*result.checks, *asked)) if asked else result, now
        )

    def _proof_verifier(self, form: InputFormat) -> ProofVerifier:
        """The caller's proof verifier of ``form``, else the default one (made once)."""
        chosen = self.proof_verifiers.get(form)
        if chosen is None:
            chosen = self._defaults.get(form)
        if chosen is None:
            chosen = self._defaults[form] = proof_verifier(form)
        return chosen

    def _report(self, result: ProofResult, now: datetime) -> VerificationReport:
        """The proofs' checks and those of what they signed, in reading order: an embedded
        proof's document was read before its proofs, an enveloping proof's only after. A
        credential then gets its related resources, validity, status and further checks; a
        presentation, the binding of its credentials to its holder."""
        checks = list(result.checks)
        document = result.document
        if document is not None:
            read = self._document_checks(document, result)
            checks = [*read, *checks] if result.embedded else [*checks, *read]
            if result.kind == "credential":
                view = SignedView(document, result.format or "unknown", result.signers, now)
                checks += self._credential_checks(view)
            elif result.kind == "presentation":
                keys = [s.public_key for s in result.signers if s.controller == result.holder]
                checks.append(
                    holder_binding(
                        result.holder,
                        keys,
                        [Presented(e.document, e.claims) for e in result.enclosed],
                        allow_bearer=self.policy.allow_bearer_credentials,
                    )
                )
        return VerificationReport.from_checks(
            result.kind,
            checks,
            format=result.format,
            credentials=[self._report(e, now) for e in result.enclosed],
            **result.facts,
        )

    # -- checks -----------------------------------------------------------------------------

    def _document_checks(self, document: Mapping[str, Any], result: ProofResult) -> list[Check]:
        """How the signed document reads: parsed (an embedded proof's document is the JSON
        input), following the VC data model, with bundled contexts only (an enveloping proof
        does not canonicalize, so it never read them)."""
        parsed = [Check.passed("parse", "well-formed JSON object")] if result.embedded else []
        if not result.vc_data_model:
            return parsed
        plain = document if isinstance(document, dict) else dict(document)
        reading = read_data_model(plain, kind=result.kind)  # type: ignore[arg-type]
        model = [*parsed, self._data_model(reading, result.kind)]
        if result.embedded:
            return model
        # The data model's walk saw every object of the document: when none below the root
        # has an @context, the root's is all there is to check (no second walk).
        if reading.nested_contexts:
            return [*model, self._contexts(document)]
        top = {"@context": plain["@context"]} if "@context" in plain else {}
        return [*model, self._contexts(top)]

    def _credential_checks(self, view: SignedView) -> list[Check]:
        """What every credential gets after its proofs, whatever secures it: the digests of
        its related resources, validity, status, then the injected checks (trust list,
        recognition)."""
        checks = [*self._related_resources(view.credential)]
        checks += [self._validity(view.credential, view.now), *self._status(view)]
        for unit in self.checks:
            checks += unit.check(view)
        return checks

    def _data_model(self, reading: DataModelReading, kind: str) -> Check:
        if not reading.problems:
            return _FOLLOWS_DATA_MODEL[kind]
        text = "; ".join(f"{path or '(root)'}: {message}" for path, message in reading.problems)
        return Check.failed("data_model", Code.DATA_MODEL_INVALID, text)

    def _contexts(self, document: Mapping[str, Any]) -> Check:
        """A token's JSON-LD contexts must be bundled too: a credential is read the same way
        whatever secures it, and an unknown remote context could re-map every term."""
        try:
            jsonld.check_contexts(document, self.loader)
        except ContextNotAllowedError as exc:
            return Check.failed("contexts", Code.CONTEXT_NOT_ALLOWED, exc.message)
        return _CONTEXTS_BUNDLED

    def _related_resources(self, document: Mapping[str, Any]) -> list[Check]:
        """Digests of ``relatedResource`` entries, for those available offline (the bundled
        contexts are); the others are reported as not checked, never fetched."""
        related = document.get("relatedResource")
        if related is None:
            return []
        entries = related if isinstance(related, list) else [related]
        ids = [e.get("id") for e in entries if isinstance(e, Mapping)]
        missing = [i for i in ids if not isinstance(i, str) or self.loader.raw_bytes(i) is None]
        problems = check_related_resources(dict(document), self.loader.raw_bytes)
        if problems:
            text = "; ".join(f"{path}: {message}" for path, message in problems)
            return [Check.failed("related_resources", Code.RELATED_RESOURCE_MISMATCH, text)]
        if missing:
            return [
                Check.warning(
                    "related_resources",
                    Code.RELATED_RESOURCE_NOT_CHECKED,
                    f"not available offline, digest not checked: {', '.join(map(str, missing))}",
                )
            ]
        return [Check.passed("related_resources", f"{len(ids)} related resource digest(s) match")]

    def _validity(self, credential: Mapping[str, Any], now: datetime) -> Check:
        start, end = validity_period(credential)
        # VC 1.1 dates may omit the timezone (UTC); the data_model check says which are bad.
        start_at, end_at = parse_xsd_datetime(start), parse_xsd_datetime(end)
        for value, parsed in ((start, start_at), (end, end_at)):
            if value is not None and parsed is None:
                return Check.failed("validity", Code.MALFORMED, f"{value!r} is not a date-time")
        skew = self.policy.clock_skew
        if start_at is not None and start_at > now + skew:
            return Check.failed("validity", Code.NOT_YET_VALID, f"not valid before {start}")
        if end_at is not None and end_at < now - skew:
            return Check.failed("validity", Code.EXPIRED, f"expired on {end}")
        if start_at is None and end_at is None:
            return Check.passed("validity", "no validity period stated")
        span = f"from {start or 'any time'} until {end or 'no end date'}"
        return Check.passed("validity", f"valid {span}")

    def _status(self, view: SignedView) -> list[Check]:
        """A malformed status entry fails (an issuer that meant to make a credential revocable
        must not get one that silently is not); a well-formed one goes to the status source."""
        if view.credential.get("credentialStatus") is None:
            return [_NO_STATUS_ENTRY]
        problems = status_entry_problems(view.credential)
        if problems:
            return [Check.failed("status", Code.STATUS_ENTRY_INVALID, "; ".join(problems))]
        if self.status is not None:
            return self.status.check(view)
        return [
            Check.warning(
                "status",
                Code.STATUS_NOT_CHECKED,
                "revocation status not checked: no status list is available offline",
            )
        ]


def _request_checks(request: ProofRequest, result: ProofResult) -> list[Check]:
    """What the caller asked, which no proof format may leave unanswered: the kind it expects
    (a VC-API route knows; a token says its own), and a challenge or domain, which only a
    holder's proof answers: a credential shown alone could be anyone's copy."""
    if result.kind not in ("credential", "presentation"):
        return []  # unreadable: its own checks say why
    if result.document is None and any(c.status is _FAILED for c in result.checks):
        # Nothing was read (a token that did not decode is reported as a credential of
        # format "unknown"): its own checks say why, and it is no credential or presentation
        # to call the wrong kind or to have answered no challenge.
        return []
    if request.kind is not None and result.kind != request.kind:
        return [
            Check.failed(
                "kind",
                Code.TYP_MISMATCH,
                f"a {result.kind} was given where a {request.kind} is expected",
            )
        ]
    if (
        request.challenge is not None or request.domain is not None
    ) and not result.answers_challenge:
        return [
            Check.failed(
                "challenge",
                Code.CHALLENGE_MISMATCH,
                f"a challenge or domain was asked, and this {result.kind} answers none: only "
                "a presentation signed by the holder (or an SD-JWT with key binding) proves "
                "it is fresh",
            )
        ]
    return []


def _unreadable(code: Code, message: str) -> VerificationReport:
    return VerificationReport.from_checks("unknown", [Check.failed("parse", code, message)])


def _as_text(data: bytes | str) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # the caller reports the token as not UTF-8 text


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    challenge: str | None = None,
    domain: str | None = None,
    **options: Any,
) -> VerificationReport:
    """Verify with a default :class:`Verifier` (``options`` are its keyword arguments)."""
    return Verifier(**options).verify(data, challenge=challenge, domain=domain)
