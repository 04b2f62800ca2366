"""A child's journey for charting: every final assessment's levels in date order, as the trends read them."""

import httpx
from fastapi import FastAPI

from shared.access import Kind
from tests.conftest import Council, headers_for
from tests.integration.helpers import add_child, assessment, placement, ratings, years_ago


async def test_the_series_holds_every_final_assessment_in_order(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    same_day = years_ago(0.5)
    bodies = [
        assessment("C1", "A-late", years_ago(0.2), ratings=ratings(1, behaviour=None)),
        assessment("C1", "A-first", years_ago(1), ratings=ratings(3)),
        assessment("C1", "A-draft", years_ago(0.8), status="draft"),
        assessment("C1", "A-tie-1", same_day, ratings=ratings(2)),
        assessment("C1", "A-tie-2", same_day, ratings=ratings(4)),
    ]
    ids = {}
    for body in bodies:
        response = await api.post("/v1/assessments", json=body, headers=council.headers)
        assert response.status_code == 201, response.text
        ids[body["external_id"]] = response.json()["id"]
    series = await api.get("/v1/children/C1/series", headers=council.headers)
    assert series.status_code == 200
    body = series.json()
    assert (body["child_id"], body["child_pseudonym"]) == ("C1", council.pseudonym("C1"))
    points = body["points"]
    # Drafts are not in it; the same-date pair is, the earlier-recorded one marked as replaced.
    assert [p["assessment_id"] for p in points] == [ids["A-first"], ids["A-tie-1"], ids["A-tie-2"], ids["A-late"]]
    assert [p["stands"] for p in points] == [True, False, True, True]
    assert points[0]["needs"]["physical_health"] == 3 and points[0]["strengths"]["physical_health"] == 1
    assert points[-1]["needs"]["behaviour"] is None and points[-1]["needs"]["family"] == 1
    assert set(points[0]["needs"]) == set(ratings())


async def test_a_provider_charts_only_a_child_placed_with_it(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    for provider in ("P1", "P2"):
        await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)
    await add_child(api, council.headers, "C1")
    await api.post(
        "/v1/placements", json=placement("C1", "PL1", years_ago(1), provider_id="P1"), headers=council.headers
    )
    await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(0.5)), headers=council.headers)
    path = f"/v1/provider/children/{council.pseudonym('C1')}/series"
    own = await api.get(path, headers=await headers_for(app, council, Kind.PROVIDER, "P1"))
    assert own.status_code == 200 and len(own.json()["points"]) == 1 and "child_id" not in own.json()
    assert "C1" not in own.text.replace(council.pseudonym("C1"), "")
    other = await api.get(path, headers=await headers_for(app, council, Kind.PROVIDER, "P2"))
    assert other.status_code == 404
