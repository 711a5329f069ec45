"""The library's exceptions as HTTP answers, in one place: a status and a JSON body naming the
problem, ``{"code": "...", "message": "..."}``. Bad input is a 4xx; an unreachable registry is a
503; only a bug is a 500, and its body says nothing about the internals (the log does).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ConfigurationError, StorageError, VcPortableError
from .problems import describe

#: Codes with their own status; other input problems are 400.
STATUS_BY_CODE = {
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "REQUEST_TIMEOUT": 408,
    "TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNAVAILABLE": 503,
    "TIMEOUT": 503,
}

log = logging.getLogger("vcportable.server")


class ErrorBody(BaseModel):
    """Every error answer: a stable code and a sentence naming what was wrong."""

    code: str
    message: str


_MEANING = {
    400: "Bad request: malformed JSON, wrong shape, or a credential that cannot be issued",
    401: "No bearer token, or an unknown, revoked or expired one",
    403: "The token is another issuer's, or lacks the scope",
    404: "Unknown issuer, credential, status list or route",
    409: "The credential's state, or its id, forbids the change",
    413: "The body is over the configured limit",
    415: "The body is not JSON, or not in UTF-8",
    503: "The registry database cannot be reached, or the request timed out",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error answers a route can give."""
    return {status: {"model": ErrorBody, "description": _MEANING[status]} for status in statuses}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    extra = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return JSONResponse(
        {"code": code, "message": message},
        status_code=status,
        headers={**(headers or {}), **extra},
    )


def status_of(exc: VcPortableError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    if isinstance(exc, StorageError):
        return 503  # the registry cannot serve: unreachable, locked
    if isinstance(exc, ConfigurationError):
        return 400  # the request asked for something this issuer cannot do
    return 400


def refused(exc: VcPortableError) -> JSONResponse:
    """The answer to a request the library refused, logged (the FastAPI routes' handler, and
    :mod:`.fastpath`'s)."""
    status = status_of(exc)
    level = logging.WARNING if status >= 500 else logging.INFO
    if log.isEnabledFor(level):
        fields = {"status": status, "code": exc.code, "detail": exc.message[:500]}
        log.log(level, "refused", extra={"fields": fields})
    return error_response(status, exc.code, exc.message)


def _allowed(request: Request) -> str:
    """The methods of every route of the request's path (``app.state.routes``: pattern and
    methods of each, as :func:`~vcportable.server.app.create_app` includes them)."""
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    methods: set[str] = set()
    for pattern, found in getattr(request.app.state, "routes", ()):
        if pattern.match(path):
            methods |= found
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def library(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VcPortableError)
        return refused(exc)

    async def http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        headers = exc.headers
        if exc.status_code == 405:  # every method of the path, not those of one of its routes
            headers = {**(headers or {}), "Allow": _allowed(request)}
        return error_response(exc.status_code, code, str(exc.detail), headers)

    async def validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = describe(exc.errors(), whole="(request)", skip=1)
        return error_response(400, "MALFORMED", problems)

    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return error_response(500, "INTERNAL_ERROR", "internal error (logged by the server)")

    app.add_exception_handler(VcPortableError, library)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(Exception, bug)
