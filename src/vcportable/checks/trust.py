"""The trust check: is the issuer on the region's trust list, accredited for what it certified,
and is the credential recognised in the verifier's municipality?

It reads only what was signed (:class:`~vcportable.checks.SignedView`) and which keys signed
it, and adds four checks to the report, with messages in the employer's language:

* ``trust_list``: the list is fresh; ``TRUST_LIST_STALE`` as a warning in the grace period
  after ``nextUpdate``, as a failure after it;
* ``trusted_issuer``: the issuer is listed, a valid signature is by one of *its* listed keys
  (compared as public keys), and it was active when the credential was issued;
* ``accreditation``: one of its accreditations covers the achievement;
* ``recognition``: the verifier's municipality is the issuer's, or one of its agreements in
  force covers the issuer and the achievement (``RECOGNISED_WITH_CONDITIONS`` when the
  agreement sets conditions the employer must check).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from ..codec.dates import parse_xsd_datetime
from ..errors import ConfigurationError
from ..i18n import gettext_for, normalize_language, pick_text, pick_value
from ..keys import PublicKey
from ..models.report import Check, Code
from ..trust.acceptance import DEFAULT_GRACE, Freshness, freshness
from ..trust.model import Agreement, IssuerStatus, ListedIssuer, TrustList, catalogue_key
from ..trust.recognition import (
    RecognitionResult,
    accreditation_for,
    covering_agreements,
    issuer_standing,
    recognition,
)
from ..trust.scope import Achievement, achievements_of, describe_scope
from ..trust.verdict import TRUST_CHECK_IDS
from . import SignedView, issuer_id

__all__ = ["TRUST_CHECK_IDS", "TrustCheck"]

#: How many (issuer, achievements) judgements a check keeps; past it, it starts afresh (a
#: stream of distinct credentials costs recomputation, never memory).
MAX_JUDGEMENTS: Final = 4096
#: Days of issuance whose wording a check keeps per issuer (likewise).
MAX_DAYS: Final = 366


class _Listed(NamedTuple):
    """A listed issuer as the check reads it on every verification: its keys, its names in
    the check's language, and the passed check by day of issuance (credentials come in
    cohorts: one wording per issuer and day)."""

    keys: frozenset[PublicKey]
    name: str
    municipality: str
    passed: dict[str, Check]


@dataclass
class _Judgement:
    """What one issuer's credentials for one set of achievements get, whatever the time: the
    wording of the achievements, the accreditation check, the agreements that cover them, and
    the recognition check for each outcome met so far (by the id of the agreement in force,
    or None)."""

    what: str
    accreditation: Check
    covering: tuple[Agreement, ...] | None
    recognition: dict[str | None, Check] = field(default_factory=dict)


def _day(instant: datetime) -> str:
    return instant.date().isoformat()


class TrustCheck:
    """A :class:`~vcportable.checks.CredentialCheck` against an accepted trust list.

    ``municipality`` is where the verifier stands (its id on the list); ``lang`` the language
    of the messages; ``grace`` how long a list past its ``nextUpdate`` is still used.
    """

    def __init__(
        self,
        trust_list: TrustList,
        *,
        municipality: str,
        lang: str | None = None,
        grace: timedelta = DEFAULT_GRACE,
    ) -> None:
        if trust_list.municipality(municipality) is None:
            known = ", ".join(m.id for m in trust_list.municipalities[:20]) or "none"
            raise ConfigurationError(
                f"municipality {municipality!r} is not on the trust list (listed: {known})"
            )
        if grace < timedelta(0):
            raise ConfigurationError("the grace period must not be negative")
        self.trust_list = trust_list
        self._index = trust_list.index
        self.municipality = municipality
        self.lang = normalize_language(lang)
        self.grace = grace
        self._gettext = gettext_for(self.lang)
        # Derived once, not on every verification (the checks must stay within 10% of one).
        self._freshness_checks: dict[Freshness, Check] = {}
        self._issuers: dict[str, _Listed] = {}
        self._judgements: dict[Hashable, _Judgement] = {}

    def check(self, view: SignedView) -> list[Check]:
        _ = self._gettext
        checks = [self._freshness(view.now, _)]
        issuer, trusted = self._trusted_issuer(view, _)
        checks.append(trusted)
        if issuer is None:
            reason = _("not checked: the issuer is not trusted")
            return [
                *checks,
                Check.skipped("accreditation", reason),
                Check.skipped("recognition", reason),
            ]
        judgement = self._judgement(issuer, achievements_of(view.credential, self._index), _)
        checks.append(judgement.accreditation)
        checks.append(self._recognition(issuer, judgement, view.now, _))
        return checks

    # -- the four checks --------------------------------------------------------------------

    def _freshness(self, now: datetime, _: Callable[[str], str]) -> Check:
        state = freshness(self.trust_list, now, self.grace)
        cached = self._freshness_checks.get(state)
        if cached is None:
            cached = self._freshness_checks[state] = self._freshness_check(state, _)
        return cached

    def _freshness_check(self, state: Freshness, _: Callable[[str], str]) -> Check:
        tl = self.trust_list
        facts = {
            "name": self._text(tl.name),
            "sequence": tl.sequence,
            "issued": _day(tl.issued),
            "next_update": _day(tl.next_update),
            "grace_end": _day(tl.next_update + self.grace),
        }
        if state is Freshness.FRESH:
            return Check.passed(
                "trust_list",
                _("trust list {name} #{sequence} is current (next update {next_update})").format(
                    **facts
                ),
            )
        if state is Freshness.GRACE:
            message = _(
                "trust list {name} #{sequence} was due for an update on {next_update}; it is "
                "still used until {grace_end}: get the new list"
            )
            return Check.warning("trust_list", Code.TRUST_LIST_STALE, message.format(**facts))
        if state is Freshness.STALE:
            message = _(
                "trust list {name} #{sequence} is out of date: it was due for an update on "
                "{next_update} and its grace period ended on {grace_end}"
            )
        else:
            message = _(
                "trust list {name} #{sequence} is dated {issued}, in the future: check this "
                "device's clock"
            )
        return Check.failed("trust_list", Code.TRUST_LIST_STALE, message.format(**facts))

    def _trusted_issuer(
        self, view: SignedView, _: Callable[[str], str]
    ) -> tuple[ListedIssuer | None, Check]:
        stated = issuer_id(view.credential)
        if stated is None:
            return None, self._untrusted(_("the credential names no issuer"))
        issuer = self._index.issuers.get(stated)
        if issuer is None:
            return None, self._untrusted(
                _(
                    "{issuer} is not on the trust list: anyone can sign a credential under any "
                    "name, so nobody vouches for this one"
                ).format(issuer=stated[:200])
            )
        listed = self._listed(issuer)
        if not any(signer.public_key in listed.keys for signer in view.signers):
            return None, self._untrusted(
                _(
                    "the credential was signed with a key that the trust list does not list "
                    "for {name} ({issuer}): it may be a forgery under that name"
                ).format(name=listed.name, issuer=issuer.id)
            )
        issued_at = _issued_at(view.credential) or view.now
        standing = issuer_standing(issuer, issued_at)
        event = standing.event
        facts = {"name": listed.name, "issued": _day(issued_at)}
        if not standing.trusted:
            if event is None:
                message = _(
                    "{name} was not yet on the trust list on {issued}, when the "
                    "credential was issued"
                )
            elif event.from_ > issued_at:
                message = _(
                    "{name} was {status} on {since} with effect on credentials issued "
                    "before (this one: {issued})"
                )
            else:
                message = _(
                    "{name} was {status} (since {since}) on {issued}, when the "
                    "credential was issued"
                )
            if event is not None:
                facts |= {"status": self._status(event.status, _), "since": _day(event.from_)}
            return None, self._untrusted(message.format(**facts))
        passed = listed.passed.get(facts["issued"])
        if passed is None:
            if len(listed.passed) >= MAX_DAYS:
                listed.passed.clear()
            message = _(
                "{name} ({municipality}) is on the trust list and was active when the "
                "credential was issued ({issued})"
            ).format(municipality=listed.municipality, **facts)
            passed = listed.passed[facts["issued"]] = Check.passed("trusted_issuer", message)
        return issuer, passed

    def _listed(self, issuer: ListedIssuer) -> _Listed:
        listed = self._issuers.get(issuer.id)
        if listed is None:
            municipality = self._index.municipalities.get(issuer.municipality)
            assert municipality is not None  # the model checks every reference
            listed = self._issuers[issuer.id] = _Listed(
                frozenset(key.public_key for key in issuer.keys),
                self._text(issuer.name),
                self._text(municipality.name),
                {},
            )
        return listed

    def _accreditation(
        self,
        issuer: ListedIssuer,
        achievements: list[Achievement],
        what: str,
        _: Callable[[str], str],
    ) -> Check:
        name = self._text(issuer.name)
        if not achievements:
            return Check.failed(
                "accreditation",
                Code.NOT_ACCREDITED,
                _(
                    "the credential names no achievement that {name}'s accreditation could cover"
                ).format(name=name),
            )
        accreditation = accreditation_for(self._index, issuer, achievements)
        if accreditation is None:
            scopes = " | ".join(describe_scope(a) for a in issuer.accreditations) or "-"
            return Check.failed(
                "accreditation",
                Code.NOT_ACCREDITED,
                _(
                    "{name} is not accredited for {achievement}; it is accredited for: {scopes}"
                ).format(name=name, achievement=what, scopes=scopes),
            )
        return Check.passed(
            "accreditation",
            _("{name} is accredited for {achievement}").format(name=name, achievement=what),
        )

    def _judgement(
        self, issuer: ListedIssuer, achievements: list[Achievement], _: Callable[[str], str]
    ) -> _Judgement:
        """The time-independent part of accreditation and recognition, kept per issuer and
        achievements (the same few pairs come back on every verification)."""
        key = (issuer.id, *(self._achievement_key(a) for a in achievements))
        judgement = self._judgements.get(key)
        if judgement is None:
            if len(self._judgements) >= MAX_JUDGEMENTS:
                self._judgements.clear()
            what = self._achievements(achievements, _) if achievements else "-"
            judgement = self._judgements[key] = _Judgement(
                what,
                self._accreditation(issuer, achievements, what, _),
                covering_agreements(self._index, self.municipality, issuer, achievements),
            )
        return judgement

    def _achievement_key(self, achievement: Achievement) -> Hashable:
        """All that the wording and the scope matching read of an achievement."""
        a = achievement
        name = None if a.catalogued else pick_value(a.name, self.lang)
        return (a.id, a.types, a.codes, a.eqf_level, a.catalogued, name)

    def _recognition(
        self,
        issuer: ListedIssuer,
        judgement: _Judgement,
        now: datetime,
        _: Callable[[str], str],
    ) -> Check:
        result = recognition(judgement.covering, now)
        outcome = result.agreement.id if result.agreement is not None else None
        check = judgement.recognition.get(outcome)
        if check is None:
            check = judgement.recognition[outcome] = self._recognition_check(
                issuer, result, judgement.what, _
            )
        return check

    def _recognition_check(
        self,
        issuer: ListedIssuer,
        result: RecognitionResult,
        what: str,
        _: Callable[[str], str],
    ) -> Check:
        here = self._index.municipalities.get(self.municipality)
        there = self._index.municipalities.get(issuer.municipality)
        assert here is not None and there is not None
        facts = {
            "here": self._text(here.name),
            "there": self._text(there.name),
            "achievement": what,
        }
        if result.same_municipality:
            return Check.passed(
                "recognition",
                _("issued in {here}, where this verifier is").format(**facts),
            )
        agreement = result.agreement
        if agreement is not None:
            facts["agreement"] = self._text(agreement.name) if agreement.name else agreement.id
            message = _(
                "{here} recognises {achievement} from {there} under the agreement {agreement}"
            ).format(**facts)
            if agreement.conditions is None:
                return Check.passed("recognition", message)
            condition = _("condition: {conditions}").format(
                conditions=self._text(agreement.conditions)
            )
            return Check.warning(
                "recognition", Code.RECOGNISED_WITH_CONDITIONS, f"{message}; {condition}"
            )
        if result.not_in_force:
            closest = result.not_in_force[0]
            facts |= {
                "agreement": self._text(closest.name) if closest.name else closest.id,
                "start": _day(closest.from_),
                "end": _day(closest.until) if closest.until else "-",
            }
            message = _(
                "{here} does not recognise {achievement} from {there} today: the "
                "agreement {agreement} is in force from {start} until {end}"
            )
        else:
            message = _(
                "{here} does not recognise {achievement} from {there}: no agreement "
                "covers it. The credential is genuine but not valid here"
            )
        return Check.failed("recognition", Code.NOT_RECOGNISED, message.format(**facts))

    # -- wording ----------------------------------------------------------------------------

    def _text(self, texts: Mapping[str, str]) -> str:
        """A name in the verifier's language (only worded once per issuer, judgement or day:
        no cache of its own)."""
        return pick_text(texts, self.lang)

    def _achievements(self, achievements: list[Achievement], _: Callable[[str], str]) -> str:
        return "; ".join(self._achievement(a, _) for a in achievements)

    def _achievement(self, achievement: Achievement, _: Callable[[str], str]) -> str:
        entry = (
            self._index.catalogue.get(catalogue_key(achievement.id))
            if achievement.id is not None
            else None
        )
        name = (
            self._text(entry.name)
            if entry is not None
            else pick_value(achievement.name, self.lang) or achievement.id or _("an achievement")
        )
        label = achievement.label()
        return f"{name[:200]} ({label})" if label else name[:200]

    @staticmethod
    def _status(status: IssuerStatus, _: Callable[[str], str]) -> str:
        if status is IssuerStatus.SUSPENDED:
            return _("suspended")
        if status is IssuerStatus.WITHDRAWN:
            return _("withdrawn")
        return _("active")

    @staticmethod
    def _untrusted(message: str) -> Check:
        return Check.failed("trusted_issuer", Code.ISSUER_NOT_TRUSTED, message)


def _issued_at(credential: Mapping[str, Any]) -> datetime | None:
    return parse_xsd_datetime(credential.get("validFrom", credential.get("issuanceDate")))
