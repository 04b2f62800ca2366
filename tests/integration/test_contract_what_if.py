"""A contract's what-if: proposed terms run over the past with a provider give, period by period, exactly what a
contract signed on them gives in its statements (the same engine, the same inputs), and store nothing."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker

TODAY = date.today()
STAY = TODAY - timedelta(days=400)
REDUCED, SUSTAINED = STAY + timedelta(days=100), STAY + timedelta(days=300)
TERMS = {
    "provider_id": "WHAT-IF",
    "start_date": (STAY - timedelta(days=30)).isoformat(),
    "end_date": (TODAY + timedelta(days=365)).isoformat(),
    "period": "quarter",
    "deadweight": "0.1",
    "cap_per_period": "3000.00",
}
TOTALS = ("earned", "paid", "withheld")


async def placed(api: httpx.AsyncClient, council: Council) -> None:
    """WI-1 placed with the provider at £800 a week: twelve domains from high to low, sustained; WI-2 at £1,200,
    its behaviour from intensive to low."""
    assert (await api.put("/v1/providers/WHAT-IF", json={"name": "Agency"}, headers=council.admin)).is_success
    for child, cost, before, after in (
        ("WI-1", "800.00", ratings(3), ratings(1)),
        ("WI-2", "1200.00", ratings(1, behaviour=4), ratings(1)),
    ):
        await add_child(api, council.headers, child)
        stay = placement(child, f"{child}-P", STAY, provider_id="WHAT-IF", weekly_cost=cost)
        assert (await api.post("/v1/placements", json=stay, headers=council.headers)).status_code == 201
        for external_id, day, levels in (
            ("BASE", STAY, before),
            ("REDUCED", REDUCED, after),
            ("KEPT", SUSTAINED, after),
        ):
            body = assessment(child, f"{child}-{external_id}", day, ratings=levels)
            assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201


async def what_if(api: httpx.AsyncClient, council: Council, **changes: Any) -> dict[str, Any]:
    response = await api.post("/v1/admin/contract-what-if", json=TERMS | changes, headers=council.admin)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_proposed_terms_give_what_a_signed_contract_on_them_gives_to_the_penny(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await placed(api, council)
    proposed = await what_if(api, council)
    assert Decimal(proposed["withheld"]) > 0  # the period cap withholds, so the order of lines matters too

    signed = {k: v for k, v in TERMS.items() if k != "provider_id"} | {"code": "SIGNED", "provider_id": "WHAT-IF"}
    assert (await api.post("/v1/admin/contracts", json=signed, headers=council.admin)).status_code == 201
    await run_worker(settings, app)
    listed = (await api.get("/v1/contracts/SIGNED/statements", headers=council.bi)).json()
    by_period = {s["period_start"]: s for s in listed}
    assert [p["period_start"] for p in proposed["periods"]] == sorted(by_period)
    for period in proposed["periods"]:
        statement = (
            await api.get(f"/v1/contracts/SIGNED/statements/{period['period_start']}", headers=council.bi)
        ).json()
        assert tuple(period[t] for t in TOTALS) == tuple(statement[t] for t in TOTALS), period["period_start"]
        for mine, theirs in zip(period["lines"], statement["lines"], strict=True):
            assert {k: v for k, v in mine.items() if mine[k] != theirs[k]} == {}, theirs
    assert proposed["paid"] == str(sum(Decimal(s["paid"]) for s in listed))


async def test_other_terms_change_the_figures_and_nothing_is_stored(api: httpx.AsyncClient, council: Council) -> None:
    await placed(api, council)
    uncapped = await what_if(api, council, cap_per_period=None, deadweight="0")
    # WI-1: twelve domains from level 3 (£1,000 each, 40% then 60%); WI-2: behaviour from 4 (£2,000).
    assert (uncapped["earned"], uncapped["paid"], uncapped["withheld"]) == ("14000.00", "14000.00", "0.00")
    halved = await what_if(api, council, cap_per_period=None, deadweight="0.5")
    assert halved["paid"] == "7000.00"
    # Base fees: the full weekly cost of both stays over their days, whatever the terms.
    assert uncapped["base_fees"] == halved["base_fees"] and Decimal(uncapped["base_fees"]) > 0
    assert (await api.get("/v1/contracts", headers=council.bi)).json() == []


async def test_bad_proposals_are_refused_naming_the_field(api: httpx.AsyncClient, council: Council) -> None:
    await placed(api, council)
    for changes, field in (
        ({"provider_id": "NOPE"}, "provider_id"),
        ({"start_date": (TODAY + timedelta(days=1)).isoformat()}, "start_date"),
        ({"first_share": "0.5"}, "second_share"),
        ({"period": "fortnight"}, "period"),
    ):
        response = await api.post("/v1/admin/contract-what-if", json=TERMS | changes, headers=council.admin)
        assert response.status_code == 422, (changes, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (changes, response.text)
    refused = await api.post("/v1/admin/contract-what-if", json=TERMS, headers=council.bi)
    assert refused.status_code == 403
