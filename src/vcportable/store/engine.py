"""One engine from one URL: a SQLite file by default, PostgreSQL by ``postgresql+psycopg://``.

The same SQLAlchemy Core code runs on both. What differs is set here once: SQLite gets WAL (a
reader never blocks the writer), a busy timeout (a second process waits instead of failing at
once) and ``BEGIN IMMEDIATE`` (a transaction takes the write lock when it starts, so two writers
never deadlock upgrading a read lock). Driver errors become :class:`StorageError` with a
sentence a certification body can act on, never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from ..errors import ConflictError, StorageError

#: How long a writer waits for another process's write lock before giving up (SQLite).
BUSY_TIMEOUT_SECONDS = 30.0


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3; a plain path means a SQLite file."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file_missing(url: str) -> bool:
    """Whether ``url`` names a SQLite file that does not exist (opening it would make one)."""
    parsed = make_url(normalise_url(url))
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file()


def create_store_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """An engine for ``url``; raises :class:`StorageError` for a URL that cannot work."""
    try:
        parsed = make_url(normalise_url(url))
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database or parsed.database == ":memory:":
                raise StorageError("the registry needs a SQLite file, not an in-memory database")
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": busy_timeout})
            _sqlite_setup(engine)
            return engine
        if parsed.get_backend_name() != "postgresql":
            raise StorageError(
                f"unsupported database {parsed.get_backend_name()!r}: use a SQLite file or "
                "postgresql+psycopg://"
            )
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StorageError(f"cannot use database URL {redact(url)!r}: {exc}") from None
    except OSError as exc:
        raise StorageError(f"cannot create the registry folder: {exc}") from None


#: The execution option that marks a transaction as reading only (see Store.reading).
READ_ONLY = "vcportable_read_only"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode at each checkpoint
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writing transaction takes the write lock at once (so two never deadlock upgrading
        # their read locks); a reading one (Store.reading) takes none: under WAL it reads the
        # last commit, and neither waits for a writer nor holds one up.
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) in the caller's transaction.

    A batch writes hundreds of rows per transaction, so the per-row cost is what counts: on
    PostgreSQL one ``COPY`` stream (psycopg adapts each row in C; the server skips a parse,
    bind and execute per row), on SQLite one ``executemany`` of plain tuples. Errors come as
    SQLAlchemy's, as from any other statement (a duplicate key is an ``IntegrityError``)."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        return
    statement = f"COPY {table.name} ({names}) FROM STDIN"
    dbapi = connection.dialect.loaded_dbapi
    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, dbapi.Error, dialect=connection.dialect
        ) from None


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable URL>"


@contextlib.contextmanager
def storage_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors into :class:`StorageError` naming the database (and the lock)."""
    try:
        yield
    except (StorageError, ConflictError):
        raise
    except DBAPIError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        if "locked" in text or "busy" in text:
            raise StorageError(
                f"the registry {where} is locked by another process (waited for it in vain); "
                "try again when that process has finished"
            ) from None
        if exc.connection_invalidated or "connect" in text.lower():
            raise StorageError(f"cannot reach the registry database {where}: {text}") from None
        raise StorageError(f"registry database {where} failed: {text.strip()}") from None
    except SQLAlchemyError as exc:
        raise StorageError(f"registry database error: {exc}") from None
