"""The worker as the shipped files start it (the Dockerfile's CMD), its whole output read while database
errors quote children: a child whose recompute fails and a job that is retried both log the error's type,
never its text, whose query parameters and messages can name a child."""

import asyncio
import json
import signal
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI

from shared.settings import Settings, libpq_url
from tests.conftest import Council, state_of
from tests.integration.contracts import children_in, new_contract, place, rate
from tests.integration.faults import FAULTS_GONE, LOST_RACE_ONCE, REFUSED_FIGURES, child_pk
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, run_worker
from tests.integration.shipped import shipped_worker, worker_environment

WAIT_SECONDS = 60


async def test_no_database_message_reaches_the_worker_s_output(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    await new_contract(api, council, "QUOTED", "IFA-QUOTED")
    refused, placed = f"X903-{uuid.uuid4().hex[:10]}", f"X903-{uuid.uuid4().hex[:10]}"
    for child in (refused, placed):
        await add_child(api, council.headers, child)
        await rate(api, council, child, date(2023, 6, 1))
    await place(api, council, placed, "IFA-QUOTED", date(2024, 1, 10))
    await state_of(app).dispatcher.drain()
    refused_pk = await child_pk(app, council, refused)
    secrets = {refused, placed, council.pseudonym(refused), council.pseudonym(placed), refused_pk}
    secrets |= {await child_pk(app, council, placed), "figures refused", "could not serialize"}

    output = tmp_path / "worker.log"
    database = await asyncpg.connect(libpq_url(settings.database_url))
    try:
        await database.execute(
            REFUSED_FIGURES.format(child_pk=refused_pk) + LOST_RACE_ONCE.format(pseudonym=council.pseudonym(placed))
        )
        async with shipped_worker(worker_environment(settings), output, stop_with=signal.SIGTERM):
            deadline = time.monotonic() + WAIT_SECONDS
            while not (
                '"recompute.failed"' in output.read_text()
                and await children_in(api, council, "QUOTED") == {council.pseudonym(placed)}
            ):
                assert time.monotonic() < deadline, output.read_text()
                await asyncio.sleep(0.1)
    finally:
        await database.execute(FAULTS_GONE)
        await database.close()

    text = output.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    failed = [line for line in lines if line["event"] == "recompute.failed"]
    assert len(failed) == 1 and failed[0]["level"] == "warning" and failed[0]["error"], failed
    retried = [line for line in lines if line["event"] == "job.retry"]
    assert [line["job"] for line in retried] == ["refresh_statements_job"] and retried[0]["error"], lines
    assert [secret for secret in secrets if secret in text] == []

    # The faults gone, the worker's start-up sweep re-sends what failed: nothing waits for a person.
    await run_worker(settings, app)
    figures = (await api.get(f"/v1/children/{refused}/needs-trends", headers=council.headers)).json()
    assert figures["status"] == "fresh"
    await assert_full_recompute_agrees(app, council.la_id)
