"""Where a verifier finds status lists offline: a folder of cached list credentials.

The folder holds the files ``status publish`` writes and an ``index.json`` mapping each list URL
(the ``statusListCredential`` of an entry) to a file name in the same folder; a verifier keeps
one such folder per issuer, side by side under one folder. Nothing is ever
fetched: a URL the index does not name is simply not available, and the check says so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Protocol

from ..codec.json import parse_json
from ..errors import InputError

INDEX_FILE = "index.json"
INDEX_VERSION = 1
#: Largest index read, and largest list credential (a JWT of a 16 MiB list is far smaller).
MAX_INDEX_BYTES = 8 * 1024 * 1024
MAX_LIST_BYTES = 8 * 1024 * 1024


class StatusSource(Protocol):
    """Gives the bytes of a status list credential by its URL, or None when it has none."""

    def load(self, url: str) -> bytes | None: ...

    def describe(self) -> str: ...


def read_index(folder: Path) -> dict[str, dict[str, Any]]:
    """The ``lists`` of ``folder/index.json``; :class:`InputError` naming what is wrong."""
    path = folder / INDEX_FILE
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INDEX_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror or exc} (a status folder needs the index.json "
            "that `vcportable status publish` writes)"
        ) from None
    index = parse_json(data, max_bytes=MAX_INDEX_BYTES, what=str(path))
    lists = index.get("lists") if isinstance(index, dict) else None
    if (
        not isinstance(index, dict)
        or index.get("version") != INDEX_VERSION
        or not isinstance(lists, dict)
    ):
        raise InputError(f"{path} is not a version {INDEX_VERSION} status index")
    for url, entry in lists.items():
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name[0] == ".":
            raise InputError(f"{path}: the entry for {url} must name a file in the same folder")
    return lists


class StatusDirectory:
    """A folder of cached status lists (``verify --status-dir DIR``): the folder's own
    ``index.json`` and those of its immediate subfolders (one per issuer, as each publishes)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        indexed = [self.folder] if (self.folder / INDEX_FILE).is_file() else []
        indexed += sorted(p.parent for p in self.folder.glob(f"*/{INDEX_FILE}"))
        if not indexed:
            read_index(self.folder)  # raises: says what the folder lacks
        self._files: dict[str, Path] = {}
        for where in indexed:
            for url, entry in read_index(where).items():
                if url in self._files:
                    raise InputError(
                        f"{url} is listed in {self._files[url].parent / INDEX_FILE} and in "
                        f"{where / INDEX_FILE}: keep one copy"
                    )
                self._files[url] = where / str(entry["file"])

    def describe(self) -> str:
        return str(self.folder)

    def load(self, url: str) -> bytes | None:
        path = self._files.get(url)
        if path is None:
            return None
        try:
            # not blocking on a FIFO (or a device) named like a list: a regular file only
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # as keyfile._read
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            try:
                return handle.read(MAX_LIST_BYTES + 1)
            except OSError:
                return None
