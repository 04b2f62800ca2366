"""A case-management system writes; the real worker computes; a BI tool reads the figures."""

import csv
import io

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


async def test_assessments_become_trends(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    first = assessment("C1", "A1", years_ago(1), ratings=ratings(3, behaviour=4, learning=1))
    second = assessment("C1", "A2", years_ago(0.5), ratings=ratings(2, behaviour=4, learning=2, safety=None))
    third = assessment("C1", "A3", years_ago(0.01), ratings=ratings(1, behaviour=3, learning=3))
    ids = []
    for body in (first, second, third):
        response = await api.post("/v1/assessments", json=body, headers=council.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    pending = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert pending["status"] == "pending"

    await run_worker(settings, app)

    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh"
    assert trends["assessment_ids"] == ids
    summary = trends["summary"]
    assert summary["baseline_total_need"] == 3 * 10 + 4 + 1
    assert summary["total_need"] == 1 * 10 + 3 + 3
    assert summary["new_needs"] == ["learning"]
    assert "physical_health" in summary["resolved_needs"] and "behaviour" not in summary["resolved_needs"]
    assert summary["mixed_progress"] is True
    by_domain = {d["domain"]: d for d in trends["domains"]}
    assert [d["domain"] for d in trends["domains"]][:2] == ["physical_health", "emotional_health"]
    assert by_domain["safety"]["ratings_count"] == 2
    assert by_domain["behaviour"] | {"slope_per_year": None} == by_domain["behaviour"] | {
        "baseline": 4,
        "previous": 4,
        "latest": 3,
        "change_since_baseline": -1,
        "change_since_previous": -1,
        "slope_per_year": None,
    }
    assert by_domain["physical_health"]["direction"] == "improving"

    page = await api.get("/v1/scores/needs-trends", params={"child_id": "C1"}, headers=council.headers)
    assert page.status_code == 200
    assert len(page.json()["items"]) == 12
    as_csv = await api.get(
        "/v1/scores/needs-trends", params={"child_id": "C1"}, headers=council.headers | {"Accept": "text/csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 12 and rows[0]["child_id"] == "C1"
    assert list(rows[0]) == page.json()["columns"]
