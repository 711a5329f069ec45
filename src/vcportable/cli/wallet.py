"""``vcportable wallet`` and ``vcportable request``: the worker's side of the counter, and the
employer's question.

The employer makes a request (a challenge, who asks, what for) and shows its QR code; the
worker's wallet reads it and answers with a presentation of one credential, signed by her
holder key and bound to that challenge and domain, as a QR code; the employer verifies it with
``vcportable verify --challenge C --domain D``. docs/wallet.md tells the whole story.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .io import (
    PATH,
    Unreadable,
    Unwritable,
    as_text,
    claim_output,
    distinct_outputs,
    echo,
    label,
    passphrase,
    passphrase_env_option,
    read_input,
    write_file,
    write_output,
)
from .qr import EC_CHOICE, claim_qr_output, image_limit, opening_envelope, show_qr

if TYPE_CHECKING:
    from datetime import datetime

    from ..request import PresentationRequest
    from ..verifier import Verifier
    from ..wallet import StoredCredential, Wallet

__all__ = ["request", "wallet"]

F = TypeVar("F", bound=Callable[..., Any])


def wallet_option(f: F) -> F:
    """``--wallet PATH`` on every wallet command: the folder of the wallet (default:
    $VCPORTABLE_WALLET, else the user's data folder)."""

    @click.option(
        "--wallet",
        "wallet_path",
        metavar="PATH",
        type=PATH,
        help="The wallet's folder (default: $VCPORTABLE_WALLET, else vcportable/wallet in your "
        "data folder).",
    )
    @functools.wraps(f)
    def wrapper(*args: Any, wallet_path: str | None, **kwargs: Any) -> Any:
        from ..wallet import Wallet, default_folder

        with _wallet_errors():
            return f(*args, wallet=Wallet(wallet_path or default_folder()), **kwargs)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def _wallet_errors() -> Iterator[None]:
    """A wallet that cannot be opened is an input that cannot be read (exit 3); a credential
    already there is a refusal (exit 1)."""
    from ..errors import ConflictError, StorageError

    try:
        yield
    except ConflictError as exc:
        raise click.ClickException(exc.message) from None
    except StorageError as exc:
        raise Unreadable(exc.message) from None


did_web_cache_option = click.option(
    "--did-web-cache",
    metavar="DIR",
    type=PATH,
    help="Folder of cached did:web documents, to verify credentials of did:web issuers.",
)


def _verifier(did_web_cache: str | None) -> Verifier:
    from ..dids import OfflineResolver
    from ..verifier import Verifier

    if did_web_cache is not None and not Path(did_web_cache).is_dir():
        raise Unreadable(f"cannot read {did_web_cache}: not a folder")
    cache = Path(did_web_cache) if did_web_cache else None
    return Verifier(resolver=OfflineResolver(did_web_cache_dir=cache))


def _now() -> datetime:
    from ..clock import SystemClock

    return SystemClock().now()


def _describe(stored: StoredCredential) -> str:
    from ..display import safe

    summary = stored.summary
    issuer = summary.issuer_name or summary.issuer or "?"
    until = f", valid until {summary.valid_until[:10]}" if summary.valid_until else ""
    return safe(f"{stored.id}  {summary.title} ({summary.format}) by {issuer}{until}")


# -- wallet ----------------------------------------------------------------------------------


@click.group()
def wallet() -> None:
    """The worker's wallet: credentials as signed, a holder key, presentations and cards.

    \b
    Example:
      vcportable wallet key create          # once: prints the DID to give the issuer
      vcportable wallet add maria.png       # a credential: file, QR text or photo, badge
      vcportable wallet present 3f9a1c2b --request counter.png --qr -
    """


@wallet.command("add")
@click.argument("source", metavar="FILE|IMAGE")
@did_web_cache_option
@wallet_option
def wallet_add(source: str, did_web_cache: str | None, wallet: Wallet) -> None:
    """Add a credential that verifies (JSON, vc+jwt, SD-JWT, QR text, QR photo, baked badge).

    A credential that does not verify, a damaged or foreign QR code, an image without one:
    each is refused with the reason, and nothing is added. Prints the credential's id.
    """
    from ..envelope import open_input
    from ..errors import InputError

    data = read_input(source, image_limit())
    with opening_envelope(source):
        opened = open_input(data)
    if opened is None:
        from ..envelope.format import describe_foreign
        from ..proofs.dispatch import InputFormat, detect

        content = as_text(data, source)
        if detect(data) is InputFormat.ENVELOPE:  # neither JSON nor a token: say what it is
            raise Unreadable(f"{label(source)}: {describe_foreign(content.strip())}")
    else:
        content = opened.decode("utf-8") if isinstance(opened, bytes) else opened
    try:
        stored = wallet.add(content, _verifier(did_web_cache), now=_now())
    except InputError as exc:  # the reasons quote the credential: made safe to print
        from ..display import safe

        raise click.ClickException(safe(f"{label(source)}: {exc.message}")) from None
    echo(_describe(stored))
    _warn_if_not_holders(wallet, stored)


def _warn_if_not_holders(wallet: Wallet, stored: StoredCredential) -> None:
    """A credential issued to someone else can be kept, but a verifier will not accept it as
    this holder's: say so now rather than at the counter."""
    from ..wallet import holder_key_info

    subject = stored.summary.subject
    if subject is None or not wallet.key_path.exists():
        return
    holder = holder_key_info(wallet).controller
    if subject != holder:
        click.echo(
            f"note: this credential was issued to {subject}, not to this wallet's holder "
            f"{holder}: a verifier will not accept it from you",
            err=True,
        )


@wallet.command("list")
@wallet_option
def wallet_list(wallet: Wallet) -> None:
    """List the credentials: id, achievement, format, issuer, end of validity."""
    for stored in wallet.list():
        echo(_describe(stored))


@wallet.command("show")
@click.argument("id_", metavar="ID")
@click.option(
    "--lang",
    help="Language of the verdict (en, es, fr, de) and of the credential's texts it gives in "
    "several languages.",
)
@click.option("--raw", is_flag=True, help="Print the credential exactly as signed instead.")
@did_web_cache_option
@wallet_option
def wallet_show(
    id_: str, lang: str | None, raw: bool, did_web_cache: str | None, wallet: Wallet
) -> None:
    """Show a credential as a verifier sees it today (verified again: it may have expired)."""
    stored = wallet.get(id_)
    if raw:
        echo(stored.content)
        return
    from ..models.facts import in_language
    from .profile import verdict_line
    from .render import render_report

    report = in_language(_verifier(did_web_cache).verify(stored.content), lang)
    echo(verdict_line(report, lang))
    echo(render_report(stored.id, report))


@wallet.command("remove")
@click.argument("id_", metavar="ID")
@wallet_option
def wallet_remove(id_: str, wallet: Wallet) -> None:
    """Remove a credential from the wallet (export a backup first to keep it)."""
    removed = wallet.remove(id_)
    click.echo(f"removed {_describe(removed)}", err=True)


@wallet.command("export")
@click.option(
    "--out",
    required=True,
    metavar="FILE",
    type=PATH,
    help="The backup file to write (- for stdout).",
)
@click.option("--force", is_flag=True, help="Replace an existing file.")
@wallet_option
def wallet_export(out: str, force: bool, wallet: Wallet) -> None:
    """Write a backup: every credential as signed, and the holder key (still encrypted).

    The file is written with mode 0600: it holds personal data.
    """
    from ..wallet import export_backup

    data = export_backup(wallet, now=_now())
    if out == "-":
        echo(data.decode("utf-8").rstrip("\n"))
        return
    write_file(data, out, force=force, what="backup", private=True)


@wallet.command("import")
@click.argument("source", metavar="FILE")
@click.option("--force", is_flag=True, help="Replace the wallet's holder key with the backup's.")
@did_web_cache_option
@wallet_option
def wallet_import(source: str, force: bool, did_web_cache: str | None, wallet: Wallet) -> None:
    """Restore a backup made by `wallet export`: its credentials are verified again and added
    (those already here are left as they are); its holder key is restored when the wallet has
    none. A file that is not such a backup, or any credential in it that does not verify,
    refuses the whole file: nothing is added."""
    from ..display import safe
    from ..errors import InputError
    from ..wallet import import_backup
    from ..wallet.backup import MAX_BACKUP_BYTES, NOT_A_BACKUP

    data = read_input(source, MAX_BACKUP_BYTES)
    try:
        restored = import_backup(wallet, data, _verifier(did_web_cache), force=force)
    except InputError as exc:
        message = safe(f"{label(source)}: {exc.message}")
        if exc.code == NOT_A_BACKUP:  # not a backup at all: an input that cannot be read
            raise Unreadable(message) from None
        raise click.ClickException(message) from None
    click.echo(
        f"{len(restored.added)} credential(s) added, {len(restored.already_there)} already here"
        + (
            f"; holder key {restored.key.controller} restored"
            if restored.key_written and restored.key
            else ""
        ),
        err=True,
    )


@wallet.group("key")
def wallet_key() -> None:
    """The holder key: credentials are issued to its DID, presentations are signed with it."""


@wallet_key.command("create")
@click.option(
    "--type", "key_type", type=click.Choice(["ed25519", "p256"]), default="ed25519",
    show_default=True, help="Key type.",
)  # fmt: skip
@passphrase_env_option
@wallet_option
def wallet_key_create(key_type: str, passphrase_env: str | None, wallet: Wallet) -> None:
    """Create the holder key (encrypted under a passphrase) and print its DID: give that DID to
    the certification body as the subject of your credentials."""
    from ..keys import KeyType
    from ..wallet import create_holder_key
    from .keys import new_key_passphrase

    if wallet.key_path.exists():
        raise Unwritable(
            f"the wallet already has a holder key ({wallet.key_path}); it is never replaced"
        )
    secret = new_key_passphrase(passphrase_env, no_passphrase=False)
    assert secret is not None  # never unencrypted
    pair = create_holder_key(wallet, secret, KeyType(key_type))
    echo(pair.controller)
    click.echo(f"holder key written to {wallet.key_path}", err=True)


@wallet_key.command("show")
@wallet_option
def wallet_key_show(wallet: Wallet) -> None:
    """Print the holder's DID (what credentials must be issued to). No passphrase needed."""
    from ..wallet import holder_key_info

    echo(holder_key_info(wallet).controller)


@wallet.command("present")
@click.argument("id_", metavar="ID")
@click.option("--challenge", help="The verifier's challenge (nonce).")
@click.option("--domain", help="The verifier's identity (domain / audience).")
@click.option(
    "--request",
    "request_source",
    metavar="FILE|IMAGE",
    type=PATH,
    help="The verifier's request (JSON, its QR text, or a photo of its QR code): gives the "
    "challenge and domain.",
)
@click.option(
    "--disclose",
    multiple=True,
    metavar="PATH",
    help="SD-JWT: a claim to reveal, e.g. credentialSubject.name (repeatable).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["di", "jwt", "sd-jwt"]),
    help="di: Data Integrity (for JSON-LD); jwt: vp+jwt; sd-jwt: SD-JWT with key binding. "
    "Default: the one that fits the credential.",
)
@click.option(
    "--qr", "qr_out", metavar="OUT.png|OUT.svg|-", help="Draw the presentation's QR code here."
)
@click.option("--ec", type=EC_CHOICE, default="M", show_default=True, help="QR error correction.")
@click.option("--out", metavar="FILE", type=PATH, help="Write the presentation here.")
@click.option("--force", is_flag=True, help="Replace existing output files.")
@passphrase_env_option
@wallet_option
def wallet_present(
    id_: str,
    challenge: str | None,
    domain: str | None,
    request_source: str | None,
    disclose: tuple[str, ...],
    format_: str | None,
    qr_out: str | None,
    ec: str,
    out: str | None,
    force: bool,
    passphrase_env: str | None,
    wallet: Wallet,
) -> None:
    """Present a credential to a verifier, signed by the holder key, as a QR code.

    The presentation is bound to the verifier's challenge and domain (from --request, or
    given), so it cannot be replayed elsewhere. Without --qr and --out it is printed.

    \b
    Example:
      vcportable wallet present 3f9a1c2b --request counter.png --qr -
      vcportable wallet present 3f9a1c2b --challenge 8f1c --domain employer.example --qr vp.png
    """
    from ..errors import ConfigurationError, InputError
    from ..wallet import credential_form, holder_key_info, load_holder_key, present

    if request_source is not None and (challenge is not None or domain is not None):
        raise click.UsageError("--request gives the challenge and domain: do not add them")
    stored = wallet.get(id_)
    now = _now()
    if request_source is not None:
        asked = _read_request(request_source)
        try:
            asked.check_current(now)
        except InputError as exc:
            raise click.ClickException(exc.message) from None
        _check_asked(asked, stored)
        challenge, domain = asked.challenge, asked.domain
    if disclose and credential_form(stored.content) != "sd-jwt":
        raise click.UsageError("--disclose needs an SD-JWT credential")
    distinct_outputs(**{"--qr": qr_out, "--out": out})
    if qr_out is not None:
        claim_qr_output(qr_out, force=force, option="--qr")
    if out is not None and out != "-":
        claim_output(out, force=force)
    holder_key_info(wallet)  # no passphrase prompt for a wallet without a key
    key = load_holder_key(wallet, passphrase(passphrase_env, confirm=False))
    try:
        shown = present(
            stored.content, key, now=now, format=format_, challenge=challenge, domain=domain,
            disclose=disclose,
        )  # fmt: skip
    except ConfigurationError as exc:
        raise click.UsageError(exc.message) from None
    except InputError as exc:
        raise click.ClickException(exc.message) from None
    _check_holder(shown, challenge, domain, now)
    _say_to_whom(stored, challenge, domain)
    if qr_out is not None:
        from ..envelope import encode

        show_qr(encode(shown), qr_out, ec=ec.upper(), force=force, option="--qr")
    if out is not None or qr_out is None:
        write_output(shown, out, force=force, what="presentation")


def _read_request(source: str) -> PresentationRequest:
    from ..errors import InputError
    from ..request import read_request

    data = read_input(source, image_limit())
    try:
        return read_request(data)
    except InputError as exc:
        raise Unreadable(f"{label(source)}: {exc.message}") from None


def _check_asked(asked: PresentationRequest, stored: StoredCredential) -> None:
    """Refuse to answer a request for another kind of credential: the verifier would refuse."""
    from ..wallet import credential_types

    missing = asked.missing_types(credential_types(stored.content))
    if missing:
        raise click.ClickException(
            f"the verifier asks for {', '.join(missing)}; credential {stored.id} is not one"
        )


def _check_holder(shown: str, challenge: str | None, domain: str | None, now: datetime) -> None:
    """Check the presentation as the verifier will check its holder: a wallet must not hand
    over a presentation of someone else's credential (it would be rejected at the counter)."""
    from ..clock import FixedClock
    from ..models.report import CheckStatus
    from ..verifier import Verifier

    report = Verifier(clock=FixedClock(now)).verify(shown, challenge=challenge, domain=domain)
    for check in report.checks:
        if check.id == "holder_binding" and check.status is CheckStatus.FAILED:
            raise click.ClickException(
                f"{check.message}: this wallet's holder key is not the one the credential was "
                "issued to (see `vcportable wallet key show`)"
            )


def _say_to_whom(stored: StoredCredential, challenge: str | None, domain: str | None) -> None:
    from ..display import safe

    to = f" to {safe(domain)}" if domain else ""
    bound = f" (challenge {safe(challenge)})" if challenge else " (no challenge: replayable)"
    click.echo(f"presenting {safe(stored.summary.title)}{to}{bound}", err=True)


@wallet.command("card")
@click.argument("id_", metavar="ID")
@click.option("--out", required=True, metavar="FILE.png|FILE.html", type=PATH, help="The card.")
@click.option(
    "--lang",
    help="Language of the card's labels (en, es, fr, de) and of the credential's texts it "
    "gives in several languages.",
)
@click.option(
    "--ec", type=EC_CHOICE, default="M", show_default=True,
    help="QR error correction (Q or H for a card that may get scratched).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing file.")
@wallet_option
def wallet_card(id_: str, out: str, lang: str | None, ec: str, force: bool, wallet: Wallet) -> None:
    """Make a wallet card: the credential's QR code with the holder's name, the achievement,
    the issuer and the validity, as a PNG (for a phone) or a printable HTML page."""
    from ..card import CardText, render_card
    from ..envelope import encode, qr_version
    from ..models.facts import in_language

    formats = {".png": "png", ".html": "html", ".htm": "html"}
    fmt = formats.get(Path(out).suffix.lower())
    if fmt is None:
        raise click.BadParameter("must end in .png or .html", param_hint="--out")
    stored = wallet.get(id_)
    # The facts of the credential as signed, read again (offline) for their languages.
    text = CardText.from_report(in_language(_verifier(None).verify(stored.content), lang))
    envelope = encode(stored.content)
    click.echo(
        f"QR version {qr_version(envelope, ec=ec.upper())} at error correction {ec.upper()}",
        err=True,
    )
    card = render_card(text, envelope, "png" if fmt == "png" else "html", lang=lang, ec=ec.upper())
    write_file(card, out, force=force, what="card")


# -- request ---------------------------------------------------------------------------------


@click.group()
def request() -> None:
    """The verifier's side of the counter: ask a worker's wallet for a presentation."""


@request.command("create")
@click.option("--domain", help="Who asks: your identity (e.g. https://employer.example).")
@click.option(
    "--ask",
    "types",
    multiple=True,
    metavar="TYPE",
    help="A credential type asked for, e.g. OpenBadgeCredential (repeatable; default: any).",
)
@click.option(
    "--ttl", type=click.IntRange(min=1, max=86400), default=600, show_default=True,
    metavar="SECONDS", help="How long the request stands.",
)  # fmt: skip
@click.option("--qr", "qr_out", metavar="OUT.png|OUT.svg|-", help="Draw the request's QR code.")
@click.option("--ec", type=EC_CHOICE, default="M", show_default=True, help="QR error correction.")
@click.option("--out", metavar="FILE", type=PATH, help="Write the request (JSON) here.")
@click.option("--force", is_flag=True, help="Replace existing output files.")
def request_create(
    domain: str | None,
    types: tuple[str, ...],
    ttl: int,
    qr_out: str | None,
    ec: str,
    out: str | None,
    force: bool,
) -> None:
    """Make a presentation request with a fresh challenge, as JSON and as a QR code.

    Show the QR code to the worker; then verify what she presents with the challenge and
    domain printed here: vcportable verify --challenge C --domain D PRESENTATION.

    \b
    Example:
      vcportable request create --domain https://employer.example --qr - --out req.json
    """
    import json
    from datetime import timedelta

    from ..errors import InputError
    from ..request import create_request

    distinct_outputs(**{"--qr": qr_out, "--out": out})
    if qr_out is not None:
        claim_qr_output(qr_out, force=force, option="--qr")
    if out is not None and out != "-":
        claim_output(out, force=force)
    try:
        made = create_request(now=_now(), domain=domain, types=types, ttl=timedelta(seconds=ttl))
    except InputError as exc:
        raise click.UsageError(exc.message) from None
    click.echo(f"challenge: {made.challenge}", err=True)
    if qr_out is not None:
        show_qr(made.to_envelope(), qr_out, ec=ec.upper(), force=force, option="--qr")
    if out is not None or qr_out is None:
        write_output(json.dumps(made.to_json(), indent=2), out, force=force, what="request")
