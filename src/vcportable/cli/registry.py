"""The certification body's commands: the issuer registry and the credential lifecycle.

``issuer init`` creates the registry and stores the issuer's profile in it; every later command
finds the database through ``--db``, the ``VCPORTABLE_DB`` environment variable, or the ``db``
setting of a config file (``VCPORTABLE_CONFIG``, else ``./vcportable.toml``, else
``~/.config/vcportable/config.toml``). See docs/registry.md.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .io import (
    EXIT_NOT_VERIFIED,
    PATH,
    UNICODE_TEXT,
    Unreadable,
    Unwritable,
    load_key,
    passphrase_env_option,
    write_output,
)

if TYPE_CHECKING:
    from ..registry_issuer import RegistryIssuer
    from ..store import Store

DB_ENV = "VCPORTABLE_DB"
CONFIG_ENV = "VCPORTABLE_CONFIG"


def _config_files() -> list[Path]:
    named = os.environ.get(CONFIG_ENV)
    if named:
        return [Path(named)]
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path("vcportable.toml"), home / "vcportable" / "config.toml"]


def db_url(explicit: str | None) -> str:
    """The registry URL: --db, then $VCPORTABLE_DB, then the first config file that exists."""
    if explicit:
        return explicit
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    for path in _config_files():
        if not path.is_file():
            continue
        try:
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise Unreadable(f"cannot read the config file {path}: {exc}") from None
        value = settings.get("db")
        if not isinstance(value, str) or not value:
            raise Unreadable(f'{path} has no db = "..." setting')
        return value
    raise click.UsageError(
        f'which registry? pass --db URL, set {DB_ENV}, or write db = "..." in ./vcportable.toml'
    )


db_option = click.option(
    "--db",
    metavar="URL",
    help=f"Registry: a SQLite file or postgresql+psycopg://... (default: ${DB_ENV} or the "
    "config file).",
)


def _open(db: str | None) -> Store:
    from ..store import Store

    return Store.open(db_url(db))


def _registry(db: str | None, passphrase_env: str | None) -> RegistryIssuer:
    """The registry with the issuer's key loaded (its path is in the profile)."""
    from ..issuer import Issuer
    from ..registry_issuer import RegistryIssuer

    store = _open(db)
    key = load_key(store.profile().key_path, passphrase_env)
    return RegistryIssuer(store, Issuer(key))


def _duration(value: str, option: str) -> timedelta:
    """``90m``, ``12h``, ``7d`` (or a number of seconds)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = value.strip().lower()
    factor = units.get(text[-1:])
    number = text[:-1] if factor else text
    try:
        seconds = float(number) * (factor or 1)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < 10 * 365 * 86400:  # also refuses nan and inf
        raise click.BadParameter(
            f"{value!r} is not a duration like 12h or 7d (at most ten years)", param_hint=option
        )
    return timedelta(seconds=seconds)


def _output_folder(path: str) -> Path:
    """A folder to write into, created if needed; otherwise exit 4 (docs/cli.md)."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise Unwritable(f"cannot write into {path}: it is not a folder") from None
    except OSError as exc:
        raise Unwritable(f"cannot create {path}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Unwritable(f"cannot write into {path}: permission denied")
    return folder


def _readable(path: str) -> Path:
    """An input file that can be read; otherwise exit 3 (docs/cli.md)."""
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise Unreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    return Path(path)


# -- issuer -------------------------------------------------------------------------------------


@click.group()
def issuer() -> None:
    """Create and show the issuer registry (profile, key, status list settings)."""


@issuer.command("init")
@click.option("--db", required=True, metavar="URL", help="SQLite file or postgresql+psycopg://…")
@click.option(
    "--key", "key_file", required=True, type=PATH, metavar="FILE", help="Issuer key file."
)
@click.option("--name", required=True, type=UNICODE_TEXT, help="The certification body's name.")
@click.option(
    "--municipality", required=True, type=UNICODE_TEXT, help="The municipality it issues for."
)
@click.option(
    "--status-url",
    required=True,
    metavar="URL",
    help="Base URL where `status publish` output will be served (https://…).",
)
@click.option(
    "--list-size",
    # store.allocation's MIN_LIST_SIZE and MAX_LIST_SIZE (importing the store costs every
    # command's start; tests/test_cli_registry.py holds the two to them)
    type=click.IntRange(min=131_072, max=134_217_728),
    default=131_072,
    show_default=True,
    help="Entries per status list (at least 131,072 for herd privacy; at most 134,217,728, "
    "what verifiers read).",
)
def issuer_init(
    db: str, key_file: str, name: str, municipality: str, status_url: str, list_size: int
) -> None:
    """Create the registry database and store the issuer's profile in it.

    The key file is read without its passphrase (only its public part is recorded); commands
    that sign load it from the recorded path.
    """
    from ..clock import SystemClock, format_datetime
    from ..keys import read_key_file_info
    from ..store import IssuerProfile, Store

    if not status_url.startswith("https://") and not status_url.startswith("http://localhost"):
        raise click.BadParameter("must be an https:// URL", param_hint="--status-url")
    info = read_key_file_info(key_file)
    store = Store.open(db, create=True)
    try:
        store.init_profile(
            IssuerProfile(
                did=info.controller,
                key_id=info.key_id,
                key_path=str(Path(key_file).resolve()),
                name=name,
                municipality=municipality,
                status_base_url=status_url.rstrip("/"),
                list_size=list_size,
                created_at=format_datetime(SystemClock().now()),
            )
        )
    finally:
        store.close()
    click.echo(f"registry created for {info.controller}", err=True)
    click.echo(f"later commands find it with --db, or: export {DB_ENV}={db}", err=True)


@issuer.command("show")
@db_option
def issuer_show(db: str | None) -> None:
    """Print the issuer profile and the status lists."""
    store = _open(db)
    try:
        profile = store.profile()
        for label, value in profile.__dict__.items():
            click.echo(f"{label}: {value}")
        click.echo(f"credentials: {store.count()}")
        for info in store.status_lists():
            click.echo(f"status list {info.id}: {info.allocated} of {info.size} indices used")
    finally:
        store.close()


@issuer.command("set-key")
@click.option("--key", "key_file", required=True, type=PATH, metavar="FILE", help="New key file.")
@db_option
def issuer_set_key(key_file: str, db: str | None) -> None:
    """Sign with another key of the issuer's DID from now on (did:web key rotation).

    Recorded in the audit log; credentials issued before keep verifying as long as the DID
    document still lists the old key.
    """
    from ..clock import SystemClock, format_datetime
    from ..keys import read_key_file_info

    info = read_key_file_info(key_file)
    store = _open(db)
    try:
        store.set_key(
            did=info.controller,
            key_id=info.key_id,
            key_path=str(Path(key_file).resolve()),
            at=format_datetime(SystemClock().now()),
        )
    finally:
        store.close()
    click.echo(f"now signing with {info.key_id}", err=True)


@issuer.command("migrate")
@db_option
def issuer_migrate(db: str | None) -> None:
    """Upgrade the registry's schema to this version of vcportable."""
    from ..store import Store
    from ..store.schema import SCHEMA_VERSION

    store = Store.open(db_url(db), create=True)
    store.close()
    click.echo(f"registry schema is at version {SCHEMA_VERSION}", err=True)


# -- issuance -----------------------------------------------------------------------------------


def _achievement(store: Store, value: str) -> str:
    """An achievement id: a registered one, or from a JSON file (an Achievement, or a credential
    whose subject has one), which is registered."""
    from ..clock import SystemClock, format_datetime
    from ..codec.json import parse_json

    if not os.path.isfile(value):
        store.achievement(value)  # NOT_FOUND if unknown
        return value
    from .io import read_input

    document = parse_json(read_input(value), what=value)
    if isinstance(document, dict) and isinstance(document.get("credentialSubject"), dict):
        document = document["credentialSubject"].get("achievement")
    if not isinstance(document, dict):
        raise click.BadParameter(f"{value} holds no Achievement object", param_hint="--achievement")
    return store.put_achievement(document, at=format_datetime(SystemClock().now()))


@click.command("issue-batch")
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option("--achievement", required=True, metavar="FILE|ID", help="Achievement JSON or id.")
@click.option("--format", "fmt", type=click.Choice(["di", "jwt"]), default="di", show_default=True)
@click.option("--out-dir", required=True, type=click.Path(), help="Output folder.")
@click.option("--skip-invalid", is_flag=True, help="Issue the good rows even if some are bad.")
@click.option("--workers", type=click.IntRange(min=1), help="Signing processes (default: cores).")
@db_option
@passphrase_env_option
def issue_batch(
    roster: str,
    achievement: str,
    fmt: Any,
    out_dir: str,
    skip_invalid: bool,
    workers: int | None,
    db: str | None,
    passphrase_env: str | None,
) -> None:
    """Issue one credential per roster row (CSV: key,name[,subject_id,valid_from,valid_until]).

    Every row is checked first and every bad row is reported with its line; nothing is issued
    if one is bad, unless --skip-invalid. Re-running is safe: a key issued before is not issued
    again (a missing output file is written again), so an interrupted run is resumed by running
    it again.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ..batch import Workers, validate
    from ..batch import issue_batch as run_batch

    roster_path = _readable(roster)
    registry = _registry(db, passphrase_env)
    try:
        achievement_id = _achievement(registry.store, achievement)
        # The same worker processes check every row, then sign: started once.
        with Workers(registry, registry.store.achievement(achievement_id), workers) as pool:
            checked = validate(registry, roster_path, pool.achievement, fmt, workers=pool)
            for problem in checked.problems:
                click.echo(f"{roster}: {problem}", err=True)
            if checked.problems and not skip_invalid:
                click.echo(
                    f"Error: {len(checked.bad_lines)} bad row(s); nothing was issued (fix "
                    "them, or issue the others with --skip-invalid)",
                    err=True,
                )
                raise SystemExit(EXIT_NOT_VERIFIED)
            good = checked.rows - len(checked.bad_lines)
            console = Console(stderr=True)
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=not console.is_terminal,
            ) as bar:
                task = bar.add_task("issuing", total=good)
                advance: Callable[[int], None] = lambda n: bar.advance(task, n)  # noqa: E731
                result = run_batch(
                    registry,
                    roster_path,
                    achievement_id,
                    _output_folder(out_dir),
                    fmt=fmt,
                    skip_invalid=skip_invalid,
                    workers=pool,
                    progress=advance,
                    validation=checked,
                )
    finally:
        registry.store.close()
    click.echo(
        f"issued {result.issued}, already issued {result.already}, rewritten "
        f"{result.restored}, skipped {len(checked.bad_lines)} bad row(s); output in {out_dir}",
        err=True,
    )


def _lifecycle(action: str) -> click.Command:
    @click.command(action, help=f"{action.capitalize()} a credential (recorded with the reason).")
    @click.argument("credential_id", type=UNICODE_TEXT)
    @click.option("--reason", required=True, type=UNICODE_TEXT, help="Why (kept in the audit log).")
    @db_option
    def command(credential_id: str, reason: str, db: str | None) -> None:
        from ..clock import SystemClock, format_datetime

        store = _open(db)
        try:
            at = format_datetime(SystemClock().now())
            store.change_state(action, credential_id, reason=reason, at=at)
        finally:
            store.close()
        click.echo(
            f"{credential_id}: {action} recorded; run `vcportable status publish` so verifiers "
            "see it",
            err=True,
        )

    return command


revoke = _lifecycle("revoke")
suspend = _lifecycle("suspend")
reinstate = _lifecycle("reinstate")


@click.command()
@click.argument("credential_id", type=UNICODE_TEXT)
@click.option("--valid-until", metavar="ISO-TIME", help="End of the successor's validity.")
@click.option("--revoke-predecessor", is_flag=True, help="Revoke the renewed credential.")
@click.option("--reason", type=UNICODE_TEXT, help="Why (kept in the audit log).")
@click.option("--out", type=click.Path(), help="Write the successor here.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@db_option
@passphrase_env_option
def renew(
    credential_id: str,
    valid_until: str | None,
    revoke_predecessor: bool,
    reason: str | None,
    out: str | None,
    force: bool,
    db: str | None,
    passphrase_env: str | None,
) -> None:
    """Issue a successor of a credential: a new id, index and validity, linked to it."""
    from ..clock import format_datetime, parse_datetime

    end = None
    if valid_until is not None:
        try:
            end = format_datetime(parse_datetime(valid_until))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--valid-until") from None
    registry = _registry(db, passphrase_env)
    try:
        issued = registry.renew(
            credential_id,
            valid_until=end,
            revoke_predecessor=revoke_predecessor,
            reason=reason,
        )
    finally:
        registry.store.close()
    click.echo(f"renewed {credential_id} as {issued.record.id}", err=True)
    write_output(issued.text, out, force=force, what="renewed credential")


# -- status lists -------------------------------------------------------------------------------


@click.group()
def status() -> None:
    """Publish the status lists verifiers read offline."""


@status.command("publish")
@click.option("--out", required=True, type=click.Path(), help="Output folder.")
@click.option("--format", "fmt", type=click.Choice(["di", "jwt"]), default="di", show_default=True)
@click.option("--valid-for", default="7d", show_default=True, help="validUntil from now.")
@click.option("--ttl", default="1d", show_default=True, help="How long a copy may be cached.")
@db_option
@passphrase_env_option
def status_publish(
    out: str, fmt: Any, valid_for: str, ttl: str, db: str | None, passphrase_env: str | None
) -> None:
    """Write every status list as a signed BitstringStatusListCredential, plus index.json.

    Each file is replaced atomically; serve the folder at the registry's status URL.
    """
    from ..status.publish import publish

    validity, cache = _duration(valid_for, "--valid-for"), _duration(ttl, "--ttl")
    registry = _registry(db, passphrase_env)
    try:
        done = publish(
            registry.store,
            registry.issuer,
            _output_folder(out),
            fmt=fmt,
            validity=validity,
            ttl=cache,
        )
    finally:
        registry.store.close()
    for item in done:
        click.echo(f"{item.url}: {item.flagged} set, {out}/{item.file}", err=True)
    click.echo(f"published {len(done)} status list(s) to {out}", err=True)


# -- audit --------------------------------------------------------------------------------------


@click.group()
def audit() -> None:
    """Check and export the hash-chained audit log."""


@audit.command("verify")
@db_option
def audit_verify(db: str | None) -> None:
    """Check the audit chain, and the registry against it; exit 1 on any difference.

    Exit 1 if an entry was edited, removed or reordered, or if a credential's state, document
    or row, the issuer profile or a registered achievement disagrees with what the log
    recorded."""
    from ..store import audit as chain

    store = _open(db)
    try:
        with store.reading(consistent=True) as connection:  # chain, head and rows agree
            report = chain.verify(connection)
    finally:
        store.close()
    for problem in report.problems:
        click.echo(f"audit log: {problem}", err=True)
    for problem in report.credential_problems:
        click.echo(f"registry: {problem}", err=True)
    failures = []
    if report.problems:
        failures.append(f"the audit log is broken ({len(report.problems)} problem(s))")
    if report.credential_problems:
        failures.append(
            f"the registry disagrees with the audit log ({len(report.credential_problems)} "
            "problem(s))"
        )
    if failures:
        raise click.ClickException("; ".join(failures))
    click.echo(
        f"audit log intact: {report.entries} entries, head {report.head_hash}; "
        f"{report.credentials} credentials agree with it"
    )


@audit.command("export")
@click.option("--out", type=click.Path(), help="File to write (default: stdout).")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@db_option
def audit_export(out: str | None, force: bool, db: str | None) -> None:
    """Write the audit log as JSON Lines, one entry per line, oldest first.

    Keep the last entry's hash: it later proves the log was not rewritten up to it.
    """
    import json

    from ..store import audit as chain

    store = _open(db)
    try:
        with store.transaction() as connection:
            lines = [
                json.dumps(entry, ensure_ascii=False, sort_keys=True)
                for entry in chain.export_entries(connection)
            ]
    finally:
        store.close()
    write_output("\n".join(lines), out, force=force, what="audit log")
