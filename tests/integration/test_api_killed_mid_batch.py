"""The API killed (SIGKILL, as an OOM kill or a lost node ends it) while a batch of 500 assessments is
being written, started again, and the same batch sent again with its Idempotency-Key: the batch is applied
exactly once, none of the killed attempt's rows kept, the retry's all. Ends by checking that every child's
figures equal a full recompute."""

import asyncio
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from shared.settings import Settings, libpq_url
from tests.conftest import Council, Servers
from tests.integration.faults import trends, wait_for_row_lock_waiter
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago
from tests.integration.shipped import shipped_api, shipped_api_process

CHILDREN = 20
EACH = 25  # assessments per child: a batch of 500, half the most one batch may carry
KEY = "nightly-export-1"
# A batch this large takes seconds on a busy machine, and a client that gave up would end the request.
BATCH_TIMEOUT = httpx.Timeout(5, read=120)


async def send(api: httpx.AsyncClient, items: list[dict[str, Any]], headers: dict[str, str]) -> httpx.Response:
    return await api.post("/v1/assessments/batch", json={"items": items}, headers=headers, timeout=BATCH_TIMEOUT)


async def case_management_client(connection: asyncpg.Connection, council: Council) -> uuid.UUID:
    client_id: uuid.UUID = await connection.fetchval(
        "SELECT id FROM clients WHERE la_id = $1 AND kind = 'case_management'", council.la_id
    )
    return client_id


async def gone(watcher: asyncpg.Connection, pid: int) -> None:
    deadline = time.monotonic() + 60
    while await watcher.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
        assert time.monotonic() < deadline, "the killed API's session outlived it"
        await asyncio.sleep(0.05)


async def stored(watcher: asyncpg.Connection, council: Council) -> int:
    count: int = await watcher.fetchval("SELECT count(*) FROM assessments WHERE la_id = $1", council.la_id)
    return count


async def test_a_batch_whose_api_was_killed_mid_write_is_applied_once_when_sent_again_with_its_key(
    servers: Servers, settings: Settings, app: FastAPI, api: httpx.AsyncClient, council: Council, tmp_path: Path
) -> None:
    children = [f"B{n}" for n in range(CHILDREN)]
    for child in children:
        await add_child(api, council.headers, child)
    items = [
        assessment(child, f"{child}-{k}", years_ago(5) + timedelta(days=30 * k), ratings=ratings(1 + k % 3))
        for child in children
        for k in range(EACH)
    ]
    headers = council.headers | {"Idempotency-Key": KEY}

    holder = await asyncpg.connect(libpq_url(servers.database_url))
    watcher = await asyncpg.connect(libpq_url(servers.database_url))
    try:
        # The key's record, inserted and not committed by another session: the batch, its rows written, waits
        # there to record its reply. That is where it dies.
        hold = holder.transaction()
        await hold.start()
        await holder.execute(
            "INSERT INTO idempotency_records (id, la_id, client_id, key, request_hash, status_code, response)"
            " VALUES ($1, $2, $3, $4, '', 0, '{}')",
            uuid.uuid4(),
            council.la_id,
            await case_management_client(watcher, council),
            KEY,
        )
        async with shipped_api_process(settings, tmp_path / "killed.log") as killed:
            sending = asyncio.create_task(send(killed.client, items, headers))
            batch_session = await wait_for_row_lock_waiter(holder)
            inserted = await watcher.fetchval(
                "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = relation"
                " WHERE pid = $1 AND relname = 'assessments' AND mode = 'RowExclusiveLock'",
                batch_session,
            )
            assert inserted, "the batch had not written its assessments"
            killed.process.send_signal(signal.SIGKILL)
            with pytest.raises(httpx.TransportError):
                await sending
        await hold.rollback()
        await gone(watcher, batch_session)
        assert await stored(watcher, council) == 0

        async with shipped_api(settings, tmp_path / "restarted.log") as restarted:
            applied = await send(restarted, items, headers)
            assert applied.status_code == 200, applied.text
            assert applied.json()["created"] == len(items)
            again = await send(restarted, items, headers)
            assert again.status_code == 200 and again.json() == applied.json()
        assert await stored(watcher, council) == len(items)
    finally:
        await holder.close()
        await watcher.close()

    await run_worker(settings, app)
    for child in children:
        figures = await trends(api, council, child)
        assert figures["status"] == "fresh" and figures["summary"]["assessments_count"] == EACH
    await assert_full_recompute_agrees(app, council.la_id)
