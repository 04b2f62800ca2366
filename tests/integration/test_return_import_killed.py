"""An uploaded return whose worker is killed in the middle of the merge: the worker started as the shipped
files start it, killed while its merge waits on a lock the test holds, then started again; the import is
sent again by the worker's sweep, ends done, and leaves the same children and episodes as an import that was
never interrupted."""

import signal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shared.models import Child, Placement
from shared.settings import Settings, libpq_url
from tests.conftest import Council, Servers, new_council, state_of
from tests.integration.faults import blocked_by, running, true_within
from tests.integration.shipped import shipped_worker, stop, worker_environment

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ssda903"
FILES = [SAMPLE / f"csc-validator-be-903__{table}.csv" for table in ("header", "episodes", "uasc")]
FINISHED_WITHIN = 30.0  # seconds from the restart, on a busy machine: the sweep at start, then the import


def upload() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (path.name, path.read_bytes(), "text/csv")) for path in FILES]


async def import_state(api: httpx.AsyncClient, council: Council, location: str) -> dict[str, Any]:
    response = await api.get(location, headers=council.admin)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def stored(app: FastAPI, council: Council) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The council's children and episodes, without what differs between councils (ids, pseudonyms, times)."""
    async with state_of(app).sessions() as db:
        children = await db.execute(
            select(Child.child_id, Child.date_of_birth, Child.sex, Child.ethnicity, Child.uasc).where(
                Child.la_id == council.la_id
            )
        )
        episodes = await db.execute(
            select(
                Placement.external_id,
                Placement.start_date,
                Placement.end_date,
                Placement.place,
                Placement.rne,
                Placement.reason_ended,
                Placement.reason_place_change,
                Placement.postcode_sector,
                Placement.return_year,
            ).where(Placement.la_id == council.la_id)
        )
        return {tuple(row) for row in children}, {tuple(row) for row in episodes}


async def test_an_import_whose_worker_is_killed_mid_merge_is_retried_and_ends_as_one_never_interrupted(
    servers: Servers, settings: Settings, tmp_path: Path
) -> None:
    async with running(settings) as (app, api):
        interrupted, undisturbed = await new_council(app), await new_council(app)
        holder = await asyncpg.connect(libpq_url(servers.database_url))
        hold = holder.transaction()
        await hold.start()
        # The report is written last in the merge's transaction: the merge waits there, all else done.
        await holder.execute("LOCK TABLE import_findings IN EXCLUSIVE MODE")
        asked = await api.post("/v1/admin/imports", files=upload(), headers=interrupted.admin)
        assert asked.status_code == 202, asked.text
        location = asked.headers["Location"]
        await app.state.services.dispatcher.drain()
        async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:
            try:
                await blocked_by(holder, "the import's merge reached the report")
                assert await stop(worker, signal.SIGKILL) == -signal.SIGKILL
            finally:
                await hold.rollback()
                await holder.close()
        left = await import_state(api, interrupted, location)
        assert left["state"] == "running" and left["counts"] is None

        async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:

            async def ended() -> bool:
                return (await import_state(api, interrupted, location))["state"] in ("done", "failed", "refused")

            await true_within(ended, FINISHED_WITHIN, "the killed worker's import")
            other = await api.post("/v1/admin/imports", files=upload(), headers=undisturbed.admin)
            assert other.status_code == 202, other.text
            await app.state.services.dispatcher.drain()

            async def other_ended() -> bool:
                return (await import_state(api, undisturbed, other.headers["Location"]))["state"] == "done"

            await true_within(other_ended, FINISHED_WITHIN, "the undisturbed import")
            assert await stop(worker) == 0
        retried = await import_state(api, interrupted, location)
        assert retried["state"] == "done", retried
        assert retried["counts"] == (await import_state(api, undisturbed, other.headers["Location"]))["counts"]
        children, episodes = await stored(app, interrupted)
        assert (children, episodes) == await stored(app, undisturbed)
        assert len(children) == 2675 and episodes
