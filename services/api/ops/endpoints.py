"""Operations: liveness, readiness (database, Redis, migrations at head) and Prometheus metrics."""

import hmac
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from services.api.access import PUBLIC, failures_counted
from services.api.deps import StateDep
from services.api.observability import Metrics
from services.api.problems import documented
from shared.errors import NotAuthenticated, NotFound
from shared.faults import explain
from shared.models import RecomputeRequest
from shared.schema import current_revision, schema_problem
from shared.settings import Settings

router = APIRouter(tags=["operations"], dependencies=[PUBLIC])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "not ready"] = Field(
        description="ready, degraded (Redis down: writes kept) or not ready"
    )
    checks: dict[str, str] = Field(description="database, migrations and redis: 'ok', or what is wrong")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: the database is unreachable or not at head"}},
    summary="Database, Redis and migrations checked; traffic-ready without Redis",
)
async def readyz(state: StateDep) -> JSONResponse:
    """503 when the database is unreachable or not migrated to head. Redis unreachable is reported as
    degraded with a 200: writes are still kept (the outbox) and figures catch up, so a load balancer
    must not take the API out of service for it."""
    checks: dict[str, str] = {}
    settings = state.settings

    def unavailable(error: Exception) -> str:
        reason = explain(error, database_url=settings.database_url, redis_url=settings.redis_url)
        return f"unavailable: {reason or type(error).__name__}"

    try:
        async with state.engine.connect() as connection:
            current = await current_revision(connection)
        checks["database"] = "ok"
        checks["migrations"] = schema_problem(current) or "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready, and is reported, not raised
        checks["database"] = unavailable(error)
    try:
        await state.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["redis"] = unavailable(error)
    ready = checks["database"] == "ok" and checks.get("migrations") == "ok"
    status = ("ready" if checks["redis"] == "ok" else "degraded") if ready else "not ready"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if ready else 503)


def require_scraper(request: Request, settings: Settings) -> None:
    """Metrics span every council, so no council's key opens them: the scraper has its own token."""
    token = settings.metrics_token
    if token is None:
        raise NotFound("Metrics are off: set METRICS_TOKEN to give the scraper a token.")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.get_secret_value().encode()):
        raise NotAuthenticated("Send the metrics token as 'Authorization: Bearer <token>'.")


@router.get(
    "/metrics",
    summary="Prometheus metrics (with METRICS_TOKEN, not an API key)",
    response_class=Response,
    # 401 without the metrics token (429 after repeated wrong ones); 404 when no token is set, so metrics are off.
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string", "description": "Prometheus text format"}}}},
        **documented(401, 404, 429),
    },
)
async def metrics(request: Request, state: StateDep) -> Response:
    # A wrong token is a failed authentication like a wrong key: guessing it is throttled the same way.
    async with failures_counted(request, state):
        require_scraper(request, state.settings)
    registry: Metrics = request.app.state.metrics
    waiting = RecomputeRequest.done_at.is_(None)
    given_up = (
        select(RecomputeRequest.child_pk)
        .where(waiting)
        .group_by(RecomputeRequest.child_pk)
        .having(func.min(RecomputeRequest.dispatch_count) > state.settings.outbox_max_sends)
        .subquery()
    )
    async with state.sessions() as db:
        backlog, oldest = (
            await db.execute(
                select(func.count(), func.extract("epoch", func.now() - func.min(RecomputeRequest.requested_at))).where(
                    waiting
                )
            )
        ).one()
        children_given_up = await db.scalar(select(func.count()).select_from(given_up))
    registry.outbox_backlog.set(backlog)
    registry.recompute_lag.set(float(oldest or 0))
    registry.recompute_given_up.set(children_given_up or 0)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
