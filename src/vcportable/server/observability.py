"""Structured JSON logs (one line per request) and Prometheus metrics by endpoint and result.

The middleware labels a request with its route's path template (``/{issuer}/credentials/issue``),
never the raw path, so a client cannot grow the metrics without bound. Under several uvicorn
workers, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) so that
``/metrics`` adds up every worker; otherwise each worker reports its own counts.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import secrets
import time
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The scope key naming the endpoint of a request answered without FastAPI's router (which
#: puts its route in ``scope["route"]``): see :mod:`.fastpath`.
ENDPOINT = "vcportable.endpoint"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    """Request counts and latencies, in a registry of this app's own (tests build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
            target: CollectorRegistry | None = None
        else:
            target = self.registry
        self.requests = Counter(
            "vcportable_requests",
            "HTTP requests by endpoint, method and status code.",
            ("endpoint", "method", "status"),
            registry=target,
        )
        self.latency = Histogram(
            "vcportable_request_seconds",
            "Request latency by endpoint and status class (2xx, 4xx, 5xx).",
            ("endpoint", "result"),
            buckets=LATENCY_BUCKETS,
            registry=target,
        )

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """JSON lines on stderr for the server's logger (uvicorn's access log is turned off)."""
    logger = logging.getLogger("vcportable.server")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


#: The status a request is counted under when its client went away before the answer
#: (nginx's 499): no 5xx that an anonymous client could raise at will.
CLIENT_CLOSED = 499


class Observe:
    """ASGI middleware: times each HTTP request, counts it, logs it as one JSON line.

    Per request it does as little as it can (it runs for every request of every worker): the
    request id is this process's random prefix and a counter (a ``uuid4`` read the kernel's
    random source each time), the metrics' labelled children are looked up once, and the log
    line is built only when its level is on."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("vcportable.server.access")
        self._ids = itertools.count()
        self._prefix = secrets.token_hex(4)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def _request_id(self) -> str:
        return f"{self._prefix}{next(self._ids):08x}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = self._request_id()
        id_header = (b"x-request-id", request_id.encode())

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        async def receiving() -> Message:
            nonlocal status
            message = await receive()
            if message["type"] == "http.disconnect" and status == 500:
                status = CLIENT_CLOSED  # gone before an answer: not the server's failure
            return message

        try:
            await self.app(scope, receiving, sending)
        finally:
            elapsed = time.perf_counter() - start
            endpoint = str(
                scope.get(ENDPOINT) or getattr(scope.get("route"), "path", None) or "unmatched"
            )
            method = scope.get("method", "")
            # Any token is a method to the HTTP parser: a label takes the known ones only, so
            # a client cannot grow the metrics (and this table) without bound.
            label = method if method in _METHODS else "OTHER"
            count, latency = self._labelled(endpoint, label, status)
            count.inc()
            latency.observe(elapsed)
            if self.log.isEnabledFor(logging.INFO):
                fields = {
                    "request_id": request_id,
                    "method": method,
                    "endpoint": endpoint,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                }
                self.log.info("request", extra={"fields": fields})

    def _labelled(self, endpoint: str, method: str, status: int) -> tuple[Counter, Histogram]:
        """The request counter and latency histogram of these labels."""
        key = (endpoint, method, status)
        found = self._children.get(key)
        if found is None:
            found = (
                self.metrics.requests.labels(endpoint, method, str(status)),
                self.metrics.latency.labels(endpoint, f"{status // 100}xx"),
            )
            self._children[key] = found
        return found
