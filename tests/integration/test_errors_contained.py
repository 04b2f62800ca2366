"""An unexpected error becomes a problem response and stops there: no trace, no child id, anywhere."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from structlog.testing import capture_logs

from services.api.main import create_app
from shared.settings import Settings


@pytest_asyncio.fixture
async def failing_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings)

    async def bug() -> None:
        raise ValueError("duplicate key (child_id)=(SECRET-CHILD-ID)")

    async def blip() -> None:
        raise ConnectionResetError("SECRET-CHILD-ID")

    app.add_api_route("/bug", bug)
    app.add_api_route("/blip", blip)
    # raise_app_exceptions stays on: the test fails if the error escapes the app to the server.
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


@pytest.mark.parametrize(("path", "status"), [("/bug", 500), ("/blip", 503)])
async def test_unexpected_errors_are_answered_and_contained(
    failing_app: httpx.AsyncClient, path: str, status: int
) -> None:
    with capture_logs() as logged:
        response = await failing_app.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "SECRET" not in response.text and "Traceback" not in response.text
    assert "SECRET" not in repr(logged)
    assert (status == 503) == ("Retry-After" in response.headers)
