"""What every request shares: the issuers, the verifier, the metrics, the trust list; and the
two helpers every route uses (running blocking work off the event loop, and authorisation)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request

from ..checks.status import StatusCheck, list_policy
from ..clock import Clock, SystemClock
from ..dids import OfflineResolver
from ..errors import VcPortableError
from ..jsonld import default_loader
from ..policy import VerificationPolicy
from ..verifier import Verifier
from . import tokens
from .config import ServerConfig
from .observability import Metrics
from .service import IssuerService

T = TypeVar("T")


class RegistryStatusSource:
    """Status lists of this server's issuers, rendered from their registries (no network): a
    :class:`~vcportable.status.source.StatusSource`. Lists of anyone else are not available,
    and the status check says so."""

    def __init__(self, services: Mapping[str, IssuerService]) -> None:
        self.services = services

    def load(self, url: str) -> bytes | None:
        for service in self.services.values():
            found = service.list_for_url(url)
            if found is not None:
                return found.body
        return None

    def describe(self) -> str:
        return "this server's registries"


@dataclass
class Context:
    config: ServerConfig
    services: dict[str, IssuerService]
    metrics: Metrics
    trust_list: bytes | None = None
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        policy = VerificationPolicy(
            require_issuer_binding=not self.config.allow_unbound_issuer,
            allow_bearer_credentials=self.config.allow_bearer_credentials,
        )
        resolver = OfflineResolver()
        loader = default_loader()
        self.loader = loader
        #: Every request body: the configured limit, but never more than a verifier reads (a
        #: credential over it could be issued, then never verified, revoked or re-sent).
        self.body_limit = min(self.config.max_body_bytes, policy.max_input_bytes)
        #: One verifier per process, shared by every request's thread (its status check is
        #: thread-safe and asks the registries on every check, so a revocation is seen by the
        #: very next request). The lists themselves carry no status: a plain verifier checks them.
        lists = Verifier(
            loader=loader,
            resolver=resolver,
            clock=self.clock,
            policy=list_policy(),
        )
        self.verifier = Verifier(
            loader=loader,
            resolver=resolver,
            clock=self.clock,
            policy=policy,
            status=StatusCheck(RegistryStatusSource(self.services), lists),
        )

    #: Tokens (issuer, token, scope) that passed a registry check, until when (monotonic).
    admitted: dict[tuple[str, str, str], float] = field(
        default_factory=dict, init=False, repr=False
    )

    def service(self, name: str) -> IssuerService:
        found = self.services.get(name)
        if found is None:
            raise VcPortableError(f"no issuer named {name!r} on this server", code="NOT_FOUND")
        return found


def context(request: Request) -> Context:
    found: Context = request.app.state.context
    return found


#: Timed work runs in threads that keep going after their request has been answered 503
#: (a verification cannot be interrupted); at most this many at once, so that slow requests
#: cannot pile up threads without bound. A request beyond it is refused at once with 503.
MAX_TIMED_WORK = 40
_timed_work = threading.BoundedSemaphore(MAX_TIMED_WORK)
#: The process's worker threads: the timed work above, and as many again for the rest.
_threads = ThreadPoolExecutor(2 * MAX_TIMED_WORK, thread_name_prefix="vcportable-work")


async def blocking(work: Callable[[], T], *, timeout: float | None = None) -> T:
    """Run ``work`` in a worker thread; with ``timeout``, answer 503 when it takes longer
    (only for work that writes nothing: the thread finishes on its own). Work is never
    abandoned before it ends: a cancelled request stops waiting, its work goes on.

    One executor whose idle threads take the next job (anyio's ``to_thread`` woke a thread of
    its own per call: its queue's notify was a tenth of a verify request's CPU)."""
    if timeout is None:
        return await asyncio.shield(asyncio.wrap_future(_threads.submit(work)))
    slots = _timed_work
    if not slots.acquire(blocking=False):
        raise VcPortableError("the server is busy: try again shortly", code="TIMEOUT")
    running = _threads.submit(work)
    running.add_done_callback(lambda _: slots.release())  # when the work ends, answered or not
    try:
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(running)), timeout)
    except TimeoutError:
        raise VcPortableError(
            f"the request took longer than {timeout:g} s", code="TIMEOUT"
        ) from None


def bearer_token(headers: Mapping[str, str]) -> str:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.AccessDenied("a bearer token is required (Authorization: Bearer ...)")
    return token.strip()


def token_service(
    ctx: Context, headers: Mapping[str, str], issuer_name: str | None = None
) -> tuple[IssuerService, str]:
    """The issuer the request's token names, and the token, from the headers alone (no
    registry read). A token naming no issuer of this server is unknown (401, as any unknown
    token: the answer does not tell which issuers exist); when the route names an issuer, the
    token must be that issuer's (403 for a token of another issuer of this server)."""
    token = bearer_token(headers)
    service = ctx.services.get(tokens.issuer_of(token))
    if service is None:
        raise tokens.AccessDenied("unknown bearer token")
    if issuer_name is not None and service.name != issuer_name:
        raise tokens.AccessDenied(
            f"this token belongs to another issuer, not {issuer_name}", forbidden=True
        )
    return service, token


def check_token(ctx: Context, service: IssuerService, token: str, scope: str) -> tokens.TokenInfo:
    """The token's record in ``service``'s registry, active and carrying ``scope`` (blocking:
    a registry read)."""
    return tokens.authorize(service.store, token, scope, now=ctx.clock.now(), issuer=service.did)


#: How long a token that passed a registry check admits requests without another check first.
ADMIT_SECONDS = 10.0
_MAX_ADMITTED = 1024


def admit_token(ctx: Context, service: IssuerService, token: str, scope: str) -> None:
    """Refuse a request whose token has not passed :func:`check_token` in the last
    :data:`ADMIT_SECONDS`, before its body costs anything: an issuing batch checks every
    token again with the rest of the batch (so a revocation still takes effect at once), but
    a forged token must not get a body parsed and a credential prepared first. Only tokens
    that passed are kept, so an attacker cannot fill the table (it is bounded anyway)."""
    key = (service.name, token, scope)
    now = time.monotonic()
    until = ctx.admitted.get(key)
    if until is not None and now < until:
        return
    check_token(ctx, service, token, scope)
    if len(ctx.admitted) >= _MAX_ADMITTED:
        ctx.admitted.clear()
    ctx.admitted[key] = now + ADMIT_SECONDS


async def authorize(
    request: Request, scope: str, issuer_name: str | None = None
) -> tuple[IssuerService, tokens.TokenInfo]:
    """The issuer the request's token belongs to, checked for ``scope`` (see
    :func:`token_service` and :func:`check_token`)."""
    ctx = context(request)
    service, token = token_service(ctx, request.headers, issuer_name)
    return service, await blocking(lambda: check_token(ctx, service, token, scope))
