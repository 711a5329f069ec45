"""The employer's answer in one line: accepted, accepted with warnings, rejected, or genuine
but not checked against a trust list.

A report that passed every check is *not* an employer's "yes" unless a trust check ran: a
credential anyone self-issued under a municipality's name verifies as genuine. So a report
without the trust checks gets ``genuine_untrusted``, never ``accepted``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..i18n import gettext_for
from ..models.report import Check, CheckStatus, VerificationReport

__all__ = ["TRUST_CHECK_IDS", "Verdict", "VerdictLevel", "verdict"]

#: The ids of the checks the trust check adds (vcportable.checks.trust), which the verdict reads.
TRUST_CHECK_IDS = ("trust_list", "trusted_issuer", "accreditation", "recognition")


class VerdictLevel(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
    REJECTED = "rejected"
    #: Genuine (every check passed) but its issuer was not checked against a trust list.
    GENUINE_UNTRUSTED = "genuine_untrusted"


_ORDER = {
    VerdictLevel.ACCEPTED: 0,
    VerdictLevel.ACCEPTED_WITH_WARNINGS: 1,
    VerdictLevel.GENUINE_UNTRUSTED: 2,
    VerdictLevel.REJECTED: 3,
}


@dataclass(frozen=True)
class Verdict:
    level: VerdictLevel
    #: One line, in the language asked for.
    reason: str

    def to_json_dict(self) -> dict[str, str]:
        return {"level": self.level.value, "reason": self.reason}


def verdict(report: VerificationReport, lang: str | None = None) -> Verdict:
    """The verdict on a credential's report; for a presentation, the worst of its own checks
    and of every credential it encloses."""
    _ = gettext_for(lang)
    own = _credential_verdict(report.checks, _) if report.kind == "credential" else None
    if report.kind != "credential":
        failed = [c for c in report.checks if c.status is CheckStatus.FAILED]
        warned = [c for c in report.checks if c.status is CheckStatus.WARNING]
        if failed or not report.credentials:
            reason = failed[0].message if failed else _("the presentation holds no credential")
            own = Verdict(VerdictLevel.REJECTED, reason)
        elif warned:  # e.g. a holder allowed by policy to present another's credential
            own = Verdict(VerdictLevel.ACCEPTED_WITH_WARNINGS, warned[0].message)
    verdicts = [v for v in [own, *(verdict(sub, lang) for sub in report.credentials)] if v]
    return max(verdicts, key=lambda v: _ORDER[v.level])


def _credential_verdict(checks: list[Check], _: Callable[[str], str]) -> Verdict:
    failed = [c for c in checks if c.status is CheckStatus.FAILED]
    if failed:
        first = next((c for c in failed if c.id not in TRUST_CHECK_IDS), failed[0])
        return Verdict(VerdictLevel.REJECTED, first.message)
    ids = {c.id for c in checks}
    if "trusted_issuer" not in ids:
        return Verdict(
            VerdictLevel.GENUINE_UNTRUSTED,
            _(
                "the credential is genuine, but its issuer was not checked against a trust "
                "list: whoever signed it may have used any name"
            ),
        )
    warnings = [c for c in checks if c.status is CheckStatus.WARNING]
    if warnings:
        return Verdict(VerdictLevel.ACCEPTED_WITH_WARNINGS, "; ".join(c.message for c in warnings))
    recognised = next((c for c in checks if c.id == "recognition"), None)
    reason = recognised.message if recognised is not None else _("accepted")
    return Verdict(VerdictLevel.ACCEPTED, reason)
