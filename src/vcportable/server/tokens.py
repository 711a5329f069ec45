"""Bearer tokens: one issuer each, scoped (``issue``, ``status``), stored hashed, revocable.

A token reads ``vcp_<issuer name>_<token id>_<secret>``. The issuer name tells the server which
registry to look in, and each registry holds only its own issuer's tokens, so a token of one
issuer cannot even be found when another issuer's endpoint is called: the separation holds by
construction, not by a comparison someone could forget. Only SHA-256 of the secret is kept (the
secret is 256 random bits, so a slow hash would add nothing); comparison is constant-time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, RowMapping, select

from ..clock import format_datetime, parse_datetime
from ..errors import ConfigurationError, VcPortableError
from ..store import Store
from ..store.engine import create_store_engine, normalise_url, sqlite_file_missing
from ..store.schema import api_tokens, current_version, issuer_profile, require_current
from .config import ServerConfig

SCOPES = frozenset({"issue", "status"})
PREFIX = "vcp"
#: Longest Authorization header value looked at.
MAX_TOKEN_LENGTH = 512


def AccessDenied(message: str, *, forbidden: bool = False) -> VcPortableError:  # noqa: N802
    """No token, a malformed, unknown, revoked or expired one (``UNAUTHORIZED``: 401), or one
    without the scope the request needs (``FORBIDDEN``: 403). Never says which secret was
    wrong."""
    return VcPortableError(message, code="FORBIDDEN" if forbidden else "UNAUTHORIZED")


@dataclass(frozen=True)
class TokenInfo:
    id: str
    issuer: str
    scopes: tuple[str, ...]
    label: str | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_scopes(value: str) -> tuple[str, ...]:
    scopes = tuple(sorted({s.strip() for s in value.split(",") if s.strip()}))
    unknown = set(scopes) - SCOPES
    if not scopes or unknown:
        raise ConfigurationError(
            f"scopes must be a comma-separated subset of {', '.join(sorted(SCOPES))}"
            + (f" (unknown: {', '.join(sorted(unknown))})" if unknown else "")
        )
    return scopes


def create_token(
    store: Store,
    issuer_name: str,
    scopes: tuple[str, ...],
    *,
    now: datetime,
    expires_at: datetime | None = None,
    label: str | None = None,
) -> tuple[TokenInfo, str]:
    """Record a new token in ``store`` (the registry of ``issuer_name``); return it and the
    token text, which is shown once and never stored."""
    profile = store.profile()
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    info = TokenInfo(
        id=token_id,
        issuer=profile.did,
        scopes=scopes,
        label=label,
        created_at=format_datetime(now),
        expires_at=format_datetime(expires_at) if expires_at else None,
        revoked_at=None,
    )
    with store.transaction() as connection:
        connection.execute(
            api_tokens.insert().values(
                id=info.id,
                issuer=info.issuer,
                scopes=",".join(scopes),
                secret_hash=_hash(secret),
                label=label,
                created_at=info.created_at,
                expires_at=info.expires_at,
            )
        )
    return info, f"{PREFIX}_{issuer_name}_{token_id}_{secret}"


def issuer_store(config: ServerConfig, name: str) -> Store:
    """The registry of the configured issuer ``name``, where its tokens live. The server
    creates it (schema and profile) when it first starts: before that there is none to hold
    a token, and the message says so (not ``issuer init``, which is not how a server's
    registry is made)."""
    url = normalise_url(config.issuer_database(config.issuer(name)))
    if sqlite_file_missing(url):
        raise _no_registry(name)  # before opening it, which would leave an empty file
    store = Store(create_store_engine(url))
    try:
        with store.transaction() as connection:
            made = current_version(connection) > 0
            made = made and connection.execute(select(issuer_profile.c.id)).first() is not None
            if made:
                require_current(connection)
    except BaseException:
        store.close()
        raise
    if not made:
        store.close()
        raise _no_registry(name)
    return store


def _no_registry(name: str) -> ConfigurationError:
    return ConfigurationError(
        f"issuer {name} has no registry yet: the server creates it when it first starts "
        "(vcportable serve --config FILE); create its tokens after that"
    )


def list_tokens(store: Store) -> list[TokenInfo]:
    with store.transaction() as connection:
        rows = connection.execute(select(api_tokens).order_by(api_tokens.c.created_at)).mappings()
        return [_info(row) for row in rows]


def revoke_token(store: Store, token_id: str, *, now: datetime) -> None:
    with store.transaction() as connection:
        done = connection.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=format_datetime(now))
        ).rowcount
    if done != 1:
        raise ConfigurationError(f"no active token {token_id!r} in this issuer's registry")


class TokenText(NamedTuple):
    """A token's text, read: ``vcp_<issuer>_<id>_<secret>``."""

    issuer: str
    id: str
    secret: str


def read_token(token: str) -> TokenText:
    """The parts of a token text; AccessDenied for anything that is not one. (Issuer names
    and ids hold no ``_``; a secret may.)"""
    parts = token.split("_", 3) if len(token) <= MAX_TOKEN_LENGTH else []
    if len(parts) != 4 or parts[0] != PREFIX or not all(parts[1:]):
        raise AccessDenied("the bearer token is not a vcportable token")
    return TokenText(parts[1], parts[2], parts[3])


def issuer_of(token: str) -> str:
    """The issuer name a token text names (AccessDenied for anything that is not a token)."""
    return read_token(token).issuer


def authorize(store: Store, token: str, scope: str, *, now: datetime, issuer: str) -> TokenInfo:
    """The token's record if it is ``issuer``'s (a DID), active and carries ``scope``;
    AccessDenied otherwise."""
    read_token(token)
    with store.reading() as connection:
        rows = lookup(connection, [token])
    return check(rows, token, scope, now=now, issuer=issuer)


def lookup(connection: Connection, texts: Iterable[str]) -> dict[str, RowMapping]:
    """The records of these tokens that exist, by token id, in one query (a batch of issue
    requests checks all its tokens at once: see :meth:`.service.IssuerService.issue`). Texts
    that are not tokens are left out (:func:`check` refuses them)."""
    wanted = set()
    for text in texts:
        with contextlib.suppress(VcPortableError):
            wanted.add(read_token(text).id)
    rows = connection.execute(
        select(api_tokens).where(api_tokens.c.id.in_(sorted(wanted)))
    ).mappings()
    return {row["id"]: row for row in rows}


def check(
    rows: Mapping[str, RowMapping], token: str, scope: str, *, now: datetime, issuer: str
) -> TokenInfo:
    """:func:`authorize` against records :func:`lookup` read."""
    text = read_token(token)
    info = judge(rows.get(text.id), text.secret, scope, now=now)
    if info.issuer != issuer:  # a record of another issuer's, in a shared database
        raise AccessDenied("unknown bearer token")
    return info


def judge(row: RowMapping | None, secret: str, scope: str, *, now: datetime) -> TokenInfo:
    """The token whose record is ``row`` (None: unknown), if ``secret`` is its secret and it
    is active and carries ``scope``; AccessDenied otherwise."""
    # Compare a hash even for an unknown id, so timing does not tell ids apart.
    expected = row["secret_hash"] if row is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(secret)) or row is None:
        raise AccessDenied("unknown bearer token")
    info = _info(row)
    if info.revoked_at is not None:
        raise AccessDenied("the bearer token was revoked")
    if info.expires_at is not None and parse_datetime(info.expires_at) <= now:
        raise AccessDenied("the bearer token has expired")
    if scope not in info.scopes:
        raise AccessDenied(f"the bearer token does not allow {scope!r}", forbidden=True)
    return info


def _info(row: RowMapping) -> TokenInfo:
    return TokenInfo(
        id=row["id"],
        issuer=row["issuer"],
        scopes=tuple(row["scopes"].split(",")),
        label=row["label"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )
