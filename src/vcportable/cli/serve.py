"""``vcportable serve``: run the VC-API server, make a dev setup, manage bearer tokens.

Thin: the server lives in :mod:`vcportable.server` (an optional extra: ``vcportable[server]``).
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from .io import PATH, UNICODE_TEXT, echo


def _config(path: str) -> Any:
    from ..server.config import load_config

    return load_config(path)


def _need_server_extra() -> None:
    """Every ``serve`` command imports :mod:`vcportable.server` (FastAPI) or runs uvicorn; each
    calls this first (not the group: ``serve token --help`` needs no extra)."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise click.UsageError(
            f"the server needs the server extra ({exc.name} is not installed): "
            "pip install 'vcportable[server]'"
        ) from None


def _run(config_path: Path, workers: int | None) -> None:
    """uvicorn with every worker building the app from the same file (app_from_env)."""
    import uvicorn

    from ..server.app import CONFIG_ENV, check
    from ..server.transport import NoDelayProtocol

    config = _config(str(config_path))
    check(config)
    os.environ[CONFIG_ENV] = str(config_path.resolve())
    options: dict[str, Any] = {}
    if not config.insecure_http:
        options = {"ssl_certfile": str(config.tls_cert), "ssl_keyfile": str(config.tls_key)}
    uvicorn.run(
        "vcportable.server.app:app_from_env",
        factory=True,
        host=config.host,
        port=config.port,
        workers=workers or config.workers,
        access_log=False,
        log_level=config.log_level,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        http=NoDelayProtocol,
        **options,
    )


@click.group(invoke_without_command=True)
@click.option("--config", "config_path", type=PATH, help="The server's TOML configuration.")
@click.option(
    "--dev",
    is_flag=True,
    help="Make a throw-away setup (self-signed certificate for 127.0.0.1, did:key issuers, "
    "SQLite registries, tokens, the W3C suites' localConfig.cjs) and serve it.",
)
@click.option("--dir", "folder", type=PATH, help="With --dev: the folder to write (default: new).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=40443,
    show_default=True,
    help="With --dev: the port to listen on (127.0.0.1).",
)
@click.option("--workers", type=click.IntRange(1, 64), help="uvicorn workers (default: config).")
@click.option("--setup-only", is_flag=True, help="With --dev: write the setup, do not serve.")
@click.pass_context
def serve(
    ctx: click.Context,
    config_path: str | None,
    dev: bool,
    folder: str | None,
    port: int,
    workers: int | None,
    setup_only: bool,
) -> None:
    """Run the VC-API server (HTTPS) over the issuers' registries.

    \b
    Examples:
      vcportable serve --config server.toml
      vcportable serve --dev
      vcportable serve token create --config server.toml --issuer acme --scope issue,status
    """
    if ctx.invoked_subcommand is not None:
        return
    _need_server_extra()
    if dev == (config_path is not None):
        raise click.UsageError("give either --config FILE or --dev")
    if dev:
        from ..server.dev import make_dev_setup

        where = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="vcportable-dev-"))
        setup = make_dev_setup(where, port=port)
        base = setup.config.base_url
        click.echo(f"dev setup in {where}", err=True)
        click.echo(f"  configuration:   {setup.config_path}", err=True)
        click.echo(f"  W3C suites:      {setup.local_config}", err=True)
        click.echo(f"  verify:          POST {base}/credentials/verify", err=True)
        for name, did in setup.dids.items():
            click.echo(f"  issuer {name}: POST {base}/{name}/credentials/issue  ({did})", err=True)
        click.echo(f"  tokens:          {where / 'tokens.json'}", err=True)
        if setup_only:
            return
        config_file = setup.config_path
    else:
        assert config_path is not None
        config_file = Path(config_path)
    _run(config_file, workers)


@serve.group()
def token() -> None:
    """Bearer tokens: one issuer each, scoped, stored hashed in that issuer's registry."""


def _duration(value: str | None) -> timedelta | None:
    if value is None:
        return None
    units = {"d": 86400, "h": 3600, "m": 60}
    number, unit = value[:-1], value[-1:]
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise click.BadParameter("a positive number of days, hours or minutes: 30d, 12h, 45m")
    return timedelta(seconds=int(number) * units[unit])


_config_option = click.option(
    "--config", "config_path", type=PATH, required=True, help="The server's TOML configuration."
)
_issuer_option = click.option("--issuer", required=True, help="The issuer's name in the config.")


@token.command("create")
@_config_option
@_issuer_option
@click.option("--scope", default="issue,status", show_default=True, help="issue, status or both.")
@click.option("--expires", help="Lifetime: 30d, 12h, 45m (default: until revoked).")
@click.option("--label", type=UNICODE_TEXT, help="A note on who holds the token.")
def token_create(
    config_path: str, issuer: str, scope: str, expires: str | None, label: str | None
) -> None:
    """Create a token and print it (once: only its hash is kept)."""
    _need_server_extra()
    from ..server.tokens import create_token, issuer_store, parse_scopes

    scopes = parse_scopes(scope)
    lifetime = _duration(expires)
    store = issuer_store(_config(config_path), issuer)
    try:
        now = datetime.now(UTC)
        info, text = create_token(
            store,
            issuer,
            scopes,
            now=now,
            expires_at=now + lifetime if lifetime else None,
            label=label,
        )
    finally:
        store.close()
    click.echo(f"token {info.id} for {info.issuer} ({','.join(info.scopes)})", err=True)
    echo(text)


@token.command("list")
@_config_option
@_issuer_option
def token_list(config_path: str, issuer: str) -> None:
    """List an issuer's tokens (ids, scopes, dates; never the secrets)."""
    _need_server_extra()
    from ..server.tokens import issuer_store, list_tokens

    store = issuer_store(_config(config_path), issuer)
    try:
        found = list_tokens(store)
    finally:
        store.close()
    for info in found:
        state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
        until = f" until {info.expires_at}" if info.expires_at else ""
        label = f" ({info.label})" if info.label else ""
        echo(
            f"{info.id}  {','.join(info.scopes)}  {state}{until}  created {info.created_at}{label}"
        )


@token.command("revoke")
@_config_option
@_issuer_option
@click.argument("token_id")
def token_revoke(config_path: str, issuer: str, token_id: str) -> None:
    """Revoke a token by its id: the next request with it is refused."""
    _need_server_extra()
    from ..server.tokens import issuer_store, revoke_token

    store = issuer_store(_config(config_path), issuer)
    try:
        revoke_token(store, token_id, now=datetime.now(UTC))
    finally:
        store.close()
    click.echo(f"token {token_id} revoked", err=True)
