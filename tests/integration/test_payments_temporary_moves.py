"""A temporary move across a period's end, through the API and the worker (domain.md §7.2): the child
with IFA-T from 10 January 2024, away (T1) 20 March to 10 April, back from 10 April; safety 3 on 12
January, 1 on 25 March (while away) and 16 September (175 days on), every assessment a social worker's."""

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker

CONTRACT = {
    "code": "AWAY",
    "provider_id": "IFA-T",
    "start_date": "2024-01-01",
    "end_date": "2024-12-31",
    "period": "month",
}
EPISODES = [
    ("PL-AWAY-1", date(2024, 1, 10), date(2024, 3, 20), {"provider_id": "IFA-T"}),
    ("PL-AWAY-2", date(2024, 3, 20), date(2024, 4, 10), {"place": "T1"}),
    ("PL-AWAY-3", date(2024, 4, 10), None, {"provider_id": "IFA-T"}),
]


async def lines_by_period(api: httpx.AsyncClient, council: Council) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for listed in (await api.get("/v1/contracts/AWAY/statements", headers=council.bi)).json():
        s = (await api.get(f"/v1/contracts/AWAY/statements/{listed['period_start']}", headers=council.bi)).json()
        lines = [(line["kind"], line["instalment"], line["event_date"], line["paid"]) for line in s["lines"]]
        if lines or s["guard"]["stays_ended"]:
            found[s["period_start"]] = lines + [("ended", e["ended_on"]) for e in s["guard"]["stays_ended"]]
    return found


async def test_a_reduction_confirmed_while_away_over_march_s_end_is_paid_in_march_and_the_stay_goes_on(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await api.put("/v1/providers/IFA-T", json={"name": "Agency"}, headers=council.admin)
    assert (await api.post("/v1/admin/contracts", json=CONTRACT, headers=council.admin)).status_code == 201
    await add_child(api, council.headers, "AWAY-1")
    for external_id, start, end, changes in EPISODES:
        body = placement("AWAY-1", external_id, start, end, **changes)
        response = await api.post("/v1/placements", json=body, headers=council.headers)
        assert response.status_code == 201, response.text
    for day, safety in ((date(2024, 1, 12), 3), (date(2024, 3, 25), 1), (date(2024, 9, 16), 1)):
        body = assessment("AWAY-1", f"AWAY-{day.isoformat()}", day, ratings=ratings(0, safety=safety))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    assert await lines_by_period(api, council) == {
        "2024-03-01": [("earned", 1, "2024-03-25", "372.60")],  # 400 x 68/73 days with IFA-T
        "2024-09-01": [("earned", 2, "2024-09-16", "549.19")],  # 600 x 227/248 days
    }
