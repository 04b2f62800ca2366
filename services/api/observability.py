"""Request metrics and one JSON log line per request, labelled by route template, never by path:
paths carry children's ids. The line names the calling client, which identifies a system, not a child."""

import time
import uuid

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("request")
# Any token is a method to HTTP, and every label value is a new series: a caller inventing methods, without even
# authenticating, would grow the metrics without bound. The methods of RFC 9110 and PATCH keep their names.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "Requests served", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "Request latency", ["method", "route"], registry=self.registry
        )
        self.outbox_backlog = Gauge("outbox_backlog", "Recompute requests not yet done", registry=self.registry)
        self.recompute_given_up = Gauge(
            "recompute_given_up",
            "Children whose recompute the sweep stopped sending after repeated failures",
            registry=self.registry,
        )
        self.recompute_lag = Gauge(
            "recompute_lag_seconds", "Age of the oldest recompute request not yet done", registry=self.registry
        )


def method_label(scope: Scope) -> str:
    method: str = scope["method"]
    return method if method in KNOWN_METHODS else "other"


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    # The documented template, without a path convertor such as ":uuid".
    return getattr(route, "path_format", "unmatched")


CLIENT_ID = "client_id"


def log_client(request: Request, client_id: uuid.UUID) -> None:
    request.state[CLIENT_ID] = str(client_id)


class RequestTelemetry:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        # Made here, so whatever the layers within do to the scope, the client they name reaches this line.
        state = scope.setdefault("state", {})

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = method_label(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            log.info(
                "request",
                method=method,
                route=route,
                status=status,
                ms=round(elapsed * 1000, 1),
                client_id=state.get(CLIENT_ID),
            )
