"""The contract every command keeps: how inputs are read, how outputs are written, and what the
exit codes mean. docs/cli.md documents it; every command goes through these functions so that
the promise holds everywhere, not only where someone remembered it.

Exit codes: 0 success, 1 an input was read and did not verify (or was refused), 2 usage error
(click's own ``UsageError``), 3 an input cannot be read or holds nothing readable, 4 an output
cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from io import TextIOBase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..codec.json import MAX_INPUT_BYTES

if TYPE_CHECKING:
    from ..keys import KeyPair

EXIT_NOT_VERIFIED = 1
EXIT_UNREADABLE = 3
EXIT_UNWRITABLE = 4

#: A key file is small; reading more of a file to decide whether it is one is pointless.
MAX_KEY_FILE_BYTES = 64 * 1024
_BOM = b"\xef\xbb\xbf"
STDIN_LABEL = "standard input"
_WRITE_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EBADF})
PASSPHRASE_ENV = "VCPORTABLE_PASSPHRASE"


#: The type of every file option: the shell completes file names, and click checks nothing,
#: so that every problem with a file is reported here with the contract's exit code.
PATH = click.Path()


class Unreadable(click.ClickException):
    """An input or key file cannot be read (exit 3)."""

    exit_code = EXIT_UNREADABLE


class Unwritable(click.ClickException):
    """An output cannot be written, or must not be (exit 4)."""

    exit_code = EXIT_UNWRITABLE


class _UnicodeText(click.types.StringParamType):
    """A text argument (an id, a reason, a name) that must be Unicode: bytes the locale could
    not decode reach Python as lone surrogates, which no database or JSON writer can store."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text: str = super().convert(value, param, ctx)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            self.fail(f"is not UTF-8 text (undecodable byte at character {exc.start})", param, ctx)
        return text


#: For text arguments that are stored or signed (ids, reasons, names): refused if not UTF-8.
UNICODE_TEXT = _UnicodeText()


def label(name: str) -> str:
    """How messages name a file: its path (control characters in a file name shown as escapes,
    so an error stays one line), or "standard input" for ``-``."""
    from ..display import safe

    return STDIN_LABEL if name == "-" else safe(name)


def read_input(name: str, max_bytes: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file or of stdin (``-``), without a leading UTF-8 BOM.

    Windows editors save a BOM; it is not part of the content that was signed, so it is
    stripped here, once, for every command. Missing, a directory, over ``max_bytes`` or empty:
    :class:`Unreadable`.
    """
    try:
        if name == "-":
            if sys.stdin is None:
                raise Unreadable("cannot read standard input: it is closed")
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(name, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read {label(name)}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise Unreadable(f"{label(name)} is over the size limit of {max_bytes} bytes")
    data = data.removeprefix(_BOM)
    if not data.strip():
        raise Unreadable(f"{label(name)} is empty")
    return data


def as_text(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text; a binary file is :class:`Unreadable`, never guessed at."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise Unreadable(f"{label(name)} is not UTF-8 text (a binary file?)")
    return text


def read_text(name: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """:func:`read_input` as UTF-8 text."""
    return as_text(read_input(name, max_bytes), name)


def json_object(text: str, name: str) -> dict[str, Any]:
    """The JSON object in ``text``; anything else cannot be read as a credential (exit 3), which
    is not the same as a credential that is read and refused (exit 1)."""
    from ..codec.json import parse_json
    from ..errors import InputError

    try:
        document = parse_json(text, what=label(name))
    except InputError as exc:
        raise Unreadable(exc.message) from None
    if not isinstance(document, dict):
        raise Unreadable(f"{label(name)} is not a JSON object")
    return document


def _json_of(data: bytes) -> Any:
    """``data`` through the one strict parser; None when it is not JSON."""
    from ..codec.json import parse_json
    from ..errors import InputError

    try:
        return parse_json(data, max_bytes=MAX_KEY_FILE_BYTES)
    except InputError:
        return None


def _is_key_document(document: Any) -> bool:
    return isinstance(document, dict) and {"version", "type", "publicKeyMultibase"} <= set(document)


def is_vcportable_key(data: bytes) -> bool:
    """Whether ``data`` is a vcportable key file, by content: whatever the file is called."""
    return _is_key_document(_json_of(data))


def holds_a_key(data: bytes) -> bool:
    """Whether ``data`` is key material of any tool: a vcportable key file, a PEM private key
    or a JWK (set) with a private part. Such a file is never overwritten."""
    if b"PRIVATE KEY-----" in data:
        return True
    document = _json_of(data.removeprefix(b"\xef\xbb\xbf"))  # the key loader strips a BOM
    if document is None:
        # Not JSON to the strict parser (a trailing comma, a hand edit): what any reader might
        # take for a key is one, never replaced.
        return b'"privateKey"' in data or (b'"kty"' in data and b'"d"' in data)
    if not isinstance(document, dict):
        return False
    keys = document.get("keys")
    candidates = keys if isinstance(keys, list) else [document]
    return _is_key_document(document) or any(
        isinstance(jwk, dict) and "kty" in jwk and "d" in jwk for jwk in candidates
    )


def check_key_input(path: str) -> None:
    """Refuse, before anything else is said about it, a file that is not a vcportable key
    (a FIFO or a device is none, and reading one would wait for ever)."""
    with contextlib.suppress(OSError):  # a missing file, a folder: read_input says so
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise Unreadable(f"{label(path)} is not a vcportable key file (not a regular file)")
    if not is_vcportable_key(read_input(path, MAX_KEY_FILE_BYTES)):
        raise Unreadable(f"{label(path)} is not a vcportable key file")


def passphrase(passphrase_env: str | None, *, confirm: bool) -> bytes:
    """The key passphrase: from ``passphrase_env``, else $VCPORTABLE_PASSPHRASE, else a prompt
    (only on a terminal: a script must not hang waiting for one)."""
    from ..keys import passphrase_from_env

    if passphrase_env:
        return passphrase_from_env(passphrase_env)
    if os.environ.get(PASSPHRASE_ENV):
        return passphrase_from_env(PASSPHRASE_ENV)
    if sys.stdin is None or not sys.stdin.isatty():
        raise click.UsageError(
            f"a passphrase is needed: set --passphrase-env VAR (or {PASSPHRASE_ENV}), "
            "or run in a terminal to be prompted"
        )
    value: str = click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    return value.encode("utf-8")


passphrase_env_option = click.option(
    "--passphrase-env",
    metavar="VAR",
    help=f"Read the key passphrase from environment variable VAR (default: {PASSPHRASE_ENV} "
    "if set, else a prompt).",
)


def load_key(path: str, passphrase_env: str | None) -> KeyPair:
    """Load a signing key file, asking for its passphrase only when it is encrypted."""
    from ..keys import KeyPair, key_file_is_encrypted

    check_key_input(path)
    encrypted = key_file_is_encrypted(path)
    secret = passphrase(passphrase_env, confirm=False) if encrypted else None
    return KeyPair.load(path, secret)


def distinct_outputs(**outputs: str | None) -> None:
    """A usage error when two output options name one file (the second write would replace
    the first, or be refused after it)."""
    named = {option: path for option, path in outputs.items() if path not in (None, "-")}
    seen: dict[str, str] = {}
    for option, path in named.items():
        assert path is not None
        real = os.path.realpath(path)
        if real in seen:
            raise click.UsageError(f"{seen[real]} and {option} name the same file")
        seen[real] = option


def claim_output(out: str, *, force: bool, makes_folder: bool = False) -> bool:
    """Check that ``out`` may be written; True if it exists as a regular file (to replace).

    A directory, an existing file without ``force``, a key file (ever), and a path whose folder
    does not exist (unless the caller ``makes_folder``) are refused with :class:`Unwritable`; a
    symbolic link to nothing is an existing file. Devices and pipes (``/dev/stdout``) are
    written in place; ``-`` is stdout.
    """
    if out == "-":
        return False
    try:
        info = os.stat(out)
    except FileNotFoundError:
        if os.path.islink(out):  # a link to nothing: an entry all the same
            if not force:
                raise Unwritable(
                    f"{label(out)} is a symbolic link to a missing file; add --force to replace "
                    "the link"
                ) from None
            return True
        folder = os.path.dirname(os.path.abspath(out))
        if not makes_folder and not os.path.isdir(folder):  # now, not after another output
            raise Unwritable(f"cannot write {label(out)}: there is no folder {folder}") from None
        return False
    except OSError:
        return False  # a path under a file, say: the write reports it
    if stat.S_ISDIR(info.st_mode):
        raise Unwritable(f"cannot write {label(out)}: it is a directory")
    if not stat.S_ISREG(info.st_mode):
        return False
    try:
        with open(out, "rb") as handle:
            head = handle.read(MAX_KEY_FILE_BYTES)
    except OSError as exc:
        raise Unwritable(
            f"cannot replace {label(out)}: it cannot be read to check it is not a key file "
            f"({exc.strerror or exc})"
        ) from None
    if holds_a_key(head):
        raise Unwritable(f"{label(out)} is a key file; vcportable never overwrites a key file")
    if not force:
        raise Unwritable(f"{label(out)} already exists; add --force to replace it")
    return True


def write_output(text: str, out: str | None, *, force: bool, what: str) -> None:
    """``text`` (plus a newline) to stdout when ``out`` is None or ``-``, else to the file
    ``out``: atomically (:func:`~vcportable.fileutil.write_atomic`), so a failed write leaves
    any existing file as it was."""
    if out is None or out == "-":
        echo(text)
        return
    write_file((text + "\n").encode("utf-8"), out, force=force, what=what)


def write_file(data: bytes, out: str, *, force: bool, what: str, private: bool = False) -> None:
    """``data`` to the file ``out`` (text or an image), atomically, never over an existing file
    without ``force`` nor over a key file ever; a device or a pipe is written in place.

    ``private`` (a private key, a wallet backup): the file gets mode 0600 from its first byte,
    and a device or a pipe named as a file is refused (``-`` is how to ask for stdout).
    """
    from ..fileutil import write_atomic

    replace = claim_output(out, force=force)
    if private and not replace and os.path.lexists(out):
        raise Unwritable(
            f"cannot write {label(out)}: the {what} goes only to a regular file (or - for "
            "standard output)"
        )
    try:
        if replace or private or not os.path.exists(out):
            write_atomic(Path(out), data, mode=0o600 if private else 0o644, overwrite=replace)
        else:  # a device or a pipe: there is nothing to replace atomically
            with open(out, "wb") as handle:
                handle.write(data)
    except FileExistsError:
        raise Unwritable(f"{label(out)} already exists; add --force to replace it") from None
    except OSError as exc:
        raise Unwritable(f"cannot write {label(out)}: {exc.strerror or exc}") from None
    click.echo(f"{what} written to {label(out)}" + (" (mode 0600)" if private else ""), err=True)


class _ClosedStdout(TextIOBase):
    """Standard output closed before the start (``>&-``): Python sets ``sys.stdout`` to None
    and every print vanishes; with this in its place each write fails, and is reported."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def detect_closed_stdout() -> None:
    """Called first by the entry point (see :class:`_ClosedStdout`)."""
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()


def echo(text: str) -> None:
    """Print ``text`` on stdout and make sure it got there: a closed stdout, a full disk or a
    closed pipe is :class:`Unwritable`, never a silent loss or a traceback."""
    try:
        click.echo(text)
        sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        raise Unwritable(f"cannot write to standard output: {exc.strerror or exc}") from None


@contextlib.contextmanager
def stdout_checked() -> Iterator[None]:
    """Around what click prints itself (help, version): a write error there is stdout failing,
    :class:`Unwritable` like any other output. Commands map their own file errors, so only
    write errors are taken here; any other OSError passes through."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:
            raise
        _discard_stdout()
        raise Unwritable(f"cannot write to standard output: {exc.strerror or exc}") from None


def flush_stdout() -> None:
    """At exit: output buffered by click itself (``--help``) must reach stdout too."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        click.echo(f"Error: cannot write to standard output: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_UNWRITABLE)


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit does not print a
    second, Python-flavoured complaint."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
