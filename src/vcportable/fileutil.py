"""Writing files so that a crash or a bad input never leaves a partial file behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(
    path: Path, data: bytes, *, mode: int = 0o644, overwrite: bool = True, sync: bool = True
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    The file is created with ``mode`` from the start (a key file is never readable by others,
    not even for an instant). With ``overwrite=False`` an existing file raises FileExistsError.
    ``sync=False`` leaves flushing to the caller (a batch of thousands of files syncs once at
    its end): the rename is still atomic for a crashed process, not for a power cut.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(path)
    fd, tmp_name = _temporary(path)
    try:
        try:
            os.fchmod(fd, mode)  # exactly ``mode``, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp_name, path)
        else:
            os.link(tmp_name, path)  # fails if the file appeared meanwhile
            os.unlink(tmp_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    if sync:
        _sync_folder(path.parent)


def _temporary(path: Path) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` beside ``path``, open for writing, mode 0600 until
    :func:`write_atomic` sets its own. What ``tempfile.mkstemp`` does, with ``os.open`` and a
    random suffix from ``os.urandom`` (mkstemp's name generator and the file object around the
    descriptor cost as much CPU as the kernel's create, for a batch of thousands of files)."""
    folder = path.parent
    for _ in range(100):
        name = str(folder / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: after a power cut the folder names the new file.
    Best effort: some file systems cannot sync a folder, and the data is already safe."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sync_filesystem(folder: Path) -> None:
    """Flush the file system that holds ``folder`` (Linux ``syncfs``): one call for thousands
    of files written with ``sync=False``, without flushing every other file system the way
    ``os.sync``, the fallback, does."""
    import ctypes  # only here: 3 ms, and every key file and wallet backup imports this module

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(folder, os.O_RDONLY)
    except (OSError, AttributeError):
        os.sync()
        return
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)
