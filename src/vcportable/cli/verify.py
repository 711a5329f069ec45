"""``vcportable verify``: the employer's verdict, offline.

Inputs are files or stdin holding a JSON-LD credential or presentation, a JWT / SD-JWT, a QR
envelope's text, a photo of its QR code or a baked badge (the verifier tells them apart). The
trust list (``trust_options``), the cached status lists (``--status-dir``) and the did:web
cache all come from local files: nothing is fetched.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .io import EXIT_NOT_VERIFIED, EXIT_UNREADABLE, PATH, Unreadable, echo, label, read_input
from .trust import trust_options, trust_setup, verdict_line

#: JosePolicy.key_binding_max_age in seconds (tests/test_cli_wallet.py keeps the two equal;
#: the JOSE code is not imported just to print --help).
KEY_BINDING_MAX_AGE = 300

if TYPE_CHECKING:
    from collections.abc import Sequence

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
    "--max-age",
    type=click.IntRange(min=0),
    default=KEY_BINDING_MAX_AGE,
    show_default=True,
    metavar="SECONDS",
    help="How old a key-bound presentation (an SD-JWT's key binding) may be.",
)
@click.option(
    "--allow-foreign-keys",
    is_flag=True,
    help="Warn instead of fail when the signing key is not controlled by the issuer.",
)
@click.option(
    "--status-dir",
    metavar="DIR",
    type=PATH,
    help="Folder of cached status lists (as `status publish` writes them), for revocation.",
)
@trust_options
def verify(
    inputs: tuple[str, ...],
    as_json: bool,
    at_time: str | None,
    challenge: str | None,
    domain: str | None,
    did_web_cache: str | None,
    context_dirs: tuple[str, ...],
    require_key_binding: bool,
    max_age: int,
    allow_foreign_keys: bool,
    status_dir: str | None,
    trust_list: str | None,
    governance_keys: tuple[str, ...],
    threshold: int | None,
    municipality: str | None,
    lang: str | None,
    profile: str | None,
) -> None:
    """Verify credentials or presentations (files, or - for stdin), offline.

    Accepts JSON-LD with Data Integrity proofs, vc+jwt / vp+jwt, VC-JWT 1.1 and SD-JWT, as a
    file, a QR envelope's text, a photo of the QR code or a baked badge. The verdict shows what
    was certified: subject, achievement, level, alignments, issuer, validity; with a trust list,
    whether the issuer is trusted and accredited for it and recognised where you verify; with
    --status-dir, whether it was revoked.

    Exit 0 when every input verified, 1 when any did not, 2 for a usage error, 3 when an input
    cannot be read (the others are still verified and reported).

    \b
    Example:
      vcportable verify maria.json
      vcportable verify --json --challenge 8f1c --domain employer.example vp.json
      vcportable verify --trust-list region.json --governance-key gov.pub --as riverside \\
          --status-dir status/ maria.png
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
            raise Unreadable(f"cannot read {label(folder)}: not a folder")
    jose = None
    if require_key_binding or max_age != KEY_BINDING_MAX_AGE:  # else imported only for a token
        from datetime import timedelta

        from ..proofs.jose.jws import JosePolicy

        jose = JosePolicy(
            require_key_binding=require_key_binding,
            key_binding_max_age=timedelta(seconds=max_age),
        )
    policy = VerificationPolicy(require_issuer_binding=not allow_foreign_keys, jose=jose)
    from ..dids import OfflineResolver

    resolver: Any = OfflineResolver(
        did_web_cache_dir=Path(did_web_cache) if did_web_cache else None
    )
    setup = trust_setup(
        trust_list=trust_list,
        governance_keys=governance_keys,
        threshold=threshold,
        municipality=municipality,
        lang=lang,
        profile=profile,
        fallback=resolver,
    )
    if setup is not None:  # listed issuers are bound to the keys the list gives them
        resolver, lang = setup.resolver, setup.lang
    checks = setup.checks if setup is not None else []
    verifier = _verifier(clock, policy, resolver, checks, context_dirs, status_dir)
    unreadable = False
    verified = True
    for name in inputs:
        report, unread = _verify_one(verifier, name, challenge, domain)
        if unread is not None:  # say it, report it, and go on: the others still get verdicts
            click.echo(f"Error: {unread}", err=True)
            unreadable = True
        verified = verified and report.verified
        _show(name, report, as_json, lang)
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    if not verified:
        sys.exit(EXIT_NOT_VERIFIED)


def _verify_one(
    verifier: Verifier, name: str, challenge: str | None, domain: str | None
) -> tuple[VerificationReport, str | None]:
    """The report on one input, and why it could not be read (None when it could): an input
    in which the verifier finds no credential or presentation at all is unreadable (exit 3),
    one that it finds and rejects did not verify (exit 1)."""
    try:
        data = read_input(name, verifier.policy.max_image_bytes)  # a photo is the largest input
    except Unreadable as exc:
        return _unreadable_report(exc.message), exc.message
    report = verifier.verify(data, challenge=challenge, domain=domain)
    if report.kind == "unknown":
        return report, f"cannot read {label(name)}: {report.failures[-1].message}"
    return report, None


def _verifier(
    clock: Any,
    policy: VerificationPolicy,
    resolver: Any,
    checks: Sequence[Any],
    context_dirs: tuple[str, ...],
    status_dir: str | None,
) -> Verifier:
    """The verifier, and for --status-dir a second one for the status lists' own signatures,
    with the same keys, contexts and clock."""
    from ..jsonld import DocumentLoader, default_loader
    from ..verifier import Verifier

    loader = DocumentLoader(extra_dirs=[Path(d) for d in context_dirs]) if context_dirs else None
    base = {"loader": loader or default_loader(), "resolver": resolver, "clock": clock}
    status = None
    if status_dir is not None:
        from ..checks.status import StatusCheck
        from ..errors import InputError
        from ..status.source import StatusDirectory

        try:
            source = StatusDirectory(status_dir)
        except InputError as exc:
            raise Unreadable(exc.message) from None
        status = StatusCheck(source, verifier=Verifier(**base, policy=policy))
    return Verifier(**base, policy=policy, status=status, checks=checks)


def _unreadable_report(message: str) -> VerificationReport:
    from ..models.report import Check, Code, VerificationReport

    return VerificationReport.from_checks(
        "unknown", [Check.failed("read", Code.MALFORMED, message)]
    )


def _show(name: str, report: VerificationReport, as_json: bool, lang: str | None) -> None:
    """One JSON line, or the verdict for a person (a panel on a terminal, text in a pipe)."""
    if as_json:
        import json

        from ..trust.verdict import verdict

        answer = verdict(report, lang).to_json_dict()
        echo(json.dumps({"input": name, "verdict": answer, **report.to_json_dict()}))
        return
    from .render import render_panel, render_report

    echo(verdict_line(report, lang))  # the employer's answer first: accepted, and why
    if sys.stdout.isatty():
        echo(render_panel(name, report, colour=click.get_current_context().color))
    else:
        echo(render_report(name, report))
