"""The issuer's registry (SQLAlchemy Core; a SQLite file or PostgreSQL by URL).

``Store.open(url)`` is the entry point; :mod:`.schema` holds the versioned tables,
:mod:`.allocation` the status index permutation, :mod:`.audit` the hash-chained log.
"""

from __future__ import annotations

from .registry import (
    ACTIVE,
    REVOKED,
    SUSPENDED,
    CredentialRecord,
    IssuerProfile,
    StatusListInfo,
    Store,
)

__all__ = [
    "ACTIVE",
    "REVOKED",
    "SUSPENDED",
    "CredentialRecord",
    "IssuerProfile",
    "StatusListInfo",
    "Store",
]
