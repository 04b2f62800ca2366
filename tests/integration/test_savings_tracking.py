"""Savings tracking from end to end: the moves the council made to care that costs less, read by BI as JSON and
CSV and on the child's endpoint, each with its weekly saving and its saving to date; by month; as at an earlier
day. Worked by hand with episodes dated back from today."""

from datetime import date, timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, placement, run_worker

TODAY = date.today()
HOME = {"place": "K2", "weekly_cost": "3800.00", "place_provider": "PR4"}
FOSTER = {"place": "U4", "weekly_cost": "800.00", "place_provider": "PR1"}
AGENCY = {"place": "U4", "weekly_cost": "1000.00", "place_provider": "PR4"}


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def moved(api: httpx.AsyncClient, council: Council) -> None:
    """S1 stepped down 69 days ago and stays; S2 stepped down, and went back to a home 50 days later; S3 moved
    from an agency's carers to the council's 14 days ago."""
    for child in ("S1", "S2", "S3"):
        await add_child(api, council.headers, child)
    for body in (
        placement("S1", "S1-1", ago(200), ago(69), rne="S", **HOME),
        placement("S1", "S1-2", ago(69), **FOSTER),
        placement("S2", "S2-1", ago(300), ago(120), rne="S", **HOME),
        placement("S2", "S2-2", ago(120), ago(70), **FOSTER),
        placement("S2", "S2-3", ago(70), **HOME),
        placement("S3", "S3-1", ago(100), ago(14), rne="S", **AGENCY),
        placement("S3", "S3-2", ago(14), **(AGENCY | {"weekly_cost": "750.00", "place_provider": "PR1"})),
    ):
        created = await api.post("/v1/placements", json=body, headers=council.headers)
        assert created.status_code == 201, created.text


async def test_each_move_with_its_saving_to_date_and_the_months_totals(
    api: httpx.AsyncClient, council: Council
) -> None:
    await moved(api, council)
    response = await api.get("/v1/scores/savings", headers=council.bi)
    assert response.status_code == 200, response.text
    rows = {row["child_pseudonym"]: row for row in response.json()["items"]}
    s1, s2, s3 = (rows[council.pseudonym(child)] for child in ("S1", "S2", "S3"))
    # 69 days ago through today: 70 days, ten weeks of 3,000.
    assert (s1["kind"], s1["weekly_saving"], s1["status"], s1["days_counted"], s1["saving_to_date"]) == (
        "step_down",
        "3000.00",
        "continuing",
        70,
        "30000.00",
    )
    # Fifty days before the breakdown: 3,000 x 50 / 7 = 21,428.571...
    assert (s2["status"], s2["stopped_on"], s2["saving_to_date"]) == ("broke_down", ago(70).isoformat(), "21428.57")
    # 250 a week for 15 days: 535.714...
    assert (s3["kind"], s3["weekly_saving"], s3["saving_to_date"]) == ("agency_to_in_house", "250.00", "535.71")

    months = (await api.get("/v1/scores/savings-by-month", headers=council.bi)).json()["items"]
    by_kind: dict[str, list[dict[str, str]]] = {}
    for month in months:
        by_kind.setdefault(month["kind"], []).append(month)
    assert sum(m["moves"] for m in by_kind["step_down"]) == 2
    assert sum(m["broke_down"] for m in by_kind["step_down"]) == 1
    assert sum(m["moves"] for m in by_kind["agency_to_in_house"]) == 1
    # Each month is rounded once: the months' savings come within a penny a month of the moves'.
    saved = sum(Decimal(m["saving"]) for m in by_kind["step_down"])
    assert abs(saved - Decimal("51428.57")) <= Decimal("0.01") * len(by_kind["step_down"])

    csv = await api.get("/v1/scores/savings", params={"format": "csv"}, headers=council.bi)
    assert csv.text.splitlines()[0].startswith("child_pseudonym,rules_version,kind,moved_on")


async def test_as_at_an_earlier_day_a_move_that_later_broke_down_was_continuing(
    api: httpx.AsyncClient, council: Council
) -> None:
    await moved(api, council)
    day = ago(80)
    response = await api.get("/v1/scores/savings", params={"as_at": day.isoformat()}, headers=council.bi)
    rows = {row["child_pseudonym"]: row for row in response.json()["items"]}
    # S1 and S3 had not moved yet; S2 was 40 days into its foster placement.
    assert set(rows) == {council.pseudonym("S2")}
    s2 = rows[council.pseudonym("S2")]
    assert (s2["status"], s2["stopped_on"], s2["days_counted"]) == ("continuing", None, 41)
    future = await api.get("/v1/scores/savings", params={"as_at": ago(-1).isoformat()}, headers=council.bi)
    assert future.status_code == 422


async def test_the_childs_endpoint_lists_its_moves(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await moved(api, council)
    await run_worker(settings, app)  # the child's decision figures are the worker's; its moves are read on asking
    body = (await api.get("/v1/children/S2/decision-support", headers=council.headers)).json()
    assert [(m["kind"], m["status"], m["saving_to_date"]) for m in body["moves"]] == [
        ("step_down", "broke_down", "21428.57")
    ]
