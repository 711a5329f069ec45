"""Publishing: render every list of the registry as signed ``BitstringStatusListCredential``s.

Each file is replaced atomically (a web server never serves half a list), then ``index.json``
maps each list URL to its file. The folder is what the issuer's web server publishes at its
status base URL; a verifier caches the folders of several issuers side by side (see
:mod:`.source`)::

    {"version": 1,
     "lists": {"https://status.example/1-revocation":
               {"file": "1-revocation.json", "format": "di", "purpose": "revocation",
                "issuer": "did:...", "published": "2026-...Z"}}}

A verifier given the folder (``verify --status-dir``) looks a credential's
``statusListCredential`` up in that index (:mod:`.source`), so the folder can be copied
anywhere.

Each list states ``validFrom`` (when its status was known), ``validUntil`` (after which a
verifier reports it stale) and ``ttl`` (milliseconds after which a fresh copy should be fetched).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..clock import format_datetime
from ..errors import ConfigurationError, StorageError
from ..fileutil import write_atomic
from ..store import REVOKED, SUSPENDED, Store
from .bitstring import Bitstring
from .entries import PURPOSES, list_url
from .source import INDEX_FILE, INDEX_VERSION

if TYPE_CHECKING:
    from ..issuer import Issuer

_STATE_OF = {"revocation": REVOKED, "suspension": SUSPENDED}
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def list_credential(
    url: str,
    issuer: str,
    purpose: str,
    bits: Bitstring,
    *,
    valid_from: datetime,
    valid_until: datetime,
    ttl: timedelta,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential``."""
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
        "validUntil": format_datetime(valid_until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
            "ttl": int(ttl.total_seconds() * 1000),
        },
    }


@dataclass(frozen=True)
class Published:
    url: str
    file: str
    purpose: str
    flagged: int


def publish(
    store: Store,
    issuer: Issuer,
    out_dir: Path,
    *,
    fmt: Literal["di", "jwt"] = "di",
    validity: timedelta = timedelta(days=7),
    ttl: timedelta = timedelta(days=1),
) -> list[Published]:
    """Write every status list of ``store``, signed by ``issuer``, into ``out_dir``."""
    if validity <= timedelta(0) or ttl <= timedelta(0):
        raise ConfigurationError("the validity and ttl of a status list must be positive")
    profile = store.profile()
    if issuer.key.controller != profile.did:
        raise ConfigurationError(
            f"the key belongs to {issuer.key.controller}, the registry issues as {profile.did}"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    now = issuer.clock.now()
    done: list[Published] = []
    # One state of the registry for every list: read apart, a credential suspended, then
    # revoked between the reads of its two lists, was in neither.
    with store.reading(consistent=True) as connection:
        states = [
            (info, purpose, list(store.flagged_indices(info.id, _STATE_OF[purpose], connection)))
            for info in store.status_lists(connection)
            for purpose in PURPOSES
        ]
    for info, purpose, flagged in states:
        bits = Bitstring(info.size)
        bits.set_all(flagged)
        url = list_url(profile.status_base_url, info.id, purpose)
        document = list_credential(
            url,
            profile.did,
            purpose,
            bits,
            valid_from=now,
            valid_until=now + validity,
            ttl=ttl,
        )
        if fmt == "di":
            text = json.dumps(issuer.issue(document), indent=2, ensure_ascii=False) + "\n"
            name = f"{info.id}-{purpose}.json"
        else:
            text = issuer.issue_jwt(document) + "\n"
            name = f"{info.id}-{purpose}.jwt"
        _write(out_dir / name, text.encode("utf-8"))
        done.append(Published(url, name, purpose, len(flagged)))
    published = format_datetime(now)
    lists = {
        p.url: {
            "file": p.file,
            "format": fmt,
            "purpose": p.purpose,
            "issuer": profile.did,
            "published": published,
        }
        for p in done
    }
    index = {"version": INDEX_VERSION, "lists": lists}
    _write(out_dir / INDEX_FILE, (json.dumps(index, indent=2) + "\n").encode("utf-8"))
    return done


def _write(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from None
