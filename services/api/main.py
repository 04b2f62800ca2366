"""The API application: uvicorn services.api.main:app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.api import problems
from services.api.assessments.endpoints import router as assessments
from services.api.children.endpoints import router as children
from services.api.observability import Metrics, RequestTelemetry
from services.api.ops.endpoints import router as ops
from services.api.placements.endpoints import router as placements
from services.api.providers.endpoints import router as providers
from services.api.scores.endpoints import router as scores
from services.api.state import AppState
from shared import logging, queue
from shared.db import make_engine, make_sessionmaker
from shared.outbox import Dispatcher
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        sessions = make_sessionmaker(engine)
        redis = queue.connect(settings)
        dispatcher = Dispatcher(redis, sessions)
        app.state.services = AppState(settings, engine, sessions, redis, dispatcher)
        yield
        await dispatcher.drain()
        await redis.aclose()
        await engine.dispose()

    logging.configure(settings.log_level)
    app = FastAPI(
        title="Needs-led care",
        version="1.0",
        description=(
            "Needs, trends and figures for children looked after. Authenticate with 'Authorization: Bearer <API key>'."
        ),
        lifespan=lifespan,
    )
    app.state.metrics = Metrics()
    problems.install(app)
    # Added last, so outermost: it sees the status the error containment answered with.
    app.add_middleware(RequestTelemetry, metrics=app.state.metrics)
    for router in (ops, children, assessments, placements, providers, scores):
        app.include_router(router)
    return app


app = create_app()
