"""Sufficiency from end to end: the council's needs profiles against the places its providers declare, children
placed out of area or in residential care for want of a placement that meets their needs; small numbers withheld
for BI, whole for the admin. Worked by hand."""

from typing import Any

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import (
    add_child,
    assessment,
    placement,
    publish_every_count,
    ratings,
    run_worker,
    years_ago,
)

OFFERS = {
    "LOCAL-FOSTER": {
        "placement_group": "foster",
        "weekly_cost": "800.00",
        "places": 2,
        "areas": ["AB1"],
        "meets": {"behaviour": [2, 3], "learning": [2]},
    },
    "FAR-HOME": {
        "placement_group": "residential",
        "weekly_cost": "4000.00",
        "places": 1,
        "areas": ["ZZ9"],
        "meets": {"behaviour": [3, 4], "learning": [2, 3]},
    },
}


async def council_of_profiles(api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council) -> None:
    """Q1 in a far home and Q2 in a home in the area, both behaviour 4; Q3 waiting with behaviour 4; Q4 in a far
    home with behaviour 3 and learning 2, which the local foster carers could meet."""
    for provider_id, body in OFFERS.items():
        assert (
            await api.put(f"/v1/providers/{provider_id}", json={"name": provider_id}, headers=council.admin)
        ).is_success
        assert (await api.put(f"/v1/providers/{provider_id}/offer", json=body, headers=council.admin)).is_success
    rules = {"sufficiency": {"home_districts": ["ab1", "AB2"]}}
    assert (await api.put("/v1/admin/decision-rules", json=rules, headers=council.admin)).status_code == 200
    needs: dict[str, dict[str, Any]] = {
        "Q1": ratings(1, behaviour=4),
        "Q2": ratings(1, behaviour=4),
        "Q3": ratings(1, behaviour=4),
        "Q4": ratings(1, behaviour=3, learning=2),
    }
    homes = {"Q1": "ZZ9 1AA", "Q2": "AB1 2CD", "Q4": "ZZ9 3EF"}
    for child, levels in needs.items():
        await add_child(api, council.headers, child)
        context = "placement_request" if child == "Q3" else "review"
        body = assessment(child, f"{child}-A", years_ago(0.2), ratings=levels, context=context)
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
        if child in homes:
            episode = placement(child, f"{child}-P", years_ago(1), rne="S", place="K2", postcode=homes[child])
            assert (await api.post("/v1/placements", json=episode, headers=council.headers)).status_code == 201
    await run_worker(settings, app)


def columns(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[name] for name in names)


async def test_profiles_short_of_places_and_children_placed_for_want_of_a_better_fit(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await council_of_profiles(api, app, settings, council)
    await publish_every_count(api, council)
    response = await api.get("/v1/scores/sufficiency", headers=council.bi)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rules_version"] == 1
    intensive, high = body["items"]
    assert columns(intensive, "profile", "children", "placed", "waiting", "providers", "places", "shortfall") == (
        "behaviour 4",
        3,
        2,
        1,
        1,
        1,
        2,
    )
    # Neither home could be a family placement, and Q1's far home could not be a local one.
    assert columns(intensive, "residential", "residential_for_want", "out_of_area", "out_of_area_for_want") == (
        2,
        2,
        1,
        1,
    )
    assert columns(high, "profile", "providers", "places", "family_places", "shortfall") == ("behaviour 3", 2, 3, 2, 0)
    # Q4 is in a far home though the local foster carers meet every need of it.
    assert columns(high, "residential", "residential_for_want", "out_of_area", "out_of_area_for_want") == (1, 0, 1, 0)


async def test_small_numbers_are_withheld_for_bi_and_the_admin_reads_them_whole(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await council_of_profiles(api, app, settings, council)
    bi = (await api.get("/v1/scores/sufficiency", headers=council.bi)).json()
    assert bi["suppression_threshold"] == 5
    intensive = bi["items"][0]
    assert (intensive["children"], intensive["shortfall"], intensive["suppressed"]) == (None, None, True)
    assert (intensive["providers"], intensive["places"]) == (1, 1)  # what providers declare is never withheld
    whole = (await api.get("/v1/admin/sufficiency", headers=council.admin)).json()
    assert (whole["items"][0]["children"], whole["suppression_threshold"]) == (3, None)
    csv = await api.get("/v1/scores/sufficiency", params={"format": "csv"}, headers=council.bi)
    assert csv.text.splitlines()[0].startswith("profile,children,placed,waiting,providers,places")
