"""The contract of docs/cli.md, for every command, as one table: bad inputs are exit 3, outputs
that cannot or must not be written are exit 4; each with one ``Error:`` line, no traceback, and
no existing file changed. A new command adds its rows to ``READERS`` / ``WRITERS``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import load_json
from vcportable.cli import cli
from vcportable.cli.trust import MAX_LIST_FILE_BYTES
from vcportable.codec.json import MAX_INPUT_BYTES
from vcportable.envelope import bake, encode, render
from vcportable.envelope.read import MAX_IMAGE_BYTES

EXIT_UNREADABLE = 3
EXIT_UNWRITABLE = 4


@dataclass
class World:
    """The files a command line can name: {key}, {holder}, {sample}, {signed}, {sd_jwt}."""

    root: Path
    files: dict[str, str]

    def argv(self, template: list[str], **extra: str) -> list[str]:
        return [part.format(**self.files, **extra) for part in template]


def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def real_run(shell_tail: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The console entry point in a real process, with a shell redirection (``>&-``...)."""
    command = " ".join(["exec", *map(_quote, [sys.executable, "-m", "vcportable", *args])])
    return subprocess.run(
        ["bash", "-c", f"{command} {shell_tail}"], capture_output=True, text=True, timeout=120
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def assert_refused(proc: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    """Exit ``code`` with exactly one ``Error:`` line on stderr that says ``words``."""
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: "), proc.stderr
    assert words.lower() in errors[0].lower(), errors[0]
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("world")
    key, holder = root / "board.key", root / "maria.key"
    cli_run("key", "generate", "--out", str(key), "--no-passphrase")
    did = cli_run("key", "generate", "--out", str(holder), "--no-passphrase").stdout.strip()
    unsigned = load_json("interop/sample-unsigned.json")
    del unsigned["issuer"]["id"]
    unsigned["credentialSubject"]["id"] = did
    sample = root / "sample.json"
    sample.write_text(json.dumps(unsigned))
    signed = root / "signed.json"
    sd_jwt = root / "maria.sd-jwt"
    for out, extra in ((signed, []), (sd_jwt, ["--format", "sd-jwt", "--holder", did])):
        args = ["issue", "--key", str(key), "--credential", str(sample), "--out", str(out)]
        assert cli_run(*args, *extra).returncode == 0
    envelope, badge = root / "maria.qr.txt", root / "maria-badge.png"
    plain = root / "plain-badge.png"
    text = encode(signed.read_text())
    envelope.write_text(text + "\n")
    plain.write_bytes(render(text, "png"))
    badge.write_bytes(bake(plain.read_bytes(), signed.read_text()))
    files = {
        "key": key, "holder": holder, "sample": sample, "signed": signed, "sd_jwt": sd_jwt,
        "envelope": envelope, "badge": badge, "plain_badge": plain,
    }  # fmt: skip
    return World(root, {name: str(path) for name, path in files.items()})


# -- inputs ---------------------------------------------------------------------------------

#: Every place a command reads a file; {input} is the bad one.
READERS = {
    "issue --credential": ["issue", "--key", "{key}", "--credential", "{input}"],
    "issue --key": ["issue", "--key", "{input}", "--credential", "{sample}"],
    "present --credential": ["present", "--credential", "{input}", "--holder-key", "{holder}"],
    "present --holder-key": ["present", "--credential", "{signed}", "--holder-key", "{input}"],
    "verify": ["verify", "{input}"],
    "verify --json": ["verify", "--json", "{input}"],
    "did show": ["did", "show", "{input}"],
    "key export": ["key", "export", "{input}"],
    "key import": ["key", "import", "{input}", "--out", "{out}", "--no-passphrase"],
    "qr encode": ["qr", "encode", "{input}"],
    "qr decode": ["qr", "decode", "{input}"],
    "badge bake --image": ["badge", "bake", "{signed}", "--image", "{input}", "--out", "{out}"],
    "badge unbake": ["badge", "unbake", "{input}"],
    "trust show": ["trust", "show", "{input}"],
    "trust convert": ["trust", "convert", "{input}", "{out}"],
}


def _missing(root: Path, limit: int) -> Path:
    return root / "missing.json"


def _directory(root: Path, limit: int) -> Path:
    (root / "folder").mkdir(exist_ok=True)
    return root / "folder"


def _empty(root: Path, limit: int) -> Path:
    (root / "empty.json").write_bytes(b"")
    return root / "empty.json"


def _binary(root: Path, limit: int) -> Path:
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    return root / "photo.png"


def _too_large(root: Path, limit: int) -> Path:
    (root / "huge.json").write_bytes(b'{"a": "' + b"x" * limit + b'"}')
    return root / "huge.json"


#: Each bad input, made in a folder for a reader with a size limit, and what its line says.
BAD_INPUTS: dict[str, tuple[Callable[[Path, int], Path], str]] = {
    "missing": (_missing, "cannot read"),
    "directory": (_directory, "directory"),
    "empty": (_empty, "empty"),
    "binary": (_binary, ""),
    "too large": (_too_large, ""),  # over that reader's own limit
}
#: Readers with a larger limit than a credential's (images, trust lists).
LIMITS = {
    "qr decode": MAX_IMAGE_BYTES,
    "badge bake --image": MAX_IMAGE_BYTES,
    "badge unbake": MAX_IMAGE_BYTES,
    "trust show": MAX_LIST_FILE_BYTES,
    "trust convert": MAX_LIST_FILE_BYTES,
}
#: Where a key is expected, a file that is not one is named as such, before any complaint
#: about its permissions.
KEY_READERS = {"issue --key", "present --holder-key", "did show", "key export"}


@pytest.mark.parametrize("case", BAD_INPUTS)
@pytest.mark.parametrize("reader", READERS)
def test_bad_input_is_exit_3_with_one_line(
    world: World, tmp_path: Path, reader: str, case: str
) -> None:
    make, words = BAD_INPUTS[case]
    bad = make(tmp_path, LIMITS.get(reader, MAX_INPUT_BYTES))
    if case == "binary" and reader in KEY_READERS:
        words = "not a vcportable key file"
    words = words or str(bad)  # what is wrong depends on what the command reads: name the file
    before = _snapshot(world.root)
    argv = world.argv(READERS[reader], input=str(bad), out=str(tmp_path / "out.file"))
    assert_refused(cli_run(*argv), EXIT_UNREADABLE, words)
    assert _snapshot(world.root) == before


@pytest.mark.parametrize("reader", sorted(KEY_READERS))
def test_a_file_that_is_not_a_key_is_named_so(world: World, tmp_path: Path, reader: str) -> None:
    not_a_key = tmp_path / "notes.json"
    not_a_key.write_text('{"hello": "world"}')
    not_a_key.chmod(0o644)  # the permission complaint must not come first
    proc = cli_run(*world.argv(READERS[reader], input=str(not_a_key)))
    assert_refused(proc, EXIT_UNREADABLE, "not a vcportable key file")


def test_verify_names_the_unreadable_input_and_still_verifies_the_others(world: World) -> None:
    proc = cli_run("verify", "--json", str(world.root / "missing.json"), world.files["signed"])
    assert_refused(proc, EXIT_UNREADABLE, "missing.json")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["input"].endswith("missing.json"), r["verified"]) for r in lines] == [
        (True, False),
        (False, True),
    ]


# -- outputs --------------------------------------------------------------------------------

#: Every command that writes a file; {out} is where.
WRITERS = {
    "issue": ["issue", "--key", "{key}", "--credential", "{sample}", "--out", "{out}"],
    "present": [
        "present",
        "--credential",
        "{sd_jwt}",
        "--disclose",
        "credentialSubject.name",
        "--out",
        "{out}",
    ],  # fmt: skip
    "key export": ["key", "export", "{key}", "--out", "{out}"],
    "qr decode": ["qr", "decode", "{envelope}", "--out", "{out}"],
    "badge unbake": ["badge", "unbake", "{badge}", "--out", "{out}"],
    "badge bake": ["badge", "bake", "{signed}", "--image", "{plain_badge}", "--out", "{out}"],
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_an_existing_file_needs_force(world: World, tmp_path: Path, writer: str) -> None:
    out = tmp_path / "existing.txt"
    out.write_text("precious")
    proc = cli_run(*world.argv(WRITERS[writer], out=str(out)))
    assert_refused(proc, EXIT_UNWRITABLE, "--force")
    assert out.read_bytes() == b"precious"
    forced = cli_run(*world.argv(WRITERS[writer], out=str(out)), "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() != b"precious"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_link_to_nothing_needs_force_and_a_missing_folder_is_named(
    world: World, tmp_path: Path, writer: str
) -> None:
    """A dangling symbolic link is an entry: --force replaces the link (it said 'add --force'
    with --force given); an output under a missing folder is refused before any other output."""
    link = tmp_path / "dangling.json"
    link.symlink_to(tmp_path / "nowhere.json")
    assert_refused(cli_run(*world.argv(WRITERS[writer], out=str(link))), EXIT_UNWRITABLE, "link")
    forced = cli_run(*world.argv(WRITERS[writer], out=str(link)), "--force")
    assert forced.returncode == 0, forced.stderr
    assert not link.is_symlink() and link.is_file()
    missing = tmp_path / "no-such-folder" / "out.json"
    proc = cli_run(*world.argv(WRITERS[writer], out=str(missing)))
    assert_refused(proc, EXIT_UNWRITABLE, "there is no folder")


KEY_FILES = {
    "vcportable": None,  # a copy of the world's key, under an innocent name
    "vcportable with a BOM": "BOM",  # the key loader strips a BOM: still a key
    "pem": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+x\n-----END PRIVATE KEY-----\n",
    "jwk": '{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", '
    '"d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}',
}


@pytest.mark.parametrize("kind", KEY_FILES)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_key_file_is_never_overwritten(
    world: World, tmp_path: Path, writer: str, kind: str
) -> None:
    out = tmp_path / "credential.json"  # by name, nothing says it is a key
    content = KEY_FILES[kind]
    if content is None:
        shutil.copy(world.files["key"], out)
    elif content == "BOM":
        out.write_bytes(b"\xef\xbb\xbf" + Path(world.files["key"]).read_bytes())
    else:
        out.write_text(content)
    before = out.read_bytes()
    proc = cli_run(*world.argv(WRITERS[writer], out=str(out)), "--force")
    assert_refused(proc, EXIT_UNWRITABLE, "key file")
    assert out.read_bytes() == before


def test_a_new_key_never_replaces_any_file(tmp_path: Path) -> None:
    """Key files have no --force at all: a key is written only where nothing is."""
    out = tmp_path / "notes.txt"
    out.write_text("precious")
    proc = cli_run("key", "generate", "--out", str(out), "--no-passphrase")
    assert_refused(proc, EXIT_UNWRITABLE, "already exists")
    assert out.read_text() == "precious"


@pytest.mark.parametrize("writer", WRITERS)
def test_a_directory_is_not_an_output(world: World, tmp_path: Path, writer: str) -> None:
    proc = cli_run(*world.argv(WRITERS[writer], out=str(tmp_path)), "--force")
    assert_refused(proc, EXIT_UNWRITABLE, "directory")


@pytest.mark.parametrize("writer", WRITERS)
def test_a_path_under_a_file_is_exit_4(world: World, tmp_path: Path, writer: str) -> None:
    (tmp_path / "plain").write_text("x")
    proc = cli_run(*world.argv(WRITERS[writer], out=str(tmp_path / "plain" / "out.json")))
    assert_refused(proc, EXIT_UNWRITABLE, "cannot write")


def _mount_tmpfs(folder: Path, size: str) -> bool:
    """A small tmpfs at ``folder`` (root only, where mounting is allowed)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
    )
    return proc.returncode == 0


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write into, holding one existing file. Root ignores permission
    bits, so for root it is a tmpfs remounted read-only (the kernel refuses: EROFS)."""
    folder = tmp_path / "read-only"
    if os.geteuid() != 0:
        folder.mkdir()
        (folder / "existing.json").write_text("precious")
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not _mount_tmpfs(folder, "1m"):
        pytest.skip("running as root and cannot mount a tmpfs: no folder root cannot write")
    try:
        (folder / "existing.json").write_text("precious")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_read_only_folder_is_exit_4(world: World, read_only_folder: Path, writer: str) -> None:
    new = cli_run(*world.argv(WRITERS[writer], out=str(read_only_folder / "new.json")))
    assert_refused(new, EXIT_UNWRITABLE, "cannot write")
    existing = read_only_folder / "existing.json"
    replace = cli_run(*world.argv(WRITERS[writer], out=str(existing)), "--force")
    assert_refused(replace, EXIT_UNWRITABLE, "cannot write")
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["existing.json"]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs with one existing file and no room left."""
    folder = tmp_path / "full"
    if not _mount_tmpfs(folder, "64k"):
        pytest.skip("needs root and mount for a small tmpfs (/dev/full is tested regardless)")
    try:
        (folder / "existing.json").write_text("precious")
        with open(folder / "filler", "wb", buffering=0) as filler, pytest.raises(OSError):
            while True:
                filler.write(b"\0" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_full_disk_leaves_the_existing_file_unchanged(
    world: World, full_disk: Path, writer: str
) -> None:
    existing = full_disk / "existing.json"
    proc = cli_run(*world.argv(WRITERS[writer], out=str(existing)), "--force")
    assert_refused(proc, EXIT_UNWRITABLE, "no space left")
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in full_disk.iterdir()) == ["existing.json", "filler"]


@pytest.mark.parametrize("writer", WRITERS)
def test_out_dev_full_is_exit_4(world: World, writer: str) -> None:
    proc = cli_run(*world.argv(WRITERS[writer], out="/dev/full"))
    assert_refused(proc, EXIT_UNWRITABLE, "no space left")
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


# -- standard output ------------------------------------------------------------------------

#: Every command that prints its result on stdout.
PRINTERS = {
    "issue": ["issue", "--key", "{key}", "--credential", "{sample}"],
    "present": ["present", "--credential", "{sd_jwt}", "--disclose", "credentialSubject.name"],
    "verify": ["verify", "{signed}"],
    "verify --json": ["verify", "--json", "{signed}"],
    "did show": ["did", "show", "{key}"],
    "key export": ["key", "export", "{key}"],
    "qr decode": ["qr", "decode", "{envelope}"],
    "badge unbake": ["badge", "unbake", "{badge}"],
    "--help": ["--help"],
}


@pytest.mark.parametrize("printer", PRINTERS)
def test_stdout_on_a_full_disk_is_exit_4(world: World, printer: str) -> None:
    proc = real_run("> /dev/full", *world.argv(PRINTERS[printer]))
    assert_refused(proc, EXIT_UNWRITABLE, "standard output")


@pytest.mark.parametrize("printer", PRINTERS)
def test_closed_stdout_is_exit_4_not_a_silent_loss(world: World, printer: str) -> None:
    proc = real_run(">&-", *world.argv(PRINTERS[printer]))
    assert_refused(proc, EXIT_UNWRITABLE, "standard output")


@pytest.mark.parametrize("printer", PRINTERS)
def test_a_closed_pipe_is_exit_4(world: World, printer: str) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "vcportable", *world.argv(PRINTERS[printer])],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert_refused(subprocess.CompletedProcess([], proc.returncode, "", proc.stderr), 4, "pipe")


@pytest.mark.parametrize("out", ["-", "/dev/stdout"])
def test_out_to_stdout_or_a_device_needs_no_force(world: World, out: str) -> None:
    proc = real_run("", *world.argv(WRITERS["issue"], out=out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["proof"]


def test_a_file_name_with_control_characters_stays_one_line(world: World, tmp_path: Path) -> None:
    sneaky = tmp_path / "a\nError: all good\x1b[2J.json"
    proc = cli_run(*world.argv(READERS["issue --credential"], input=str(sneaky)))
    assert_refused(proc, EXIT_UNREADABLE, "\\u000aError: all good\\u001b[2J.json")
