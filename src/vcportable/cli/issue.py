"""``vcportable issue``: the certification body signs a credential."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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

DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"
#: A validFrom further ahead than this is more likely a typo in the year than a plan.
FAR_FUTURE = timedelta(days=365)


@click.command()
@click.option(
    "--key", "key_file", required=True, metavar="FILE", type=PATH, help="Issuer key file."
)
@click.option(
    "--credential",
    required=True,
    metavar="FILE",
    type=PATH,
    help="Unsigned credential (JSON file, or - for stdin).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["di", "jwt", "sd-jwt"]),
    default="di",
    show_default=True,
    help="di: JSON-LD with a Data Integrity proof; jwt: vc+jwt; sd-jwt: selective disclosure.",
)
@click.option(
    "--cryptosuite",
    help=f"For --format di: {DEFAULT_CRYPTOSUITE} (default), eddsa-jcs-2022 (Ed25519) or "
    "ecdsa-rdfc-2019 (P-256).",
)
@click.option(
    "--disclosable",
    multiple=True,
    metavar="PATH",
    help="For sd-jwt: a claim the holder may reveal alone, e.g. credentialSubject.name "
    "(repeatable; default: every subject claim except the achievement).",
)
@click.option(
    "--sd-profile",
    type=click.Choice(["vc+sd-jwt", "dc+sd-jwt"]),
    default="vc+sd-jwt",
    show_default=True,
    help="For sd-jwt: W3C VC 2.0 data model, or IETF SD-JWT VC (EU wallets).",
)
@click.option("--vct", help="For --sd-profile dc+sd-jwt: the credential type URI (vct).")
@click.option(
    "--holder",
    metavar="DID",
    help="For sd-jwt: the holder's did:key/did:jwk, bound in cnf for key-bound presentations.",
)
@click.option(
    "--subject",
    metavar="DID",
    help="The worker's DID: becomes credentialSubject.id, so she can present it as holder.",
)
@click.option(
    "--out", metavar="FILE", type=PATH, help="Write the signed credential here (default: stdout)."
)
@click.option("--force", is_flag=True, help="Replace an existing --out file (never a key file).")
@passphrase_env_option
def issue(
    key_file: str,
    credential: str,
    fmt: str,
    cryptosuite: str | None,
    disclosable: tuple[str, ...],
    sd_profile: Any,
    vct: str | None,
    holder: str | None,
    subject: str | None,
    out: str | None,
    force: bool,
    passphrase_env: str | None,
) -> None:
    """Validate and sign a credential; the issuer becomes the key's DID.

    \b
    Example:
      vcportable issue --key board.key --credential carpenter.json --out maria.json
    """
    import json

    from ..clock import SystemClock
    from ..issuer import Issuer

    if fmt != "sd-jwt" and (disclosable or holder or vct):
        raise click.UsageError("--disclosable, --holder and --vct go with --format sd-jwt")
    if fmt != "di" and cryptosuite is not None:
        raise click.UsageError(
            f"--cryptosuite goes with --format di; a {fmt} is signed with the key's JOSE "
            "algorithm (EdDSA or ES256)"
        )
    if out is not None:
        claim_output(out, force=force)  # before anyone types a passphrase for nothing
    document = json_object(read_text(credential), credential)
    if subject is not None:
        if not isinstance(document.get("credentialSubject"), dict):
            raise click.UsageError("--subject needs a credential with one credentialSubject")
        document["credentialSubject"]["id"] = subject
    clock = SystemClock()
    for warning in validity_warnings(document, clock.now()):
        click.echo(f"Warning: {warning}", err=True)
    issuer = Issuer(
        load_key(key_file, passphrase_env), cryptosuite=cryptosuite or DEFAULT_CRYPTOSUITE
    )
    if fmt == "di":
        text = json.dumps(issuer.issue(document), indent=2, ensure_ascii=False)
    elif fmt == "jwt":
        text = issuer.issue_jwt(document)
    else:
        text = issuer.issue_sd_jwt(
            document,
            disclosable=list(disclosable) or None,
            profile=sd_profile,
            vct=vct,
            holder_key=_holder_public_key(holder) if holder else None,
        )
    from ..codec.json import MAX_INPUT_BYTES

    size = len(text.encode("utf-8")) + 1  # as written, with its newline: what a verifier reads
    if size > MAX_INPUT_BYTES:
        raise click.ClickException(
            f"the signed credential would be {size} bytes, over the "
            f"{MAX_INPUT_BYTES} a verifier reads: make it smaller; nothing was written"
        )
    write_output(text, out, force=force, what="signed credential")


def validity_warnings(document: dict[str, Any], now: datetime) -> list[str]:
    """What is probably a mistake in the dates (issuing goes on: the data model allows it)."""
    from ..clock import parse_datetime
    from ..models.report import validity_period

    start, end = validity_period(document)
    warnings = []
    for value, field, wrong in ((end, "validUntil", _past), (start, "validFrom", _far_ahead)):
        try:
            instant = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            continue  # the data model check names a bad date
        if instant is not None and (message := wrong(instant, now)):
            warnings.append(f"{field} {value} {message}")
    return warnings


def _past(instant: datetime, now: datetime) -> str | None:
    return "is in the past: the credential is expired as issued" if instant <= now else None


def _far_ahead(instant: datetime, now: datetime) -> str | None:
    if instant - now > FAR_FUTURE:
        return f"is more than {FAR_FUTURE.days} days ahead: the credential is not valid until then"
    return None


def _holder_public_key(did: str) -> Any:
    """The single key of a did:key / did:jwk (resolved offline)."""
    from ..dids import OfflineResolver
    from ..errors import ResolutionError

    try:
        methods = list(OfflineResolver().resolve(did).verification_methods.values())
    except ResolutionError as exc:
        raise click.BadParameter(exc.message, param_hint="--holder") from None
    if len(methods) != 1:
        raise click.BadParameter(f"{did} does not name exactly one key", param_hint="--holder")
    return methods[0].public_key
