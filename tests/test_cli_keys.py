"""``vcportable key`` and ``vcportable did``: keys and identities from the command line.

Each command is run as a user would; the checks are the exit code, one clear line on error,
no traceback, files written with mode 0600 where they hold a private key, and no existing file
changed by a command that refused.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import load_json
from vcportable import fileutil
from vcportable.cli import cli
from vcportable.codec.base64url import b64url_encode
from vcportable.dids import OfflineResolver, find_method
from vcportable.keys import KeyPair, KeyType, PublicKey, read_key_file_info

PW = "correct horse battery"
ENV = {"PW": PW, "EXPORT_PW": "export passphrase!"}


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def error_line(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "board.key"
    result = run("key", "generate", "--out", str(path), "--passphrase-env", "PW", env=ENV)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def typing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the runner's stdin is a terminal, so passphrases are prompted for (and typed
    through ``input``)."""
    import click.testing

    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)


# --- key generate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "prefix"),
    [("ed25519", "did:key:z6Mk"), ("p256", "did:key:zDn"), ("p384", "did:key:z82")],
)
def test_key_generate_types(tmp_path: Path, key_type: str, prefix: str) -> None:
    path = tmp_path / "k.key"
    result = run(
        "key", "generate", "--type", key_type, "--out", str(path), "--passphrase-env", "PW", env=ENV
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith(prefix)
    assert mode(path) == 0o600
    assert KeyPair.load(path, PW.encode()).type.value == key_type


def test_key_generate_asks_twice_and_refuses_a_short_passphrase(
    tmp_path: Path, typing: None
) -> None:
    short = run("key", "generate", "--out", str(tmp_path / "a.key"), input="tooshort\ntooshort\n")
    assert short.exit_code == 2
    assert "at least 12" in error_line(short)
    assert not (tmp_path / "a.key").exists()
    typed = run("key", "generate", "--out", str(tmp_path / "b.key"), input=f"{PW}\n{PW}\n")
    assert typed.exit_code == 0, typed.output
    assert "Repeat for confirmation" in typed.output
    assert KeyPair.load(tmp_path / "b.key", PW.encode())


def test_key_generate_refuses_a_short_passphrase_from_the_environment(tmp_path: Path) -> None:
    result = run("key", "generate", "--out", str(tmp_path / "k.key"), "--passphrase-env", "X",
                 env={"X": "short"})  # fmt: skip
    assert result.exit_code == 2
    assert "at least 12" in error_line(result)


def test_key_generate_never_overwrites(tmp_path: Path, keyfile: Path) -> None:
    before = keyfile.read_bytes()
    result = run("key", "generate", "--out", str(keyfile), "--no-passphrase")
    assert result.exit_code == 4
    assert "never overwrites a key file" in error_line(result)
    assert keyfile.read_bytes() == before
    other = tmp_path / "notes.txt"
    other.write_text("keep me")
    result = run("key", "generate", "--out", str(other), "--no-passphrase")
    assert result.exit_code == 4
    assert other.read_text() == "keep me"


# --- key export ----------------------------------------------------------------------------------


def test_key_export_public_formats(keyfile: Path) -> None:
    info = read_key_file_info(keyfile)
    jwk = json.loads(run("key", "export", str(keyfile)).stdout)
    assert PublicKey.from_jwk(jwk) == info.public_key
    assert jwk["kid"] == info.key_id and jwk["alg"] == "EdDSA" and "d" not in jwk
    multikey = json.loads(run("key", "export", str(keyfile), "--format", "multikey").stdout)
    assert multikey["type"] == "Multikey"
    assert PublicKey.from_multibase(multikey["publicKeyMultibase"]) == info.public_key
    pem = run("key", "export", str(keyfile), "--format", "pem").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_key_export_private_needs_out(keyfile: Path) -> None:
    result = run("key", "export", str(keyfile), "--private", "--passphrase-env", "PW", env=ENV)
    assert result.exit_code == 2
    assert "never printed unasked" in error_line(result)
    assert '"d"' not in result.output


@pytest.mark.parametrize("fmt", ["jwk", "multikey"])
def test_key_export_private_to_a_0600_file_and_back(
    tmp_path: Path, keyfile: Path, fmt: str
) -> None:
    out = tmp_path / f"board.{fmt}"
    result = run("key", "export", str(keyfile), "--private", "--format", fmt, "--out", str(out),
                 "--passphrase-env", "PW", env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    document = json.loads(out.read_text())
    original = KeyPair.load(keyfile, PW.encode())
    if fmt == "jwk":
        assert KeyPair.from_jwk(document).public_key == original.public_key
    else:
        pair = KeyPair.from_multibase_private(document["secretKeyMultibase"])
        assert pair.public_key == original.public_key


def test_key_export_private_to_stdout_only_when_asked(keyfile: Path) -> None:
    result = run("key", "export", str(keyfile), "--private", "--out", "-", "--passphrase-env", "PW",
                 env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "d" in json.loads(result.stdout)


def test_key_export_private_pem_is_encrypted_and_imports_back(
    tmp_path: Path, keyfile: Path
) -> None:
    pem = tmp_path / "board.pem"
    result = run("key", "export", str(keyfile), "--private", "--format", "pem", "--out", str(pem),
                 "--passphrase-env", "PW", "--export-passphrase-env", "EXPORT_PW",
                 env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert mode(pem) == 0o600
    assert pem.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    imported = tmp_path / "again.key"
    result = run("key", "import", str(pem), "--out", str(imported), "--pem-passphrase-env",
                 "EXPORT_PW", "--passphrase-env", "PW", env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_key_file_info(imported).public_key == read_key_file_info(keyfile).public_key


def test_key_export_private_pem_passphrase_is_typed_twice(
    tmp_path: Path, keyfile: Path, typing: None
) -> None:
    pem = tmp_path / "board.pem"
    secret = "another long passphrase"
    result = run("key", "export", str(keyfile), "--private", "--format", "pem", "--out", str(pem),
                 input=f"{PW}\n{secret}\n{secret}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("Passphrase for the exported key") == 1
    assert "Repeat for confirmation" in result.output
    assert KeyPair.from_pem(pem.read_bytes(), secret.encode())


def test_key_export_private_refuses_devices_and_key_files(tmp_path: Path, keyfile: Path) -> None:
    for out in ("/dev/null", str(keyfile)):
        before = keyfile.read_bytes()
        result = run("key", "export", str(keyfile), "--private", "--out", out,
                     "--passphrase-env", "PW", env=ENV)  # fmt: skip
        assert result.exit_code == 4, result.output
        assert keyfile.read_bytes() == before


def test_key_export_failed_write_leaves_nothing(
    tmp_path: Path, keyfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileutil.os, "fsync", full)
    out = tmp_path / "board.jwk"
    result = run("key", "export", str(keyfile), "--private", "--out", str(out),
                 "--passphrase-env", "PW", env=ENV)  # fmt: skip
    assert result.exit_code == 4
    assert "No space left on device" in error_line(result)
    assert not out.exists()


# --- key import ----------------------------------------------------------------------------------


def test_key_import_jwk_as_did_key_and_did_jwk(tmp_path: Path) -> None:
    source = tmp_path / "walt.jwk"
    source.write_text(json.dumps(load_json("keys/vm-ed25519.json")["secretKeyJwk"]))
    public = PublicKey.from_jwk(load_json("keys/vm-ed25519.json")["publicKeyJwk"])
    result = run("key", "import", str(source), "--out", str(tmp_path / "a.key"), "--no-passphrase")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"did:key:{public.to_multibase()}"
    result = run("key", "import", str(source), "--out", str(tmp_path / "b.key"), "--did", "jwk",
                 "--no-passphrase")  # fmt: skip
    assert result.stdout.strip().startswith("did:jwk:")
    assert mode(tmp_path / "b.key") == 0o600
    OfflineResolver().resolve(result.stdout.strip())


def _pem(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return bytes(private.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))


def _refused_keys() -> dict[str, bytes]:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    secret = load_json("keys/vm-ed25519.json")["secretKeyJwk"]
    small = {**secret, "x": b64url_encode(bytes.fromhex("01" + "00" * 31))}
    return {
        "rsa": _pem(rsa.generate_private_key(65537, 2048)),
        "secp256k1": _pem(ec.generate_private_key(ec.SECP256K1())),
        "small-order": json.dumps(small).encode(),
        "public-only": json.dumps(load_json("keys/vm-ed25519.json")["publicKeyJwk"]).encode(),
        "duplicate-d": json.dumps(secret)[:-1].encode() + b', "d": "AAAA"}',
        "not-a-key": b"hello",
    }


@pytest.mark.parametrize("name", list(_refused_keys()))
def test_key_import_refuses_weak_unknown_and_invalid_keys(tmp_path: Path, name: str) -> None:
    source = tmp_path / "source"
    source.write_bytes(_refused_keys()[name])
    out = tmp_path / "out.key"
    result = run("key", "import", str(source), "--out", str(out), "--no-passphrase")
    assert result.exit_code == 1, result.output
    assert f"cannot import {source}" in error_line(result)
    assert not out.exists()


def test_key_import_encrypted_pem_needs_its_passphrase(tmp_path: Path) -> None:
    source = tmp_path / "k.pem"
    source.write_text(KeyPair.generate(KeyType.P384).to_pem(b"pem passphrase"))
    result = run("key", "import", str(source), "--out", str(tmp_path / "k.key"), "--no-passphrase")
    assert result.exit_code == 2
    result = run("key", "import", str(source), "--out", str(tmp_path / "k.key"),
                 "--pem-passphrase-env", "X", "--no-passphrase",
                 env={"X": "wrong passphrase"})  # fmt: skip
    assert result.exit_code == 1
    assert "wrong passphrase" in error_line(result)


# --- key rotate ----------------------------------------------------------------------------------


def test_key_rotate_did_key_keeps_the_old_key_and_the_old_file(
    tmp_path: Path, keyfile: Path
) -> None:
    before = keyfile.read_bytes()
    new = tmp_path / "board-2.key"
    result = run("key", "rotate", str(keyfile), "--out", str(new), "--type", "p384",
                 "--passphrase-env", "PW", env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    old_info, new_info = read_key_file_info(keyfile), read_key_file_info(new)
    assert result.stdout.strip() == new_info.controller != old_info.controller
    assert new_info.public_key.type is KeyType.P384
    assert [(p.key_id, p.public_key) for p in new_info.previous] == [
        (old_info.key_id, old_info.public_key)
    ]
    assert keyfile.read_bytes() == before
    assert KeyPair.load(new, PW.encode())  # same passphrase
    again = run("key", "rotate", str(keyfile), "--out", str(new), "--passphrase-env", "PW", env=ENV)
    assert again.exit_code == 4


# --- did show, did web create --------------------------------------------------------------------


def test_did_show_refuses_a_file_that_is_not_a_key(tmp_path: Path, keyfile: Path) -> None:
    assert json.loads(run("did", "show", str(keyfile)).stdout)["id"].startswith("did:key:")
    other = tmp_path / "notes.json"
    other.write_text("{}")
    result = run("did", "show", str(other))
    assert result.exit_code == 3
    assert "not a vcportable key file" in error_line(result)


def _web_create(tmp_path: Path, keyfile: Path, *extra: str) -> Result:
    out_dir = str(tmp_path / "web")
    return run("did", "web", "create", "--url", "https://board.example", "--key", str(keyfile),
               "--out-dir", out_dir, "--passphrase-env", "PW", *extra, env=ENV)  # fmt: skip


@pytest.mark.parametrize("fragment", ["a b", "x#y", "", "é"])
def test_a_key_id_fragment_is_one_no_credential_would_refuse(
    tmp_path: Path, keyfile: Path, fragment: str
) -> None:
    bound = tmp_path / "board-web.key"
    result = _web_create(tmp_path, keyfile, "--key-out", str(bound), "--key-id", fragment)
    assert result.exit_code == 2 and "--key-id" in result.output
    assert not bound.exists() and not (tmp_path / "web").exists()


def test_did_web_create_writes_the_document_and_the_cache_entry(
    tmp_path: Path, keyfile: Path
) -> None:
    bound = tmp_path / "board-web.key"
    result = _web_create(tmp_path, keyfile, "--key-out", str(bound))
    assert result.exit_code == 0, result.output
    did = "did:web:board.example"
    assert result.stdout.strip().splitlines()[-1] == did
    site = tmp_path / "web" / "site" / ".well-known" / "did.json"
    cache = tmp_path / "web" / "did-web-cache" / "board.example" / ".well-known" / "did.json"
    assert json.loads(site.read_text()) == json.loads(cache.read_text())
    pair = KeyPair.load(bound, PW.encode())
    assert (pair.controller, pair.key_id) == (did, f"{did}#key-1")
    document = OfflineResolver(did_web_cache_dir=tmp_path / "web" / "did-web-cache").resolve(did)
    method = find_method(document, pair.key_id, "assertionMethod")
    method.public_key.verify(pair.sign(b"credential"), b"credential")


def test_did_web_create_with_a_path_and_after_a_rotation(tmp_path: Path, keyfile: Path) -> None:
    bound = tmp_path / "bound.key"
    args = ("--path", "issuers/1")
    assert _web_create(tmp_path, keyfile, *args, "--key-out", str(bound)).exit_code == 0
    old = KeyPair.load(bound, PW.encode())
    rotated = tmp_path / "rotated.key"
    result = run("key", "rotate", str(bound), "--out", str(rotated), "--passphrase-env", "PW",
                 env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    did = "did:web:board.example:issuers:1"
    assert result.stdout.strip() == did
    refused = _web_create(tmp_path, rotated, *args)
    assert refused.exit_code == 4  # the did.json files exist: --force to replace them
    assert _web_create(tmp_path, rotated, *args, "--force").exit_code == 0
    site = tmp_path / "web" / "site" / "issuers" / "1" / "did.json"
    assert site.exists()
    document = OfflineResolver(did_web_cache_dir=tmp_path / "web" / "did-web-cache").resolve(did)
    signed_before = old.sign(b"old credential")
    find_method(document, old.key_id, "assertionMethod").public_key.verify(
        signed_before, b"old credential"
    )
    assert find_method(document, None, "authentication").id == f"{did}#key-2"


def test_did_web_create_usage_errors(tmp_path: Path, keyfile: Path) -> None:
    result = _web_create(tmp_path, keyfile)
    assert result.exit_code == 2
    assert "--key-out" in error_line(result)
    result = run("did", "web", "create", "--url", "http://board.example", "--key", str(keyfile),
                 "--out-dir", str(tmp_path / "web"))  # fmt: skip
    assert result.exit_code == 2
    assert "https" in result.output
    assert not (tmp_path / "web").exists()


def test_did_web_create_into_a_folder_it_cannot_create(tmp_path: Path, keyfile: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    bound = tmp_path / "b.key"
    result = run("did", "web", "create", "--url", "https://board.example", "--key", str(keyfile),
                 "--out-dir", str(blocked / "web"), "--key-out", str(bound),
                 "--passphrase-env", "PW", env=ENV)  # fmt: skip
    assert result.exit_code == 4
    assert "cannot create" in error_line(result)
    assert not bound.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("key",),
        ("key", "generate"),
        ("key", "export"),
        ("key", "import"),
        ("key", "rotate"),
        ("did",),
        ("did", "show"),
        ("did", "web", "create"),
    ],
)
def test_help_has_an_example(args: tuple[str, ...]) -> None:
    result = run(*args, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
