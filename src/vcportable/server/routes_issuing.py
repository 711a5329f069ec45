"""Issuing and status changes: each needs a bearer token of the issuer concerned."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import VcPortableError
from .bodies import (
    Incoming,
    IssueRequest,
    StatusChange,
    openapi_body,
    parsed,
    read_body,
    read_bytes,
)
from .context import (
    Context,
    admit_token,
    authorize,
    blocking,
    check_token,
    context,
    token_service,
)
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
async def issue(issuer: str, request: Request) -> Response:
    """Record and sign ``credential``. The issuer's id is filled in when left out and must be
    this issuer's DID when given; ``options.credentialStatus`` asks for status entries."""
    return await issue_credential(context(request), issuer, Incoming.of(request))


async def issue_credential(ctx: Context, issuer: str, incoming: Incoming) -> Response:
    """The issue route (here and in :mod:`.fastpath`), in one worker thread. A token is
    checked alone first unless it passed a check moments ago (:func:`.admit_token`), and
    again with the rest of the issuing batch (:meth:`.IssuerService.issue`); a request
    refused before it joins a batch (its body, 415, 413 or 400) checks its token alone first,
    so a caller without a good token is told that and nothing else, as ever."""
    service = ctx.service(issuer)
    service, token = token_service(ctx, incoming.headers, service.name)
    refusal: VcPortableError | None = None
    raw = b""
    try:
        raw = await read_bytes(incoming, ctx.body_limit, ctx.config.request_timeout)
    except VcPortableError as exc:
        refusal = exc

    def work() -> Response:
        try:
            admit_token(ctx, service, token, "issue")
            if refusal is not None:
                raise refusal
            body = parsed(IssueRequest, raw, ctx.body_limit)
            options = body.options
            signed = service.issue(
                body.credential,
                fmt=options.format,
                with_status=options.credentialStatus is not None,
                mandatory_pointers=options.mandatoryPointers,
                token=token,
            )
        except VcPortableError as exc:
            if exc.code not in ("UNAUTHORIZED", "FORBIDDEN"):
                check_token(ctx, service, token, "issue")
            raise
        credential = enveloped(signed) if isinstance(signed, str) else signed
        return JSONResponse({"verifiableCredential": credential}, status_code=201)  # encoded here

    return await blocking(work)


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
    change = await read_body(request, StatusChange, ctx.body_limit, ctx.config.request_timeout)
    record = await blocking(
        lambda: service.change_status(
            change.credentialId, change.action, change.reason, token_id=token.id
        )
    )
    return {"credentialId": record.id, "issuer": service.did, "state": record.state}
