"""The ``vcportable`` command: a thin layer that parses, calls the library and renders.

Exit codes, the same for every command: 0 success (every input verified), 1 an input did not
verify, 2 usage error, 3 an input or key file could not be read. Errors are printed as
``Error: ...`` on stderr; a traceback is never shown.

Library imports happen inside the commands so that ``vcportable verify`` starts fast.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..keys import KeyPair

EXIT_NOT_VERIFIED = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
PASSPHRASE_ENV = "VCPORTABLE_PASSPHRASE"


class Unreadable(click.ClickException):
    """An input or key file could not be read (exit 3)."""

    exit_code = EXIT_UNREADABLE


def _library_error(exc: Exception) -> click.ClickException:
    """Map the library's exception tree to CLI errors in one place."""
    from ..errors import ConfigurationError, KeyFileError

    if isinstance(exc, KeyFileError):
        return Unreadable(str(exc))
    if isinstance(exc, ConfigurationError):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


def _read_input(name: str, max_bytes: int) -> bytes:
    """Bytes of a file or of stdin ('-'), at most ``max_bytes`` + 1 (the caller reports size)."""
    try:
        if name == "-":
            return sys.stdin.buffer.read(max_bytes + 1)
        with open(name, "rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read {name}: {exc.strerror or exc}") from None


def _passphrase(passphrase_env: str | None, *, confirm: bool) -> bytes:
    from ..keys import passphrase_from_env

    if passphrase_env:
        return passphrase_from_env(passphrase_env)
    if os.environ.get(PASSPHRASE_ENV):
        return passphrase_from_env(PASSPHRASE_ENV)
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"a passphrase is needed: set --passphrase-env VAR (or {PASSPHRASE_ENV}), "
            "or run in a terminal to be prompted"
        )
    value: str = click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    return value.encode("utf-8")


def load_key(path: str, passphrase_env: str | None) -> KeyPair:
    """Load a signing key file, asking for its passphrase only when it is encrypted."""
    from ..keys import KeyPair, key_file_is_encrypted

    encrypted = key_file_is_encrypted(path)
    passphrase = _passphrase(passphrase_env, confirm=False) if encrypted else None
    return KeyPair.load(path, passphrase)


passphrase_env_option = click.option(
    "--passphrase-env",
    metavar="VAR",
    help=f"Read the key passphrase from environment variable VAR (default: {PASSPHRASE_ENV} "
    "if set, else a prompt).",
)


class _Group(click.Group):
    """Root group: library errors become click errors here, so tests and users see the same."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import VcPortableError

        try:
            return super().invoke(ctx)
        except VcPortableError as exc:
            raise _library_error(exc) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vcportable")
def cli() -> None:
    """Issue, carry and verify portable vocational credentials (W3C Verifiable Credentials).

    Verification is offline: contexts are bundled, DIDs are resolved locally.
    """


@cli.group()
def key() -> None:
    """Create signing keys."""


@key.command("generate")
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["ed25519", "p256"]),
    default="ed25519",
    show_default=True,
    help="Key algorithm (p256 for ecdsa-rdfc-2019 and ES256).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Key file to write.")
@passphrase_env_option
@click.option("--no-passphrase", is_flag=True, help="Store the key unencrypted (test keys only).")
@click.option("--force", is_flag=True, help="Overwrite an existing key file.")
def key_generate(
    key_type: str, out: str, passphrase_env: str | None, no_passphrase: bool, force: bool
) -> None:
    """Generate a key pair, write it encrypted with mode 0600 and print its DID (last line)."""
    from ..keys import KeyPair, KeyType

    if no_passphrase and passphrase_env:
        raise click.UsageError("--no-passphrase and --passphrase-env exclude each other")
    passphrase = None if no_passphrase else _passphrase(passphrase_env, confirm=True)
    pair = KeyPair.generate(KeyType(key_type))
    pair.save(out, passphrase, overwrite=force)
    state = "unencrypted (test key)" if passphrase is None else "encrypted"
    click.echo(f"wrote {key_type} key to {out} ({state}, mode 0600)", err=True)
    click.echo(f"verification method: {pair.key_id}", err=True)
    click.echo(pair.controller)


@cli.group()
def did() -> None:
    """Show DIDs and DID documents."""


@did.command("show")
@click.argument("keyfile", type=click.Path(dir_okay=False))
def did_show(keyfile: str) -> None:
    """Print the DID document of a key file (no passphrase needed)."""
    import json

    from ..dids import did_document_for_key_file

    click.echo(json.dumps(did_document_for_key_file(keyfile), indent=2))


@cli.command()
@click.option(
    "--key", "key_file", required=True, type=click.Path(dir_okay=False), help="Issuer key file."
)
@click.option(
    "--credential",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
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
    default="eddsa-rdfc-2022",
    show_default=True,
    help="For --format di: eddsa-rdfc-2022, eddsa-jcs-2022 (Ed25519) or ecdsa-rdfc-2019 (P-256).",
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
@click.option("--out", type=click.Path(dir_okay=False), help="Write the signed credential here.")
@passphrase_env_option
def issue(
    key_file: str,
    credential: str,
    fmt: str,
    cryptosuite: str,
    disclosable: tuple[str, ...],
    sd_profile: Any,
    vct: str | None,
    holder: str | None,
    out: str | None,
    passphrase_env: str | None,
) -> None:
    """Validate and sign a credential; the issuer becomes the key's DID."""
    import json

    from ..issuer import Issuer
    from ..jsonutil import MAX_INPUT_BYTES, parse_json

    if fmt != "sd-jwt" and (disclosable or holder or vct):
        raise click.UsageError("--disclosable, --holder and --vct go with --format sd-jwt")
    document = parse_json(_read_input(credential, MAX_INPUT_BYTES), what=credential)
    if not isinstance(document, dict):
        raise click.ClickException(f"{credential}: a credential must be a JSON object")
    issuer = Issuer(load_key(key_file, passphrase_env), cryptosuite=cryptosuite)
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
    _emit(text, out, "signed credential")


def _holder_public_key(did: str) -> Any:
    """The single key of a did:key / did:jwk (resolved offline)."""
    from ..dids import OfflineResolver

    methods = list(OfflineResolver().resolve(did).verification_methods.values())
    if len(methods) != 1:
        raise click.BadParameter(f"{did} does not name exactly one key", param_hint="--holder")
    return methods[0].public_key


def _emit(text: str, out: str | None, what: str) -> None:
    """Print ``text``, or write it atomically to ``out``."""
    if out is None:
        click.echo(text)
        return
    from ..fileutil import write_atomic

    try:
        write_atomic(Path(out), (text + "\n").encode("utf-8"))
    except OSError as exc:
        raise Unreadable(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"{what} written to {out}", err=True)


@cli.command()
@click.option(
    "--credential",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The credential as issued: SD-JWT, vc+jwt, or signed JSON-LD.",
)
@click.option(
    "--disclose",
    multiple=True,
    metavar="PATH",
    help="SD-JWT: a claim to reveal, e.g. credentialSubject.name (repeatable; none: reveal "
    "only what is always visible).",
)
@click.option("--holder-key", type=click.Path(dir_okay=False), help="Holder key file, to sign.")
@click.option("--nonce", help="The verifier's challenge (nonce).")
@click.option("--aud", help="The verifier's identity (audience / domain).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the presentation here.")
@passphrase_env_option
def present(
    credential: str,
    disclose: tuple[str, ...],
    holder_key: str | None,
    nonce: str | None,
    aud: str | None,
    out: str | None,
    passphrase_env: str | None,
) -> None:
    """Make a presentation of a credential for a verifier.

    An SD-JWT reveals only the --disclose claims (key-bound when --holder-key is given). A
    vc+jwt or JSON-LD credential is wrapped in a presentation signed by --holder-key.
    """
    import json

    from ..clock import SystemClock
    from ..jsonutil import MAX_INPUT_BYTES, parse_json

    try:
        text = _read_input(credential, MAX_INPUT_BYTES).decode("utf-8").strip()
    except UnicodeDecodeError:
        raise click.ClickException(f"{credential} is not UTF-8 text") from None
    is_sd_jwt = "~" in text and not text.startswith("{")
    # Usage problems first: nobody should type a passphrase for a command that cannot run.
    if is_sd_jwt and holder_key and (nonce is None or aud is None):
        raise click.UsageError("a key-bound presentation needs --nonce and --aud")
    if not is_sd_jwt and disclose:
        raise click.UsageError("--disclose needs an SD-JWT credential (issue with --format sd-jwt)")
    if not is_sd_jwt and not holder_key:
        raise click.UsageError("--holder-key is needed to sign the presentation")
    holder = load_key(holder_key, passphrase_env) if holder_key else None
    now = SystemClock().now()
    if is_sd_jwt:
        from ..proofs.sdjwt import present_sd_jwt

        shown = present_sd_jwt(text, disclose, holder_key=holder, nonce=nonce, aud=aud, now=now)
        _emit(shown, out, "presentation")
        return
    assert holder is not None  # checked above
    if text.startswith("{"):
        from ..wallet import create_presentation, sign_presentation

        document = parse_json(text, what=credential)
        vp = create_presentation([document], holder=holder.controller)
        signed = sign_presentation(vp, holder, challenge=nonce, domain=aud)
        _emit(json.dumps(signed, indent=2, ensure_ascii=False), out, "presentation")
        return
    from ..proofs.jose import issue_vp_jwt

    _emit(issue_vp_jwt([text], holder, now=now, nonce=nonce, aud=aud), out, "presentation")


@cli.command(short_help="Verify credentials and presentations, offline.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON reports instead of text.")
@click.option(
    "--at", "at_time", metavar="ISO-TIME", help="Verify as of this instant (default: now)."
)
@click.option("--challenge", help="The challenge this verifier asked a presentation to carry.")
@click.option("--domain", help="The domain this verifier asked a presentation to carry.")
@click.option(
    "--did-web-cache",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of cached did:web documents (never fetched).",
)
@click.option(
    "--contexts",
    "context_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
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

    Accepts JSON-LD with Data Integrity proofs, vc+jwt / vp+jwt, VC-JWT 1.1 and SD-JWT.

    Exit 0 when every input verified, 1 when any did not, 2 for a usage error, 3 when an input
    cannot be read (the others are still verified and reported).
    """
    from ..cli.render import render_report
    from ..clock import FixedClock, SystemClock, parse_datetime
    from ..dids import OfflineResolver
    from ..jsonld import DocumentLoader, default_loader
    from ..models.report import Check, Code, VerificationReport
    from ..verifier import VerificationPolicy, Verifier

    clock: Any = SystemClock()
    if at_time is not None:
        try:
            clock = FixedClock(parse_datetime(at_time))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    if require_key_binding and (challenge is None or domain is None):
        raise click.UsageError("--require-key-binding needs --challenge and --domain")
    jose = None
    if require_key_binding:  # otherwise the JOSE defaults, imported only for a token
        from ..proofs.jws import JosePolicy

        jose = JosePolicy(require_key_binding=True, expected_nonce=challenge, expected_aud=domain)
    policy = VerificationPolicy(require_issuer_binding=not allow_foreign_keys, jose=jose)
    verifier = Verifier(
        loader=DocumentLoader(extra_dirs=[Path(d) for d in context_dirs])
        if context_dirs
        else default_loader(),
        resolver=OfflineResolver(did_web_cache_dir=Path(did_web_cache) if did_web_cache else None),
        clock=clock,
        policy=policy,
    )
    reports = []
    unreadable = False
    for name in inputs:
        try:
            data = _read_input(name, policy.max_input_bytes)
        except Unreadable as exc:
            # Report it and go on: the other inputs still get their verdicts.
            unreadable = True
            report = VerificationReport.from_checks(
                "unknown", [Check.failed("read", Code.MALFORMED, exc.message)]
            )
        else:
            report = verifier.verify(data, challenge=challenge, domain=domain)
        reports.append(report)
        if not as_json:
            click.echo(render_report(name, report))
    if as_json:
        import json

        payload: Any = [r.to_json_dict() for r in reports]
        if len(reports) == 1:
            payload = payload[0]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    if not all(r.verified for r in reports):
        sys.exit(EXIT_NOT_VERIFIED)


class _NoNetworkClient(types.ModuleType):
    """Stands in for an HTTP client library inside the CLI process: any use is an ImportError."""

    def __getattr__(self, name: str) -> Any:
        raise ImportError(f"{self.__name__} is disabled: vcportable never uses the network")


def _disable_network_clients() -> None:
    """pyld creates a ``requests`` session at import time for its remote document loader.
    vcportable never lets pyld fetch anything, so in the CLI's own process that library is
    replaced by a stub: pyld falls back to a loader that refuses every URL, and start-up is
    about 60 ms faster (a cold ``verify`` must beat the JavaScript reference)."""
    for name in ("requests", "aiohttp"):
        sys.modules.setdefault(name, _NoNetworkClient(name))


def main() -> None:
    """Console entry point."""
    _disable_network_clients()
    cli(prog_name="vcportable")
