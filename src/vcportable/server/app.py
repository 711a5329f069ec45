"""The application factory: a FastAPI app over a :class:`ServerConfig`.

Each uvicorn worker builds its own app from the same configuration (:func:`app_from_env`); the
workers share nothing but the issuers' registries, so adding processes is the whole of
scaling out (docs/server.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Route

from ..clock import Clock, SystemClock, format_datetime
from ..codec.json import parse_json
from ..errors import ConfigurationError, InputError
from ..trust.signing import MAX_SIGNED_LIST_BYTES
from . import errors
from .config import ServerConfig, load_config
from .context import Context
from .errors import error_response
from .fastpath import FastPath
from .observability import Metrics, Observe, configure_logging
from .routes_issuing import router as issuing
from .routes_public import router as public
from .routes_verifying import router as verifying
from .service import IssuerService, load_key, open_registry

#: The environment variable naming the configuration file of :func:`app_from_env`.
CONFIG_ENV = "VCPORTABLE_SERVER_CONFIG"
#: Seconds a thread holds the GIL before another may run (Python's default is 0.005).
SWITCH_INTERVAL = 0.0005
#: Largest trust list served: the largest any verifier reads.
MAX_TRUST_LIST_BYTES = MAX_SIGNED_LIST_BYTES


def open_services(config: ServerConfig, clock: Clock) -> dict[str, IssuerService]:
    """Every configured issuer with its key loaded and its registry open (and created)."""
    services: dict[str, IssuerService] = {}
    try:
        for issuer in config.issuers:
            key = load_key(issuer)
            store = open_registry(config, issuer, key, format_datetime(clock.now()))
            services[issuer.name] = IssuerService(issuer, store, key, clock=clock)
    except BaseException:
        for service in services.values():
            service.store.close()
        raise
    return services


def check(config: ServerConfig) -> None:
    """Open everything a worker will open (keys, registries, trust list) and close it again:
    a configuration error is one message before anything listens, not a traceback per worker."""
    for service in open_services(config, SystemClock()).values():
        service.store.close()
    _trust_list(config)


def _trust_list(config: ServerConfig) -> bytes | None:
    if config.trust_list is None:
        return None
    try:
        with config.trust_list.open("rb") as handle:
            data = handle.read(MAX_TRUST_LIST_BYTES + 1)  # no more than the limit is read
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the trust list {config.trust_list}: {exc.strerror or exc}"
        ) from None
    if len(data) > MAX_TRUST_LIST_BYTES:
        raise ConfigurationError(
            f"the trust list {config.trust_list} is over the limit of {MAX_TRUST_LIST_BYTES} bytes"
        )
    try:
        parse_json(data, what=f"the trust list {config.trust_list}", max_bytes=MAX_TRUST_LIST_BYTES)
    except InputError as exc:
        raise ConfigurationError(exc.message) from None
    return data


def create_app(config: ServerConfig, *, clock: Clock | None = None) -> FastAPI:
    """The VC-API application for ``config`` (opens every issuer's registry now)."""
    clock = clock or SystemClock()
    configure_logging(config.log_level)
    # Verification runs in worker threads; with the default 5 ms switch interval the event
    # loop waits that long for the GIL after each one (measured: 4x the latency of a verify).
    sys.setswitchinterval(SWITCH_INTERVAL)
    services = open_services(config, clock)
    context = Context(config, services, Metrics(), _trust_list(config), clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        for service in services.values():
            service.store.close()

    app = FastAPI(
        title="vcportable VC-API",
        summary="Issue, verify and revoke portable vocational credentials (W3C VC-API).",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Starlette would answer a path with a trailing slash by a 307 to the slash-less one,
        # its Location built from the request's Host header (not the configured public_url);
        # a client follows a 307 with its body and token. Such a path is an unknown route.
        redirect_slashes=False,
    )
    app.state.context = context
    errors.install(app)
    app.include_router(issuing)
    app.include_router(verifying)
    app.include_router(public)
    # Every route's pattern and methods, for the Allow of a 405: this FastAPI nests included
    # routers where a route's own matching cannot be asked (app.router.routes holds wrappers);
    # FastAPI's own routes (/openapi.json, /docs) are plain Routes beside them.
    app.state.routes = [
        (route.path_regex, set(route.methods or ()))
        for route in (*issuing.routes, *verifying.routes, *public.routes, *app.router.routes)
        if isinstance(route, APIRoute | Route)
    ]
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(FastPath, context=context)
    if config.cors_origins:
        app.add_middleware(
            _Cors,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "HEAD", "POST"],
            # a page revalidates status lists and the trust list itself, and reads their tags
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "X-Request-Id"],
        )
    app.add_middleware(Observe, metrics=context.metrics)
    return app


class _Cors(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in JSON like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        message = bytes(response.body).decode("utf-8", "replace")
        cors = {k: v for k, v in response.headers.items() if k.startswith("access-control-")}
        return error_response(400, "CORS_REFUSED", message, cors)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the bearer scheme the issuing routes declare."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
        for path in schema["paths"].values():  # FastAPI's 422: bad path parameters are 400 here
            for operation in path.values():
                operation["responses"].pop("422", None)
        schema["components"].get("schemas", {}).pop("HTTPValidationError", None)
        schema["components"].get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_env() -> FastAPI:
    """uvicorn's factory for worker processes: the configuration named by ``CONFIG_ENV``."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigurationError(f"{CONFIG_ENV} must name the server's configuration file")
    return create_app(load_config(path))
