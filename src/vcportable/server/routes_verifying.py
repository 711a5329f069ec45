"""Verification and derivation: public, read-only, and bounded in time.

A credential that fails verification is an answer, not an error: 400 with ``verified: false``
and the full report, as the VC-API and its test suites expect; 200 with ``verified: true``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..models.report import CheckStatus, VerificationReport, json_fields
from ..nonblocking import WouldBlock, on_loop
from ..proofs.base import Kind
from ..proofs.dataintegrity import ecdsa_sd
from .bodies import (
    DeriveRequest,
    Incoming,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    openapi_body,
    parsed,
    read_body,
    read_bytes,
)
from .context import Context, blocking, context
from .errors import documented

router = APIRouter()
#: Media types of an EnvelopedVerifiableCredential's data: URL that are verified as tokens.
_ENVELOPED_MEDIA = ("application/vc+jwt", "application/vc+sd-jwt", "application/vp+jwt")
#: A verify request of at most this many bytes is parsed on the event loop, and verified there
#: too when :func:`computation_only` says its verification is (one signed credential: 2 to 3
#: KiB); anything else is verified in a worker thread, under ``request_timeout``. The thread's
#: hand-off and wake-ups cost as much CPU as the verification itself (through the ASGI app, one
#: process: 1.0 ms of CPU per verify request with the hand-off, 0.65 ms without).
INLINE_BYTES = 4 * 1024
_VERIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Verified: {verified: true, checks, warnings, errors, report}"},
    400: {"description": "Not verified ({verified: false, ...}), or a bad request ({code})"},
    **documented(413, 415, 503),
}


def unwrap(value: Mapping[str, Any]) -> Mapping[str, Any] | str:
    """The token inside an ``EnvelopedVerifiableCredential`` / ``...Presentation`` (VC-JOSE-COSE
    section 3), else the value itself."""
    types = value.get("type")
    listed = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    kinds = {t for t in listed if isinstance(t, str)}
    data = value.get("id")
    if not {"EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"} & kinds:
        return value
    if isinstance(data, str) and data.startswith("data:"):
        media, _, token = data[len("data:") :].partition(",")
        if media in _ENVELOPED_MEDIA and token:
            return token
    return value


def computation_only(data: Mapping[str, Any] | str, presentation: bool) -> bool:
    """Whether verifying ``data`` (from a body within :data:`INLINE_BYTES`) is short
    computation, safe to run on the event loop: one credential with one proof (in 4 KiB, 380
    crafted blank nodes signed on P-384 took 9 to 13 ms). A proof set multiplies the signature
    checks and each proof's own canonicalization (8 proofs over 1,000 blank nodes in 15 KB:
    37 ms on P-384, 257 ms before the document was canonicalized once for all of them), a
    status entry makes the status check read the registry (a database that may be slow or
    gone), related resources are read from files, and a token or a presentation may carry any of
    these inside."""
    return (
        not presentation
        and not isinstance(data, str)
        and isinstance(data.get("proof"), Mapping)
        and "credentialStatus" not in data
        and "relatedResource" not in data
    )


def _errors(report: VerificationReport, where: str = "") -> list[str]:
    """Every failure, those of enclosed credentials too (a presentation whose credential
    failed has none of its own), each saying where."""
    found = [f"{where}{c.code.value}: {c.message}" for c in report.failures]
    for n, enclosed in enumerate(report.credentials):
        found += _errors(enclosed, f"{where}verifiableCredential[{n}]: ")
    return found


def answer(report: VerificationReport) -> Response:
    """The VC-API answer, as JSON bytes made where the verification ran (a worker thread, or
    the event loop for what :func:`computation_only` admits), encoded as Starlette's
    ``JSONResponse`` encodes (no NaN), the report field by field."""
    checks = [c.id for c in report.checks if c.status is CheckStatus.PASSED]
    warnings = [c for c in report.checks if c.status is CheckStatus.WARNING]
    body = {
        "verified": report.verified,
        "checks": checks,
        "warnings": [f"{c.code.value}: {c.message}" for c in warnings],
        "errors": _errors(report),
        "report": report,
    }
    return Response(
        json.dumps(
            body, default=json_fields, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode(),
        status_code=200 if report.verified else 400,
        media_type="application/json",
    )


@router.post(
    "/credentials/verify",
    summary="Verify a credential (VC-API)",
    openapi_extra=openapi_body(VerifyCredentialRequest),
    responses=_VERIFY_RESPONSES,
)
async def verify_credential(request: Request) -> Response:
    return await verify(context(request), Incoming.of(request), presentation=False)


@router.post(
    "/presentations/verify",
    summary="Verify a presentation (VC-API)",
    openapi_extra=openapi_body(VerifyPresentationRequest),
    responses=_VERIFY_RESPONSES,
)
async def verify_presentation(request: Request) -> Response:
    return await verify(context(request), Incoming.of(request), presentation=True)


async def verify(ctx: Context, incoming: Incoming, *, presentation: bool) -> Response:
    """Both verify routes (here and in :mod:`.fastpath`): the body within the verifier's own
    input limit, then the whole pipeline, with the challenge and domain a presentation
    request names. Parsing, checking and encoding the answer run in a worker thread, or for a
    small body on the event loop: its parsing, and its checks too when they are computation
    only (see :data:`INLINE_BYTES`)."""
    raw = await read_bytes(incoming, ctx.body_limit, ctx.config.request_timeout)
    verifier = ctx.verifier
    limit = ctx.body_limit

    def read() -> tuple[Mapping[str, Any] | str, str | None, str | None]:
        """What to verify, and the challenge and domain asked for."""
        if presentation:
            asked = parsed(VerifyPresentationRequest, raw, limit)
            options = asked.options
            return unwrap(asked.verifiablePresentation), options.challenge, options.domain
        return unwrap(parsed(VerifyCredentialRequest, raw, limit).verifiableCredential), None, None

    def check(data: Mapping[str, Any] | str, challenge: str | None, domain: str | None) -> Response:
        if isinstance(data, str):  # each route verifies its own kind, whatever a token says
            kind: Kind = "presentation" if presentation else "credential"
            return answer(
                verifier.verify_token(data, challenge=challenge, domain=domain, kind=kind)
            )
        if presentation:
            return answer(verifier.verify_presentation(data, challenge=challenge, domain=domain))
        return answer(verifier.verify_credential(data))

    timeout = ctx.config.request_timeout
    if len(raw) > INLINE_BYTES:
        return await blocking(lambda: check(*read()), timeout=timeout)
    found = read()
    if computation_only(found[0], presentation):
        try:
            with on_loop():
                return check(*found)
        except WouldBlock:
            pass  # it needs pyld or a lock another thread holds: the thread does it all again
    return await blocking(lambda: check(*found), timeout=timeout)


@router.post(
    "/credentials/derive",
    summary="Derive a selective disclosure of an ecdsa-sd-2023 credential (VC-API holder)",
    openapi_extra=openapi_body(DeriveRequest),
    responses={
        200: {"description": "{verifiableCredential}: the derived credential"},
        **documented(400, 413, 415, 503),
    },
)
async def derive(request: Request) -> dict[str, Any]:
    ctx = context(request)
    body = await read_body(request, DeriveRequest, ctx.body_limit, ctx.config.request_timeout)
    loader = ctx.loader

    def work() -> dict[str, Any]:
        return ecdsa_sd.derive(body.verifiableCredential, body.options.selectivePointers, loader)

    return {"verifiableCredential": await blocking(work, timeout=ctx.config.request_timeout)}
