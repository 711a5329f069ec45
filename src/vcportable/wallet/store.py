"""The wallet on disk: one folder holding the credentials (SQLite) and the holder's key file.

A folder, so that one ``--wallet PATH`` (or ``$VCPORTABLE_WALLET``) names both, and both get
the folder's mode 0700. Credentials are stored exactly as signed (JSON text or token text):
anything else would break the signature. Nothing is stored that did not verify when it came
in, and a backup is verified again when it is imported: the store never vouches for bytes that
nobody checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..clock import format_datetime
from ..codec.json import MAX_INPUT_BYTES, dumps_compact, parse_json
from ..errors import ConflictError, InputError, StorageError
from ..models.report import Code, VerificationReport
from ..proofs.dispatch import InputFormat, detect

if TYPE_CHECKING:
    from ..verifier import Verifier

ENV_VAR: Final = "VCPORTABLE_WALLET"
DATABASE_NAME: Final = "wallet.sqlite3"
KEY_NAME: Final = "holder.key"
#: ``PRAGMA application_id`` of a wallet database ("vcpw"): a SQLite file of another program is
#: refused by name rather than altered.
APPLICATION_ID: Final = 0x76637077
#: ``PRAGMA user_version``: the schema this code writes; older wallets are migrated on open.
SCHEMA_VERSION: Final = 1
#: A person's wallet, not an archive: also bounds what an imported backup can add.
MAX_CREDENTIALS: Final = 1000
#: One credential as signed (the verifier's own input limit).
MAX_CREDENTIAL_BYTES: Final = MAX_INPUT_BYTES
_ID_LENGTH: Final = 8
_ID: Final = re.compile(rf"[0-9a-f]{{{_ID_LENGTH}}}")

#: Schema migrations: entry ``n`` takes a wallet from version ``n`` to ``n + 1``.
_MIGRATIONS: Final = (
    """
    CREATE TABLE credential (
        id      TEXT PRIMARY KEY,
        sha256  TEXT NOT NULL UNIQUE,
        content TEXT NOT NULL,
        summary TEXT NOT NULL,
        added   TEXT NOT NULL
    ) STRICT
    """,
)


def default_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Where the wallet lives: ``$VCPORTABLE_WALLET``, else the user's data folder (as
    platformdirs places it: XDG on Linux, Application Support on macOS, LOCALAPPDATA on
    Windows) under ``vcportable/wallet``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share"
    return base / "vcportable" / "wallet"


@dataclass(frozen=True, kw_only=True)
class Summary:
    """What the wallet shows of a credential without opening it again: the facts of the
    verification report it passed when it came in."""

    format: str | None = None
    name: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    subject: str | None = None
    subject_name: str | None = None
    achievement: str | None = None
    valid_from: str | None = None
    valid_until: str | None = None

    @classmethod
    def from_report(cls, report: VerificationReport) -> Summary:
        achievement = report.achievement.name if report.achievement is not None else None
        return cls(
            format=report.format,
            name=report.name,
            issuer=report.issuer,
            issuer_name=report.issuer_name,
            subject=report.subject,
            subject_name=report.subject_name,
            achievement=achievement,
            valid_from=report.valid_from,
            valid_until=report.valid_until,
        )

    @classmethod
    def from_json(cls, value: Any) -> Summary:
        known = {f.name for f in fields(cls)}
        given = value if isinstance(value, dict) else {}
        return cls(**{k: v for k, v in given.items() if k in known and isinstance(v, str)})

    @property
    def title(self) -> str:
        """The achievement, else the credential's name: what a person calls the credential."""
        return self.achievement or self.name or "(unnamed credential)"


@dataclass(frozen=True)
class StoredCredential:
    """One credential in the wallet: its short id, exactly what was signed, and its summary."""

    id: str
    content: str
    added: str
    summary: Summary


def credential_id(content: str) -> str:
    """The short id of a credential: the start of the SHA-256 of what was signed, so the same
    credential has the same id in every wallet and backup."""
    return _digest(content)[:_ID_LENGTH]


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def verified_credential(
    content: str, verifier: Verifier, *, allow_expired: bool = False
) -> VerificationReport:
    """The report on ``content`` when it is a credential that verifies; else
    :class:`InputError` saying why, naming every failed check. ``allow_expired``: for a
    backup, whose credentials verified when they were added and may have expired since."""
    if len(content.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise InputError(f"the credential is over the size limit of {MAX_CREDENTIAL_BYTES} bytes")
    if detect(content) is InputFormat.ENVELOPE:
        raise InputError(
            "no credential found: a wallet keeps a credential as signed, a JSON object or a "
            "compact token (`wallet add` opens a QR code's text, a photo or a badge and keeps "
            "what it holds)"
        )
    report = verifier.verify(content)
    if report.kind == "unknown":
        raise InputError(f"no credential found: {report.failures[-1].message}")
    if report.kind != "credential":
        raise InputError(
            f"this is a {report.kind}, not a credential: add the credential it was made from"
        )
    expired_only = all(c.code is Code.EXPIRED for c in report.failures)
    if not report.verified and not (allow_expired and expired_only):
        reasons = "; ".join(f"{c.id}: {c.message}" for c in report.failures)
        raise InputError(f"the credential does not verify ({reasons}); nothing was added")
    return report


class Wallet:
    """The wallet in ``folder``. Every change is one SQLite transaction."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.database = self.folder / DATABASE_NAME
        self.key_path = self.folder / KEY_NAME

    # -- opening ----------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.database.is_file()

    def check_folder(self) -> None:
        """:class:`StorageError` when ``folder`` is a file, not a wallet's folder."""
        if self.folder.exists() and not self.folder.is_dir():
            raise StorageError(f"{self.folder} is a file; --wallet names the wallet's folder")

    def create_folder(self) -> None:
        """Make the folder (mode 0700: it holds personal data and a private key)."""
        self.check_folder()
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the wallet {self.folder}: {exc.strerror}") from None

    @contextlib.contextmanager
    def _connect(self, *, create: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection with the schema current; :class:`StorageError` for a file that is not
        a wallet, a wallet of a newer vcportable, or a locked or unwritable one."""
        if not self.exists():
            if not create:
                raise StorageError(
                    f"there is no wallet at {self.folder} yet: add a credential with "
                    "`vcportable wallet add`"
                )
            self.create_folder()
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            connection = sqlite3.connect(self.database, timeout=5, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the wallet {self.database}: {exc}") from None
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            self._upgrade(connection)
            yield connection
        except sqlite3.DatabaseError as exc:
            raise StorageError(self._explain(exc)) from None
        finally:
            connection.close()

    def _explain(self, exc: sqlite3.DatabaseError) -> str:
        text = str(exc)
        if "not a database" in text:
            return f"{self.database} is not a vcportable wallet (not a SQLite database)"
        if "locked" in text or "busy" in text:
            return f"the wallet {self.database} is in use by another program; try again"
        return f"the wallet {self.database} cannot be used: {text}"

    def _upgrade(self, connection: sqlite3.Connection) -> None:
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application != APPLICATION_ID and (application != 0 or tables):
            raise StorageError(f"{self.database} is a SQLite database of another program")
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"the wallet {self.database} has schema version {version}, newer than this "
                f"vcportable reads ({SCHEMA_VERSION}); update vcportable"
            )
        if version == SCHEMA_VERSION:
            return
        with _transaction(connection):
            for statement in _MIGRATIONS[version:]:
                connection.execute(statement)
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- credentials ------------------------------------------------------------------------

    def add(self, content: str, verifier: Verifier, *, now: datetime) -> StoredCredential:
        """Store a credential that verifies, exactly as signed; :class:`InputError` if it does
        not (nothing is stored), :class:`ConflictError` if it is already there."""
        content = content.strip()
        summary = Summary.from_report(verified_credential(content, verifier))
        stored = StoredCredential(credential_id(content), content, format_datetime(now), summary)
        with self._connect(create=True) as db, _transaction(db):
            if self._insert(db, stored):
                raise ConflictError(f"this credential is already in the wallet as {stored.id}")
        return stored

    def add_all(
        self, items: list[StoredCredential], *, before_commit: Callable[[], None] | None = None
    ) -> list[str]:
        """Store credentials that were verified by the caller, in one transaction; the ids
        added (one already there is skipped). ``before_commit`` runs inside the transaction:
        if it raises, nothing is stored."""
        added = []
        with self._connect(create=True) as db, _transaction(db):
            for stored in items:
                if not self._insert(db, stored):
                    added.append(stored.id)
            if before_commit is not None:
                before_commit()
        return added

    def _insert(self, db: sqlite3.Connection, stored: StoredCredential) -> bool:
        """Insert ``stored``; True (and nothing inserted) when it is already there."""
        digest = _digest(stored.content)
        found = db.execute("SELECT sha256 FROM credential WHERE id = ?", (stored.id,))
        row = found.fetchone()
        if row is not None:
            if row[0] == digest:
                return True
            raise ConflictError(  # 32 bits of SHA-256 collide: astronomically rare, never silent
                f"another credential already has the id {stored.id}; it cannot be added"
            )
        count = db.execute("SELECT count(*) FROM credential").fetchone()[0]
        if count >= MAX_CREDENTIALS:
            raise StorageError(f"the wallet is full ({MAX_CREDENTIALS} credentials)")
        summary = dumps_compact(asdict(stored.summary)).decode("utf-8")
        db.execute(
            "INSERT INTO credential (id, sha256, content, summary, added) VALUES (?, ?, ?, ?, ?)",
            (stored.id, digest, stored.content, summary, stored.added),
        )
        return False

    def list(self) -> list[StoredCredential]:
        """Every credential, oldest first; empty when there is no wallet yet."""
        self.check_folder()
        if not self.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, content, added, summary FROM credential ORDER BY added, id"
            ).fetchall()
        return [_stored(row) for row in rows]

    def get(self, id: str) -> StoredCredential:
        """The credential ``id``; :class:`StorageError` naming it when there is none."""
        wanted = id.strip().lower()
        with self._connect() as db:
            row = (
                db.execute(
                    "SELECT id, content, added, summary FROM credential WHERE id = ?", (wanted,)
                ).fetchone()
                if _ID.fullmatch(wanted)
                else None
            )
        if row is None:
            raise StorageError(
                f"no credential {id!r} in the wallet (ids are {_ID_LENGTH} hex digits: see "
                "`vcportable wallet list`)"
            )
        return _stored(row)

    def remove(self, id: str) -> StoredCredential:
        """Delete the credential ``id`` and return it."""
        stored = self.get(id)
        with self._connect() as db, _transaction(db):
            db.execute("DELETE FROM credential WHERE id = ?", (stored.id,))
        return stored


def _stored(row: tuple[str, str, str, str]) -> StoredCredential:
    summary = Summary.from_json(parse_json(row[3], what="a stored summary"))
    return StoredCredential(row[0], row[1], row[2], summary)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: a change is whole or absent."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
