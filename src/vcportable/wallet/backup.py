"""The wallet's backup: one JSON file with every credential as signed and the holder key
(still encrypted under its passphrase), to restore a lost phone or move to a new one.

Importing trusts nothing in the file: it must say it is a vcportable wallet backup of a
version this code reads, each credential must match its digest and verify again (one that has
expired since it was added is kept), and the key must be an encrypted vcportable key file. Any
problem refuses the whole file: nothing is added and no key is written.

The key's public fields are sealed with it (AES-GCM associated data), but that is checked only
when the passphrase opens it, at the first presentation. So import checks, without the
passphrase, all that can be: the public key decodes and is of the stated type; a did:key (or
did:jwk) holder's DID and key id are the ones its public key makes; a did:web holder's key id is
a DID URL of its DID (that the key is in its published document cannot be known offline); and
the sealed private key has the members, types and sizes a vcportable key file gives it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ..clock import format_datetime
from ..codec.json import parse_json
from ..dids.publish import identity_problem
from ..errors import InputError, KeyFileError, StorageError
from ..fileutil import write_atomic
from ..keys import KeyFileInfo, read_key_file_info
from ..keys.keyfile import key_file_info
from .store import (
    MAX_CREDENTIAL_BYTES,
    MAX_CREDENTIALS,
    StoredCredential,
    Summary,
    Wallet,
    credential_id,
    verified_credential,
)

if TYPE_CHECKING:
    from ..verifier import Verifier

FORMAT: Final = "vcportable-wallet-backup"
VERSION: Final = 1
#: A full wallet of credentials at their size limit is far larger than any real one: the
#: bound is what a real wallet of the largest credentials needs, with room.
MAX_BACKUP_BYTES: Final = 32 * 1024 * 1024
_MAX_KEY_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class Restored:
    """What an import did: the credentials added, those already there, and the key."""

    added: list[str]
    already_there: list[str]
    key: KeyFileInfo | None
    key_written: bool


def export_backup(wallet: Wallet, *, now: datetime) -> bytes:
    """The backup file of ``wallet`` (write it with mode 0600: it holds personal data)."""
    wallet.check_folder()
    if not wallet.exists() and not wallet.key_path.exists():
        raise StorageError(f"there is no wallet at {wallet.folder}: nothing to back up")
    key: Any = None
    if wallet.key_path.exists():
        read_key_file_info(wallet.key_path)  # a damaged key is reported now, not at restore
        key = parse_json(wallet.key_path.read_bytes(), what=f"key file {wallet.key_path}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported": format_datetime(now),
        "holderKey": key,
        "credentials": [
            {"id": c.id, "added": c.added, "content": c.content} for c in wallet.list()
        ],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


#: The code of the InputError for a file that is no backup at all (a reader maps it to
#: "cannot be read", apart from a backup whose content is refused).
NOT_A_BACKUP = "NOT_A_BACKUP"


def read_backup(data: bytes) -> dict[str, Any]:
    """The backup document, read strictly; :class:`InputError` with code
    :data:`NOT_A_BACKUP` for a file that is not one (not JSON, another format or version).
    Nothing in it is checked yet."""
    try:
        document = parse_json(data, what="the backup", max_bytes=MAX_BACKUP_BYTES)
    except InputError as exc:
        raise InputError(exc.message, code=NOT_A_BACKUP) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(
            "this file is not a vcportable wallet backup (`wallet export` makes one)",
            code=NOT_A_BACKUP,
        )
    if document.get("version") != VERSION:
        raise InputError(
            f"wallet backup version {document.get('version')!r} is not supported (this "
            f"vcportable reads version {VERSION})",
            code=NOT_A_BACKUP,
        )
    return document


def import_backup(
    wallet: Wallet, data: bytes, verifier: Verifier, *, force: bool = False
) -> Restored:
    """Restore a backup into ``wallet``: its credentials are added (those already there are
    left), its key is written when the wallet has none, or replaces a different one only with
    ``force``. :class:`InputError` for a file that is not a usable backup (nothing changes)."""
    document = read_backup(data)
    items = _credentials(document.get("credentials"), verifier)
    key_data, key_info = _key(document.get("holderKey"))
    replace = key_info is not None and wallet.key_path.exists() and _differs(wallet, key_info)
    if replace and not force and key_info is not None:
        current = read_key_file_info(wallet.key_path).controller
        raise KeyFileError(
            f"the wallet's holder key ({current}) is not the backup's ({key_info.controller}); "
            "add --force to replace it (credentials issued to the current one could no longer "
            "be presented)"
        )
    write_key = key_data is not None and (replace or not wallet.key_path.exists())

    def save_key() -> None:
        if key_data is not None and write_key:
            write_atomic(wallet.key_path, key_data, mode=0o600, overwrite=replace)

    wallet.create_folder()
    added = wallet.add_all(items, before_commit=save_key)
    there = [i.id for i in items if i.id not in added]
    return Restored(added, there, key_info, write_key)


def _credentials(value: Any, verifier: Verifier) -> list[StoredCredential]:
    if not isinstance(value, list) or len(value) > MAX_CREDENTIALS:
        raise InputError(f"the backup's credentials must be a list of at most {MAX_CREDENTIALS}")
    items = []
    for number, entry in enumerate(value, 1):
        where = f"credential {number} of the backup"
        content = entry.get("content") if isinstance(entry, dict) else None
        added = entry.get("added") if isinstance(entry, dict) else None
        if not isinstance(content, str) or not isinstance(added, str) or len(added) > 64:
            raise InputError(f"{where} lacks its content or the date it was added")
        if len(content) > MAX_CREDENTIAL_BYTES:
            raise InputError(f"{where} is over the size limit of {MAX_CREDENTIAL_BYTES} bytes")
        if entry.get("id") != credential_id(content):
            raise InputError(f"{where} does not match its id: the backup was altered")
        try:
            report = verified_credential(content, verifier, allow_expired=True)
        except InputError as exc:
            raise InputError(f"{where}: {exc.message}") from None
        summary = Summary.from_report(report)
        items.append(StoredCredential(credential_id(content), content, added, summary))
    return items


def _key(value: Any) -> tuple[bytes | None, KeyFileInfo | None]:
    """The backup's key file bytes and what it says, checked as every key file is read
    (:func:`~vcportable.keys.keyfile.key_file_info`: it must also be encrypted) and its
    identity as its public key makes it, all without the passphrase and before anything is
    written where the wallet's key goes."""
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise InputError("the backup's holderKey is not a key file")
    data = (json.dumps(value, indent=2) + "\n").encode("utf-8")
    if len(data) > _MAX_KEY_BYTES:
        raise InputError("the backup's holderKey is too large to be a key file")
    try:
        info = key_file_info(value, "its key file")
    except KeyFileError as exc:
        raise InputError(f"the backup's holder key is unusable: {exc.message}") from None
    if not info.encrypted:
        raise InputError("the backup's holder key is not encrypted; it is not imported")
    problem = identity_problem(info)
    if problem is not None:
        raise InputError(f"the backup's holder key {problem}: the backup was altered or damaged")
    return data, info


def _differs(wallet: Wallet, backup_key: KeyFileInfo) -> bool:
    return read_key_file_info(wallet.key_path).public_key != backup_key.public_key
