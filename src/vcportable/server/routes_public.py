"""Public reads: status lists, the trust list, health, readiness and metrics."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ..errors import VcPortableError
from .context import blocking, context
from .errors import documented
from .service import parse_list_name

router = APIRouter()


def _cached(request: Request, body: bytes, etag: str, max_age: int, media: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    # RFC 9110 13.1.2: weak comparison (a proxy that compresses weakens the tag), and "*"
    asked = {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }
    if etag.removeprefix("W/") in asked or "*" in asked:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


@router.get(
    "/status/{issuer}/{list_name}",
    summary="A Bitstring Status List credential",
    responses={
        200: {"description": "The signed BitstringStatusListCredential"},
        304: {"description": "Not modified (If-None-Match)"},
        **documented(404, 503),
    },
)
@router.head("/status/{issuer}/{list_name}", include_in_schema=False)  # caches ask with HEAD
async def status_list(issuer: str, list_name: str, request: Request) -> Response:
    ctx = context(request)
    service = ctx.service(issuer)
    named = parse_list_name(list_name)
    if named is None:
        raise VcPortableError(f"no status list {list_name!r}", code="NOT_FOUND")
    signed = await blocking(lambda: service.status_list(*named))
    return _cached(
        request, signed.body, signed.etag, ctx.config.status_max_age, "application/vc+ld+json"
    )


@router.get(
    "/trust-list",
    summary="The current signed trust list, as published",
    responses={
        200: {"description": "The signed trust list"},
        304: {"description": "Not modified (If-None-Match)"},
        **documented(404),
    },
)
@router.head("/trust-list", include_in_schema=False)
async def trust_list(request: Request) -> Response:
    ctx = context(request)
    if ctx.trust_list is None:
        raise VcPortableError("this server publishes no trust list", code="NOT_FOUND")
    etag = f'"{hashlib.sha256(ctx.trust_list).hexdigest()[:32]}"'
    return _cached(request, ctx.trust_list, etag, ctx.config.status_max_age, "application/json")


@router.get("/healthz", summary="The process is up")
@router.head("/healthz", include_in_schema=False)  # probes may ask with HEAD
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Every issuer's registry answers",
    responses={503: {"description": "A registry cannot be reached"}},
)
@router.head("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    ctx = context(request)
    problems = {}
    for name, service in ctx.services.items():
        try:
            await blocking(service.ping, timeout=5.0)
        except VcPortableError as exc:
            problems[name] = exc.message
    if problems:
        return JSONResponse({"status": "unavailable", "issuers": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
@router.head("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    body, media = context(request).metrics.render()
    return Response(body, media_type=media)
