"""Structured JSON logs (one line per request) and Prometheus metrics by endpoint and result.

The middleware labels a request with its route's path template (``/{issuer}/credentials/issue``),
never the raw path, so a client cannot grow the metrics without bound. Under several uvicorn
workers, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) so that
``/metrics`` adds up every worker; otherwise each worker reports its own counts.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from typing import Any

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


class Observe:
    """ASGI middleware: times each HTTP request, counts it, logs it as one JSON line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("vcportable.server.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = uuid.uuid4().hex[:16]

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - start
            endpoint = scope.get(ENDPOINT) or getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            self.metrics.requests.labels(endpoint, method, str(status)).inc()
            self.metrics.latency.labels(endpoint, f"{status // 100}xx").observe(elapsed)
            self.log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": method,
                        "endpoint": endpoint,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    }
                },
            )
