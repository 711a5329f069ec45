"""The ``vcportable`` command: a thin layer that parses, calls the library and renders.

One module per command (group); the contract they all keep (reading inputs, writing outputs,
exit codes) is :mod:`vcportable.cli.io`, and this module maps the library's exceptions to it in
one place. docs/cli.md is the reference, generated from these commands.

Library imports happen inside the commands so that ``vcportable verify`` starts fast.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

import click

from .io import Unreadable, detect_closed_stdout, flush_stdout, stdout_checked

#: Every command: its name -> "module:attribute" under vcportable.cli. A command's module is
#: imported only when that command runs (or help lists it), so `vcportable verify` does not
#: pay for the registry, the server, the wallet or the trust list editor.
COMMANDS = {
    "key": "keys:key",
    "did": "keys:did",
    "issue": "issue:issue",
    "present": "present:present",
    "verify": "verify:verify",
    "issuer": "registry:issuer",
    "issue-batch": "registry:issue_batch",
    "revoke": "registry:revoke",
    "suspend": "registry:suspend",
    "reinstate": "registry:reinstate",
    "renew": "registry:renew",
    "status": "registry:status",
    "audit": "registry:audit",
    "trust": "trust:trust",
    "verifier": "trust:verifier",
    "qr": "qr:qr",
    "badge": "qr:badge",
    "serve": "serve:serve",
    "wallet": "wallet:wallet",
    "request": "wallet:request",
}


def _library_error(exc: Exception) -> click.ClickException:
    """Map the library's exception tree to exit codes, in one place (docs/cli.md)."""
    from ..errors import ConfigurationError, KeyFileError

    if isinstance(exc, KeyFileError):
        return Unreadable(str(exc))
    if isinstance(exc, ConfigurationError):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


class _Group(click.Group):
    """Root group: library errors become click errors here, so tests and users see the same;
    commands are loaded from :data:`COMMANDS` when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module_name}"), attribute)
        assert isinstance(command, click.Command)
        return command

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
    detect_closed_stdout()
    _disable_network_clients()
    try:
        cli(prog_name="vcportable")
    finally:
        flush_stdout()
