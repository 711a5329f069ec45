"""``vcportable verify``: the employer's verdict, offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .io import EXIT_NOT_VERIFIED, EXIT_UNREADABLE, PATH, Unreadable, as_text, echo, read_input

if TYPE_CHECKING:
    from ..models.report import VerificationReport
    from ..verifier import VerificationPolicy, Verifier


@click.command(short_help="Verify credentials and presentations, offline.")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...", type=PATH)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print JSON Lines: one object per input, with the input\'s name under "input".',
)
@click.option(
    "--at", "at_time", metavar="ISO-TIME", help="Verify as of this instant (default: now)."
)
@click.option("--challenge", help="The challenge this verifier asked a presentation to carry.")
@click.option("--domain", help="The domain this verifier asked a presentation to carry.")
@click.option(
    "--did-web-cache",
    metavar="DIR",
    type=PATH,
    help="Folder of cached did:web documents (never fetched).",
)
@click.option(
    "--contexts",
    "context_dirs",
    multiple=True,
    metavar="DIR",
    type=PATH,
    help="Extra folder of trusted JSON-LD contexts (with a manifest.json).",
)
@click.option(
    "--require-key-binding",
    is_flag=True,
    help="SD-JWT: require a key-binding JWT (with --challenge as nonce, --domain as audience).",
)
@click.option(
    "--allow-foreign-keys",
    is_flag=True,
    help="Warn instead of fail when the signing key is not controlled by the issuer.",
)
def verify(
    inputs: tuple[str, ...],
    as_json: bool,
    at_time: str | None,
    challenge: str | None,
    domain: str | None,
    did_web_cache: str | None,
    context_dirs: tuple[str, ...],
    require_key_binding: bool,
    allow_foreign_keys: bool,
) -> None:
    """Verify credentials or presentations (files, or - for stdin), offline.

    Accepts JSON-LD with Data Integrity proofs, vc+jwt / vp+jwt, VC-JWT 1.1 and SD-JWT. The
    verdict shows what was certified: subject, achievement, level, alignments, issuer, validity.

    Exit 0 when every input verified, 1 when any did not, 2 for a usage error, 3 when an input
    cannot be read (the others are still verified and reported).

    \b
    Example:
      vcportable verify maria.json
      vcportable verify --json --challenge 8f1c --domain employer.example vp.json
    """
    from ..clock import FixedClock, SystemClock, parse_datetime
    from ..verifier import VerificationPolicy

    clock: Any = SystemClock()
    if at_time is not None:
        try:
            clock = FixedClock(parse_datetime(at_time))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    if require_key_binding and (challenge is None or domain is None):
        raise click.UsageError("--require-key-binding needs --challenge and --domain")
    for folder in (did_web_cache, *context_dirs):
        if folder is not None and not Path(folder).is_dir():
            raise Unreadable(f"cannot read {folder}: not a folder")
    jose = None
    if require_key_binding:  # otherwise the JOSE defaults, imported only for a token
        from ..proofs.jws import JosePolicy

        jose = JosePolicy(require_key_binding=True, expected_nonce=challenge, expected_aud=domain)
    policy = VerificationPolicy(require_issuer_binding=not allow_foreign_keys, jose=jose)
    verifier = _verifier(clock, policy, did_web_cache, context_dirs)
    unreadable = False
    verified = True
    for name in inputs:
        try:
            data: str | None = as_text(read_input(name, policy.max_input_bytes), name)
        except Unreadable as exc:
            # Say it, report it and go on: the other inputs still get their verdicts.
            exc.show()
            unreadable = True
            data = None
            report = _unreadable_report(exc.message)
        if data is not None:
            report = verifier.verify(data, challenge=challenge, domain=domain)
        verified = verified and report.verified
        _show(name, report, as_json)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    if not verified:
        sys.exit(EXIT_NOT_VERIFIED)


def _verifier(
    clock: Any, policy: VerificationPolicy, did_web_cache: str | None, context_dirs: tuple[str, ...]
) -> Verifier:
    from ..dids import OfflineResolver
    from ..jsonld import DocumentLoader, default_loader
    from ..verifier import Verifier

    return Verifier(
        loader=DocumentLoader(extra_dirs=[Path(d) for d in context_dirs])
        if context_dirs
        else default_loader(),
        resolver=OfflineResolver(did_web_cache_dir=Path(did_web_cache) if did_web_cache else None),
        clock=clock,
        policy=policy,
    )


def _unreadable_report(message: str) -> VerificationReport:
    from ..models.report import Check, Code, VerificationReport

    return VerificationReport.from_checks(
        "unknown", [Check.failed("read", Code.MALFORMED, message)]
    )


def _show(name: str, report: VerificationReport, as_json: bool) -> None:
    """One JSON line, or the verdict for a person (a panel on a terminal, text in a pipe)."""
    if as_json:
        import json

        echo(json.dumps({"input": name, **report.to_json_dict()}))
        return
    from .render import render_panel, render_report

    if sys.stdout is not None and sys.stdout.isatty():
        echo(render_panel(name, report, colour=click.get_current_context().color))
    else:
        echo(render_report(name, report))
