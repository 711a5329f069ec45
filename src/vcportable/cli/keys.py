"""``vcportable key`` and ``vcportable did``: keys and identities of a certification body.

Key files are written only through the library (encrypted at rest, mode 0600, atomically) and
never over an existing key file, whatever the flags. A private key leaves a key file only into
a file written with mode 0600, or onto stdout when the user asks for it with ``--out -``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .io import (
    MAX_KEY_FILE_BYTES,
    Unwritable,
    as_text,
    check_key_input,
    claim_output,
    echo,
    load_key,
    passphrase,
    passphrase_env_option,
    read_input,
    write_file,
    write_output,
)

__all__ = ["did", "key"]

if TYPE_CHECKING:
    from ..keys import KeyPair

KEY_TYPES = ["ed25519", "p256", "p384"]
#: Where ``did web create`` puts the document to upload, and the verifier's cache entry.
SITE_DIR, CACHE_DIR = "site", "did-web-cache"


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def new_key_passphrase(passphrase_env: str | None, no_passphrase: bool) -> bytes | None:
    """The passphrase of a key file being created: typed twice (or from the environment),
    and long enough; None for a test key stored unencrypted."""
    from ..errors import KeyFileError
    from ..keys import check_new_passphrase

    if no_passphrase and passphrase_env:
        raise click.UsageError("--no-passphrase and --passphrase-env exclude each other")
    if no_passphrase:
        return None
    secret = passphrase(passphrase_env, confirm=True)
    try:
        check_new_passphrase(secret)
    except KeyFileError as exc:
        raise click.UsageError(exc.message) from None
    return secret


def _export_passphrase(env: str | None) -> bytes:
    """The passphrase protecting an exported PEM: from ``env``, or typed twice."""
    from ..errors import KeyFileError
    from ..keys import check_new_passphrase, passphrase_from_env

    if env:
        secret = passphrase_from_env(env)
    elif _interactive():
        typed: str = click.prompt(
            "Passphrase for the exported key", hide_input=True, confirmation_prompt=True
        )
        secret = typed.encode("utf-8")
    else:
        raise click.UsageError(
            "a passphrase for the exported PEM is needed: set --export-passphrase-env VAR, run "
            "in a terminal to be prompted, or give --no-export-passphrase"
        )
    try:
        check_new_passphrase(secret)
    except KeyFileError as exc:
        raise click.UsageError(exc.message) from None
    return secret


def _save_key(pair: KeyPair, out: str, secret: bytes | None) -> None:
    """Write a new key file at ``out``: never over a key file, never over anything else."""
    claim_output(out, force=False)
    pair.save(out, secret)
    state = "unencrypted (test key)" if secret is None else "encrypted"
    click.echo(f"wrote {pair.type.value} key to {out} ({state}, mode 0600)", err=True)
    click.echo(f"verification method: {pair.key_id}", err=True)


def _write_secret(text: str, out: str, *, force: bool) -> None:
    """Private key material to ``out`` with mode 0600 from the first byte, or to stdout for
    ``-``; never through a device or a pipe named as a file."""
    if out == "-":
        echo(text)
        return
    write_file((text + "\n").encode("utf-8"), out, force=force, what="private key", private=True)


@click.group()
def key() -> None:
    """Create, import, export and rotate signing keys.

    \b
    Example:
      vcportable key generate --out board.key
    """


@key.command("generate")
@click.option(
    "--type",
    "key_type",
    type=click.Choice(KEY_TYPES),
    default="ed25519",
    show_default=True,
    help="Key algorithm (p256: ecdsa-rdfc-2019 and ES256; p384: ES384).",
)
@click.option("--out", required=True, metavar="FILE", help="Key file to write (never replaced).")
@passphrase_env_option
@click.option("--no-passphrase", is_flag=True, help="Store the key unencrypted (test keys only).")
def key_generate(key_type: str, out: str, passphrase_env: str | None, no_passphrase: bool) -> None:
    """Generate a key pair, write it encrypted with mode 0600 and print its DID (last line).

    \b
    Example:
      vcportable key generate --type p384 --out board.key --passphrase-env BOARD_PASSPHRASE
    """
    from ..keys import KeyPair, KeyType

    claim_output(out, force=False)  # before anyone types a passphrase for nothing
    secret = new_key_passphrase(passphrase_env, no_passphrase)
    pair = KeyPair.generate(KeyType(key_type))
    _save_key(pair, out, secret)
    echo(pair.controller)


@key.command("export")
@click.argument("keyfile", metavar="KEYFILE")
@click.option(
    "--public/--private",
    "public",
    default=True,
    help="Export the public key (default) or the private key.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jwk", "multikey", "pem"]),
    default="jwk",
    show_default=True,
    help="jwk: RFC 7517 (with kid and alg); multikey: a W3C Multikey document; pem: "
    "SubjectPublicKeyInfo, or PKCS#8 for a private key.",
)
@click.option(
    "--out",
    metavar="FILE",
    help="Write here (- for stdout). Required for --private: a private key is never printed "
    "unasked.",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file (never a key file).")
@passphrase_env_option
@click.option(
    "--export-passphrase-env",
    metavar="VAR",
    help="--private --format pem: encrypt the PEM with the passphrase in VAR (default: typed "
    "twice).",
)
@click.option(
    "--no-export-passphrase",
    is_flag=True,
    help="--private --format pem: write the PEM unencrypted.",
)
def key_export(
    keyfile: str,
    public: bool,
    fmt: str,
    out: str | None,
    force: bool,
    passphrase_env: str | None,
    export_passphrase_env: str | None,
    no_export_passphrase: bool,
) -> None:
    """Export a key for another tool, as JWK, Multikey or PEM.

    A private key goes only to a file (mode 0600) or to stdout with an explicit --out -.
    JWK and Multikey have no encryption of their own: keep such a file as safe as the key file.

    \b
    Examples:
      vcportable key export board.key --format jwk
      vcportable key export board.key --private --format pem --out board.pem
    """
    from ..keys import read_key_file_info

    if (export_passphrase_env or no_export_passphrase) and (public or fmt != "pem"):
        raise click.UsageError(
            "--export-passphrase-env and --no-export-passphrase go with --private --format pem"
        )
    if export_passphrase_env and no_export_passphrase:
        raise click.UsageError(
            "--export-passphrase-env and --no-export-passphrase exclude each other"
        )
    if not public and out is None:
        raise click.UsageError(
            "a private key is never printed unasked: give --out FILE (written with mode 0600), "
            "or --out - for stdout"
        )
    check_key_input(keyfile)
    if public:
        info = read_key_file_info(keyfile)
        text = _public_export(fmt, info.public_key, info.controller, info.key_id)
        write_output(text, out, force=force, what="public key")
        return
    assert out is not None
    if out != "-":
        claim_output(out, force=force)  # before any passphrase is typed
    pair = load_key(keyfile, passphrase_env)
    if fmt == "pem":
        secret = None if no_export_passphrase else _export_passphrase(export_passphrase_env)
        _write_secret(pair.to_pem(secret).rstrip("\n"), out, force=force)
        return
    click.echo(f"Warning: {fmt} private keys are not encrypted; protect this output", err=True)
    document: dict[str, Any]
    if fmt == "jwk":
        document = {**pair.to_jwk(), "kid": pair.key_id, "alg": pair.public_key.jws_alg}
    else:
        document = {
            **_multikey(pair.public_key, pair.controller, pair.key_id),
            "secretKeyMultibase": pair.to_multibase_private(),
        }
    _write_secret(json.dumps(document, indent=2), out, force=force)


def _fragment(value: str | None) -> str | None:
    """A key id's fragment: letters, digits and ``. _ ~ -`` (a space or a second ``#`` made
    a key whose id no credential can name)."""
    import re

    if value is not None and not re.fullmatch(r"[A-Za-z0-9._~-]{1,64}", value):
        raise click.BadParameter(
            "must be 1 to 64 letters, digits or . _ ~ - (it ends the key's id after #)",
            param_hint="--key-id",
        )
    return value


def _multikey(public_key: Any, controller: str, key_id: str) -> dict[str, Any]:
    from ..dids import MULTIKEY_CONTEXT

    return {
        "@context": MULTIKEY_CONTEXT,
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key.to_multibase(),
    }


def _public_export(fmt: str, public_key: Any, controller: str, key_id: str) -> str:
    if fmt == "pem":
        text: str = public_key.to_pem().rstrip("\n")
        return text
    if fmt == "jwk":
        document = {**public_key.to_jwk(), "kid": key_id, "alg": public_key.jws_alg}
    else:
        document = _multikey(public_key, controller, key_id)
    return json.dumps(document, indent=2)


@key.command("import")
@click.argument("source", metavar="FILE")
@click.option("--out", required=True, metavar="KEYFILE", help="Key file to write (never replaced).")
@click.option(
    "--did",
    "did_method",
    type=click.Choice(["key", "jwk"]),
    default="key",
    show_default=True,
    help="The identity the key signs as: its did:key or its did:jwk.",
)
@click.option(
    "--pem-passphrase-env",
    metavar="VAR",
    help="The passphrase of an encrypted PEM, from VAR (default: a prompt).",
)
@passphrase_env_option
@click.option("--no-passphrase", is_flag=True, help="Store the key unencrypted (test keys only).")
def key_import(
    source: str,
    out: str,
    did_method: str,
    pem_passphrase_env: str | None,
    passphrase_env: str | None,
    no_passphrase: bool,
) -> None:
    """Import a private key from another tool (JWK, or PKCS#8 PEM) into a new key file.

    Ed25519, P-256 and P-384 keys are accepted; RSA, secp256k1, X25519, Ed448 and invalid
    keys (small-order Ed25519 points, mismatched public parts) are refused.

    \b
    Example:
      vcportable key import walt-key.jwk --out board.key --passphrase-env BOARD_PASSPHRASE
    """
    from ..codec.json import parse_json
    from ..dids import did_jwk_document
    from ..errors import InputError
    from ..keys import KeyPair, passphrase_from_env

    data = read_input(source, MAX_KEY_FILE_BYTES)
    claim_output(out, force=False)
    try:
        if data.lstrip().startswith(b"-----BEGIN "):
            encrypted = b"ENCRYPTED PRIVATE KEY" in data
            pem_secret = None
            if encrypted:
                pem_secret = (
                    passphrase_from_env(pem_passphrase_env)
                    if pem_passphrase_env
                    else _typed_pem_passphrase()
                )
            pair = KeyPair.from_pem(data, pem_secret)
        else:
            pair = KeyPair.from_jwk(parse_json(as_text(data, source), what=source))
    except InputError as exc:
        raise click.ClickException(f"cannot import {source}: {exc.message}") from None
    if did_method == "jwk":
        did = did_jwk_document(pair.public_key)["id"]
        pair = pair.with_identity(did, f"{did}#0")
    _save_key(pair, out, new_key_passphrase(passphrase_env, no_passphrase))
    echo(pair.controller)


def _typed_pem_passphrase() -> bytes:
    if not _interactive():
        raise click.UsageError(
            "the PEM is encrypted: set --pem-passphrase-env VAR or run in a terminal"
        )
    typed: str = click.prompt("Passphrase of the PEM", hide_input=True)
    return typed.encode("utf-8")


@key.command("rotate")
@click.argument("keyfile", metavar="KEYFILE")
@click.option("--out", required=True, metavar="NEWKEYFILE", help="The new key file to write.")
@click.option(
    "--type",
    "key_type",
    type=click.Choice(KEY_TYPES),
    help="Algorithm of the new key (default: the old key's).",
)
@click.option(
    "--key-id",
    metavar="FRAGMENT",
    callback=lambda _ctx, _param, value: _fragment(value),
    help="did:web: the new key's fragment (default: key-N, the next free number).",
)
@passphrase_env_option
def key_rotate(
    keyfile: str, out: str, key_type: str | None, key_id: str | None, passphrase_env: str | None
) -> None:
    """Replace a signing key, keeping the old public key for what it already signed.

    The new key file (same passphrase) lists the old key under "previous"; the old file is left
    as it was. A did:web issuer then publishes the new did.json (did web create), which lists
    the previous keys under assertionMethod, so credentials signed before the rotation still
    verify. A did:key or did:jwk is its key: the new key is a new DID (print last), and
    credentials signed before keep verifying against the old one.

    \b
    Example:
      vcportable key rotate board.key --out board-2027.key
    """
    from ..dids import did_jwk_document
    from ..keys import KeyPair, KeyType, PreviousKey, key_file_is_encrypted

    claim_output(out, force=False)
    check_key_input(keyfile)
    secret = passphrase(passphrase_env, confirm=False) if key_file_is_encrypted(keyfile) else None
    old = KeyPair.load(keyfile, secret)
    previous = (PreviousKey(old.key_id, old.public_key), *old.previous)
    fresh = KeyPair.generate(KeyType(key_type) if key_type else old.type)
    if old.controller.startswith("did:key:"):
        new = fresh.with_identity(fresh.controller, fresh.key_id, previous)
    elif old.controller.startswith("did:jwk:"):
        did = did_jwk_document(fresh.public_key)["id"]
        new = fresh.with_identity(did, f"{did}#0", previous)
    else:
        used = {k.key_id for k in previous}
        fragment = key_id or next(
            f"key-{n}" for n in range(2, 10_000) if f"{old.controller}#key-{n}" not in used
        )
        if f"{old.controller}#{fragment}" in used:
            raise click.UsageError(f"--key-id {fragment} was already used by this identity")
        new = fresh.with_identity(old.controller, f"{old.controller}#{fragment}", previous)
    _save_key(new, out, secret)
    if not new.controller.startswith(("did:key:", "did:jwk:")):
        click.echo(f"publish the new document: vcportable did web create ... --key {out}", err=True)
    echo(new.controller)


@click.group()
def did() -> None:
    """Show DID documents; create a did:web identity.

    \b
    Example:
      vcportable did show board.key
    """


@did.command("show")
@click.argument("keyfile", metavar="KEYFILE")
def did_show(keyfile: str) -> None:
    """Print the DID document of a key file (no passphrase needed).

    \b
    Example:
      vcportable did show board.key > did.json
    """
    from ..dids import did_document_for_key_file

    check_key_input(keyfile)
    echo(json.dumps(did_document_for_key_file(keyfile), indent=2))


@did.group("web")
def did_web() -> None:
    """did:web identities (published on the issuer's web site, verified offline).

    \b
    Example:
      vcportable did web create --url https://board.example --key board.key --out-dir web
    """


@did_web.command("create")
@click.option(
    "--url", required=True, help="The https origin of the web site, e.g. https://board.example."
)
@click.option("--path", "url_path", metavar="PATH", help="A path under it, e.g. issuers/1.")
@click.option("--key", "keyfile", required=True, metavar="KEYFILE", help="The issuer's key file.")
@click.option(
    "--out-dir",
    required=True,
    metavar="DIR",
    help=f"Where to write {SITE_DIR}/ (upload it to the web root) and {CACHE_DIR}/ (give it "
    "to verifiers: verify --did-web-cache).",
)
@click.option(
    "--key-out",
    metavar="KEYFILE",
    help="When KEYFILE signs as another DID: a new key file, the same key bound to the did:web.",
)
@click.option(
    "--key-id",
    default="key-1",
    show_default=True,
    metavar="FRAGMENT",
    callback=lambda _ctx, _param, value: _fragment(value),
    help="With --key-out: the key's fragment in the did:web document.",
)
@click.option("--force", is_flag=True, help="Replace existing did.json files (never a key file).")
@passphrase_env_option
def did_web_create(
    url: str,
    url_path: str | None,
    keyfile: str,
    out_dir: str,
    key_out: str | None,
    key_id: str,
    force: bool,
    passphrase_env: str | None,
) -> None:
    """Create a did:web identity: the did.json to publish, and the cache entry with which
    verifiers check its credentials offline (the network is never used).

    Writes DIR/site/<path>/did.json (or DIR/site/.well-known/did.json) to upload to the web
    root, and DIR/did-web-cache/<host>/<path>/did.json for `verify --did-web-cache`. A key
    rotated with `key rotate` keeps its previous keys in the document.

    \b
    Example:
      vcportable did web create --url https://board.example --key board.key \\
          --key-out board-web.key --out-dir web
      vcportable verify --did-web-cache web/did-web-cache maria.json
    """
    from ..dids import (
        OfflineResolver,
        did_document_for_key_file,
        did_web_from_url,
        did_web_segments,
    )
    from ..errors import InputError
    from ..keys import KeyPair, key_file_is_encrypted, read_key_file_info

    try:
        did = did_web_from_url(url, url_path)
    except InputError as exc:
        raise click.BadParameter(exc.message, param_hint="--url/--path") from None
    check_key_input(keyfile)
    info = read_key_file_info(keyfile)
    if info.controller != did and key_out is None:
        raise click.UsageError(
            f"{keyfile} signs as {info.controller}; give --key-out NEWKEYFILE to write the "
            f"same key bound to {did}"
        )
    if info.controller == did and key_out is not None:
        raise click.UsageError(f"{keyfile} already signs as {did}: --key-out is not needed")
    segments = did_web_segments(did)
    site = Path(out_dir, SITE_DIR, *segments[1:], "did.json")
    cache = Path(out_dir, CACHE_DIR, *segments, "did.json")
    for target in (site, cache):
        claim_output(str(target), force=force, makes_folder=True)
    if key_out is not None:
        claim_output(key_out, force=False)
    for target in (site, cache):  # folders first: a key file is never written for nothing
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Unwritable(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    if key_out is not None:  # the same key, bound to the did:web, in a new key file
        secret = (
            passphrase(passphrase_env, confirm=False) if key_file_is_encrypted(keyfile) else None
        )
        pair = KeyPair.load(keyfile, secret).with_identity(did, f"{did}#{key_id}", ())
        _save_key(pair, key_out, secret)
        keyfile = key_out
    text = json.dumps(did_document_for_key_file(keyfile), indent=2)
    for target in (site, cache):
        write_output(text, str(target), force=force, what="DID document")
    OfflineResolver(did_web_cache_dir=Path(out_dir, CACHE_DIR)).resolve(did)  # it reads back
    click.echo(f"upload {site} to https://{'/'.join(segments)}/did.json", err=True)
    echo(did)
