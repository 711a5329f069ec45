"""The hot routes as plain ASGI: ``POST /credentials/verify``, ``/presentations/verify`` and
``/{issuer}/credentials/issue`` answered ahead of FastAPI's router.

FastAPI's routing, dependency solving, request object and its own middlewares cost about
0.1 ms of CPU per request, a third of a verification (measured through the ASGI app in one
process, verification inline: 0.52 ms per verify request through the router, 0.43 ms here).
These routes read their body themselves and answer encoded bytes anyway, so this middleware
matches their paths and calls the same functions the FastAPI routes call
(:func:`.routes_verifying.verify`, :func:`.routes_issuing.issue_credential`): the same
validation, errors and answers. It sits inside :class:`~.observability.Observe` and the CORS
middleware, so metrics, logs and CORS headers are as for every route; the FastAPI routes still
document the three in /openapi.json.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from starlette._utils import get_route_path
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import VcPortableError
from .bodies import Incoming
from .context import Context
from .errors import refused
from .observability import ENDPOINT
from .routes_issuing import issue_credential
from .routes_verifying import verify

#: The verify routes: path, and whether it verifies a presentation.
_VERIFY = {"/credentials/verify": False, "/presentations/verify": True}
_ISSUE_SUFFIX = "/credentials/issue"
_ISSUE_TEMPLATE = "/{issuer}/credentials/issue"

Handler = Callable[[Incoming], Awaitable[Response]]


class FastPath:
    """ASGI middleware answering the hot routes; anything else goes on to ``app``."""

    def __init__(self, app: ASGIApp, context: Context) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._match(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        template, handler = found
        scope[ENDPOINT] = template
        incoming = Incoming(_headers(scope), _chunks(receive))
        try:
            response = await handler(incoming)
        except VcPortableError as exc:
            response = refused(exc)
        except ClientDisconnect:
            return  # nobody to answer
        await response(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[str, Handler] | None:
        """The route's path template and handler, for a POST to a hot route. The path is read
        as the router reads it (Starlette's own function: without the ``root_path`` a proxy's
        prefix sets), so that both take the same requests."""
        if scope["method"] != "POST":
            return None
        path = get_route_path(scope)
        ctx = self.context
        presentation = _VERIFY.get(path)
        if presentation is not None:
            return path, lambda incoming: verify(ctx, incoming, presentation=presentation)
        if path.endswith(_ISSUE_SUFFIX):
            issuer = path[1 : -len(_ISSUE_SUFFIX)]
            if issuer and "/" not in issuer:
                return _ISSUE_TEMPLATE, lambda incoming: issue_credential(ctx, issuer, incoming)
        return None


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name, the first of repeated ones (as Starlette's
    ``Headers.get``)."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The body's chunks, as Starlette's ``Request.stream`` yields them."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return
