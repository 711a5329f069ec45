"""The server's configuration: one TOML file, read with :mod:`tomllib`, checked by pydantic.

Relative paths in the file are relative to the file itself, so a folder holding the config, its
keys and its certificate can be moved as one. Every problem is a
:class:`~vcportable.errors.ConfigurationError` naming the setting, before anything listens.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigurationError
from ..proofs.dataintegrity import SIGNING_SUITES
from ..store.allocation import MIN_LIST_SIZE
from .problems import describe

#: An issuer's name is a URL path segment: ``/<name>/credentials/issue``.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Largest configuration file read.
MAX_CONFIG_BYTES = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssuerConfig(_Strict):
    """One issuer: a key, a cryptosuite, and the registry that records what it issues."""

    name: str
    key: Path
    #: Environment variable holding the key file's passphrase (unset: an unencrypted key file).
    passphrase_env: str | None = None
    cryptosuite: str = "eddsa-rdfc-2022"
    #: Registry URL (a SQLite file path, or postgresql+psycopg://...); one issuer per registry.
    #: Default: ``<data_dir>/<name>.db``.
    database: str | None = None
    #: Add Bitstring Status List entries (revocation and suspension) to every credential; a
    #: request may also ask with ``options.credentialStatus``.
    status: bool = False
    display_name: str | None = None
    municipality: str = ""
    list_size: Annotated[int, Field(ge=MIN_LIST_SIZE, le=2**24)] = MIN_LIST_SIZE

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value) or value in RESERVED_NAMES:
            raise ValueError(
                "must be lowercase letters, digits and dashes (a URL path segment), and not "
                f"one of {sorted(RESERVED_NAMES)}"
            )
        return value

    @field_validator("cryptosuite")
    @classmethod
    def _suite(cls, value: str) -> str:
        if value not in SIGNING_SUITES:
            raise ValueError(f"unknown cryptosuite; one of {', '.join(SIGNING_SUITES)}")
        return value


#: First path segments the server uses itself.
RESERVED_NAMES = frozenset(
    {"credentials", "presentations", "status", "trust-list", "healthz", "readyz", "metrics", "docs"}
)


class ServerConfig(_Strict):
    """The ``[server]`` table and the ``[[issuers]]`` list."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8443
    #: The URL clients reach this service at; status list URLs are made from it. Default:
    #: ``https://<host>:<port>``.
    public_url: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Serving plain HTTP must be asked for by name (behind a TLS-terminating proxy).
    insecure_http: bool = False
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    data_dir: Path = Path("data")
    #: The signed trust list served at GET /trust-list, as published (optional).
    trust_list: Path | None = None
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    #: Seconds a verification may take before the client gets 503.
    request_timeout: Annotated[float, Field(gt=0, le=600)] = 30.0
    cors_origins: tuple[str, ...] = ()
    #: Cache-Control max-age of status lists and the trust list.
    status_max_age: Annotated[int, Field(ge=0, le=86400)] = 60
    #: Accept a credential whose key is not controlled by its issuer (some W3C test vectors);
    #: a security rule, so off unless a deployment turns it on.
    allow_unbound_issuer: bool = False
    #: Accept a presentation of credentials whose subject is not its holder (bearer
    #: credentials); a security rule for vocational credentials, so off by default.
    allow_bearer_credentials: bool = False
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    issuers: tuple[IssuerConfig, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ServerConfig:
        names = [i.name for i in self.issuers]
        if len(set(names)) != len(names):
            raise ValueError("issuer names must be unique")
        if not self.insecure_http and (self.tls_cert is None or self.tls_key is None):
            raise ValueError(
                "HTTPS is the default: set tls_cert and tls_key (or insecure_http = true "
                "behind a proxy that terminates TLS)"
            )
        return self

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = "http" if self.insecure_http else "https"
        return f"{scheme}://{self.host}:{self.port}"

    def issuer_database(self, issuer: IssuerConfig) -> str:
        return issuer.database or str(self.data_dir / f"{issuer.name}.db")

    def issuer(self, name: str) -> IssuerConfig:
        for found in self.issuers:
            if found.name == name:
                return found
        raise ConfigurationError(
            f"no issuer named {name!r} in the configuration (known: "
            f"{', '.join(i.name for i in self.issuers) or 'none'})"
        )


_PATH_FIELDS = ("tls_cert", "tls_key", "data_dir", "trust_list")


def load_config(path: str | Path) -> ServerConfig:
    """Read and check a configuration file; relative paths become relative to its folder."""
    source = Path(path)
    try:
        with source.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigurationError(f"{source} is over {MAX_CONFIG_BYTES} bytes")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{source} is not valid TOML: {exc}") from None
    return config_from_dict(raw, base=source.resolve().parent, what=str(source))


def config_from_dict(raw: dict[str, object], *, base: Path, what: str = "config") -> ServerConfig:
    """Check a parsed configuration (``{"server": {...}, "issuers": [...]}``)."""
    server = raw.get("server", {})
    issuers = raw.get("issuers", [])
    unknown = set(raw) - {"server", "issuers"}
    if unknown or not isinstance(server, dict) or not isinstance(issuers, list):
        raise ConfigurationError(
            f"{what}: expected a [server] table and [[issuers]] entries"
            + (f", not {sorted(unknown)}" if unknown else "")
        )
    try:
        config = ServerConfig.model_validate({**server, "issuers": issuers})
    except ValidationError as exc:
        raise ConfigurationError(f"{what}: {describe(exc.errors(), whole='(root)')}") from None
    return _rebased(config, base)


def _rebased(config: ServerConfig, base: Path) -> ServerConfig:
    changes: dict[str, object] = {}
    for name in _PATH_FIELDS:
        value = getattr(config, name)
        if isinstance(value, Path) and not value.is_absolute():
            changes[name] = base / value
    data_dir = changes.get("data_dir", config.data_dir)
    issuers = []
    for issuer in config.issuers:
        update: dict[str, object] = {}
        if not issuer.key.is_absolute():
            update["key"] = base / issuer.key
        if (
            issuer.database
            and "://" not in issuer.database
            and not Path(issuer.database).is_absolute()
        ):
            update["database"] = str(base / issuer.database)
        issuers.append(issuer.model_copy(update=update))
    changes["issuers"] = tuple(issuers)
    changes["data_dir"] = data_dir
    return config.model_copy(update=changes)
