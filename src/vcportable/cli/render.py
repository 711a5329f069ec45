"""Human-readable rendering of verification reports, for an employer at a terminal."""

from __future__ import annotations

import click

from ..models.report import CheckStatus, VerificationReport

_MARKS = {
    CheckStatus.PASSED: ("ok", "green"),
    CheckStatus.FAILED: ("FAIL", "red"),
    CheckStatus.WARNING: ("warn", "yellow"),
    CheckStatus.SKIPPED: ("skip", "bright_black"),
}


def _lines(report: VerificationReport, indent: str) -> list[str]:
    lines = []
    if report.name:
        lines.append(f"{indent}credential:  {report.name}")
    if report.issuer:
        lines.append(f"{indent}issuer:      {report.issuer}")
    if report.holder:
        lines.append(f"{indent}holder:      {report.holder}")
    if report.format and report.format not in ("di", "unknown"):
        lines.append(f"{indent}format:      {report.format}")
    if report.disclosed is not None:
        lines.append(f"{indent}disclosed:   {', '.join(report.disclosed)}")
    if report.valid_from or report.valid_until:
        until = report.valid_until or "no end"
        lines.append(f"{indent}valid:       {report.valid_from or '-'} until {until}")
    width = max((len(c.id) for c in report.checks), default=0)
    for check in report.checks:
        mark, colour = _MARKS[check.status]
        shows_code = check.status in (CheckStatus.FAILED, CheckStatus.WARNING)
        code = f"{check.code.value}: " if shows_code else ""
        status = click.style(f"{mark:<4}", fg=colour)
        lines.append(f"{indent}  {status} {check.id:<{width}}  {code}{check.message}")
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
    return "\n".join([f"{verdict}  {source} ({kind})", *_lines(report, "  ")]) + "\n"
