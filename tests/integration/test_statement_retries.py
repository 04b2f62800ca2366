"""A transient database error on the statement path is retried by the job that met it, as a recompute's
is: the contract's statements are current when the worker is done, not at its next sweep."""

import asyncio
import time
import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import arq.worker
import asyncpg
import httpx
import pytest
from arq.worker import Worker
from fastapi import FastAPI
from sqlalchemy import select, update

from services.scoring.worker import worker_options
from shared.db import transaction
from shared.domain import statements
from shared.domain.locks import FIGURES_WRITE_LOCK
from shared.models import Contract, ContractVersion
from shared.settings import Settings, libpq_url
from tests.conftest import Council, Servers, state_of
from tests.integration.contracts import new_contract, place, rate, stale_since
from tests.integration.faults import child_pk, wait_for_lock_waiter, wait_for_row_lock_waiter
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker


def job_worker(settings: Settings) -> Worker:
    """A burst worker without the cron sweep, which would refresh a stale contract on its own."""
    return Worker(**(worker_options(settings) | {"cron_jobs": []}), burst=True, handle_signals=False)


async def waiting_on_contracts(connection: asyncpg.Connection, pid: int | None = None) -> int:
    """The pid of a backend waiting for the contracts table (`pid`'s, if given)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = await connection.fetchval(
            # This database's: another's contracts table, made by the same migrations, can have the same oid.
            "SELECT pid FROM pg_locks WHERE relation = 'contracts'::regclass AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND ($1::int IS NULL OR pid = $1) LIMIT 1",
            pid,
        )
        if found is not None:
            return int(found)
        await asyncio.sleep(0.05)
    raise AssertionError("nothing waited for the contracts table")


async def cut_while_waiting_for_the_figures_lock(servers: Servers, worker: Worker) -> None:
    """Runs the worker with the figures lock held here, and cuts the connection of the job that waits for it."""
    lock = await asyncpg.connect(libpq_url(servers.database_url))
    await lock.execute("SELECT pg_advisory_lock($1)", FIGURES_WRITE_LOCK)
    running = asyncio.create_task(worker.main())
    try:
        victim = await wait_for_lock_waiter(lock)
        await lock.execute("SELECT pg_terminate_backend($1)", victim)
    finally:
        await lock.execute("SELECT pg_advisory_unlock_all()")
        await lock.close()
    await running
    await worker.close()


async def assert_statements_current(api: httpx.AsyncClient, app: FastAPI, council: Council, code: str) -> None:
    """A refresh now stores nothing new: the worker left every period as its inputs are."""
    url = f"/v1/contracts/{code}/statements"
    left = (await api.get(url, headers=council.bi)).json()
    assert left != []
    contract_id = uuid.UUID((await api.get(f"/v1/contracts/{code}", headers=council.bi)).json()["id"])
    assert await stale_since(app, contract_id) is None
    await statements.refresh_under_figures_lock(state_of(app).sessions, contract_id)
    assert (await api.get(url, headers=council.bi)).json() == left


async def placed_and_rated(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, code: str
) -> str:
    """A contract with one child placed with its provider and rated, its statements stored; returns the child."""
    await new_contract(api, council, code, f"IFA-{code}")
    child = f"{code}-1"
    await add_child(api, council.headers, child)
    await rate(api, council, child, date(2024, 1, 12))
    await place(api, council, child, f"IFA-{code}", date(2024, 1, 10))
    await run_worker(settings, app)
    return child


async def test_a_transient_error_after_a_child_s_recompute_is_retried_and_its_contract_refreshed(
    servers: Servers, settings: Settings, app: FastAPI, api: httpx.AsyncClient, council: Council
) -> None:
    child = await placed_and_rated(api, app, settings, council, "AFTER")
    reduced = assessment(child, "A-reduced", date(2024, 3, 1), ratings=ratings(2, safety=1))
    assert (await api.post("/v1/assessments", json=reduced, headers=council.headers)).status_code == 201
    await state_of(app).dispatcher.drain()

    # The recompute is held at its last step, marking its request done, with the contract marked stale in
    # its transaction; the contracts table is then locked behind it, so that the job's next query, for
    # the stale contracts to refresh, waits there once the recompute commits, and its connection is cut.
    url = libpq_url(servers.database_url)
    holder, locker = await asyncpg.connect(url), await asyncpg.connect(url)
    hold, lock = holder.transaction(), locker.transaction()
    await hold.start()
    await lock.start()
    pk = uuid.UUID(await child_pk(app, council, child))
    await holder.execute("SELECT id FROM recompute_requests WHERE child_pk = $1 FOR UPDATE", pk)
    worker = job_worker(settings)
    running = asyncio.create_task(worker.main())
    try:
        await wait_for_row_lock_waiter(holder)
        locking = asyncio.create_task(locker.execute("LOCK TABLE contracts IN ACCESS EXCLUSIVE MODE"))
        await waiting_on_contracts(holder, locker.get_server_pid())
        await hold.rollback()
        await locking
        victim = await waiting_on_contracts(holder)
        await holder.execute("SELECT pg_terminate_backend($1)", victim)
    finally:
        await lock.rollback()
        await locker.close()
        await holder.close()
    await running
    await worker.close()

    assert worker.jobs_failed == 0 and worker.jobs_retried >= 1
    await assert_statements_current(api, app, council, "AFTER")
    await assert_full_recompute_agrees(app, council.la_id)


async def test_a_refresh_that_meets_a_transient_error_is_retried(
    servers: Servers, settings: Settings, app: FastAPI, api: httpx.AsyncClient, council: Council
) -> None:
    await placed_and_rated(api, app, settings, council, "AGAIN")
    terms: dict[str, Any] = {"effective_from": "2024-01-01", "cap_per_period": "100.00"}
    assert (await api.post("/v1/admin/contracts/AGAIN/versions", json=terms, headers=council.admin)).is_success
    await state_of(app).dispatcher.drain()

    worker = job_worker(settings)
    await cut_while_waiting_for_the_figures_lock(servers, worker)

    assert worker.jobs_failed == 0 and worker.jobs_retried >= 1
    await assert_statements_current(api, app, council, "AGAIN")
    await assert_full_recompute_agrees(app, council.la_id)


async def test_the_nightly_refresh_that_meets_a_transient_error_is_retried(
    servers: Servers,
    settings: Settings,
    app: FastAPI,
    api: httpx.AsyncClient,
    council: Council,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The nightly refresh of every contract brings in what no change marked stale (here a cap written behind
    the API's back, standing for a period that turned overnight); its connection is cut while it waits."""
    await placed_and_rated(api, app, settings, council, "NIGHT")
    night = select(Contract.id).where(Contract.la_id == council.la_id, Contract.code == "NIGHT").scalar_subquery()
    async with transaction(state_of(app).sessions) as db:
        await db.execute(
            update(ContractVersion).where(ContractVersion.contract_id == night).values(cap_per_period=Decimal("1.00"))
        )
    # The shipped nightly job, run as the worker starts rather than at 01:07. arq keeps a cron job marked
    # in progress for a minute after a try, which its retry waits out: a second here.
    monkeypatch.setattr(arq.worker, "keep_cronjob_progress", 1)
    options = worker_options(settings)
    nightly = [replace(job, run_at_startup=True) for job in options["cron_jobs"] if job.name.endswith("statements")]
    assert len(nightly) == 1
    worker = Worker(**(options | {"cron_jobs": nightly}), burst=True, handle_signals=False)
    await cut_while_waiting_for_the_figures_lock(servers, worker)

    assert worker.jobs_failed == 0 and worker.jobs_retried >= 1
    await assert_statements_current(api, app, council, "NIGHT")
    await assert_full_recompute_agrees(app, council.la_id)
