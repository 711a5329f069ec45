"""Issuing and status changes: each needs a bearer token of the issuer concerned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .bodies import IssueRequest, StatusChange, openapi_body, read_body
from .context import authorize, blocking, context
from .errors import documented

router = APIRouter()

_AUTH: dict[str, Any] = {"security": [{"bearer": []}]}
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def enveloped(token: str) -> dict[str, str]:
    """A vc+jwt as the VC-API returns it: an ``EnvelopedVerifiableCredential``."""
    return {
        "@context": VC_V2,
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }


@router.post(
    "/{issuer}/credentials/issue",
    status_code=201,
    summary="Issue a credential (VC-API)",
    openapi_extra={**openapi_body(IssueRequest), **_AUTH},
    responses={
        201: {"description": "Issued: {verifiableCredential}"},
        **documented(400, 401, 403, 404, 409, 413, 415, 503),
    },
)
async def issue(issuer: str, request: Request) -> JSONResponse:
    """Record and sign ``credential``. The issuer's id is filled in when left out and must be
    this issuer's DID when given; ``options.credentialStatus`` asks for status entries."""
    ctx = context(request)
    service = ctx.service(issuer)
    await authorize(request, "issue", service.name)
    body = await read_body(request, IssueRequest, ctx.body_limit)
    options = body.options

    def work() -> Any:
        return service.issue(
            body.credential,
            fmt=options.format,
            with_status=options.credentialStatus is not None,
            mandatory_pointers=options.mandatoryPointers,
        )

    signed = await blocking(work)
    credential = enveloped(signed) if isinstance(signed, str) else signed
    return JSONResponse({"verifiableCredential": credential}, status_code=201)


@router.post(
    "/credentials/status",
    summary="Revoke, suspend or reinstate a credential",
    openapi_extra={**openapi_body(StatusChange), **_AUTH},
    responses={
        200: {"description": "The credential's new state"},
        **documented(400, 401, 403, 404, 409, 413, 415, 503),
    },
)
async def change_status(request: Request) -> dict[str, Any]:
    """Change the state of a credential of the token's issuer; a credential of any other
    issuer is not found (it is not in this issuer's registry)."""
    ctx = context(request)
    service, token = await authorize(request, "status")
    change = await read_body(request, StatusChange, ctx.body_limit)
    record = await blocking(
        lambda: service.change_status(
            change.credentialId, change.action, change.reason, token_id=token.id
        )
    )
    return {"credentialId": record.id, "issuer": service.did, "state": record.state}
