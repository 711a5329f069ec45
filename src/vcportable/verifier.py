"""The verifier: runs every check on a credential or presentation and returns a report.

Verification never raises for a bad credential: each step becomes a :class:`Check` in a
:class:`VerificationReport`. Exceptions escape only for misuse of the API (a wrong argument
type), never for anything inside the input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import jsonld
from .clock import Clock, SystemClock
from .dids import DidResolver, OfflineResolver, resolve_verification_method
from .errors import (
    CanonicalizationError,
    ContextNotAllowedError,
    InputError,
    InvalidSignature,
    ResolutionError,
    VcPortableError,
)
from .jsonutil import MAX_INPUT_BYTES, MAX_JSON_DEPTH, parse_json
from .models.datamodel import (
    check_data_model,
    check_related_resources,
    parse_datetime_stamp,
    parse_xsd_datetime,
)
from .models.report import (
    Check,
    Code,
    VerificationReport,
    credential_facts,
    validity_period,
)
from .proofs import dataintegrity as di

if TYPE_CHECKING:
    from .proofs.jose import JoseResult
    from .proofs.jws import JosePolicy

VC_TYPE = "VerifiableCredential"
VP_TYPE = "VerifiablePresentation"


@dataclass(frozen=True)
class VerificationPolicy:
    """Every knob of verification, with safe defaults. Immutable: build a new one to relax."""

    max_input_bytes: int = MAX_INPUT_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    clock_skew: timedelta = timedelta(seconds=60)
    #: The key that signed a credential must be controlled by its issuer. Some official test
    #: vectors use a URL issuer with a did:key; turning this off makes that a warning.
    require_issuer_binding: bool = True
    #: A presentation must carry a proof (by its holder) unless this is turned off.
    require_presentation_proof: bool = True
    #: Proofs in one proof set or chain (each proof of a chain re-signs the proofs before it,
    #: so the work grows fast: the bound keeps it small).
    max_proofs: int = 8
    allowed_cryptosuites: frozenset[str] = field(
        default_factory=lambda: frozenset(s.name for s in di.SUITES.values())
    )
    #: JWT / SD-JWT rules (algorithms per key type, token types, key binding, size limits);
    #: None means the defaults of :class:`~vcportable.proofs.jws.JosePolicy` (imported only
    #: when a token is verified). Its clock skew is replaced by ``clock_skew`` above.
    jose: JosePolicy | None = None


def _code_of(error: VcPortableError) -> Code:
    try:
        return Code(error.code)
    except ValueError:
        return Code.MALFORMED


def _types(document: Mapping[str, Any]) -> list[str]:
    value = document.get("type", [])
    values = [value] if isinstance(value, str) else value
    return [t for t in values if isinstance(t, str)] if isinstance(values, list) else []


class Verifier:
    """Verifies credentials and presentations offline.

    Everything that varies is injected: the JSON-LD document loader (bundled contexts only by
    default), the DID resolver (did:key and did:jwk, and did:web from a local cache), the clock
    and the policy.
    """

    def __init__(
        self,
        *,
        loader: jsonld.DocumentLoader | None = None,
        resolver: DidResolver | None = None,
        clock: Clock | None = None,
        policy: VerificationPolicy | None = None,
    ) -> None:
        self.loader = loader or jsonld.default_loader()
        self.resolver = resolver or OfflineResolver()
        self.clock = clock or SystemClock()
        self.policy = policy or VerificationPolicy()

    # -- entry points ---------------------------------------------------------------------

    def verify(
        self,
        data: bytes | str | Mapping[str, Any],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationReport:
        """Verify a credential or presentation: a parsed document, JSON text or bytes, or a
        compact JWT / SD-JWT (text that is not JSON; its ``typ`` header names its format)."""
        if isinstance(data, Mapping):
            document: Any = data
        else:
            first = data.lstrip()[:1]
            if first and first not in ("{", "[", '"', b"{", b"[", b'"'):
                token = _as_text(data)
                if token is not None:
                    return self.verify_token(token.strip(), challenge=challenge, domain=domain)
            try:
                document = parse_json(
                    data,
                    max_bytes=self.policy.max_input_bytes,
                    max_depth=self.policy.max_json_depth,
                )
            except InputError as exc:
                return VerificationReport.from_checks(
                    "unknown", [Check.failed("parse", _code_of(exc), exc.message)]
                )
        if not isinstance(document, Mapping):
            return VerificationReport.from_checks(
                "unknown",
                [Check.failed("parse", Code.MALFORMED, "input must be a JSON object")],
            )
        if VP_TYPE in _types(document):
            return self.verify_presentation(document, challenge=challenge, domain=domain)
        return self.verify_credential(document)

    def verify_credential(self, credential: Mapping[str, Any]) -> VerificationReport:
        """Every check of one credential (Data Integrity secured)."""
        now = self.clock.now()
        checks = [Check.passed("parse", "well-formed JSON object")]
        checks.append(self._data_model(credential, "credential"))
        facts = credential_facts(credential)
        checks += self._proof_checks(
            credential, "assertionMethod", bind_to=facts.get("issuer"), now=now
        )
        checks += self._related_resources(credential)
        checks.append(self._validity(credential, now))
        checks.append(self._status(credential))
        return VerificationReport.from_checks("credential", checks, format="di", **facts)

    def verify_presentation(
        self,
        presentation: Mapping[str, Any],
        *,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationReport:
        """The presentation's own checks, and a report for each credential it encloses.

        ``challenge`` and ``domain`` are what *this verifier* asked for; when given, the proof
        must carry exactly them.
        """
        now = self.clock.now()
        checks = [Check.passed("parse", "well-formed JSON object")]
        checks.append(self._data_model(presentation, "presentation"))
        holder = presentation.get("holder")
        if isinstance(holder, Mapping):
            holder = holder.get("id")
        holder_id = holder if isinstance(holder, str) else None
        if di.proofs_of(presentation) or self.policy.require_presentation_proof:
            checks += self._proof_checks(
                presentation,
                "authentication",
                bind_to=holder_id,
                now=now,
                challenge=challenge,
                domain=domain,
            )
        else:
            checks.append(Check.skipped("proof", "unsigned presentation allowed by policy"))
        enclosed = presentation.get("verifiableCredential", [])
        items = enclosed if isinstance(enclosed, list) else [enclosed]
        reports = [
            self.verify_credential(item)
            if isinstance(item, Mapping)
            else VerificationReport.from_checks(
                "credential",
                [Check.failed("parse", Code.MALFORMED, "enclosed credential is not an object")],
            )
            for item in items
        ]
        checks += self._subject_binding(items, holder_id)
        return VerificationReport.from_checks(
            "presentation", checks, format="di", credentials=reports, holder=holder_id
        )

    def _subject_binding(self, credentials: list[Any], holder: str | None) -> list[Check]:
        """Whether the holder is the subject of what it presents. A warning, not a failure:
        presenting someone else's credential can be legitimate (a guardian, an employer)."""
        if holder is None:
            return []
        others = []
        for number, credential in enumerate(credentials, 1):
            subject = (
                credential.get("credentialSubject") if isinstance(credential, Mapping) else None
            )
            subjects = subject if isinstance(subject, list) else [subject]
            ids = {s.get("id") for s in subjects if isinstance(s, Mapping)}
            if holder not in ids:
                others.append(str(number))
        if not others:
            return [
                Check.passed("subject_binding", "the holder is the subject of every credential")
            ]
        return [
            Check.warning(
                "subject_binding",
                Code.HOLDER_NOT_SUBJECT,
                f"the holder {holder} is not the subject of enclosed credential(s) "
                f"{', '.join(others)}",
            )
        ]

    def verify_token(
        self, token: str, *, challenge: str | None = None, domain: str | None = None
    ) -> VerificationReport:
        """A ``vc+jwt`` / ``vp+jwt`` / SD-JWT / VC-JWT 1.1 token; ``challenge`` and ``domain``
        are the nonce and audience this verifier asked a presentation or key binding for."""
        from .proofs.jose import verify_token
        from .proofs.jws import JosePolicy

        base = self.policy.jose or JosePolicy()
        policy = dataclasses.replace(
            base,
            clock_skew=self.policy.clock_skew,
            expected_nonce=challenge if challenge is not None else base.expected_nonce,
            expected_aud=domain if domain is not None else base.expected_aud,
        )
        now = self.clock.now()
        result = verify_token(token, resolver=self.resolver, now=now, policy=policy)
        return self._jose_report(result, now)

    def _jose_report(self, result: JoseResult, now: datetime) -> VerificationReport:
        """The token's own checks plus the data-model, validity and status checks that the
        JSON-LD path runs too (not for ``dc+sd-jwt``, whose claims follow no VC data model)."""
        extra: list[Check] = []
        document = result.document
        if document is not None and result.format != "dc+sd-jwt" and result.format != "unknown":
            extra.append(self._data_model(document, result.kind))
            if result.kind == "credential":
                extra.append(self._validity(document, now))
                extra.append(self._status(document))
        enclosed = [self._jose_report(sub, now) for sub in result.credentials]
        return result.to_report(extra, credentials=enclosed)

    # -- checks -----------------------------------------------------------------------------

    def _data_model(self, document: Mapping[str, Any], kind: str) -> Check:
        problems = check_data_model(dict(document), kind=kind)  # type: ignore[arg-type]
        if not problems:
            return Check.passed("data_model", f"follows the VC data model ({kind})")
        text = "; ".join(f"{path or '(root)'}: {message}" for path, message in problems)
        return Check.failed("data_model", Code.DATA_MODEL_INVALID, text)

    def _proof_checks(
        self,
        document: Mapping[str, Any],
        purpose: str,
        *,
        bind_to: str | None,
        now: datetime,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> list[Check]:
        proofs = di.proofs_of(document)
        if not proofs:
            return [Check.failed("proof", Code.PROOF_MISSING, "the document has no proof")]
        if len(proofs) > self.policy.max_proofs:
            return [
                Check.failed(
                    "proof",
                    Code.MALFORMED,
                    f"{len(proofs)} proofs, over the limit of {self.policy.max_proofs}",
                )
            ]
        # Contexts are checked where they are used: canonicalization refuses any that is not
        # bundled (CONTEXT_NOT_ALLOWED on the proof check), so no separate walk is needed.
        checks: list[Check] = []
        for index, proof in enumerate(proofs):
            suffix = f"[{index}]" if len(proofs) > 1 else ""
            checks += self._one_proof(
                document, proof, purpose, suffix, bind_to, now, challenge, domain
            )
        return checks

    def _one_proof(
        self,
        document: Mapping[str, Any],
        proof: Any,
        purpose: str,
        suffix: str,
        bind_to: str | None,
        now: datetime,
        challenge: str | None,
        domain: str | None,
    ) -> list[Check]:
        pid = f"proof{suffix}"
        if not isinstance(proof, Mapping):
            return [Check.failed(pid, Code.MALFORMED, "proof is not an object")]
        suite = di.match_suite(proof)
        if suite is None or suite.name not in self.policy.allowed_cryptosuites:
            described = proof.get("cryptosuite") or proof.get("type")
            return [
                Check.failed(
                    pid,
                    Code.UNSUPPORTED_CRYPTOSUITE,
                    f"proof type/cryptosuite {described!r} is not supported or not allowed "
                    f"(supported: {', '.join(sorted(self.policy.allowed_cryptosuites))})",
                )
            ]
        checks: list[Check] = []
        actual_purpose = proof.get("proofPurpose")
        if actual_purpose == purpose:
            checks.append(Check.passed(f"proof_purpose{suffix}", f"proof purpose is {purpose}"))
        else:
            checks.append(
                Check.failed(
                    f"proof_purpose{suffix}",
                    Code.WRONG_PROOF_PURPOSE,
                    f"proof purpose is {actual_purpose!r}; {purpose!r} is required",
                )
            )
        checks += self._challenge_domain(proof, suffix, challenge, domain)
        checks += self._proof_dates(proof, suffix, now)
        vm_id = proof.get("verificationMethod")
        if isinstance(vm_id, Mapping):
            vm_id = vm_id.get("id")
        try:
            if not isinstance(vm_id, str):
                raise ResolutionError("proof has no verificationMethod")
            method, did_document = resolve_verification_method(self.resolver, vm_id)
        except ResolutionError as exc:
            checks.append(
                Check.failed(f"verification_method{suffix}", Code.DID_NOT_RESOLVED, exc.message)
            )
            checks.append(Check.skipped(pid, "signature not checked: no key"))
            return checks
        authorized = getattr(did_document, purpose_attr(purpose))
        if method.public_key.type is not suite.key_type:
            checks.append(
                Check.failed(
                    f"verification_method{suffix}",
                    Code.KEY_TYPE_MISMATCH,
                    f"{suite.name} needs a {suite.key_type.value} key; {vm_id} is "
                    f"{method.public_key.type.value}",
                )
            )
        elif method.id not in authorized:
            checks.append(
                Check.failed(
                    f"verification_method{suffix}",
                    Code.VERIFICATION_METHOD_NOT_AUTHORIZED,
                    f"{vm_id} is not listed under {purpose} of {method.controller}",
                )
            )
        else:
            checks.append(
                Check.passed(f"verification_method{suffix}", f"{vm_id} is authorized for {purpose}")
            )
        # The key is trusted as the controller's only if it is published in the controller's
        # own DID document: a method's `controller` field alone proves nothing (any DID
        # document could claim another DID controls its key).
        controller = method.controller if method.controller == did_document.id else did_document.id
        checks.append(self._binding(controller, bind_to, purpose, suffix))
        checks.append(self._signature(document, proof, suite, method.public_key, pid))
        return checks

    def _signature(
        self,
        document: Mapping[str, Any],
        proof: Mapping[str, Any],
        suite: di.Cryptosuite,
        public_key: Any,
        pid: str,
    ) -> Check:
        try:
            di.verify_signature(document, proof, suite, public_key, self.loader)
        except InvalidSignature:
            return Check.failed(
                pid,
                Code.SIGNATURE_INVALID,
                f"{suite.name} signature does not match the content: it was altered or "
                "signed by another key",
            )
        except (ContextNotAllowedError, CanonicalizationError, InputError) as exc:
            return Check.failed(pid, _code_of(exc), exc.message)
        return Check.passed(pid, f"{suite.name} signature is valid")

    def _binding(self, controller: str, expected: str | None, purpose: str, suffix: str) -> Check:
        who = "issuer" if purpose == "assertionMethod" else "holder"
        cid = f"{who}_binding{suffix}"
        if expected is None:
            if who == "holder":
                return Check.skipped(cid, "presentation names no holder")
            return Check.failed(cid, Code.ISSUER_KEY_MISMATCH, "credential names no issuer")
        if controller == expected:
            return Check.passed(cid, f"signing key is controlled by the {who} {expected}")
        message = f"signing key is controlled by {controller}, not by the {who} {expected}"
        if who == "holder":
            return Check.failed(cid, Code.HOLDER_KEY_MISMATCH, message)
        if not self.policy.require_issuer_binding:
            return Check.warning(cid, Code.ISSUER_KEY_MISMATCH, message + " (allowed by policy)")
        return Check.failed(cid, Code.ISSUER_KEY_MISMATCH, message)

    def _challenge_domain(
        self, proof: Mapping[str, Any], suffix: str, challenge: str | None, domain: str | None
    ) -> list[Check]:
        checks = []
        if challenge is None and proof.get("proofPurpose") == "authentication":
            checks.append(
                Check.warning(
                    f"challenge{suffix}",
                    Code.CHALLENGE_NOT_REQUESTED,
                    "this verifier asked no challenge, so the presentation may be a replay "
                    "(verify with --challenge)",
                )
            )
        if challenge is not None:
            got = proof.get("challenge")
            checks.append(
                Check.passed(f"challenge{suffix}", "challenge matches")
                if got == challenge
                else Check.failed(
                    f"challenge{suffix}",
                    Code.CHALLENGE_MISMATCH,
                    f"proof challenge is {got!r}, expected {challenge!r}",
                )
            )
        if domain is not None:
            got = proof.get("domain")
            domains = got if isinstance(got, list) else [got]
            checks.append(
                Check.passed(f"domain{suffix}", "domain matches")
                if domain in domains
                else Check.failed(
                    f"domain{suffix}",
                    Code.DOMAIN_MISMATCH,
                    f"proof domain is {got!r}, expected {domain!r}",
                )
            )
        return checks

    def _proof_dates(self, proof: Mapping[str, Any], suffix: str, now: datetime) -> list[Check]:
        checks = []
        for name in ("created", "expires"):
            value = proof.get(name)
            if value is None:
                continue
            instant = parse_datetime_stamp(value)
            if instant is None:
                checks.append(
                    Check.failed(
                        f"proof_dates{suffix}",
                        Code.MALFORMED,
                        f"proof {name} {value!r} is not a date-time",
                    )
                )
            elif name == "expires" and instant < now - self.policy.clock_skew:
                checks.append(
                    Check.failed(
                        f"proof_dates{suffix}", Code.PROOF_EXPIRED, f"proof expired at {value}"
                    )
                )
        return checks

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

    def _status(self, credential: Mapping[str, Any]) -> Check:
        if credential.get("credentialStatus") is None:
            return Check.skipped("status", "the credential has no revocation status entry")
        return Check.warning(
            "status",
            Code.STATUS_NOT_CHECKED,
            "revocation status not checked: no status list is available offline",
        )


def _as_text(data: bytes | str) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # the JSON parser reports it


def purpose_attr(purpose: str) -> str:
    """DidDocument attribute that lists the methods authorized for a proof purpose."""
    return {"assertionMethod": "assertion_method", "authentication": "authentication"}[purpose]


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    challenge: str | None = None,
    domain: str | None = None,
    **options: Any,
) -> VerificationReport:
    """Verify with a default :class:`Verifier` (``options`` are its keyword arguments)."""
    return Verifier(**options).verify(data, challenge=challenge, domain=domain)
