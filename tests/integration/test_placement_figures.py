"""The placement figures of domain.md §6 through the API, worked by hand as at 31 March 2024: three children
sent through the placements API, their rows in /v1/scores/placement-children, the council's figures in
/v1/scores/placement-figures (whole and sliced), and one child's on its own endpoint."""

import csv
import io
from typing import Any

import httpx

from tests.conftest import Council

AS_AT = "2024-03-31"
CHILDREN = {"P1": "2012-01-01", "P2": "2010-05-05", "P3": "2009-02-02"}
EPISODES: list[dict[str, Any]] = [
    # P1: in one foster placement since June 2021: in care 2.5 years and placed 2 years, under 16.
    {"child_id": "P1", "start_date": "2021-06-01", "rne": "S", "place": "U4"},
    # P2: three placements in the year (the first ended for its behaviour), the last costing 800 a week, half
    # paid by health; in care under a year, so outside the long-term measure.
    {
        "child_id": "P2",
        "start_date": "2023-05-01",
        "rne": "S",
        "place": "U6",
        "end_date": "2023-08-01",
        "reason_ended": "X1",
        "reason_place_change": "CREQB",
    },
    {
        "child_id": "P2",
        "start_date": "2023-08-01",
        "rne": "P",
        "place": "K2",
        "end_date": "2023-12-01",
        "reason_ended": "X1",
        "reason_place_change": "CARPL",
    },
    {
        "child_id": "P2",
        "start_date": "2023-12-01",
        "rne": "P",
        "place": "U4",
        "weekly_cost": "800.00",
        "funding": {"social_care": "0.5", "health": "0.5", "education": "0"},
    },
    # P3: went home in June 2023: not looked after, one placement ended in the year, with no reason to change.
    {
        "child_id": "P3",
        "start_date": "2022-01-01",
        "rne": "S",
        "place": "U4",
        "end_date": "2023-06-01",
        "reason_ended": "E4A",
    },
]


async def placed(api: httpx.AsyncClient, council: Council) -> None:
    for child_id, born in CHILDREN.items():
        body = {"date_of_birth": born, "sex": "F", "ethnicity": "WBRI", "uasc": False}
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
    for n, episode in enumerate(EPISODES):
        body = {"external_id": f"E{n}", "legal_status": "C2", "cin": "N1"} | episode
        created = await api.post("/v1/placements", json=body, headers=council.headers)
        assert created.status_code == 201, created.text


async def test_each_childs_placement_figures_as_at_a_day(api: httpx.AsyncClient, council: Council) -> None:
    await placed(api, council)
    page = await api.get("/v1/scores/placement-children", params={"as_at": AS_AT}, headers=council.bi)
    assert page.status_code == 200, page.text
    rows = page.json()["items"]
    assert len(rows) == 3
    p1, p2, p3 = rows
    assert (p1["looked_after"], p1["current_group"], p1["current_placement_start"]) == (True, "foster", "2021-06-01")
    assert (p1["placements_in_year"], p1["unstable"], p1["long_term_stable"]) == (1, False, True)
    assert (p2["placements_in_year"], p2["unstable"], p2["long_term_stable"]) == (3, True, None)
    assert (p2["placements_ended"], p2["ended_for_behaviour"], p2["reasons_ended"]) == (2, 1, ["CREQB", "CARPL"])
    # 1 May 2023 to 31 March 2024, both days counted: 336 days.
    assert p2["weeks_in_care"] == 48.0
    assert (p2["weekly_cost"], p2["funding_health"]) == ("800.00", "0.500")
    assert (p3["looked_after"], p3["placements_in_year"], p3["placements_ended_in_year"]) == (False, None, 1)
    assert p3["reasons_ended"] == ["none"]

    own = await api.get("/v1/children/P2/placement-figures", params={"as_at": AS_AT}, headers=council.headers)
    assert own.status_code == 200 and own.json()["figures"] == {k: v for k, v in p2.items()}


def by_measure(rows: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(row["measure"], row["category"]): row for row in rows}


async def test_the_councils_placement_figures_as_at_a_day_whole_and_sliced(
    api: httpx.AsyncClient, council: Council
) -> None:
    await placed(api, council)
    whole = await api.get("/v1/scores/placement-figures", params={"as_at": AS_AT}, headers=council.bi)
    assert whole.status_code == 200, whole.text
    figures = by_measure(whole.json()["items"])
    assert figures["looked_after", "foster"]["count"] == 2
    assert [figures["unstable", None][k] for k in ("count", "population", "share")] == [1, 2, 0.5]
    assert [figures["long_term_stable", None][k] for k in ("count", "population", "share")] == [1, 1, 1.0]
    ended = {category: row["count"] for (measure, category), row in figures.items() if measure.startswith("placements")}
    assert ended == {"CARPL": 1, "CREQB": 1, "none": 1}
    assert figures["average_weekly_cost", "foster"]["amount"] == "800.00"
    spend = {category: row["amount"] for (measure, category), row in figures.items() if measure == "weekly_spend"}
    assert spend == {"education": "0.00", "health": "400.00", "social_care": "400.00"}

    sliced = await api.get(
        "/v1/scores/placement-figures", params={"as_at": AS_AT, "by": "age_band", "format": "csv"}, headers=council.bi
    )
    rows = list(csv.DictReader(io.StringIO(sliced.text)))
    unstable = {row["age_band"]: (row["count"], row["population"]) for row in rows if row["measure"] == "unstable"}
    # On 31 March 2024 P1 is 12 and P2 13 (10_15); P3, 15, is not looked after and in neither population.
    assert unstable == {"10_15": ("1", "2")}

    future = await api.get("/v1/scores/placement-figures", params={"as_at": "2999-01-01"}, headers=council.bi)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "as_at"


async def test_the_whole_councils_figures_are_one_row_per_measure_whatever_the_childrens_ages(
    api: httpx.AsyncClient, council: Council
) -> None:
    """Found while building the web overview: the rows came once per age band present, unlabelled unless the
    rows were sliced by age band, so the whole council's figures were several different sets."""
    await placed(api, council)
    young = {"date_of_birth": "2020-02-02", "sex": "M", "ethnicity": "WBRI", "uasc": False}
    assert (await api.put("/v1/children/P4", json=young, headers=council.headers)).status_code == 201
    body = {"external_id": "E9", "child_id": "P4", "start_date": "2023-01-01", "rne": "S", "place": "U4"}
    created = await api.post("/v1/placements", json=body | {"legal_status": "C2", "cin": "N1"}, headers=council.headers)
    assert created.status_code == 201, created.text

    for by in ({}, {"by": "sex"}):
        rows = (await api.get("/v1/scores/placement-figures", params={"as_at": AS_AT} | by, headers=council.bi)).json()
        keys = [(row.get("sex"), row["measure"], row["category"]) for row in rows["items"]]
        assert len(keys) == len(set(keys)), keys
        looked_after = {
            key[0]: row["count"]
            for key, row in zip(keys, rows["items"], strict=True)
            if key[1:] == ("looked_after", "foster")
        }
        # P1 and P2 (girls, 12 and 13) and P4 (a boy of 4) are in foster care on the day.
        assert looked_after == ({None: 3} if not by else {"F": 2, "M": 1})
