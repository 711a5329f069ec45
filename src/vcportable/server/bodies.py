"""Request bodies: content type, size (checked before a byte is parsed), the strict JSON parser,
then the request's shape (pydantic models, which also document the bodies in /openapi.json).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..codec.json import parse_json
from ..errors import InputError
from ..store.registry import MAX_REASON
from .problems import describe
from .service import MAX_ID

M = TypeVar("M", bound=BaseModel)
MAX_POINTERS = 64


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StatusRequest(_Body):
    type: Literal["BitstringStatusListEntry"]


class IssueOptions(_Body):
    #: ``di`` (Data Integrity, the issuer's cryptosuite) or ``jwt`` (an enveloped vc+jwt).
    format: Literal["di", "jwt"] = "di"
    #: Ask for revocation and suspension entries (an issuer configured with status adds them
    #: anyway).
    credentialStatus: StatusRequest | None = None
    #: ecdsa-sd-2023: JSON pointers every disclosure must show.
    mandatoryPointers: list[str] | None = Field(default=None, max_length=MAX_POINTERS)


class IssueRequest(_Body):
    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)  # a shared default is deep-copied


class VerifyOptions(_Body):
    #: Accepted for VC-API clients; every check always runs (see docs/server.md).
    checks: list[str] | None = Field(default=None, max_length=16)
    challenge: str | None = Field(default=None, max_length=1024)
    domain: str | None = Field(default=None, max_length=1024)


class VerifyCredentialRequest(_Body):
    #: A credential object; a token travels as an ``EnvelopedVerifiableCredential``.
    verifiableCredential: dict[str, Any]
    options: VerifyOptions = Field(default_factory=VerifyOptions)  # a shared default is deep-copied


class VerifyPresentationRequest(_Body):
    verifiablePresentation: dict[str, Any]
    options: VerifyOptions = Field(default_factory=VerifyOptions)  # a shared default is deep-copied


class DeriveOptions(_Body):
    selectivePointers: list[str] = Field(default_factory=list, max_length=MAX_POINTERS)


class DeriveRequest(_Body):
    verifiableCredential: dict[str, Any]
    options: DeriveOptions = Field(default_factory=DeriveOptions)  # a shared default is deep-copied


class StatusChange(_Body):
    credentialId: str = Field(min_length=1, max_length=MAX_ID)
    action: Literal["revoke", "suspend", "reinstate"]
    reason: str = Field(default="changed through the VC-API", min_length=1, max_length=MAX_REASON)


@dataclass(frozen=True)
class Incoming:
    """What reading a body needs of a request: its headers (lower-case names) and its body's
    chunks. A FastAPI :class:`Request` gives both (:meth:`of`); so does a raw ASGI request
    (:mod:`.fastpath`), which skips building one."""

    headers: Mapping[str, str]
    chunks: AsyncIterator[bytes]

    @classmethod
    def of(cls, request: Request) -> Incoming:
        return cls(request.headers, request.stream())


async def read_bytes(incoming: Incoming, limit: int, seconds: float) -> bytes:
    """The raw body: 415 unless JSON in UTF-8, 413 over ``limit`` (from Content-Length, or
    counted while reading, before parsing), 408 unless it has all come within ``seconds`` (a
    client trickling a body would hold its buffer and connection for as long as it likes)."""
    media, *parameters = incoming.headers.get("content-type", "").split(";")
    media = media.strip().lower()
    is_json = media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )
    if not is_json:
        raise InputError(
            f"the body must be application/json, not {media or 'unlabelled'}",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            # JSON over HTTP is UTF-8 (RFC 8259, 8.1): a body labelled otherwise is refused,
            # not read as UTF-8 regardless.
            raise InputError(
                f"the body must be JSON in UTF-8, not charset={charset[:40] or '(empty)'}",
                code="UNSUPPORTED_MEDIA_TYPE",
            )
    coding = incoming.headers.get("content-encoding", "").strip().lower()
    if coding not in ("", "identity"):  # RFC 9110 15.5.16: an unsupported coding is a 415
        raise InputError(
            f"the body must not be compressed (Content-Encoding: {coding[:40]})",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    declared = incoming.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):  # "²" is a digit to isdigit
            raise InputError("Content-Length is not a number")
        if int(declared) > limit:
            raise InputError(f"the body is over {limit} bytes", code="TOO_LARGE")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in incoming.chunks:
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise InputError(f"the body is over {limit} bytes", code="TOO_LARGE")
    except TimeoutError:
        raise InputError(
            f"the body did not arrive within {seconds:g} s", code="REQUEST_TIMEOUT"
        ) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parsed(model: type[M], body: bytes, limit: int) -> M:
    """``body`` through the strict parser (400 unless it accepts it), then as ``model``."""
    return shaped(model, parse_json(body, what="request body", max_bytes=limit))


def shaped(model: type[M], value: Any) -> M:
    """``value`` as ``model``; InputError naming every bad member otherwise."""
    if not isinstance(value, dict):
        raise InputError("the request body must be a JSON object")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = describe(exc.errors(), whole="(body)")
        raise InputError(f"bad request: {problems}") from None


async def read_body(request: Request, model: type[M], limit: int, seconds: float) -> M:
    return parsed(model, await read_bytes(Incoming.of(request), limit, seconds), limit)


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing ``model`` as the JSON request body (the routes read the
    body themselves, through the strict parser)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }
