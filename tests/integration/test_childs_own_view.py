"""The child's own view (issue 16): ratings made by the child (assessor_role child) are its view, not a
professional judgement. They form their own series beside the professionals', no figure counts them, and the
child's journey names the domains where the two are two levels or more apart."""

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


async def test_the_childs_own_ratings_are_its_view_beside_the_professionals(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "V1", born=years_ago(14))
    first, latest = years_ago(1), years_ago(0.2)
    professional = [
        assessment("V1", "P1", first, ratings=ratings(2, physical_health=3, family=3)),
        assessment("V1", "P2", latest, ratings=ratings(2, physical_health=1, family=3)),
    ]
    # The child rates itself on the day of the latest review, recorded after it: were it a professional's, it
    # would stand for that day.
    own = assessment("V1", "C1", latest, assessor_role="child", ratings=ratings(2, physical_health=4, family=2))
    for body in (*professional, own):
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)

    trends = (await api.get("/v1/children/V1/needs-trends", headers=council.headers)).json()
    health = next(d for d in trends["domains"] if d["domain"] == "physical_health")
    # The professionals' series alone: 3 then 1.
    assert (health["baseline"], health["latest"], health["ratings_count"]) == (3, 1, 2)

    series = (await api.get("/v1/children/V1/series", headers=council.headers)).json()
    assert [p["assessor_role"] for p in series["points"]] == ["social_worker", "social_worker"]
    assert [(p["assessor_role"], p["needs"]["physical_health"]) for p in series["childs_own"]] == [("child", 4)]
    # Physical health: the child says 4, the professionals 1; family 2 against 3 is one level, not a disagreement.
    assert series["disagreements"] == [
        {
            "domain": "physical_health",
            "childs_level": 4,
            "childs_assessed_on": latest.isoformat(),
            "professional_level": 1,
            "professional_assessed_on": latest.isoformat(),
        }
    ]
