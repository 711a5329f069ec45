"""The registry's tables and their versioned migrations.

A database records the version of its schema in ``schema_version``. :func:`migrate` applies
every migration above it, each in its own transaction, so an interrupted upgrade leaves the
database at the last complete version. A database newer than this code is refused rather than
written with assumptions that no longer hold.

Migrations are append-only: a released step is never edited, a change is a new step.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
)

from ..errors import StorageError
from .engine import storage_errors

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one row
    Column("version", Integer, nullable=False),
)

#: The certification body this registry issues for (one per database).
issuer_profile = Table(
    "issuer_profile",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("did", String(2048), nullable=False),
    Column("key_id", String(2048), nullable=False),
    Column("key_path", Text, nullable=False),
    Column("name", String(512), nullable=False),
    Column("municipality", String(512), nullable=False),
    Column("status_base_url", String(2048), nullable=False),
    Column("list_size", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

#: Achievements issued against, by their id (so a roster can name one without its file).
achievements = Table(
    "achievements",
    metadata,
    Column("id", String(2048), primary_key=True),
    Column("document", Text, nullable=False),  # the Achievement object as JSON
    Column("created_at", String(40), nullable=False),
)

#: An index space of one status list: each credential takes one index in it, shown in the
#: list's revocation credential and in its suspension credential.
status_lists = Table(
    "status_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", Integer, nullable=False),
    Column("allocated", Integer, nullable=False),  # indices handed out (a counter, never lowered)
    Column("secret", LargeBinary(32), nullable=False),  # keys the index permutation
    Column("created_at", String(40), nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(2048), primary_key=True),
    Column("subject_id", String(2048)),
    Column("subject_name", String(1024)),
    Column("achievement_id", String(2048), nullable=False),
    Column("format", String(16), nullable=False),
    Column("list_id", Integer, ForeignKey("status_lists.id"), nullable=False),
    Column("status_index", Integer, nullable=False),
    Column("valid_from", String(40), nullable=False),
    Column("valid_until", String(40)),
    Column("content_hash", String(64), nullable=False),  # sha256 of the JCS of `document`
    Column("document", Text, nullable=False),  # the credential as signed, without its proof
    Column("issued_at", String(40), nullable=False),
    Column("state", String(16), nullable=False),  # active | suspended | revoked
    Column("state_reason", Text),
    Column("state_changed_at", String(40)),
    Column("row_key", String(256)),  # roster key: one credential per (achievement, row key)
    Column("row_hash", String(64)),  # what the roster row said, to spot a changed re-run
    Column("predecessor_id", String(2048), ForeignKey("credentials.id")),
    UniqueConstraint("list_id", "status_index", name="uq_credentials_status_index"),
    UniqueConstraint("achievement_id", "row_key", name="uq_credentials_row_key"),
    Index("ix_credentials_list_state", "list_id", "state"),
    Index("ix_credentials_predecessor", "predecessor_id"),
)

#: Append-only log; each entry's hash covers the previous entry's hash.
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("at", String(40), nullable=False),
    Column("action", String(32), nullable=False),
    Column("credential_id", String(2048)),
    Column("reason", Text),
    Column("details", Text, nullable=False),  # JSON object
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: The newest audit entry: the row every appender locks, so the chain never forks.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

#: The hash before the first entry.
GENESIS_HASH = "0" * 64


def _v1(connection: Connection) -> None:
    metadata.create_all(connection)
    connection.execute(audit_head.insert().values(id=1, seq=0, hash=GENESIS_HASH))


#: Bearer tokens of the VC-API server (vcportable.server.tokens), one issuer each; only a hash of
#: the secret is kept. Its own MetaData, so that step 1 keeps creating exactly what it did.
api_tokens = Table(
    "api_tokens",
    MetaData(),
    Column("id", String(64), primary_key=True),
    Column("issuer", String(2048), nullable=False),
    Column("scopes", String(256), nullable=False),  # comma-separated: issue,status
    Column("secret_hash", String(64), nullable=False),  # sha256 hex of the secret
    Column("label", String(256)),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40)),
    Column("revoked_at", String(40)),
)


def _v2(connection: Connection) -> None:
    api_tokens.create(connection)


def _v3(connection: Connection) -> None:
    """PostgreSQL only (a SQLite registry is unchanged): what a batch's writes cost the server.

    - The row-key constraint leads with ``row_key``. A batch looks up the keys of a chunk of
      one achievement; with the achievement first, a planner whose statistics lagged behind a
      fast-growing table (a season's first batch) scanned every credential of the achievement
      for each lookup, so each chunk cost more than the last. SQLite's planner uses both
      columns of either order.
    - Documents are compressed with lz4 where the server has it: pglz took a quarter of the
      server's work per recorded credential."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(
        "ALTER TABLE credentials DROP CONSTRAINT uq_credentials_row_key, "
        "ADD CONSTRAINT uq_credentials_row_key UNIQUE (row_key, achievement_id)"
    )
    lz4 = connection.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    if lz4:
        connection.exec_driver_sql(
            "ALTER TABLE credentials ALTER COLUMN document SET COMPRESSION lz4"
        )


#: Step n brings a database from version n-1 to n.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(connection: Connection) -> int:
    """The database's schema version; 0 for an empty database."""
    if not inspect(connection).has_table("schema_version"):
        return 0
    found = connection.execute(select(schema_version.c.version)).scalar_one_or_none()
    return int(found or 0)


def migrate(engine: Engine) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; return the version it was at."""
    with storage_errors(engine):
        with engine.begin() as connection:
            start = current_version(connection)
        if start > SCHEMA_VERSION:
            raise StorageError(
                f"the registry has schema version {start}, newer than this vcportable "
                f"({SCHEMA_VERSION}): upgrade vcportable"
            )
        for version in range(start + 1, SCHEMA_VERSION + 1):
            with engine.begin() as connection:
                if current_version(connection) >= version:  # another process did it
                    continue
                MIGRATIONS[version - 1](connection)
                if version == 1:
                    connection.execute(schema_version.insert().values(id=1, version=1))
                else:
                    connection.execute(schema_version.update().values(version=version))
    return start


def require_current(connection: Connection) -> None:
    """Refuse a database that was never created or needs a migration."""
    version = current_version(connection)
    if version == 0:
        raise StorageError("the registry database is empty: run `vcportable issuer init` first")
    if version != SCHEMA_VERSION:
        raise StorageError(
            f"the registry has schema version {version}, this vcportable needs "
            f"{SCHEMA_VERSION}: run `vcportable issuer migrate`"
        )
