"""A case-management system writes; the real worker computes; a BI tool reads the figures."""

import csv
import io
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import httpx
from fastapi import FastAPI

from services.scoring.full_recompute import recompute_councils
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.helpers import DOMAINS, add_child, assessment, ratings, run_worker, years_ago
from tests.unit.test_trends_engine import JUST_UNDER_HALF


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

    page = await api.get(
        "/v1/scores/needs-trends", params={"child_pseudonym": council.pseudonym("C1")}, headers=council.bi
    )
    assert page.status_code == 200
    assert len(page.json()["items"]) == 12
    as_csv = await api.get(
        "/v1/scores/needs-trends",
        params={"child_pseudonym": council.pseudonym("C1")},
        headers=council.bi | {"Accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 12 and rows[0]["child_pseudonym"] == council.pseudonym("C1")
    assert list(rows[0]) == page.json()["columns"]


async def amend(api: httpx.AsyncClient, council: Council, assessment_id: str, **changes: Any) -> None:
    url = f"/v1/assessments/{assessment_id}"
    current = await api.get(url, headers=council.headers)
    body = {k: v for k, v in current.json().items() if k in AMENDABLE} | changes
    body["ratings"] = {d: {k: v for k, v in r.items() if v is not None} for d, r in body["ratings"].items()}
    response = await api.put(url, json=body, headers=council.headers | {"If-Match": current.headers["ETag"]})
    assert response.status_code == 200, response.text


AMENDABLE = ("assessed_on", "context", "assessor_role", "status", "ratings")


async def summary_of(api: httpx.AsyncClient, council: Council, child_id: str) -> Any:
    trends = (await api.get(f"/v1/children/{child_id}/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh"
    return trends["summary"]


async def test_figures_follow_the_current_version_of_final_assessments(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    ids = []
    for n, (when, level) in enumerate(((1, 3), (0.5, 2))):
        body = assessment("C1", f"A{n}", years_ago(when), ratings=ratings(level))
        ids.append((await api.post("/v1/assessments", json=body, headers=council.headers)).json()["id"])
    await run_worker(settings, app)
    assert (await summary_of(api, council, "C1"))["total_need"] == 24

    await amend(api, council, ids[1], ratings=ratings(1))
    await run_worker(settings, app)
    assert (await summary_of(api, council, "C1"))["total_need"] == 12

    await amend(api, council, ids[1], status="draft")
    await run_worker(settings, app)
    summary = await summary_of(api, council, "C1")
    assert (summary["assessments_count"], summary["total_need"]) == (1, 36)

    before = await api.get(
        "/v1/scores/needs-trends", params={"child_pseudonym": council.pseudonym("C1")}, headers=council.bi
    )
    await amend(api, council, ids[0], status="draft")
    await run_worker(settings, app)
    assert await summary_of(api, council, "C1") is None
    # A BI tool syncing by cursor sees the figures go: the rows come back once more, emptied.
    params = {"child_pseudonym": council.pseudonym("C1"), "cursor": before.json()["next_cursor"]}
    cleared = await api.get("/v1/scores/needs-trends", params=params, headers=council.bi)
    items = cleared.json()["items"]
    assert len(items) == 12 and all(row["ratings_count"] == 0 and row["latest"] is None for row in items)
    summary = await api.get(
        "/v1/scores/needs-summary", params={"child_pseudonym": council.pseudonym("C1")}, headers=council.bi
    )
    assert [row["assessments_count"] for row in summary.json()["items"]] == [0]


async def test_on_one_date_the_latest_recorded_version_stands(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    day = years_ago(0.5)
    first = await api.post(
        "/v1/assessments", json=assessment("C1", "B1", day, ratings=ratings(1)), headers=council.headers
    )
    await api.post("/v1/assessments", json=assessment("C1", "B2", day, ratings=ratings(2)), headers=council.headers)
    await run_worker(settings, app)
    assert (await summary_of(api, council, "C1"))["total_need"] == 24

    await amend(api, council, first.json()["id"], ratings=ratings(3))
    await run_worker(settings, app)
    summary = await summary_of(api, council, "C1")
    assert (summary["total_need"], summary["latest_assessment_id"]) == (36, first.json()["id"])


async def test_a_slope_a_hair_under_half_a_level_a_year_reads_stable_from_either_recompute(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    start = date.today() - timedelta(days=800)
    items = [
        assessment("C1", f"S{day}", start + timedelta(days=day), ratings=ratings(level))
        for day, level in JUST_UNDER_HALF
    ]
    response = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 200, response.text
    exact = Fraction(1, 2) - Fraction(1, 2771356292)  # worked in the unit test

    async def domains() -> list[tuple[float, str]]:
        trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
        assert trends["status"] == "fresh"
        return [(d["slope_per_year"], d["direction"]) for d in trends["domains"]]

    await run_worker(settings, app)
    assert await domains() == [(float(exact), "stable")] * len(DOMAINS)
    await recompute_councils(state_of(app).sessions, [council.la_id])
    assert await domains() == [(float(exact), "stable")] * len(DOMAINS)
