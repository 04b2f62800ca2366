"""Edge of care (issue 16), worked by hand: children assessed before they come into care, where each stands
today, and the council's figures by the highest need at their first assessment, whole for the admin and with
small numbers withheld for BI."""

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker, years_ago

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def assess(api: httpx.AsyncClient, council: Council, child: str, day: date, **levels: int) -> None:
    body = assessment(child, f"A-{child}", day, ratings=ratings(1, **levels))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201


async def place(api: httpx.AsyncClient, council: Council, child: str, start: date, end: date | None = None) -> None:
    body = placement(child, f"P-{child}", start, end)
    assert (await api.post("/v1/placements", json=body, headers=council.headers)).status_code == 201


async def load(api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council) -> None:
    for child in ("E1", "E2", "E3", "E4", "E5", "E6"):
        await add_child(api, council.headers, child, born=years_ago(10))
    await assess(api, council, "E1", ago(400), physical_health=3)  # still on the edge of care
    await assess(api, council, "E2", ago(400), physical_health=3)
    await place(api, council, "E2", ago(370))  # in care 30 days after: within 6 months
    await assess(api, council, "E3", ago(400), physical_health=3)
    await place(api, council, "E3", ago(150), ago(50))  # 250 days after: within 12 months, not 6; left since
    await assess(api, council, "E4", ago(100), safety=2)  # on the edge, assessed too lately to follow 6 months
    await place(api, council, "E5", ago(500))
    await assess(api, council, "E5", ago(400), physical_health=4)  # in care before its first assessment
    await run_worker(settings, app)


async def test_where_each_child_stands_with_care(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    statuses = {
        child: (await api.get(f"/v1/children/{child}", headers=council.headers)).json()["care_status"]
        for child in ("E1", "E2", "E3", "E4", "E5", "E6")
    }
    assert statuses == {
        "E1": "edge_of_care",
        "E2": "looked_after",
        "E3": "left_care",
        "E4": "edge_of_care",
        "E5": "looked_after",
        "E6": None,  # neither assessed nor placed
    }


async def test_the_councils_edge_of_care_figures(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    whole = await api.get("/v1/admin/edge-of-care", headers=council.admin)
    assert whole.status_code == 200, whole.text
    rows = {row["max_need_at_first_assessment"]: row for row in whole.json()["items"]}
    assert set(rows) == {2, 3}  # E5 was in care before it was assessed
    assert rows[2] | {"suppressed_columns": ""} == {
        "max_need_at_first_assessment": 2,
        "first_assessed_on_edge": 1,
        "on_edge_now": 1,
        "on_edge_mean_total_need_change": 0.0,
        "followed_6_months": 0,
        "came_into_care_within_6_months": 0,
        "share_into_care_within_6_months": None,
        "followed_12_months": 0,
        "came_into_care_within_12_months": 0,
        "share_into_care_within_12_months": None,
        "suppressed": False,
        "suppressed_columns": "",
    }
    three = rows[3]
    # E1, E2 and E3, first assessed 400 days ago: E1 still on the edge; E2 in care within 6 months, E3 within 12.
    assert (three["first_assessed_on_edge"], three["on_edge_now"]) == (3, 1)
    assert (three["followed_6_months"], three["came_into_care_within_6_months"]) == (3, 1)
    assert (three["followed_12_months"], three["came_into_care_within_12_months"]) == (3, 2)
    assert (three["share_into_care_within_6_months"], three["share_into_care_within_12_months"]) == (0.3333, 0.6667)

    published = await api.get("/v1/scores/edge-of-care", headers=council.bi)
    assert published.json()["suppression_threshold"] == 5
    three = next(r for r in published.json()["items"] if r["max_need_at_first_assessment"] == 3)
    # Every non-zero count is from 1 to 5: all withheld, and the shares built on them.
    assert three["first_assessed_on_edge"] is None and three["came_into_care_within_12_months"] is None
    assert three["share_into_care_within_6_months"] is None and three["on_edge_mean_total_need_change"] is None
    assert three["suppressed"] is True
    assert (await api.put("/v1/admin/suppression-threshold", json={"threshold": 0}, headers=council.admin)).json() == {
        "threshold": 0
    }
    published = await api.get("/v1/scores/edge-of-care", headers=council.bi)
    assert published.json()["items"] == whole.json()["items"]
