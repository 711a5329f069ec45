"""The three questions a listed issuer must pass, as plain decisions (messages are the check's).

* trusted: the issuer is listed and was active when the credential was issued; a later
  suspension or withdrawal does not reach back unless it is ``retroactive``;
* accredited: one of its accreditations covers every achievement of the credential;
* recognised: the verifier's municipality is the issuer's own, or an agreement of the
  verifier's municipality that is in force *now* covers the issuer and every achievement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .model import Accreditation, Agreement, IssuerStatus, ListedIssuer, StatusEvent, TrustIndex
from .scope import Achievement, covers

__all__ = [
    "IssuerStanding",
    "RecognitionResult",
    "accreditation_for",
    "covering_agreements",
    "issuer_standing",
    "recognition",
]


@dataclass(frozen=True)
class IssuerStanding:
    trusted: bool
    #: The event that decided: the one in force at issuance, or a later retroactive one.
    event: StatusEvent | None


def issuer_standing(issuer: ListedIssuer, issued_at: datetime) -> IssuerStanding:
    at_issuance = issuer.status_at(issued_at)
    if at_issuance is None or at_issuance.status is not IssuerStatus.ACTIVE:
        return IssuerStanding(False, at_issuance)
    for event in issuer.status:
        if event.from_ > issued_at and event.retroactive:
            return IssuerStanding(False, event)
    return IssuerStanding(True, at_issuance)


def accreditation_for(
    index: TrustIndex, issuer: ListedIssuer, achievements: Sequence[Achievement]
) -> Accreditation | None:
    """The first accreditation that covers every achievement, or None."""
    for accreditation in issuer.accreditations:
        if all(covers(accreditation, a, index) for a in achievements):
            return accreditation
    return None


@dataclass(frozen=True)
class RecognitionResult:
    """``same_municipality``, or the ``agreement`` in force; otherwise why none applies:
    the agreements that cover the credential but are not in force at ``now``."""

    same_municipality: bool = False
    agreement: Agreement | None = None
    not_in_force: tuple[Agreement, ...] = ()

    @property
    def recognised(self) -> bool:
        return self.same_municipality or self.agreement is not None


def covering_agreements(
    index: TrustIndex,
    recognising: str,
    issuer: ListedIssuer,
    achievements: Sequence[Achievement],
) -> tuple[Agreement, ...] | None:
    """The agreements of ``recognising`` that name the issuer and cover every achievement, in
    force or not (None: the issuer is of ``recognising`` itself). Nothing here depends on the
    time, so a verifier can keep it per issuer and achievement."""
    if issuer.municipality == recognising:
        return None
    return tuple(
        agreement
        for agreement in index.agreements.get(recognising, ())
        if _names(agreement, issuer)
        and all(covers(agreement.scope, a, index) for a in achievements)
    )


def recognition(covering: tuple[Agreement, ...] | None, now: datetime) -> RecognitionResult:
    """Recognised when the issuer is local or one of ``covering`` is in force at ``now``."""
    if covering is None:
        return RecognitionResult(same_municipality=True)
    for agreement in covering:
        if agreement.in_force(now):
            return RecognitionResult(agreement=agreement)
    return RecognitionResult(not_in_force=covering)


def _names(agreement: Agreement, issuer: ListedIssuer) -> bool:
    if agreement.recognised_municipality is not None:
        return agreement.recognised_municipality == issuer.municipality
    return issuer.id in agreement.recognised_issuers
