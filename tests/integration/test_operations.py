"""Health, readiness and metrics as an operator scrapes them, and logs that carry no child ids."""

import httpx
from structlog.testing import capture_logs

from tests.conftest import METRICS_TOKEN, Council
from tests.integration.helpers import add_child, assessment, years_ago


async def test_ready_when_database_redis_and_migrations_are(api: httpx.AsyncClient) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


async def test_metrics_count_requests_by_route_and_report_the_outbox(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "SECRET-CHILD-ID")
    await api.post("/v1/assessments", json=assessment("SECRET-CHILD-ID", "A1", years_ago(1)), headers=council.headers)
    scraped = await api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scraped.status_code == 200
    text = scraped.text
    assert 'route="/v1/children/{child_id}"' in text
    assert "SECRET-CHILD-ID" not in text
    assert "outbox_backlog" in text and "recompute_lag_seconds" in text and "recompute_given_up" in text


async def test_a_councils_key_does_not_open_the_metrics(api: httpx.AsyncClient, council: Council) -> None:
    response = await api.get("/metrics", headers=council.headers)
    assert response.status_code == 401


async def test_request_logs_name_the_route_not_the_child(api: httpx.AsyncClient, council: Council) -> None:
    with capture_logs() as logged:
        await add_child(api, council.headers, "SECRET-CHILD-ID")
        await api.post(
            "/v1/assessments", json=assessment("SECRET-CHILD-ID", "A1", years_ago(1)), headers=council.headers
        )
        await api.get("/v1/children/SECRET-CHILD-ID/needs-trends", headers=council.headers)
    routes = [entry.get("route") for entry in logged if entry["event"] == "request"]
    assert routes == ["/v1/children/{child_id}", "/v1/assessments", "/v1/children/{child_id}/needs-trends"]
    assert "SECRET-CHILD-ID" not in repr(logged)
