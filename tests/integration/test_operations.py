"""Health, readiness and metrics as an operator scrapes them, and logs that carry no child ids."""

import re

import httpx
from structlog.testing import capture_logs

from tests.conftest import METRICS_TOKEN, Council
from tests.integration.helpers import add_child, assessment, years_ago


async def test_ready_when_database_redis_and_migrations_are(api: httpx.AsyncClient) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok"}


async def scrape(api: httpx.AsyncClient) -> str:
    response = await api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    return response.text


async def test_metrics_count_requests_by_route_and_report_the_outbox(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "SECRET-CHILD-ID")
    await api.post("/v1/assessments", json=assessment("SECRET-CHILD-ID", "A1", years_ago(1)), headers=council.headers)
    text = await scrape(api)
    assert 'route="/v1/children/{child_id}"' in text
    assert "SECRET-CHILD-ID" not in text
    assert "outbox_backlog" in text and "recompute_lag_seconds" in text and "recompute_given_up" in text


def series(scraped: str, metric: str) -> dict[frozenset[tuple[str, str]], float]:
    """Each series of a metric, by its labels, and its value."""
    found = {}
    for line in scraped.splitlines():
        name, _, rest = line.partition("{")
        if name == metric:
            labels, _, value = rest.rpartition("} ")
            found[frozenset(re.findall(r'(\w+)="([^"]*)"', labels))] = float(value)
    return found


def others(scraped: str) -> float:
    return sum(n for labels, n in series(scraped, "http_requests_total").items() if ("method", "other") in labels)


async def test_invented_methods_are_counted_as_other_and_add_no_series(api: httpx.AsyncClient) -> None:
    """Anyone may send any method, unauthenticated: WebDAV's (which uvicorn's parser knows) or made up. Under its own
    name each would add some twenty series to every scrape; counted as "other", they share the same few."""
    methods = ["PROPFIND", "MKCOL", "PURGE", *(f"PROBE{n}" for n in range(20))]
    paths = ("/v1/scores/needs-summary", "/v1/children/SECRET-CHILD-ID", "/no-such-path")
    before = await scrape(api)
    for method in methods:
        for path in paths:
            response = await api.request(method, path)
            assert response.status_code in (404, 405), (method, path, response.status_code)
    after = await scrape(api)
    added = {
        labels
        for metric in ("http_requests_total", "http_request_duration_seconds_bucket")
        for labels in series(after, metric).keys() - series(before, metric).keys()
    }
    assert all(("method", "other") in labels for labels in added), [dict(labels) for labels in added][:5]
    assert others(after) - others(before) == len(methods) * len(paths)
    assert not any(method in after for method in methods)


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
