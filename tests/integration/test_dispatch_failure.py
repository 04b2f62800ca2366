"""A recompute the API sent but could not mark as sent (the database failed after Redis took the job)
is left to the job and the sweep, and the database's message, which can quote a child, reaches no log."""

import asyncio
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shared.db import transaction
from shared.models import RecomputeRequest
from shared.settings import Settings, libpq_url
from tests.conftest import Council, state_of
from tests.integration.faults import child_pk, refused_for_a_child
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago
from tests.integration.shipped import shipped_api

REFUSED_DISPATCH = refused_for_a_child("refuse_dispatch", "BEFORE UPDATE ON recompute_requests", "dispatch refused")
DISPATCH_ALLOWED = """
DROP TRIGGER IF EXISTS refuse_dispatch ON recompute_requests;
DROP FUNCTION IF EXISTS refuse_dispatch();
"""


async def undispatched(app: FastAPI, pk: str) -> int:
    async with transaction(state_of(app).sessions) as db:
        rows = await db.scalars(
            select(RecomputeRequest.id).where(
                RecomputeRequest.child_pk == uuid.UUID(pk), RecomputeRequest.dispatched_at.is_(None)
            )
        )
        return len(list(rows))


async def test_a_send_the_database_refuses_to_mark_is_left_to_the_sweep_and_logged_by_its_type(
    app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    child_id = f"X903-{uuid.uuid4().hex[:10]}"
    output = tmp_path / "api.log"
    database = await asyncpg.connect(libpq_url(settings.database_url))
    try:
        async with shipped_api(settings, output) as api:
            await add_child(api, council.headers, child_id)
            pk = await child_pk(app, council, child_id)
            await database.execute(REFUSED_DISPATCH.format(child_pk=pk))
            body = assessment(child_id, "A1", years_ago(1), ratings=ratings(3))
            assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
            deadline = time.monotonic() + 30
            while "outbox.send_failed" not in output.read_text():
                assert time.monotonic() < deadline, output.read_text()
                await asyncio.sleep(0.05)
    finally:
        await database.execute(DISPATCH_ALLOWED)
        await database.close()
    text = output.read_text()
    secrets = (child_id, council.pseudonym(child_id), pk, "dispatch refused")
    assert [secret for secret in secrets if secret in text] == []
    assert await undispatched(app, pk) == 1  # for the sweep, should the job Redis took be lost

    await run_worker(settings, app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as local:
        figures = (await local.get(f"/v1/children/{child_id}/needs-trends", headers=council.headers)).json()
    assert figures["status"] == "fresh" and figures["summary"]["total_need"] == 36
    await assert_full_recompute_agrees(app, council.la_id)
