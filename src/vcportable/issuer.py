"""The issuer: turn an unsigned competency credential into a signed one.

Issuing fills in what the issuer owns (its id when the credential leaves it out, ``validFrom``,
the Data Integrity context of a VC 1.1 credential), refuses a credential that breaks VC Data
Model 2.0 or the Open Badges 3.0 profile (naming every bad field) or that names an issuer the
key does not speak for, then signs with a Data Integrity proof, or as a ``vc+jwt`` or SD-JWT.
Nothing is signed that would not verify.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from . import jsonld
from .clock import Clock, SystemClock, format_datetime
from .codec.json import dumps_compact
from .codec.urls import is_url
from .errors import CredentialInvalidError, InputError
from .keys import KeyPair, PublicKey
from .models.credential import validate_profile
from .models.datamodel import check_data_model
from .proofs import dataintegrity as di

VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"

#: Credential types that must follow the Open Badges 3.0 profile of schemas/.
PROFILE_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def prepare_credential(credential: Mapping[str, Any], issuer_id: str, now: str) -> dict[str, Any]:
    """A copy with the issuer's id set to ``issuer_id`` where the credential leaves it out
    (an absent issuer, or an issuer object without ``id``: its name and other fields are kept)
    and ``validFrom`` set to ``now`` when absent.

    An issuer the credential does name must be ``issuer_id``: a key never signs for someone
    else (CredentialInvalidError otherwise, as for a non-URL issuer).
    """
    prepared = copy.deepcopy(dict(credential))
    prepared.pop("proof", None)
    issuer = prepared.get("issuer")
    if issuer is None:
        prepared["issuer"] = issuer_id
    elif isinstance(issuer, dict) and "id" not in issuer:
        issuer["id"] = issuer_id
    else:
        stated = issuer.get("id") if isinstance(issuer, dict) else issuer
        where = "issuer.id" if isinstance(issuer, dict) else "issuer"
        if not is_url(stated):
            raise CredentialInvalidError([(where, f"must be a URL, not {stated!r}")])
        if stated != issuer_id:
            raise CredentialInvalidError(
                [
                    (
                        where,
                        f"{stated} is not the identity of the signing key ({issuer_id}): "
                        "sign with a key of that issuer, or leave the issuer's id out to "
                        "issue under the key's identity",
                    )
                ]
            )
    context = prepared.get("@context")
    is_v1 = isinstance(context, list) and context[:1] == [VC_V1_CONTEXT]
    date_field = "issuanceDate" if is_v1 else "validFrom"
    prepared.setdefault(date_field, now)
    return prepared


def validate_credential(credential: Mapping[str, Any]) -> None:
    """Raise :class:`CredentialInvalidError` listing every data-model and profile problem."""
    document = dict(credential)
    problems = _not_json(document) + check_data_model(document, kind="credential")
    types = document.get("type")
    type_list = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if "VerifiablePresentation" in type_list:
        problems.append(("type", "a credential cannot also be a VerifiablePresentation"))
    if PROFILE_TYPES.intersection(t for t in type_list if isinstance(t, str)):
        known = set(problems)
        problems += [p for p in validate_profile(document) if p not in known]
    if problems:
        raise CredentialInvalidError(problems)


def _not_json(document: dict[str, Any]) -> list[tuple[str, str]]:
    """What a JSON reader would refuse in a credential built in Python (the CLI's parser
    refuses these on the way in): NaN or an infinity, a string that is not UTF-8 (a lone
    surrogate). Signed as tokens they made tokens no verifier reads."""
    try:
        dumps_compact(document)  # the very encoding tokens are signed in
    except InputError as exc:
        return [("", f"not a JSON document: {exc.message}")]
    return []


def add_data_integrity_context(document: dict[str, Any]) -> None:
    """Append the Data Integrity context to a VC 1.1 credential that lacks it: its base context
    does not define the proof's terms (the JavaScript libraries do the same)."""
    context = document.get("@context")
    if (
        isinstance(context, list)
        and context[:1] == [VC_V1_CONTEXT]
        and DATA_INTEGRITY_CONTEXT not in context
    ):
        context.append(DATA_INTEGRITY_CONTEXT)


class Issuer:
    """A certification body's signing service: one key, one cryptosuite, injected clock."""

    def __init__(
        self,
        key: KeyPair,
        *,
        cryptosuite: str = di.DEFAULT_CRYPTOSUITE,
        loader: jsonld.DocumentLoader | None = None,
        clock: Clock | None = None,
    ) -> None:
        di.suite_by_name(cryptosuite)  # fail now, not at the first credential
        self.key = key
        self.cryptosuite = cryptosuite
        self.loader = loader or jsonld.default_loader()
        self.clock = clock or SystemClock()

    def _prepared(self, credential: Mapping[str, Any]) -> tuple[dict[str, Any], datetime]:
        now = self.clock.now()
        prepared = prepare_credential(credential, self.key.controller, format_datetime(now))
        validate_credential(prepared)
        return prepared, now

    def issue(self, credential: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and sign one credential with a Data Integrity proof; the input is not
        modified. A VC 1.1 credential gets the Data Integrity context appended when it lacks
        it (its base context does not define the proof's terms), as the JavaScript libraries
        do."""
        return self._prove(*self._prepared(credential))

    def issue_jwt(self, credential: Mapping[str, Any]) -> str:
        """Validate and secure one credential as a compact ``vc+jwt`` (VC-JOSE-COSE)."""
        return self._prove_jwt(*self._prepared(credential))

    def prove(self, prepared: dict[str, Any]) -> dict[str, Any]:
        """Sign a credential already prepared (issuer and dates set, as by
        :func:`prepare_credential`) and validated: no copy (``prepared`` may be changed) and
        no second validation, which would be a third of the cost. For the registry, which
        validates a batch's rows before it records them."""
        return self._prove(prepared, self.clock.now())

    def prove_jwt(self, prepared: dict[str, Any]) -> str:
        """:meth:`prove`, as a compact ``vc+jwt``."""
        return self._prove_jwt(prepared, self.clock.now())

    def _prove(self, prepared: dict[str, Any], now: datetime) -> dict[str, Any]:
        add_data_integrity_context(prepared)
        return di.add_proof(
            prepared,
            self.key,
            created=now,
            loader=self.loader,
            cryptosuite=self.cryptosuite,
        )

    def _prove_jwt(self, prepared: dict[str, Any], now: datetime) -> str:
        from .proofs.jose import issue_vc_jwt

        _shallow_enough(prepared)
        return _short_enough(issue_vc_jwt(prepared, self.key, now=now))

    def issue_sd_jwt(
        self,
        credential: Mapping[str, Any],
        *,
        disclosable: Iterable[str] | None = None,
        profile: Literal["vc+sd-jwt", "dc+sd-jwt"] = "vc+sd-jwt",
        vct: str | None = None,
        holder_key: PublicKey | None = None,
    ) -> str:
        """Validate and secure one credential as an SD-JWT whose ``disclosable`` claim paths
        the holder may reveal one by one (default: everything about the subject except the
        achievement). ``holder_key`` goes in ``cnf`` so presentations can be key-bound."""
        from .proofs.sdjwt import issue_sd_jwt

        prepared, now = self._prepared(credential)
        _shallow_enough(prepared)
        token = issue_sd_jwt(
            prepared,
            self.key,
            now=now,
            disclosable=disclosable,
            profile=profile,
            vct=vct,
            holder_key=holder_key,
        )
        return _short_enough(token)


def _shallow_enough(credential: Mapping[str, Any]) -> None:
    """Refuse, before signing, claims that nest deeper than a token verifier reads: a vc+jwt's
    payload is the credential with a few top-level claims beside it, and no disclosure of an
    SD-JWT nests deeper than the claims it hides (JosePolicy.max_json_depth)."""
    from .codec.json import nests_deeper
    from .proofs.jose.jws import DEFAULT_POLICY

    if nests_deeper(credential, DEFAULT_POLICY.max_json_depth):
        raise CredentialInvalidError(
            [
                (
                    "",
                    f"it nests deeper than the {DEFAULT_POLICY.max_json_depth} levels a token "
                    "verifier reads: flatten it (or issue it with a Data Integrity proof)",
                )
            ]
        )


def _short_enough(token: str) -> str:
    """``token``, unless it is longer than a verifier reads (JosePolicy.max_token_bytes):
    nothing is signed that would not verify."""
    from .proofs.jose.jws import DEFAULT_POLICY

    if len(token) > DEFAULT_POLICY.max_token_bytes:
        raise CredentialInvalidError(
            [
                (
                    "",
                    f"signed, it would be a token of {len(token)} characters, over the "
                    f"{DEFAULT_POLICY.max_token_bytes} a verifier reads: make it smaller (or "
                    "issue it with a Data Integrity proof)",
                )
            ]
        )
    return token


def issue(credential: Mapping[str, Any], key: KeyPair, **options: Any) -> dict[str, Any]:
    """Sign ``credential`` with ``key``; ``options`` are :class:`Issuer`'s keyword arguments."""
    return Issuer(key, **options).issue(credential)
