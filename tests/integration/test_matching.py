"""Matching from end to end (domain.md §8): providers' offers declared as data and checked, and the providers
that can meet a child's needs ranked by fit then cost, for a child the service holds and for needs given."""

from typing import Any

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker, years_ago

# M1's latest assessment: emotional health 2 and behaviour 3 to meet; the rest below actionable.
NEEDS = ratings(1, emotional_health=2, behaviour=3)


def offer(cost: str, group: str = "foster", areas: tuple[str, ...] = (), **meets: list[int]) -> dict[str, Any]:
    return {"placement_group": group, "weekly_cost": cost, "places": 3, "areas": list(areas), "meets": meets}


OFFERS = {
    "M-SPARE": offer("900.00", emotional_health=[2, 3], behaviour=[2, 3, 4]),  # fit 2
    "M-EXACT": offer("1100.00", "residential", ("ZZ9",), emotional_health=[2], behaviour=[3]),  # fit 0
    "M-HALF": offer("700.00", behaviour=[3]),
    "M-NONE": offer("650.00", family=[2, 3]),
}


async def declared(api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council) -> None:
    for provider_id, body in OFFERS.items():
        created = await api.put(f"/v1/providers/{provider_id}", json={"name": provider_id}, headers=council.admin)
        assert created.status_code == 201, created.text
        response = await api.put(f"/v1/providers/{provider_id}/offer", json=body, headers=council.admin)
        assert response.status_code == 200, response.text
    await add_child(api, council.headers, "M1")
    body = assessment("M1", "M1-A", years_ago(0.2), ratings=NEEDS)
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    # Another child placed with M-SPARE now.
    await add_child(api, council.headers, "M2")
    body = placement("M2", "M2-1", years_ago(1), provider_id="M-SPARE")
    assert (await api.post("/v1/placements", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)  # M1's profile is its kept needs figures


async def test_the_providers_that_meet_every_need_come_first_by_fit_then_cost(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await declared(api, app, settings, council)
    response = await api.get("/v1/children/M1/matches", headers=council.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["needs"] == {"emotional_health": 2, "behaviour": 3}
    ranked = [(p["provider_id"], p["meets_every_need"], p["fit"]) for p in body["providers"]]
    assert ranked == [("M-EXACT", True, 0), ("M-SPARE", True, 2), ("M-HALF", False, 0)]
    half = body["providers"][2]
    assert (half["met"], half["unmet"]) == (["behaviour 3"], ["emotional_health 2"])
    assert [p["placed_now"] for p in body["providers"]] == [0, 1, 0]

    # M-EXACT takes children from ZZ9 only; the foster providers from anywhere.
    near = await api.get("/v1/children/M1/matches", params={"area": "ab1"}, headers=council.headers)
    assert [p["provider_id"] for p in near.json()["providers"]] == ["M-SPARE", "M-HALF"]
    foster = await api.get(
        "/v1/children/M1/matches", params={"placement_group": "residential"}, headers=council.headers
    )
    assert [p["provider_id"] for p in foster.json()["providers"]] == ["M-EXACT"]
    first = await api.get("/v1/children/M1/matches", params={"limit": "1"}, headers=council.headers)
    assert [p["provider_id"] for p in first.json()["providers"]] == ["M-EXACT"]
    for params, field in (({"limit": "0"}, "limit"), ({"limit": "many"}, "limit"), ({"area": "nowhere"}, "area")):
        refused = await api.get("/v1/children/M1/matches", params=params, headers=council.headers)
        assert refused.status_code == 422 and field in refused.text, refused.text


async def test_needs_given_are_matched_without_a_child_and_checked(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await declared(api, app, settings, council)
    response = await api.post("/v1/matches", json={"needs": {"family": 3}}, headers=council.headers)
    assert response.status_code == 200, response.text
    assert [p["provider_id"] for p in response.json()["providers"]] == ["M-NONE"]
    wrong = await api.post("/v1/matches", json={"needs": {"dentistry": 3, "family": 7}}, headers=council.headers)
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"needs.dentistry", "needs.family"}
    area = await api.post("/v1/matches", json={"needs": {}, "area": "not a place"}, headers=council.headers)
    assert [e["field"] for e in area.json()["errors"]] == ["area"]


async def test_a_councils_rules_say_from_which_level_a_need_must_be_met(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await declared(api, app, settings, council)
    put = await api.put("/v1/admin/decision-rules", json={"matching": {"needs_from": 3}}, headers=council.admin)
    assert put.status_code == 200, put.text
    body = (await api.get("/v1/children/M1/matches", headers=council.headers)).json()
    assert (body["needs"], body["rules_version"]) == ({"behaviour": 3}, 1)
    # Meeting behaviour 3 exactly, M-HALF is now the cheapest of the best fits.
    assert [p["provider_id"] for p in body["providers"]][:2] == ["M-HALF", "M-EXACT"]


async def test_a_bad_offer_is_refused_naming_the_field_and_the_offer_before_stands(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await declared(api, app, settings, council)
    for body, field in (
        (offer("900.00", "castle"), "placement_group"),
        (offer("900.00", areas=("not a district",)), "areas"),
        (offer("-1"), "weekly_cost"),
        (offer("900.00", dentistry=[2]), "meets.dentistry"),
        (offer("900.00", behaviour=[7]), "meets.behaviour"),
        (offer("900.00", behaviour=[]), "meets.behaviour"),
    ):
        response = await api.put("/v1/providers/M-HALF/offer", json=body, headers=council.admin)
        assert response.status_code == 422, (body, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], body
    kept = await api.get("/v1/providers/M-HALF/offer", headers=council.admin)
    assert (kept.json()["weekly_cost"], kept.json()["meets"]) == ("700.00", {"behaviour": [3]})
    assert (await api.get("/v1/providers/NOPE/offer", headers=council.admin)).status_code == 404
