"""The outcome area rows a recompute takes away for good reach BI as removals (migration 0029), so a copy synced
by cursor drops them; a row written again is no removal."""

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


async def removals(api: httpx.AsyncClient, council: Council, child_id: str) -> list[str]:
    params = {"child_pseudonym": council.pseudonym(child_id)}
    rows = (await api.get("/v1/scores/outcome-area-removals", params=params, headers=council.bi)).json()["items"]
    return [row["outcome_area"] for row in rows]


async def test_an_area_no_longer_rated_is_a_removal_and_one_rated_again_is_not(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "G1")
    created = await api.post("/v1/assessments", json=assessment("G1", "A1", years_ago(1)), headers=council.headers)
    assert created.status_code == 201, created.text
    await run_worker(settings, app)
    params = {"child_pseudonym": council.pseudonym("G1")}
    areas = (await api.get("/v1/scores/outcome-areas", params=params, headers=council.bi)).json()["items"]
    assert {row["outcome_area"] for row in areas} >= {"be_connected", "be_healthy"}
    assert await removals(api, council, "G1") == []

    # Neither of be_connected's domains (friendships, community) is assessed any more.
    url = f"/v1/assessments/{created.json()['id']}"
    etag = (await api.get(url, headers=council.headers)).headers["ETag"]
    body = assessment("G1", "A1", years_ago(1), ratings=ratings(3, friendships=None, community=None))
    amendment = {k: v for k, v in body.items() if k not in ("external_id", "child_id")}
    amended = await api.put(url, json=amendment, headers=council.headers | {"If-Match": etag})
    assert amended.status_code == 200, amended.text
    await run_worker(settings, app)

    areas = (await api.get("/v1/scores/outcome-areas", params=params, headers=council.bi)).json()["items"]
    assert "be_connected" not in {row["outcome_area"] for row in areas}
    # be_healthy was written again (its levels changed): a newer row, not a removal.
    assert await removals(api, council, "G1") == ["be_connected"]
    csv = await api.get("/v1/scores/outcome-area-removals", params=params | {"format": "csv"}, headers=council.bi)
    assert csv.text.splitlines()[0] == "child_pseudonym,outcome_area,removed_at"
