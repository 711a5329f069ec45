"""The verdict for a person: what was certified, by whom, for how long, and every check.

A ``rich`` panel on a terminal, plain lines in a pipe (both from the same rows). Everything
that comes from a credential goes through :func:`safe` first: it must not move the cursor,
recolour the verdict, hide text or reorder what the employer reads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ..display import safe
from ..models.report import CheckStatus, VerificationReport

if TYPE_CHECKING:
    from rich.console import RenderableType

_MARKS = {
    CheckStatus.PASSED: ("ok", "green"),
    CheckStatus.FAILED: ("FAIL", "red"),
    CheckStatus.WARNING: ("warn", "yellow"),
    CheckStatus.SKIPPED: ("skip", "bright_black"),
}
_MAX_VALUE_CHARS = 200


def _json_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[:_MAX_VALUE_CHARS] + "..."
    return safe(text)


def fact_rows(report: VerificationReport) -> list[tuple[str, str]]:
    """(label, value) for each fact the report carries, every value made safe; none invented."""
    rows: list[tuple[str, str]] = []

    def add(label: str, *parts: str | None, sep: str = " ") -> None:
        given = [safe(p) for p in parts if p]
        if given:
            rows.append((label, sep.join(given)))

    add("credential", report.name)
    subject_id = f"({report.subject})" if report.subject and report.subject_name else None
    add("subject", report.subject_name or report.subject, subject_id)
    achievement = report.achievement
    if achievement is not None:
        add("achievement", achievement.name)
        add("type", achievement.achievement_type)
        add("level", achievement.level)
        add("description", achievement.description)
        add("criteria", achievement.criteria)
        for alignment in achievement.alignments or []:
            code = ": ".join(p for p in (alignment.framework, alignment.code) if p)
            name = f"({alignment.name})" if code and alignment.name else alignment.name
            add("alignment", code, name, alignment.url)
    for evidence in report.evidence or []:
        add("evidence", evidence.name, evidence.description, evidence.narrative, evidence.id)
    add("issuer", report.issuer)
    if report.issuer_name:
        add("issuer name", report.issuer_name, "(as the credential states)")
    add("holder", report.holder)
    if report.format not in (None, "di", "unknown"):
        add("format", report.format)
    for claim in report.disclosed or []:
        rows.append(("disclosed", f"{safe(claim['path'])} = {_json_value(claim['value'])}"))
    if report.valid_from or report.valid_until:
        add("valid", report.valid_from or "-", "until", report.valid_until or "no end")
    return rows


def _verdict(report: VerificationReport) -> tuple[str, str]:
    return ("VERIFIED", "green") if report.verified else ("NOT VERIFIED", "red")


def _check_message(check: Any) -> str:
    shows_code = check.status in (CheckStatus.FAILED, CheckStatus.WARNING)
    return (f"{check.code.value}: " if shows_code else "") + safe(check.message)


# -- plain text (a pipe, a file, a log) ---------------------------------------------------------


def _lines(report: VerificationReport, indent: str) -> list[str]:
    lines = [f"{indent}{label + ':':<14}{value}" for label, value in fact_rows(report)]
    id_width = max((len(c.id) for c in report.checks), default=0)
    for check in report.checks:
        mark, colour = _MARKS[check.status]
        status = click.style(f"{mark:<4}", fg=colour)
        lines.append(f"{indent}  {status} {check.id:<{id_width}}  {_check_message(check)}")
    for number, sub in enumerate(report.credentials, 1):
        verdict = "verified" if sub.verified else "NOT verified"
        lines.append(f"{indent}enclosed credential {number}: {verdict}")
        lines += _lines(sub, indent + "    ")
    return lines


def render_report(source: str, report: VerificationReport) -> str:
    """A verdict line, what was certified, then one line per check."""
    word, colour = _verdict(report)
    verdict = click.style(word, fg=colour, bold=True)
    kind = report.kind if report.kind != "unknown" else "input"
    return "\n".join([f"{verdict}  {safe(source)} ({kind})", *_lines(report, "  ")]) + "\n"


# -- a terminal -----------------------------------------------------------------------------------


def _panel(title: str, report: VerificationReport) -> RenderableType:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")  # a long DID is wrapped, never cut short
    for label, value in fact_rows(report):
        facts.add_row(Text(label), Text(value))  # Text: credential content is never markup
    checks = Table(box=None, show_header=False, padding=(0, 1))
    checks.add_column()
    checks.add_column()
    checks.add_column(overflow="fold")
    for check in report.checks:
        mark, colour = _MARKS[check.status]
        checks.add_row(Text(mark, style=colour), Text(check.id), Text(_check_message(check)))
    enclosed = [
        _panel(f"enclosed credential {number}", sub)
        for number, sub in enumerate(report.credentials, 1)
    ]
    word, colour = _verdict(report)
    heading = Text.assemble((word, f"bold {colour}"), "  ", title)
    return Panel(Group(facts, Text(""), checks, *enclosed), title=heading, title_align="left",
                 border_style=colour)  # fmt: skip


def render_panel(source: str, report: VerificationReport, *, colour: bool | None) -> str:
    """The verdict as a ``rich`` panel, rendered for a terminal ``colour`` (None: detect)."""
    import io
    import shutil

    from rich.console import Console

    kind = report.kind if report.kind != "unknown" else "input"
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        no_color=colour is False,
        color_system=None if colour is False else "auto",
        width=shutil.get_terminal_size().columns,
        highlight=False,
    )
    console.print(_panel(f"{safe(source)} ({kind})", report))
    return buffer.getvalue()
