"""The library's exceptions as HTTP answers, in one place: a status and a JSON body naming the
problem, ``{"code": "...", "message": "..."}``. Bad input is a 4xx; an unreachable registry is a
503; only a bug is a 500, and its body says nothing about the internals (the log does).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import ConfigurationError, StorageError, VcPortableError

#: Codes with their own status; other input problems are 400.
STATUS_BY_CODE = {
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "UNAVAILABLE": 503,
    "TIMEOUT": 503,
}

log = logging.getLogger("vcportable.server")


def error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def status_of(exc: VcPortableError) -> int:
    if exc.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[exc.code]
    if isinstance(exc, StorageError):
        return 503  # the registry cannot serve: unreachable, locked
    if isinstance(exc, ConfigurationError):
        return 400  # the request asked for something this issuer cannot do
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def library(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VcPortableError)
        status = status_of(exc)
        fields = {"status": status, "code": exc.code, "detail": exc.message[:500]}
        log.log(
            logging.WARNING if status >= 500 else logging.INFO, "refused", extra={"fields": fields}
        )
        return error_response(status, exc.code, exc.message)

    async def http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return error_response(exc.status_code, code, str(exc.detail))

    async def validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or '(request)'}: {e.get('msg')}"
            for e in exc.errors()
        )
        return error_response(400, "MALFORMED", problems)

    async def bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return error_response(500, "INTERNAL_ERROR", "internal error (logged by the server)")

    app.add_exception_handler(VcPortableError, library)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(Exception, bug)
