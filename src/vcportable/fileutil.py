"""Writing files so that a crash or a bad input never leaves a partial file behind."""

from __future__ import annotations

import contextlib
import ctypes
import os
import tempfile
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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
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
