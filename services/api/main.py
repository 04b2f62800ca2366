"""The API application: uvicorn services.api.main:app."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.api import problems
from services.api.access import enforce_declared_access
from services.api.assessments.endpoints import router as assessments
from services.api.audit_log.endpoints import router as audit_log
from services.api.children.endpoints import router as children
from services.api.clients.endpoints import router as clients
from services.api.contracts.endpoints import router as contracts
from services.api.decisions.endpoints import router as decision_support
from services.api.docs import app_with_docs
from services.api.erasures.endpoints import router as erasures
from services.api.figures_admin.endpoints import router as figures_admin
from services.api.http_limits import BodyLimit, SecurityHeaders, install_cors
from services.api.imports.endpoints import IMPORTS_PATH
from services.api.imports.endpoints import router as imports
from services.api.instruments.endpoints import router as instruments
from services.api.matching.endpoints import router as matching
from services.api.observability import Metrics, RequestTelemetry
from services.api.ops.endpoints import router as ops
from services.api.outcomes.child_endpoint import router as child_outcomes
from services.api.outcomes.codes_endpoints import router as measure_codes
from services.api.outcomes.endpoints import router as outcome_measures
from services.api.placements.endpoints import router as placements
from services.api.provider_portal.endpoints import router as provider_portal
from services.api.providers.endpoints import router as providers
from services.api.read_slots import ReadSlots
from services.api.scores.children_endpoint import router as scores_children
from services.api.scores.cohort_cache import CohortCache
from services.api.scores.cohort_endpoints import admin_router as cohort_admin
from services.api.scores.cohort_endpoints import router as scores_cohort
from services.api.scores.edge_of_care_endpoints import admin_router as edge_of_care_admin
from services.api.scores.edge_of_care_endpoints import router as scores_edge_of_care
from services.api.scores.endpoints import router as scores
from services.api.scores.labels_endpoints import router as scores_labels
from services.api.scores.outcome_endpoints import admin_router as outcome_links_admin
from services.api.scores.outcome_endpoints import router as scores_outcome_links
from services.api.scores.placement_endpoints import router as scores_placements
from services.api.scores.savings_endpoints import router as scores_savings
from services.api.scores.sufficiency_endpoints import admin_router as sufficiency_admin
from services.api.scores.sufficiency_endpoints import router as scores_sufficiency
from services.api.scores.value_endpoints import router as scores_value
from services.api.state import AppState
from services.api.statements.endpoints import router as statements
from services.api.throttle import REQUEST_COUNT_BATCH_SECONDS, Throttle
from services.api.tokens import JwksSource, TokenVerifier
from services.api.web.site import install_web
from shared import logging, queue
from shared.db import make_engine, make_sessionmaker
from shared.outbox import Dispatcher
from shared.settings import Settings, get_settings

ROUTERS = (
    ops,
    children,
    assessments,
    placements,
    outcome_measures,
    measure_codes,
    child_outcomes,
    decision_support,
    matching,
    providers,
    scores,
    scores_cohort,
    cohort_admin,
    scores_children,
    scores_labels,
    scores_placements,
    scores_value,
    scores_savings,
    scores_sufficiency,
    sufficiency_admin,
    scores_outcome_links,
    scores_edge_of_care,
    edge_of_care_admin,
    outcome_links_admin,
    provider_portal,
    clients,
    audit_log,
    erasures,
    instruments,
    figures_admin,
    imports,
    contracts,
    statements,
)


def token_verifier(settings: Settings) -> TokenVerifier | None:
    if settings.oauth_issuer is None or settings.oauth_audience is None:
        return None
    if settings.oauth_jwks is not None:
        source = JwksSource.from_document(settings.oauth_jwks)
    else:
        assert settings.oauth_jwks_url is not None  # the settings check one of the two is set
        source = JwksSource.from_url(settings.oauth_jwks_url)
    return TokenVerifier(settings.oauth_issuer, settings.oauth_audience, source)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Built before serving, so a bad JWKS document stops the start rather than every request.
    verifier = token_verifier(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings, statement_timeout_ms=settings.read_statement_timeout_ms)
        sessions = make_sessionmaker(engine)
        redis = queue.connect(settings)
        dispatcher = Dispatcher(redis, sessions)
        failures = Throttle(
            redis,
            prefix=f"{settings.queue_name}:auth-failures",
            limit=settings.auth_failure_limit,
            window_seconds=settings.auth_failure_window_seconds,
        )
        bursts = Throttle(
            redis,
            prefix=f"{settings.queue_name}:requests",
            limit=settings.client_request_limit,
            window_seconds=settings.client_request_window_seconds,
            batch_seconds=REQUEST_COUNT_BATCH_SECONDS,
        )
        expensive_reads = ReadSlots(
            redis, prefix=f"{settings.queue_name}:expensive-reads", per_client=settings.expensive_reads_per_client
        )
        cohort_cache = CohortCache(redis, sessions, prefix=f"{settings.queue_name}:cohort")
        app.state.services = AppState(
            settings, engine, sessions, redis, dispatcher, verifier, failures, bursts, expensive_reads, cohort_cache
        )
        # What the start built lives as long as the process: kept out of the collector's full passes, each of which
        # otherwise walks the whole app (a tenth of a second), and a batch of 1,000 items sets one off. Collected
        # first, so no garbage of the start is kept for good.
        gc.collect()
        gc.freeze()
        yield
        await dispatcher.drain()
        await redis.aclose()
        await engine.dispose()

    logging.configure(settings.log_level)
    app = app_with_docs(
        title="Needs-led care",
        version="1.0",
        description=(
            "Needs, trends and figures for children looked after. Authenticate with 'Authorization: Bearer "
            "<API key or OAuth2 access token>'; each route names the scope it needs."
        ),
        lifespan=lifespan,
        # Operation ids are the route functions' names: stable, and what generated clients call.
        generate_unique_id_function=lambda route: route.name,
        # A path with a trailing slash is a 404, not a redirect: its Location would name the Host header's host.
        redirect_slashes=False,
    )
    app.state.metrics = Metrics()
    problems.install(app)
    enforce_declared_access(ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    install_web(app, settings)
    install_cors(app, settings.cors_origins)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={IMPORTS_PATH: (settings.max_upload_bytes, "MAX_UPLOAD_BYTES")},
    )
    app.add_middleware(SecurityHeaders)
    # Added last, so outermost: it sees the status the error containment answered with.
    app.add_middleware(RequestTelemetry, metrics=app.state.metrics)
    return app


app = create_app()
