"""Keeping statements current under change: a new contract's refresh is queued as it is created, a
placement committed while a refresh reads its inputs fails nothing, and a refresh that fails keeps the
contract marked stale and names it by its code in the log (never a child)."""

from datetime import date
from typing import Any

import httpx
from arq.jobs import Job, JobStatus
from fastapi import FastAPI
from sqlalchemy import event, select, update
from sqlalchemy.util import await_only
from structlog.testing import capture_logs

from shared.db import transaction
from shared.domain import statements
from shared.models import Contract, ContractVersion
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.contracts import children_in, new_contract, place, rate, stale_since
from tests.integration.helpers import add_child, assessment, ratings, run_worker


async def test_a_new_contract_s_statements_are_queued_as_it_is_created(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Queued after the commit, not left for the worker's next sweep (every ten seconds)."""
    contract_id = await new_contract(api, council, "QUEUED", "IFA-Q")
    await state_of(app).dispatcher.drain()
    job = Job(f"statements-{contract_id}", state_of(app).redis, _queue_name=settings.queue_name)
    assert await job.status() in (JobStatus.deferred, JobStatus.queued)
    await run_worker(settings)
    assert (await api.get("/v1/contracts/QUEUED/statements", headers=council.bi)).json() != []
    assert await stale_since(app, contract_id) is None


async def test_a_placement_committed_while_a_refresh_reads_its_inputs_fails_nothing(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """A child with an assessment is placed with the provider between the refresh's reading of its
    episodes and of its assessments: the refresh still stores the statements, and the child's own
    recompute brings it into them."""
    contract_id = await new_contract(api, council, "RACE", "IFA-R")
    for child in ("RACE-1", "RACE-2"):
        await add_child(api, council.headers, child)
        await rate(api, council, child, date(2023, 6, 1))
    await place(api, council, "RACE-1", "IFA-R", date(2024, 1, 10))

    placed_between = False

    def place_the_second_child(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal placed_between
        if "assessment_versions" in statement and not placed_between:
            placed_between = True
            await_only(place(api, council, "RACE-2", "IFA-R", date(2024, 2, 1)))

    engine = state_of(app).engine.sync_engine
    event.listen(engine, "before_cursor_execute", place_the_second_child)
    try:
        with capture_logs() as logged:
            await statements.refresh_under_figures_lock(state_of(app).sessions, contract_id)
    finally:
        event.remove(engine, "before_cursor_execute", place_the_second_child)
    assert placed_between
    assert [entry for entry in logged if entry["event"] == "statements.failed"] == []
    assert await children_in(api, council, "RACE") == {council.pseudonym("RACE-1")}

    await run_worker(settings, app)  # the second child's recompute marks the contract stale again
    assert await children_in(api, council, "RACE") == {council.pseudonym("RACE-1"), council.pseudonym("RACE-2")}


async def test_a_refresh_that_fails_keeps_the_contract_stale_and_logs_its_code(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    """A version whose tariff the engine cannot read (written behind the API's back) fails every refresh."""
    contract_id = await new_contract(api, council, "BROKEN", "IFA-B")
    await add_child(api, council.headers, "BROKEN-1")
    await place(api, council, "BROKEN-1", "IFA-B", date(2024, 1, 10))
    async with transaction(state_of(app).sessions) as db:
        await db.execute(
            update(ContractVersion).where(ContractVersion.contract_id == contract_id).values(tariff={"x": "500"})
        )
    with capture_logs() as logged:
        await statements.refresh_under_figures_lock(state_of(app).sessions, contract_id)
    failed = [entry for entry in logged if entry["event"] == "statements.failed"]
    assert failed == [{"event": "statements.failed", "log_level": "error", "contract": "BROKEN", "error": "ValueError"}]
    assert await stale_since(app, contract_id) is not None  # the sweep will try it again
    assert (await api.get("/v1/contracts/BROKEN/statements", headers=council.bi)).json() == []


async def test_a_refresh_reads_its_inputs_in_one_snapshot(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """An assessment committed between the refresh's reading of episodes and of assessments is not half
    seen: the statements stored stand on the database as it was when the reading began, and the child's
    recompute brings the assessment in."""
    await new_contract(api, council, "SNAP", "IFA-S")
    await add_child(api, council.headers, "SNAP-1")
    await place(api, council, "SNAP-1", "IFA-S", date(2024, 1, 10))
    await rate(api, council, "SNAP-1", date(2024, 1, 12))  # the baseline: every need moderate
    await run_worker(settings, app)
    reduced = assessment("SNAP-1", "A-SNAP-1-reduced", date(2024, 3, 1), ratings=ratings(2, safety=1))
    async with transaction(state_of(app).sessions) as db:
        contract_id = await db.scalar(select(Contract.id).where(Contract.code == "SNAP"))
    assert contract_id is not None

    rated_between = False

    def rate_between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal rated_between
        if "assessment_versions" in statement and not rated_between:
            rated_between = True
            assert await_only(api.post("/v1/assessments", json=reduced, headers=council.headers)).status_code == 201

    engine = state_of(app).engine.sync_engine
    event.listen(engine, "before_cursor_execute", rate_between)
    try:
        await statements.refresh_under_figures_lock(state_of(app).sessions, contract_id)
    finally:
        event.remove(engine, "before_cursor_execute", rate_between)
    assert rated_between
    q1 = "/v1/contracts/SNAP/statements/2024-01-01"
    assert [line["rule"] for line in (await api.get(q1, headers=council.bi)).json()["lines"]] == []

    await run_worker(settings, app)
    lines = (await api.get(q1, headers=council.bi)).json()["lines"]
    assert [(line["domain"], line["instalment"]) for line in lines] == [("safety", 1)]
