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
@click.option("--nonce", help="The verifier's challenge (nonce).")
@click.option("--aud", help="The verifier's identity (audience / domain).")
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
          --holder-key maria.key --nonce 8f1c --aud https://employer.example
    """
    import json

    from ..clock import SystemClock

    text = read_text(credential).strip()
    is_sd_jwt = "~" in text and not text.startswith("{")
    # Usage problems first: nobody should type a passphrase for a command that cannot run.
    if is_sd_jwt and holder_key and (nonce is None or aud is None):
        raise click.UsageError("a key-bound presentation needs --nonce and --aud")
    if not is_sd_jwt and disclose:
        raise click.UsageError("--disclose needs an SD-JWT credential (issue with --format sd-jwt)")
    if not is_sd_jwt and not holder_key:
        raise click.UsageError("--holder-key is needed to sign the presentation")
    if out is not None:
        claim_output(out, force=force)
    holder = load_key(holder_key, passphrase_env) if holder_key else None
    now = SystemClock().now()
    if is_sd_jwt:
        from ..proofs.sdjwt import present_sd_jwt

        shown = present_sd_jwt(text, disclose, holder_key=holder, nonce=nonce, aud=aud, now=now)
        write_output(shown, out, force=force, what="presentation")
        return
    assert holder is not None  # checked above
    if text.startswith("{"):
        from ..wallet import create_presentation, sign_presentation

        document = json_object(text, credential)
        vp = create_presentation([document], holder=holder.controller)
        signed = sign_presentation(vp, holder, challenge=nonce, domain=aud)
        write_output(
            json.dumps(signed, indent=2, ensure_ascii=False), out, force=force, what="presentation"
        )
        return
    from ..proofs.jose import issue_vp_jwt

    token = issue_vp_jwt([text], holder, now=now, nonce=nonce, aud=aud)
    write_output(token, out, force=force, what="presentation")
