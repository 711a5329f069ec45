"""Human-readable rendering of verification reports, for an employer at a terminal."""

from __future__ import annotations

import re

import click

from ..models.report import CheckStatus, VerificationReport

_MARKS = {
    CheckStatus.PASSED: ("ok", "green"),
    CheckStatus.FAILED: ("FAIL", "red"),
    CheckStatus.WARNING: ("warn", "yellow"),
    CheckStatus.SKIPPED: ("skip", "bright_black"),
}


# Control characters (C0, DEL, C1) and bidirectional overrides: text from a credential must not
# move the cursor, recolour the verdict or reorder what the employer reads.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    """Input-derived text, with every unsafe character shown as a visible escape."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _lines(report: VerificationReport, indent: str) -> list[str]:
    lines = []
    if report.name:
        lines.append(f"{indent}credential:  {_safe(report.name)}")
    if report.issuer:
        lines.append(f"{indent}issuer:      {_safe(report.issuer)}")
    if report.issuer_name:
        lines.append(f"{indent}issuer name: {_safe(report.issuer_name)} (as the credential states)")
    if report.holder:
        lines.append(f"{indent}holder:      {_safe(report.holder)}")
    if report.format and report.format not in ("di", "unknown"):
        lines.append(f"{indent}format:      {_safe(report.format)}")
    if report.disclosed is not None:
        lines.append(f"{indent}disclosed:   {_safe(', '.join(report.disclosed))}")
    if report.valid_from or report.valid_until:
        until = report.valid_until or "no end"
        lines.append(f"{indent}valid:       {_safe(report.valid_from or '-')} until {_safe(until)}")
    width = max((len(c.id) for c in report.checks), default=0)
    for check in report.checks:
        mark, colour = _MARKS[check.status]
        shows_code = check.status in (CheckStatus.FAILED, CheckStatus.WARNING)
        code = f"{check.code.value}: " if shows_code else ""
        status = click.style(f"{mark:<4}", fg=colour)
        lines.append(f"{indent}  {status} {check.id:<{width}}  {code}{_safe(check.message)}")
    for number, sub in enumerate(report.credentials, 1):
        verdict = "verified" if sub.verified else "NOT verified"
        lines.append(f"{indent}enclosed credential {number}: {verdict}")
        lines += _lines(sub, indent + "    ")
    return lines


def render_report(source: str, report: VerificationReport) -> str:
    """A verdict line, the key facts, then one line per check."""
    if report.verified:
        verdict = click.style("VERIFIED", fg="green", bold=True)
    else:
        verdict = click.style("NOT VERIFIED", fg="red", bold=True)
    kind = report.kind if report.kind != "unknown" else "input"
    return "\n".join([f"{verdict}  {_safe(source)} ({kind})", *_lines(report, "  ")]) + "\n"
