"""The ``vcportable`` command: a thin layer that parses, calls the library and renders.

One module per command (group); the contract they all keep (reading inputs, writing outputs,
exit codes) is :mod:`vcportable.cli.io`, and this module maps the library's exceptions to it in
one place. docs/cli.md is the reference, generated from these commands.

Library imports happen inside the commands so that ``vcportable verify`` starts fast.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

import click

from . import registry
from .io import Unreadable, flush_stdout, passphrase_env_option, stdout_checked
from .io import passphrase as _passphrase
from .issue import issue
from .present import present
from .trust import trust, verifier
from .verify import verify


def _library_error(exc: Exception) -> click.ClickException:
    """Map the library's exception tree to exit codes, in one place (docs/cli.md)."""
    from ..errors import ConfigurationError, KeyFileError

    if isinstance(exc, KeyFileError):
        return Unreadable(str(exc))
    if isinstance(exc, ConfigurationError):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


class _Group(click.Group):
    """Root group: library errors become click errors here, so tests and users see the same."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with stdout_checked():  # --help and --version are printed while parsing
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import VcPortableError

        try:
            with stdout_checked():
                return super().invoke(ctx)
        except VcPortableError as exc:
            raise _library_error(exc) from None


def _colour(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    """--color/--no-color decide; without either, NO_COLOR turns colour off, else a terminal
    gets colour and a pipe does not."""
    if value is None and os.environ.get("NO_COLOR"):
        value = False
    ctx.color = value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vcportable")
@click.option(
    "--color/--no-color",
    default=None,
    callback=_colour,
    expose_value=False,
    is_eager=True,
    help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
)
def cli() -> None:
    """Issue, carry and verify portable vocational credentials (W3C Verifiable Credentials).

    Verification is offline: contexts are bundled, DIDs are resolved locally.

    \b
    Example:
      vcportable verify maria.json
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


cli.add_command(issue)
cli.add_command(present)
cli.add_command(verify)
cli.add_command(registry.issuer)
cli.add_command(registry.issue_batch)
cli.add_command(registry.revoke)
cli.add_command(registry.suspend)
cli.add_command(registry.reinstate)
cli.add_command(registry.renew)
cli.add_command(registry.status)
cli.add_command(registry.audit)
cli.add_command(trust)
cli.add_command(verifier)


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
    try:
        cli(prog_name="vcportable")
    finally:
        flush_stdout()
