"""Atomic writes: the file appears whole with exactly its mode, or not at all."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from vcportable import fileutil
from vcportable.fileutil import sync_filesystem, write_atomic

LINUX = sys.platform == "linux"


@pytest.fixture(autouse=True, params=["unnamed", "named"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test both ways: an unnamed file linked in (Linux), and a temporary file renamed
    (elsewhere, or a file system without ``O_TMPFILE``)."""
    if request.param == "unnamed" and not LINUX:
        pytest.skip("O_TMPFILE is Linux's")
    if request.param == "named":
        monkeypatch.setattr(fileutil, "_unnamed", lambda folder: None)
    return str(request.param)


@pytest.mark.parametrize("umask", [0o022, 0o077])
@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_the_file_has_exactly_its_mode_whatever_the_umask(
    tmp_path: Path, umask: int, mode: int
) -> None:
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "out.json", b"{}\n", mode=mode)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == mode
    assert (tmp_path / "out.json").read_bytes() == b"{}\n"


def test_a_large_file_is_written_whole_and_replaces_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    target.write_bytes(b"old")
    data = os.urandom(3 * 1024 * 1024)
    write_atomic(target, data, sync=False)
    assert target.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


def test_nothing_is_left_behind_when_the_write_fails(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "out.json", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(FileExistsError):
        (tmp_path / "kept.json").write_bytes(b"1")
        write_atomic(tmp_path / "kept.json", b"2", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.json"]
    assert (tmp_path / "kept.json").read_bytes() == b"1"


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_file_that_appears_meanwhile_is_replaced_or_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    """Another writer creates the file after the existence check: with ``overwrite`` it is
    replaced whole, without it kept and FileExistsError raised; no temporary file remains."""
    target = tmp_path / "out.json"
    fchmod = os.fchmod

    def intruder(fd: int, mode: int) -> None:
        target.write_bytes(b"theirs")
        fchmod(fd, mode)

    monkeypatch.setattr(os, "fchmod", intruder)
    if overwrite:
        write_atomic(target, b"ours", sync=False)
    else:
        with pytest.raises(FileExistsError):
            write_atomic(target, b"ours", overwrite=False)
    assert target.read_bytes() == (b"ours" if overwrite else b"theirs")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize("way", ["unnamed"], indirect=True)  # that way only
def test_on_linux_no_temporary_name_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """The batch's way: the file is written unnamed and linked in (one change to the folder)."""

    def no_temporary(path: Path) -> tuple[int, str]:
        raise AssertionError("a temporary name was made")

    monkeypatch.setattr(fileutil, "_temporary", no_temporary)
    write_atomic(tmp_path / "new.json", b"{}\n", sync=False)
    assert (tmp_path / "new.json").read_bytes() == b"{}\n"


@pytest.mark.parametrize("refusal", ["link", "proc", "open"])
def test_where_the_unnamed_way_is_refused_the_file_is_written_the_other_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: str, way: str
) -> None:
    """A sandbox or policy that refuses the link through /proc/self/fd, a system without that
    folder, a file system without O_TMPFILE: the file is still written whole, with its mode,
    and nothing else is left in the folder."""
    link, open_ = os.link, os.open

    def refused_link(src: str, dst: str, **kwargs: object) -> None:
        if kwargs.get("src_dir_fd") is not None:
            raise PermissionError(1, "Operation not permitted")
        link(src, dst, **kwargs)  # type: ignore[arg-type]

    def refused_open(path: object, flags: int, *args: object) -> int:
        if flags & getattr(os, "O_TMPFILE", 0) == getattr(os, "O_TMPFILE", -1):
            raise OSError(95, "Operation not supported")
        return open_(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fileutil._Refusal, "seen", False)
    if refusal == "link":
        monkeypatch.setattr(os, "link", refused_link)
    elif refusal == "proc":
        monkeypatch.setattr(fileutil, "_proc_fd_readable", lambda: False)
    else:
        monkeypatch.setattr(os, "open", refused_open)
    (tmp_path / "old.json").write_bytes(b"old")
    for name in ("new.json", "old.json"):
        write_atomic(tmp_path / name, b"ours", mode=0o600)
        assert (tmp_path / name).read_bytes() == b"ours"
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "old.json"]
    if refusal == "link" and way == "unnamed":  # refused once: the next files go the other way
        assert fileutil._Refusal.seen and fileutil._unnamed(tmp_path) is None


@pytest.mark.parametrize("way", ["unnamed"], indirect=True)
def test_a_full_disk_is_the_writes_own_error_not_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while linking is raised as it is (the file written once, nothing left behind),
    and does not turn the unnamed way off for the files after it."""
    monkeypatch.setattr(fileutil._Refusal, "seen", False)
    link = os.link

    def full(src: str, dst: str, **kwargs: object) -> None:
        if kwargs.get("src_dir_fd") is not None:
            raise OSError(errno.ENOSPC, "No space left on device")
        link(src, dst, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", full)
    if fileutil._unnamed(tmp_path) is None:
        pytest.skip("no unnamed files on this system")
    with pytest.raises(OSError, match="No space left"):
        write_atomic(tmp_path / "new.json", b"ours")
    assert list(tmp_path.iterdir()) == [] and not fileutil._Refusal.seen


def test_a_target_that_is_a_folder_or_a_link_behaves_as_a_rename_would(tmp_path: Path) -> None:
    """Over a folder the write fails and leaves no temporary file; over a symbolic link the
    link itself is replaced, and what it pointed to is untouched."""
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "folder", b"x")
    pointed = tmp_path / "pointed.json"
    pointed.write_bytes(b"kept")
    (tmp_path / "link.json").symlink_to(pointed)
    write_atomic(tmp_path / "link.json", b"new")
    assert not (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "link.json").read_bytes() == b"new" and pointed.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link.json", "pointed.json"]


def test_sync_filesystem_syncs_one_file_system_or_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """syncfs on Linux for an existing folder; os.sync (every file system) when that cannot be
    done, never an error: the batch's files are already written."""
    calls: list[str] = []
    monkeypatch.setattr(os, "sync", lambda: calls.append("sync"))
    sync_filesystem(tmp_path)
    assert calls == ([] if sys.platform == "linux" else ["sync"])
    sync_filesystem(tmp_path / "missing")
    assert calls[-1:] == ["sync"]


def test_importing_it_stays_light() -> None:
    """Key files, wallet backups and status lists import this module; ctypes (for syncfs) is
    loaded only by the batch's final sync."""
    code = "import sys, vcportable.fileutil; print('ctypes' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
