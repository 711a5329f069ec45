"""``vcportable verify``: the employer's verdict, offline.

Inputs are files, folders, globs or stdin holding a JSON-LD credential or presentation, a JWT /
SD-JWT, a QR envelope's text, a photo of its QR code or a baked badge (the verifier tells them
apart); stdin may also be a stream of them (:mod:`vcportable.cli.sources`). The trust list
(``trust_options``), the cached status lists (``--status-dir``) and the did:web cache all come
from local files: nothing is fetched.

A batch goes to worker processes (:mod:`vcportable.batch_verify`); each builds its verifier from
the same :class:`_Options` and hands back its reports already rendered, in input order, so that
the output is the same whatever ``--jobs`` says, and memory stays flat however long the batch.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from ..batch_verify import MAX_JOBS
from .io import EXIT_NOT_VERIFIED, EXIT_UNREADABLE, PATH, Unreadable, echo, label, read_input
from .profile import trust_options, trust_setup, verdict_line

#: JosePolicy.key_binding_max_age in seconds (tests/test_cli_wallet.py keeps the two equal;
#: the JOSE code is not imported just to print --help).
KEY_BINDING_MAX_AGE = 300

#: Fewer inputs than this are verified in the command's own process: starting workers (each
#: imports vcportable and builds its verifier, about 0.4 s) would cost more than it saves.
PARALLEL_FROM = 512
#: ... or fewer bytes of records from stdin than this (they are held until the choice is made).
PARALLEL_FROM_BYTES = 8 * 1024 * 1024

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..models.report import VerificationReport
    from ..verifier import VerificationPolicy, Verifier
    from .sources import Source


@click.command(short_help="Verify credentials and presentations, offline.")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...", type=PATH)
@click.option(
    "--json",
    "--jsonl",
    "as_json",
    is_flag=True,
    help='Print JSON Lines: one object per input, with the input\'s name under "input".',
)
@click.option(
    "-r", "--recursive", is_flag=True, help="Verify the files in subfolders of a folder too."
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, MAX_JOBS),
    metavar="N",
    help=f"Worker processes for a batch of {PARALLEL_FROM} inputs or more (default: one per core).",
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
    recursive: bool,
    jobs: int | None,
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
    """Verify credentials or presentations (files, folders, globs, or - for stdin), offline.

    Accepts JSON-LD with Data Integrity proofs, vc+jwt / vp+jwt, VC-JWT 1.1 and SD-JWT, as a
    file, a QR envelope's text, a photo of the QR code or a baked badge. The verdict shows what
    was certified: subject, achievement, level, alignments, issuer, validity; with a trust list,
    whether the issuer is trusted and accredited for it and recognised where you verify; with
    --status-dir, whether it was revoked.

    A folder is verified file by file (with --recursive, its subfolders too); stdin may be a
    stream: JSON Lines, concatenated JSON, or one token per line. Reports come in input order,
    from --jobs worker processes; a batch ends with a one-line summary on stderr.

    Exit 0 when every input verified, 1 when any did not, 2 for a usage error, 3 when an input
    cannot be read (the others are still verified and reported).

    \b
    Example:
      vcportable verify maria.json
      vcportable verify --json --challenge 8f1c --domain employer.example vp.json
      vcportable verify --trust-list region.json --governance-key gov.pub --as riverside \\
          --status-dir status/ maria.png
      vcportable verify --jsonl --recursive --jobs 4 exports/ > reports.jsonl
    """
    from ..clock import parse_datetime

    instant = None
    if at_time is not None:
        try:
            instant = parse_datetime(at_time)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    if require_key_binding and (challenge is None or domain is None):
        raise click.UsageError("--require-key-binding needs --challenge and --domain")
    for folder in (did_web_cache, *context_dirs):
        if folder is not None and not Path(folder).is_dir():
            raise Unreadable(f"cannot read {label(folder)}: not a folder")
    options = _Options(
        instant=instant,
        challenge=challenge,
        domain=domain,
        did_web_cache=did_web_cache,
        context_dirs=context_dirs,
        require_key_binding=require_key_binding,
        max_age=max_age,
        allow_foreign_keys=allow_foreign_keys,
        status_dir=status_dir,
        trust_list=trust_list,
        governance_keys=governance_keys,
        threshold=threshold,
        municipality=municipality,
        lang=lang,
        profile=profile,
        as_json=as_json,
        colour=click.get_current_context().color,
        tty=sys.stdout.isatty(),
    )
    from .sources import sources

    policy = _verifier_of(options).policy  # built here first: a bad option stops the run now
    found = sources(
        inputs,
        recursive=recursive,
        max_record_bytes=policy.max_input_bytes,
        max_image_bytes=policy.max_image_bytes,
    )
    tally = _run(options, found, jobs)
    if tally.total > 1 and (tally.total > len(inputs) or sys.stderr.isatty()):
        click.echo(tally.summary(), err=True)
    if tally.unreadable:
        sys.exit(EXIT_UNREADABLE)
    if tally.not_verified:
        sys.exit(EXIT_NOT_VERIFIED)


@dataclass(frozen=True)
class _Options:
    """What a verifier and its output are made from: picklable, so each worker process builds
    the same verifier and renders the same way."""

    instant: datetime | None = None
    challenge: str | None = None
    domain: str | None = None
    did_web_cache: str | None = None
    context_dirs: tuple[str, ...] = ()
    require_key_binding: bool = False
    max_age: int = KEY_BINDING_MAX_AGE
    allow_foreign_keys: bool = False
    status_dir: str | None = None
    trust_list: str | None = None
    governance_keys: tuple[str, ...] = ()
    threshold: int | None = None
    municipality: str | None = None
    lang: str | None = None
    profile: str | None = None
    as_json: bool = False
    colour: bool | None = None
    tty: bool = False


class _Outcome(NamedTuple):
    """One input's report as printed, and what the summary counts of it."""

    text: str
    verified: bool
    codes: tuple[str, ...]  # of its failed checks, enclosed credentials' included
    error: str | None  # why it could not be read


@dataclass
class _Tally:
    total: int = 0
    verified: int = 0
    not_verified: int = 0
    unreadable: int = 0
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: _Outcome) -> None:
        self.total += 1
        self.codes.update(outcome.codes)
        if outcome.error is not None:
            self.unreadable += 1
        elif outcome.verified:
            self.verified += 1
        else:
            self.not_verified += 1

    def summary(self) -> str:
        codes = ", ".join(f"{code} {count:,}" for code, count in self.codes.most_common())
        return (
            f"{self.total:,} inputs: {self.verified:,} verified, {self.not_verified:,} not "
            f"verified, {self.unreadable:,} unreadable" + (f" ({codes})" if codes else "")
        )


def _run(options: _Options, found: Iterator[Source], jobs: int | None) -> _Tally:
    """Verify every source, print each report in input order, and count them. A short batch
    stays in this process; a long one goes to ``jobs`` workers."""
    from ..batch_verify import default_jobs, ordered_map

    head: list[Source] = []
    size = 0
    for source in found:
        head.append(source)
        size += len(source.data or b"")
        if len(head) >= PARALLEL_FROM or size >= PARALLEL_FROM_BYTES:
            break
    parallel = len(head) >= PARALLEL_FROM or size >= PARALLEL_FROM_BYTES
    workers = (jobs or default_jobs()) if parallel else 1
    tally = _Tally()
    outcomes = ordered_map(partial(_check, options), chain(head, found), jobs=workers)
    with contextlib.closing(outcomes), _progress(parallel) as advance:
        for outcome in outcomes:
            if outcome.error is not None:  # say it, report it, and go on
                click.echo(f"Error: {outcome.error}", err=True)
            echo(outcome.text)
            tally.add(outcome)
            advance()
    return tally


@contextlib.contextmanager
def _progress(batch: bool) -> Iterator[Any]:
    """A progress line on stderr for a batch whose reports go to a file or a pipe; nothing on
    a pipe (no terminal to draw on) or when the reports themselves scroll by."""
    if not (batch and sys.stderr.isatty() and not sys.stdout.isatty()):
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.completed:,} inputs checked"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("verify", total=None)
        yield lambda: progress.advance(task)


# -- in each process that verifies ------------------------------------------------------------


def _check(options: _Options, source: Source) -> _Outcome:
    """The printed report on one input, and why it could not be read: an input in which the
    verifier finds no credential or presentation at all is unreadable (exit 3), one that it
    finds and rejects did not verify (exit 1)."""
    verifier = _verifier_of(options)
    error = source.error
    if error is None:
        try:
            data = source.data
            if data is None:  # a photo is the largest input
                data = read_input(source.name, verifier.policy.max_image_bytes)
        except Unreadable as exc:
            error = exc.message
        else:
            report = verifier.verify(data, challenge=options.challenge, domain=options.domain)
            if report.kind == "unknown":
                error = f"cannot read {_named(source)}: {report.failures[-1].message}"
    if error is not None:
        report = _unreadable_report(error)
    return _Outcome(_shown(options, source, report), report.verified, _failed(report), error)


def _named(source: Source) -> str:
    where = label(source.name)
    return f"{where}, line {source.line}" if source.line and source.line > 1 else where


def _failed(report: VerificationReport) -> tuple[str, ...]:
    codes = [c.code.value for c in report.failures]
    for enclosed in report.credentials:
        codes += _failed(enclosed)
    return tuple(dict.fromkeys(codes))


@lru_cache(maxsize=2)
def _verifier_of(options: _Options) -> Verifier:
    """The verifier for ``options``, built once per process."""
    from ..clock import FixedClock, SystemClock
    from ..verifier import VerificationPolicy

    clock: Any = SystemClock() if options.instant is None else FixedClock(options.instant)
    jose = None
    if options.require_key_binding or options.max_age != KEY_BINDING_MAX_AGE:
        from datetime import timedelta  # else the JOSE code is imported only for a token

        from ..proofs.jose.jws import JosePolicy

        jose = JosePolicy(
            require_key_binding=options.require_key_binding,
            key_binding_max_age=timedelta(seconds=options.max_age),
        )
    policy = VerificationPolicy(require_issuer_binding=not options.allow_foreign_keys, jose=jose)
    from ..dids import OfflineResolver

    cache = options.did_web_cache
    resolver: Any = OfflineResolver(did_web_cache_dir=Path(cache) if cache else None)
    setup = trust_setup(
        trust_list=options.trust_list,
        governance_keys=options.governance_keys,
        threshold=options.threshold,
        municipality=options.municipality,
        lang=options.lang,
        profile=options.profile,
        fallback=resolver,
    )
    if setup is not None:  # listed issuers are bound to the keys the list gives them
        resolver = setup.resolver
    checks = setup.checks if setup is not None else []
    return _verifier(clock, policy, resolver, checks, options.context_dirs, options.status_dir)


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
        from ..checks.status import StatusCheck, list_policy
        from ..errors import InputError
        from ..status.source import StatusDirectory

        try:
            source = StatusDirectory(status_dir)
        except InputError as exc:
            raise Unreadable(exc.message) from None
        status = StatusCheck(source, verifier=Verifier(**base, policy=list_policy(policy)))
    return Verifier(**base, policy=policy, status=status, checks=checks)


def _unreadable_report(message: str) -> VerificationReport:
    from ..models.report import Check, Code, VerificationReport

    return VerificationReport.from_checks(
        "unknown", [Check.failed("read", Code.MALFORMED, message)]
    )


def _language(options: _Options) -> str | None:
    """The verdict's language: --lang, else the one the trust check speaks (the profile's)."""
    checks = _verifier_of(options).checks  # built already: cached
    if options.lang or not checks:  # without a trust list, the trust model is never imported
        return options.lang
    from ..checks.trust import TrustCheck

    return next((c.lang for c in checks if isinstance(c, TrustCheck)), None)


def _shown(options: _Options, source: Source, report: VerificationReport) -> str:
    """One JSON line, or the verdict for a person (a panel on a terminal, text in a pipe),
    the credential's texts in the verdict's language when it gives several."""
    from ..models.facts import in_language

    lang = _language(options)
    report = in_language(report, lang)
    if options.as_json:
        import json

        from ..models.report import json_fields
        from ..trust.verdict import verdict

        answer = verdict(report, lang).to_json_dict()
        where = {"input": source.name} | ({"line": source.line} if source.name == "-" else {})
        line = {**where, "verdict": answer, **json_fields(report)}
        return json.dumps(line, default=json_fields)
    from .render import render_panel, render_report

    name = source.shown
    shown = render_panel(name, report, colour=options.colour) if options.tty else None
    # the employer's answer first: accepted, and why
    return verdict_line(report, lang) + "\n" + (shown or render_report(name, report))
