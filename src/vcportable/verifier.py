"""The verifier: the pipeline parse -> proofs -> checks -> report.

Verification never raises for a bad credential: each step becomes a :class:`Check` in a
:class:`VerificationReport`. Exceptions escape only for misuse of the API (a wrong argument
type), never for anything inside the input.

The proofs establish who signed (:mod:`vcportable.proofs.dataintegrity` for Data Integrity,
:mod:`vcportable.proofs.tokens` for tokens); every later check reads a
:class:`~vcportable.checks.SignedView` of what the signature covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import jsonld
from .checks import CredentialCheck, SignedView, Signer
from .checks.holder import Presented, holder_binding
from .checks.status_entry import status_entry_problems
from .clock import Clock, SystemClock
from .codec.dates import parse_xsd_datetime
from .codec.json import parse_json
from .dids import DidResolver, OfflineResolver
from .errors import ContextNotAllowedError, InputError
from .models.datamodel import check_data_model, check_related_resources
from .models.report import Check, Code, VerificationReport, credential_facts, validity_period
from .policy import VerificationPolicy
from .proofs import dataintegrity as di
from .proofs.dataintegrity import ProofRequest, binding_check, code_of, verify_proof_set
from .proofs.dispatch import InputFormat, detect

if TYPE_CHECKING:
    from .proofs.jose import JoseResult

__all__ = ["VerificationPolicy", "Verifier", "verify"]

VC_TYPE = "VerifiableCredential"
VP_TYPE = "VerifiablePresentation"
#: Token formats whose document follows the VC data model (a ``dc+sd-jwt`` does not).
_VCDM_FORMATS = frozenset({"vc+jwt", "vp+jwt", "vc+sd-jwt", "vc-jwt-1.1"})


def _types(document: Mapping[str, Any]) -> list[str]:
    value = document.get("type", [])
    values = [value] if isinstance(value, str) else value
    return [t for t in values if isinstance(t, str)] if isinstance(values, list) else []


class Verifier:
    """Verifies credentials and presentations offline.

    Everything that varies is injected: the JSON-LD document loader (bundled contexts only by
    default), the DID resolver (did:key and did:jwk, and did:web from a local cache), the clock,
    the policy, the status source and the further credential checks (trust list, recognition),
    each run on what the signature covers.
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
    ) -> None:
        self.loader = loader or jsonld.default_loader()
        self.resolver = resolver or OfflineResolver()
        self.clock = clock or SystemClock()
        self.policy = policy or VerificationPolicy()
        self.status = status
        self.checks = tuple(checks)

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
        if isinstance(data, Mapping):
            document: Any = data
        else:
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
                return self.verify_token(token.strip(), challenge=challenge, domain=domain)
            try:
                document = parse_json(
                    data,
                    max_bytes=self.policy.max_input_bytes,
                    max_depth=self.policy.max_json_depth,
                )
            except InputError as exc:
                return _unreadable(code_of(exc), exc.message)
        if not isinstance(document, Mapping):
            return VerificationReport.from_checks(
                "unknown",
                [Check.failed("parse", Code.MALFORMED, "input must be a JSON object")],
            )
        if VP_TYPE in _types(document):
            return self.verify_presentation(document, challenge=challenge, domain=domain)
        return self.verify_credential(document)

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
                "not a JSON document, a compact token, a QR envelope, a QR image or a baked "
                "badge",
            )
        return opened

    def verify_credential(self, credential: Mapping[str, Any]) -> VerificationReport:
        """Every check of one credential (Data Integrity secured)."""
        report, _ = self._credential(credential, self.clock.now())
        return report

    def _credential(
        self, credential: Mapping[str, Any], now: datetime
    ) -> tuple[VerificationReport, list[Signer]]:
        checks = [Check.passed("parse", "well-formed JSON object")]
        checks.append(self._data_model(credential, "credential"))
        facts = credential_facts(credential)
        proofs = verify_proof_set(
            credential,
            ProofRequest("assertionMethod"),
            loader=self.loader,
            resolver=self.resolver,
            policy=self.policy,
            now=now,
        )
        checks += proofs.checks
        checks.append(
            binding_check(
                "issuer_binding",
                proofs.signers,
                facts.get("issuer"),
                who="issuer",
                code=Code.ISSUER_KEY_MISMATCH,
                relaxed=not self.policy.require_issuer_binding,
            )
        )
        checks += self._related_resources(credential)
        checks += self._credential_checks(SignedView(credential, "di", tuple(proofs.signers), now))
        report = VerificationReport.from_checks("credential", checks, format="di", **facts)
        return report, proofs.signers

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
        now = self.clock.now()
        checks = [Check.passed("parse", "well-formed JSON object")]
        checks.append(self._data_model(presentation, "presentation"))
        holder = presentation.get("holder")
        if isinstance(holder, Mapping):
            holder = holder.get("id")
        holder_id = holder if isinstance(holder, str) else None
        holder_keys = []
        if di.proofs_of(presentation) or self.policy.require_presentation_proof:
            proofs = verify_proof_set(
                presentation,
                ProofRequest("authentication", challenge, domain),
                loader=self.loader,
                resolver=self.resolver,
                policy=self.policy,
                now=now,
            )
            checks += proofs.checks
            if holder_id is None:
                # The data model makes holder optional: nobody is then authenticated as the
                # holder, and holder_binding below decides what that means for the credentials.
                checks.append(Check.skipped("holder_key", "the presentation names no holder"))
            else:
                checks.append(
                    binding_check(
                        "holder_key",
                        proofs.signers,
                        holder_id,
                        who="holder",
                        code=Code.HOLDER_KEY_MISMATCH,
                    )
                )
            holder_keys = [s.public_key for s in proofs.signers if s.controller == holder_id]
        else:
            checks.append(Check.skipped("proof", "unsigned presentation allowed by policy"))
        enclosed = presentation.get("verifiableCredential", [])
        items = enclosed if isinstance(enclosed, list) else [enclosed]
        reports = [
            self._credential(item, now)[0]
            if isinstance(item, Mapping)
            else VerificationReport.from_checks(
                "credential",
                [Check.failed("parse", Code.MALFORMED, "enclosed credential is not an object")],
            )
            for item in items
        ]
        checks.append(
            holder_binding(
                holder_id if holder_keys else None,
                holder_keys,
                [Presented(i if isinstance(i, Mapping) else None) for i in items],
                allow_bearer=self.policy.allow_bearer_credentials,
            )
        )
        return VerificationReport.from_checks(
            "presentation", checks, format="di", credentials=reports, holder=holder_id
        )

    def verify_token(
        self, token: str, *, challenge: str | None = None, domain: str | None = None
    ) -> VerificationReport:
        """A ``vc+jwt`` / ``vp+jwt`` / SD-JWT / VC-JWT 1.1 token; ``challenge`` and ``domain``
        are the nonce and audience this verifier asked a presentation or key binding for."""
        from .proofs.jose import DEFAULT_POLICY, TokenRequest
        from .proofs.tokens import verify_token

        request = TokenRequest(self.policy.clock_skew, nonce=challenge, aud=domain)
        now = self.clock.now()
        result = verify_token(
            token,
            resolver=self.resolver,
            now=now,
            policy=self.policy.jose or DEFAULT_POLICY,
            request=request,
        )
        return self._jose_report(result, now)

    def _jose_report(self, result: JoseResult, now: datetime) -> VerificationReport:
        """The token's own checks plus the checks the JSON-LD path runs too: data model,
        contexts, and for a credential its validity, status and further checks (not for
        ``dc+sd-jwt``, whose claims follow no VC data model)."""
        extra: list[Check] = []
        document = result.document
        if document is not None and result.format in _VCDM_FORMATS:
            extra.append(self._data_model(document, result.kind))
            extra.append(self._contexts(document))
        if document is not None and result.kind == "credential" and result.format != "unknown":
            signers = (result.signer,) if result.signer is not None and result.verified else ()
            extra += self._credential_checks(SignedView(document, result.format, signers, now))
        enclosed = [self._jose_report(sub, now) for sub in result.credentials]
        if result.kind == "presentation" and document is not None:
            holder = result.signer
            extra.append(
                holder_binding(
                    holder.controller if holder is not None else None,
                    [holder.public_key] if holder is not None else [],
                    [Presented(sub.document, sub.claims) for sub in result.credentials],
                    allow_bearer=self.policy.allow_bearer_credentials,
                )
            )
        return result.to_report(extra, credentials=enclosed)

    # -- checks -----------------------------------------------------------------------------

    def _credential_checks(self, view: SignedView) -> list[Check]:
        """What every credential gets after its proofs, whatever secures it: validity, status,
        then the injected checks (trust list, recognition)."""
        checks = [self._validity(view.credential, view.now), *self._status(view)]
        for unit in self.checks:
            checks += unit.check(view)
        return checks

    def _data_model(self, document: Mapping[str, Any], kind: str) -> Check:
        problems = check_data_model(dict(document), kind=kind)  # type: ignore[arg-type]
        if not problems:
            return Check.passed("data_model", f"follows the VC data model ({kind})")
        text = "; ".join(f"{path or '(root)'}: {message}" for path, message in problems)
        return Check.failed("data_model", Code.DATA_MODEL_INVALID, text)

    def _contexts(self, document: Mapping[str, Any]) -> Check:
        """A token's JSON-LD contexts must be bundled too: a credential is read the same way
        whatever secures it, and an unknown remote context could re-map every term."""
        try:
            jsonld.check_contexts(document, self.loader)
        except ContextNotAllowedError as exc:
            return Check.failed("contexts", Code.CONTEXT_NOT_ALLOWED, exc.message)
        return Check.passed("contexts", "every JSON-LD context is bundled")

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
            return [Check.skipped("status", "the credential has no revocation status entry")]
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


def _unreadable(code: Code, message: str) -> VerificationReport:
    return VerificationReport.from_checks("unknown", [Check.failed("parse", code, message)])


def _as_text(data: bytes | str) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # the JSON parser reports it


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    challenge: str | None = None,
    domain: str | None = None,
    **options: Any,
) -> VerificationReport:
    """Verify with a default :class:`Verifier` (``options`` are its keyword arguments)."""
    return Verifier(**options).verify(data, challenge=challenge, domain=domain)
