"""A batch of assessments read and written for all its items at once: what each item is found to be (new,
sent again, a conflict), the order it is recorded in, and the recomputes it asks for."""

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from shared.db import transaction
from shared.models import Child, RecomputeRequest
from tests.conftest import Council, state_of
from tests.integration.helpers import add_child, assessment, ratings, years_ago


async def test_content_sent_again_is_existing_whatever_its_version(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    first = assessment("C1", "A1", years_ago(1))
    created = await api.post("/v1/assessments", json=first, headers=council.headers)
    url = f"/v1/assessments/{created.json()['id']}"
    second = first | {"ratings": ratings(3)}
    amendment = {k: v for k, v in second.items() if k not in ("external_id", "child_id")}
    amended = await api.put(url, json=amendment, headers=council.headers | {"If-Match": created.headers["ETag"]})
    assert amended.status_code == 200

    items = [first, assessment("C1", "A2", years_ago(0.5)), first | {"context": "initial"}]
    refused = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert refused.status_code == 422
    assert [(e["index"], e["field"]) for e in refused.json()["errors"]] == [(2, "external_id")]

    # Either version's content is the assessment sent again, alone or beside a new one.
    for sent_again in (first, second):
        sent = await api.post("/v1/assessments/batch", json={"items": [sent_again, items[1]]}, headers=council.headers)
        assert sent.status_code == 200
        assert sent.json()["items"][0] == {"index": 0, "id": created.json()["id"], "outcome": "existing"}
    assert sent.json()["created"] == 0 and sent.json()["existing"] == 2
    single = await api.post("/v1/assessments", json=first, headers=council.headers)
    assert (single.status_code, single.json()["version"]) == (200, 2)


async def test_another_childs_external_id_is_a_conflict(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    await add_child(api, council.headers, "C2")
    body = assessment("C1", "A1", years_ago(1))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    moved_body = {"items": [body | {"child_id": "C2"}]}
    moved = await api.post("/v1/assessments/batch", json=moved_body, headers=council.headers)
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "external_id"
    single = await api.post("/v1/assessments", json=body | {"child_id": "C2"}, headers=council.headers)
    assert single.status_code == 409


async def test_a_batch_records_each_childs_items_in_the_batchs_order(api: httpx.AsyncClient, council: Council) -> None:
    for child_id in ("C1", "C2"):
        await add_child(api, council.headers, child_id)
    day = years_ago(1)
    names = [("C2", "Z"), ("C1", "M"), ("C2", "A"), ("C1", "B"), ("C1", "K")]
    items = [assessment(child_id, external_id, day) for child_id, external_id in names]
    assert (await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)).status_code == 200
    for child_id in ("C1", "C2"):
        listed = await api.get("/v1/assessments", params={"child_id": child_id}, headers=council.headers)
        assert [a["external_id"] for a in listed.json()] == [e for c, e in names if c == child_id]


async def recompute_requests(app: FastAPI, council: Council) -> dict[str, int]:
    async with transaction(state_of(app).sessions) as db:
        rows = await db.execute(
            select(Child.child_id, func.count().label("requests"))
            .join(RecomputeRequest, RecomputeRequest.child_pk == Child.id)
            .where(Child.la_id == council.la_id)
            .group_by(Child.child_id)
        )
        return {row.child_id: row.requests for row in rows}


async def test_final_assessments_ask_one_recompute_per_child_drafts_none(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    for child_id in ("C1", "C2", "C3"):
        await add_child(api, council.headers, child_id)
    items = [
        assessment("C1", "A1", years_ago(2)),
        assessment("C1", "A2", years_ago(1)),
        assessment("C2", "A3", years_ago(1), status="draft"),
        assessment("C3", "A4", years_ago(1)),
    ]
    assert (await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)).status_code == 200
    assert await recompute_requests(app, council) == {"C1": 1, "C3": 1}
    again = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert again.json()["existing"] == 4
    assert await recompute_requests(app, council) == {"C1": 1, "C3": 1}
