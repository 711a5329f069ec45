"""``vcportable present``: the worker shows a credential to a verifier."""

from __future__ import annotations

import click

from .io import (
    PATH,
    claim_output,
    json_object,
    load_key,
    passphrase_env_option,
    read_text,
    write_output,
)


@click.command()
@click.option(
    "--credential",
    required=True,
    metavar="FILE",
    type=PATH,
    help="The credential as issued: SD-JWT, vc+jwt, or signed JSON-LD (- for stdin).",
)
@click.option(
    "--disclose",
    multiple=True,
    metavar="PATH",
    help="SD-JWT: a claim to reveal, e.g. credentialSubject.name (repeatable; none: reveal "
    "only what is always visible).",
)
@click.option("--holder-key", metavar="FILE", type=PATH, help="Holder key file, to sign.")
@click.option("--challenge", "--nonce", "nonce", help="The verifier's challenge (alias: --nonce).")
@click.option(
    "--domain", "--aud", "aud", help="The verifier's identity: domain, audience (alias: --aud)."
)
@click.option(
    "--out", metavar="FILE", type=PATH, help="Write the presentation here (default: stdout)."
)
@click.option("--force", is_flag=True, help="Replace an existing --out file (never a key file).")
@passphrase_env_option
def present(
    credential: str,
    disclose: tuple[str, ...],
    holder_key: str | None,
    nonce: str | None,
    aud: str | None,
    out: str | None,
    force: bool,
    passphrase_env: str | None,
) -> None:
    """Make a presentation of a credential for a verifier.

    An SD-JWT reveals only the --disclose claims (key-bound when --holder-key is given). A
    vc+jwt or JSON-LD credential is wrapped in a presentation signed by --holder-key.

    \b
    Example:
      vcportable present --credential maria.sd-jwt --disclose credentialSubject.name \\
          --holder-key maria.key --challenge 8f1c --domain https://employer.example
    """
    from ..clock import SystemClock
    from ..wallet.presentation import credential_form, present

    text = read_text(credential).strip()
    form = credential_form(text)
    if form == "json":
        json_object(text, credential)  # not JSON at all is unreadable (3), not refused (1)
    # The library refuses these too; asked here first, nobody types a passphrase for nothing.
    if form == "sd-jwt" and holder_key and (nonce is None or aud is None):
        raise click.UsageError("a key-bound presentation needs --challenge and --domain")
    if form != "sd-jwt" and disclose:
        raise click.UsageError("--disclose needs an SD-JWT credential (issue with --format sd-jwt)")
    if form != "sd-jwt" and not holder_key:
        raise click.UsageError("--holder-key is needed to sign the presentation")
    if out is not None:
        claim_output(out, force=force)
    holder = load_key(holder_key, passphrase_env) if holder_key else None
    shown = present(
        text, holder, now=SystemClock().now(), challenge=nonce, domain=aud, disclose=disclose
    )
    write_output(shown, out, force=force, what="presentation")
