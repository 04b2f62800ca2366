"""POST /v1/children/batch: many children in one request, all or none, by the PUT's rules."""

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from shared.access import Kind
from tests.conftest import Council, headers_for
from tests.integration.helpers import add_child, assessment, placement, years_ago

BATCH = "/v1/children/batch"


def child(child_id: str, **changes: Any) -> dict[str, Any]:
    body = {"child_id": child_id, "date_of_birth": years_ago(10).isoformat(), "sex": "F", "ethnicity": "WBRI"}
    return body | {"uasc": False} | changes


async def stored(api: httpx.AsyncClient, council: Council, child_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/children/{child_id}", headers=council.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_counts_what_it_created_updated_and_found_unchanged(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "OLD", born=years_ago(10))
    await add_child(api, council.headers, "SAME", born=years_ago(10))
    items = [child("NEW"), child("OLD", sex="M"), child("SAME"), child("NEW2", sex="2")]
    response = await api.post(BATCH, json={"items": items}, headers=council.headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["updated"], result["existing"]) == (2, 1, 1)
    assert result["items"] == [
        {"index": 0, "child_id": "NEW", "outcome": "created"},
        {"index": 1, "child_id": "OLD", "outcome": "updated"},
        {"index": 2, "child_id": "SAME", "outcome": "existing"},
        {"index": 3, "child_id": "NEW2", "outcome": "created"},
    ]
    assert (await stored(api, council, "OLD"))["sex"] == "M"
    assert (await stored(api, council, "NEW2"))["sex"] == "F"


async def test_one_audit_row_names_every_child_of_the_batch(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "KNOWN")
    response = await api.post(BATCH, json={"items": [child("KNOWN"), child("FRESH")]}, headers=council.headers)
    assert response.status_code == 200, response.text
    audit = await api.get("/v1/admin/audit", params={"limit": 1000}, headers=council.admin)
    (row,) = [row for row in audit.json()["items"] if row["action"] == "put_children"]
    assert (row["result"], row["route"]) == ("written", "POST /v1/children/batch")
    assert row["children"] == sorted([council.pseudonym("KNOWN"), council.pseudonym("FRESH")])


async def test_one_bad_item_refuses_the_batch_and_every_bad_item_is_listed(
    api: httpx.AsyncClient, council: Council
) -> None:
    await add_child(api, council.headers, "ASSESSED", born=years_ago(10))
    await add_child(api, council.headers, "PLACED", born=years_ago(10))
    assessed = await api.post(
        "/v1/assessments", json=assessment("ASSESSED", "A1", years_ago(2)), headers=council.headers
    )
    placed = await api.post("/v1/placements", json=placement("PLACED", "P1", years_ago(3)), headers=council.headers)
    assert (assessed.status_code, placed.status_code) == (201, 201), placed.text
    items = [
        child("GOOD"),
        child("ASSESSED", date_of_birth=years_ago(1).isoformat()),
        child("FUTURE", date_of_birth=years_ago(-1).isoformat()),
        child("PLACED", date_of_birth=years_ago(1).isoformat(), ethnicity="NOPE"),
        {"child_id": "SHAPELESS", "sex": "X"},
    ]
    response = await api.post(BATCH, json={"items": items}, headers=council.headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"] == "4 of 5 items are invalid; nothing was written."
    faults = {(e["index"], e["field"]) for e in problem["errors"]}
    assert faults >= {(1, "date_of_birth"), (2, "date_of_birth"), (3, "date_of_birth"), (3, "ethnicity")}
    assert {(4, "date_of_birth"), (4, "sex"), (4, "ethnicity")} <= faults
    assert 0 not in {index for index, _ in faults}
    # The refusal of a date of birth after the child's records reads as the PUT's does.
    later_birth = {k: v for k, v in items[1].items() if k != "child_id"}
    put = await api.put("/v1/children/ASSESSED", json=later_birth, headers=council.headers)
    assert put.status_code == 422
    by_put = {e["message"] for e in put.json()["errors"]}
    assert by_put == {e["message"] for e in problem["errors"] if e["index"] == 1}
    missing = await api.get("/v1/children/GOOD", headers=council.headers)
    assert missing.status_code == 404
    assert (await stored(api, council, "ASSESSED"))["date_of_birth"] == years_ago(10).isoformat()


async def test_a_child_named_twice_is_refused_at_both_items(api: httpx.AsyncClient, council: Council) -> None:
    items = [child("TWICE"), child("OTHER"), child("TWICE")]
    response = await api.post(BATCH, json={"items": items}, headers=council.headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "child_id"), (2, "child_id")]
    assert "2" in errors[0]["message"] and "0" in errors[1]["message"]
    assert (await api.get("/v1/children/OTHER", headers=council.headers)).status_code == 404


async def test_an_idempotency_key_replays_the_first_reply(api: httpx.AsyncClient, council: Council) -> None:
    headers = council.headers | {"Idempotency-Key": str(uuid.uuid4())}
    body = {"items": [child("K1"), child("K2")]}
    first = await api.post(BATCH, json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    replay = await api.post(BATCH, json=body, headers=headers)
    assert replay.json() == first.json()
    other = await api.post(BATCH, json={"items": [child("K3")]}, headers=headers)
    assert other.status_code == 422 and other.json()["type"] == "/problems/idempotency-key-reused"
    assert (await api.get("/v1/children/K3", headers=council.headers)).status_code == 404


async def test_a_child_id_is_each_councils_own(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    await add_child(api, other_council.headers, "SHARED", born=years_ago(5))
    response = await api.post(BATCH, json={"items": [child("SHARED")]}, headers=council.headers)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    theirs = await stored(api, other_council, "SHARED")
    ours = await stored(api, council, "SHARED")
    assert theirs["date_of_birth"] == years_ago(5).isoformat()
    assert ours["date_of_birth"] == years_ago(10).isoformat()
    assert theirs["pseudonym"] != ours["pseudonym"]


async def test_the_batch_needs_a_key_and_the_write_scope(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    body = {"items": [child("SCOPED")]}
    assert (await api.post(BATCH, json=body)).status_code == 401
    reader = await headers_for(app, council, Kind.BI)
    refused = await api.post(BATCH, json=body, headers=reader)
    assert refused.status_code == 403 and "children:write" in refused.json()["detail"]
    assert (await api.get("/v1/children/SCOPED", headers=council.headers)).status_code == 404


async def test_batch_is_the_batch_route_not_a_child_named_batch(api: httpx.AsyncClient, council: Council) -> None:
    body = {k: v for k, v in child("batch").items() if k != "child_id"}
    assert (await api.put(BATCH, json=body, headers=council.headers)).status_code == 405
    read = await api.get(BATCH, headers=council.headers)
    assert read.status_code == 405 and read.headers["Allow"] == "POST"
    # Only the whole segment is the route's: a child id that begins with it is a child's.
    assert (await api.put(f"{BATCH}-7", json=body, headers=council.headers)).status_code == 201


async def test_concurrent_batches_creating_the_same_children_both_land(
    api: httpx.AsyncClient, council: Council
) -> None:
    """Each new child is locked by its insert: taken in one order by both batches, neither waits on the other
    for one child while holding another it waits for."""
    ids = [f"RACE{n:02d}" for n in range(30)]
    forward = [child(c) for c in ids]
    backward = [child(c, sex="M") for c in reversed(ids)]
    responses = await asyncio.gather(
        *(api.post(BATCH, json={"items": items}, headers=council.headers) for items in (forward, backward))
    )
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    outcomes = sorted(r.json()["created"] for r in responses)
    assert outcomes == [0, 30]
