"""An admin's recompute of the whole council is a job: answered at once (202, queued, its Location), one at a
time per council, run by the real worker, followed to its end by polling, audited once, and run even when
its job never reached Redis or its worker was lost mid-run."""

import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, update

from shared.db import transaction
from shared.domain import council_recompute
from shared.models import CouncilRecompute
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


async def council_with_figures(api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council) -> None:
    for n in range(3):
        await add_child(api, council.headers, f"W{n}")
        for k, age in enumerate((2, 1)):
            body = assessment(f"W{n}", f"W{n}-{k}", years_ago(age), ratings=ratings(n + k))
            assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)


async def state_of_recompute(app: FastAPI, recompute_id: uuid.UUID) -> str:
    async with state_of(app).sessions() as db:
        found = await db.get(CouncilRecompute, recompute_id)
        assert found is not None
        return found.state


async def test_an_admins_recompute_is_queued_at_once_run_by_the_worker_and_followed_to_its_end(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await council_with_figures(api, app, settings, council)
    asked = await api.post("/v1/admin/recompute", headers=council.admin)
    assert asked.status_code == 202, asked.text
    location = asked.headers["Location"]
    assert location == f"/v1/admin/recomputes/{asked.json()['id']}"
    assert asked.json()["state"] == "queued" and asked.json()["children"] is None

    again = await api.post("/v1/admin/recompute", headers=council.admin)
    assert again.status_code == 409 and location in again.json()["detail"], again.text

    await run_worker(settings, app)
    followed = (await api.get(location, headers=council.admin)).json()
    assert followed["state"] == "done", followed
    assert (followed["children"], followed["written"], followed["cleared"]) == (3, 3, 0)
    assert followed["started_at"] and followed["finished_at"] and followed["error"] is None
    await assert_full_recompute_agrees(app, council.la_id)

    listed = (await api.get("/v1/admin/recomputes", headers=council.admin)).json()
    assert [row["id"] for row in listed] == [asked.json()["id"]]
    audit = (await api.get("/v1/admin/audit", params={"limit": 1000}, headers=council.admin)).json()["items"]
    asks = [row for row in audit if row["route"] == "POST /v1/admin/recompute" and row["result"] == "written"]
    assert [row["target"] for row in asks] == [f"recompute:{asked.json()['id']}"]

    # Done, it no longer holds the council's turn.
    assert (await api.post("/v1/admin/recompute", headers=council.admin)).status_code == 202


async def test_a_recompute_whose_job_never_reached_redis_or_whose_worker_was_lost_is_run_by_the_next_worker(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await council_with_figures(api, app, settings, council)
    sessions = state_of(app).sessions
    # Asked for in a transaction whose commit sends nothing: as when Redis is down at the commit.
    async with transaction(sessions) as db:
        unsent = (await council_recompute.ask(db, council.la_id)).id
    await run_worker(settings, app)
    assert await state_of_recompute(app, unsent) == "done"

    # Running, with a worker that stopped beating a while ago: killed mid-run.
    async with transaction(sessions) as db:
        lost = (await council_recompute.ask(db, council.la_id)).id
        await db.flush()
        stale = func.now() - council_recompute.LOST_AFTER - timedelta(seconds=1)
        await db.execute(
            update(CouncilRecompute).where(CouncilRecompute.id == lost).values(state="running", heartbeat_at=stale)
        )
    await run_worker(settings, app)
    followed = (await api.get(f"/v1/admin/recomputes/{lost}", headers=council.admin)).json()
    assert followed["state"] == "done" and followed["written"] == 3, followed


async def test_a_running_recompute_still_beating_is_left_to_its_worker(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        running = (await council_recompute.ask(db, council.la_id)).id
        await db.flush()
        await db.execute(
            update(CouncilRecompute)
            .where(CouncilRecompute.id == running)
            .values(state="running", heartbeat_at=func.now())
        )
    assert await council_recompute.run(sessions, running) is None
    assert await state_of_recompute(app, running) == "running"
