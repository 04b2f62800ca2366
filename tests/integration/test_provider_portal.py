"""What a provider reads of its own (domain.md §7.2): its stays as the payment rules count them, the
children placed with it now, paged, and a child's journey for the times the child was with it.

C1 was with P1 from 10 January 2024, away on respite (T1) 20 March to 10 April, back until 1 June, then
with P2; C2 and C4 are with P1 now; C3 was only ever with P2; C5 had four days with P1's carers on a
temporary move (T4), which is no stay."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.access import Kind
from tests.conftest import Council, headers_for
from tests.integration.helpers import add_child, assessment, placement

JAN_10, MAR_20, APR_10, JUN_1 = date(2024, 1, 10), date(2024, 3, 20), date(2024, 4, 10), date(2024, 6, 1)
EPISODES = [
    ("C1", "PL1-1", JAN_10, MAR_20, {"provider_id": "P1"}),
    ("C1", "PL1-2", MAR_20, APR_10, {"place": "T1"}),
    ("C1", "PL1-3", APR_10, JUN_1, {"provider_id": "P1"}),
    ("C1", "PL1-4", JUN_1, None, {"provider_id": "P2"}),
    ("C2", "PL2-1", date(2024, 5, 1), None, {"provider_id": "P1"}),
    ("C3", "PL3-1", date(2024, 2, 1), None, {"provider_id": "P2"}),
    ("C4", "PL4-1", date(2024, 7, 1), None, {"provider_id": "P1"}),
    ("C5", "PL5-1", date(2024, 3, 1), date(2024, 3, 5), {"provider_id": "P1", "place": "T4"}),
]
DAY = timedelta(days=1)
# C1's assessments: the edges of P1's window (28 days before the stay's start to the day before it
# ended), one while away, and the edges of P2's.
ASSESSED = [JAN_10 - 29 * DAY, JAN_10 - 28 * DAY, MAR_20 + 5 * DAY, JUN_1 - DAY, JUN_1, date(2024, 9, 1)]


@pytest.fixture
async def providers(api: httpx.AsyncClient, app: FastAPI, council: Council) -> dict[str, Any]:
    for provider in ("P1", "P2"):
        await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)
    for child in ("C1", "C2", "C3", "C4", "C5"):
        await add_child(api, council.headers, child, born=date(2012, 1, 1))
    ids = {}
    for child, external_id, start, end, changes in EPISODES:
        response = await api.post(
            "/v1/placements", json=placement(child, external_id, start, end, **changes), headers=council.headers
        )
        assert response.status_code == 201, response.text
        ids[external_id] = response.json()["id"]
    for day in ASSESSED:
        body = assessment("C1", f"A-{day.isoformat()}", day)
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    return {
        "ids": ids,
        "P1": await headers_for(app, council, Kind.PROVIDER, "P1"),
        "P2": await headers_for(app, council, Kind.PROVIDER, "P2"),
    }


async def every_page(api: httpx.AsyncClient, path: str, headers: dict[str, str], limit: int) -> list[list[Any]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await api.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        if not body["has_more"]:
            return pages
        assert response.headers["X-Next-Cursor"] == body["next_cursor"]
        cursor = body["next_cursor"]


async def test_a_provider_s_stay_shows_its_episodes_and_days_with_it_apart_from_temporary_days(
    api: httpx.AsyncClient, council: Council, providers: dict[str, Any]
) -> None:
    pages = await every_page(api, "/v1/provider/stays", providers["P1"], limit=1)
    assert [len(page) for page in pages] == [1, 1, 1]
    stays = {stay["child_pseudonym"]: stay for page in pages for stay in page}
    assert set(stays) == {council.pseudonym(c) for c in ("C1", "C2", "C4")}
    former = stays[council.pseudonym("C1")]
    ids = providers["ids"]
    assert (former["stay"], former["start"], former["end"]) == (ids["PL1-1"], "2024-01-10", "2024-06-01")
    # 10 January to 1 June 2024 is 143 days, 21 of them away (20 March to 10 April).
    assert (former["days_with_provider"], former["temporary_days"]) == (122, 21)
    assert [(e["placement_id"], e["place"], e["temporary"]) for e in former["episodes"]] == [
        (ids["PL1-1"], "U4", False),
        (ids["PL1-2"], "T1", True),
        (ids["PL1-3"], "U4", False),
    ]
    elsewhere = (await api.get("/v1/provider/stays", headers=providers["P2"])).json()["items"]
    assert {(s["child_pseudonym"], s["start"]) for s in elsewhere} == {
        (council.pseudonym("C1"), "2024-06-01"),
        (council.pseudonym("C3"), "2024-02-01"),
    }


async def test_the_children_placed_now_come_a_page_of_limit_at_a_time(
    api: httpx.AsyncClient, council: Council, providers: dict[str, Any]
) -> None:
    pages = await every_page(api, "/v1/provider/children", providers["P1"], limit=1)
    assert [len(page) for page in pages] == [1, 1]
    assert sorted(c["child_pseudonym"] for page in pages for c in page) == sorted(
        council.pseudonym(c) for c in ("C2", "C4")
    )
    too_many = await api.get("/v1/provider/children", params={"limit": 100_000}, headers=providers["P1"])
    assert too_many.status_code == 422 and "limit" in too_many.text


async def test_a_former_child_s_series_holds_only_its_stay_and_the_baseline_window_before_it(
    api: httpx.AsyncClient, council: Council, providers: dict[str, Any]
) -> None:
    path = f"/v1/provider/children/{council.pseudonym('C1')}/series"
    seen_by_p1 = (await api.get(path, headers=providers["P1"])).json()["points"]
    # 13 December 2023 is 28 days before the stay began (in); 12 December, 29 (out); 1 June it had ended.
    assert [p["assessed_on"] for p in seen_by_p1] == ["2023-12-13", "2024-03-25", "2024-05-31"]
    seen_by_p2 = (await api.get(path, headers=providers["P2"])).json()["points"]
    assert [p["assessed_on"] for p in seen_by_p2] == ["2024-05-31", "2024-06-01", "2024-09-01"]


async def test_a_child_never_placed_with_the_provider_is_not_found(
    api: httpx.AsyncClient, council: Council, providers: dict[str, Any]
) -> None:
    never = await api.get(f"/v1/provider/children/{council.pseudonym('C3')}/series", headers=providers["P1"])
    assert never.status_code == 404
    only_away = await api.get(f"/v1/provider/children/{council.pseudonym('C5')}/series", headers=providers["P1"])
    assert only_away.status_code == 404
    unknown = await api.get(f"/v1/provider/children/{council.pseudonym('C9')}/series", headers=providers["P1"])
    assert unknown.status_code == 404 and unknown.json()["detail"] == never.json()["detail"]
