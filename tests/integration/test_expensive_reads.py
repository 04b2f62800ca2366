"""One BI client cannot stall every council: cohort figures are kept until the council's figures change,
each client gets a few expensive reads at once, and a read running past READ_STATEMENT_TIMEOUT_MS is cut
off with a 503. Reads are made to wait by holding a real lock on the tables they read, never by mocks."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from structlog.testing import capture_logs

from shared.access import Kind
from shared.settings import Settings, libpq_url
from tests.conftest import Council, headers_for, state_of
from tests.integration.access_helpers import assert_problem, client_of, dedicated_app, retry_after
from tests.integration.helpers import assessment, placement, publish_every_count, ratings, run_worker, years_ago

COHORT = "/v1/scores/cohort"
FIGURES = "child_needs_trends"  # locked, it holds every cohort read at its first statement
BEHAVIOUR = "behaviour"
BASELINE_ON = date.today() - timedelta(days=120)
LATEST_ON = date.today() - timedelta(days=20)
GUARD_SECONDS = 30  # only turns a hang into a failure; nothing here is measured


@asynccontextmanager
async def held(settings: Settings, table: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction holding `table` locked against every reader and writer until the block ends."""
    connection = await asyncpg.connect(libpq_url(settings.database_url))
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


def waiting(
    connection: asyncpg.Connection, table: str, least: int, *, longer_than_ms: int = 0
) -> Callable[[], Awaitable[bool]]:
    """Whether at least `least` backends wait for the lock on `table` (in this test's database, where other
    sessions may share the server), for longer than given by the database's clock. From pg_locks, which is
    read afresh each time; pg_stat_activity is a snapshot kept for the transaction."""

    async def condition() -> bool:
        count: int = await connection.fetchval(
            """SELECT count(*) FROM pg_locks
               WHERE NOT granted AND relation = $1::regclass
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND clock_timestamp() - waitstart > make_interval(secs => $2::float8 / 1000)""",
            table,
            longer_than_ms,
        )
        return count >= least

    return condition


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def read_cohort(
    client: httpx.AsyncClient, headers: dict[str, str], *by: str, path: str = COHORT
) -> dict[str, Any]:
    response = await client.get(path, params={"by": list(by)}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def behaviour_rows(body: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The behaviour domain's rows by their slice values."""
    slices = body["slices"]["by"]
    return {tuple(r[name] for name in slices): r for r in body["items"] if r["domain"] == BEHAVIOUR}


async def children_rows(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The counts of children by sex and provider."""
    body = await read_cohort(client, headers, "sex", "provider", path=f"{COHORT}-children")
    return {(r["sex"], r["provider"]): r for r in body["items"]}


async def record(
    api: httpx.AsyncClient, council: Council, child_id: str, external_id: str, day: date, level: int
) -> None:
    body = assessment(child_id, external_id, day, ratings=ratings(level))
    response = await api.post("/v1/assessments", json=body, headers=council.headers)
    assert response.status_code == 201, response.text


# ---- cohort figures kept until the figures change --------------------------------------------------------


async def test_a_cohort_is_served_again_as_kept_until_the_councils_figures_change(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await publish_every_count(api, council)
    for provider in ("PROV-A", "PROV-B"):
        assert (await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)).is_success
    # C1 (F) and C2 (M) with PROV-A, C3 (F) never placed. Every domain: C1 3 -> 1, C2 2 -> 2, C3 1 -> 1.
    for child_id, sex, levels in (("C1", "F", (3, 1)), ("C2", "M", (2, 2)), ("C3", "F", (1, 1))):
        body = {"date_of_birth": years_ago(10).isoformat(), "sex": sex, "ethnicity": "WBRI", "uasc": False}
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
        if child_id != "C3":
            episode = placement(child_id, f"PL-{child_id}", years_ago(1), provider_id="PROV-A")
            assert (await api.post("/v1/placements", json=episode, headers=council.headers)).status_code == 201
        for n, (day, level) in enumerate(zip((BASELINE_ON, LATEST_ON), levels, strict=True)):
            await record(api, council, child_id, f"AS-{child_id}-{n}", day, level)
    await run_worker(settings, app)

    first = await read_cohort(api, council.bi, "sex", "provider")
    again = await read_cohort(api, council.bi, "sex", "provider")
    assert again == first  # computed_at included: the same aggregation, served again
    rows = behaviour_rows(first)
    assert set(rows) == {("F", "PROV-A"), ("M", "PROV-A"), ("F", None)}
    assert rows["F", "PROV-A"]["actionable_count"] == 0  # C1 at 1

    # A new assessment, once recomputed: C1 at 3 again is actionable.
    await record(api, council, "C1", "AS-C1-2", date.today() - timedelta(days=5), 3)
    await run_worker(settings, app)
    after_assessment = await read_cohort(api, council.bi, "sex", "provider")
    assert after_assessment["computed_at"] != first["computed_at"]
    assert behaviour_rows(after_assessment)["F", "PROV-A"]["actionable_count"] == 1

    # A placement moves C3 to PROV-B at once, before any recompute.
    episode = placement("C3", "PL-C3", years_ago(0.5), provider_id="PROV-B")
    assert (await api.post("/v1/placements", json=episode, headers=council.headers)).status_code == 201
    rows = behaviour_rows(await read_cohort(api, council.bi, "sex", "provider"))
    assert set(rows) == {("F", "PROV-A"), ("M", "PROV-A"), ("F", "PROV-B")}

    # A child's own record: C2 recorded as female, which no recompute follows.
    body = {"date_of_birth": years_ago(10).isoformat(), "sex": "F", "ethnicity": "WBRI", "uasc": False}
    assert (await api.put("/v1/children/C2", json=body, headers=council.headers)).status_code == 200
    rows = behaviour_rows(await read_cohort(api, council.bi, "sex", "provider"))
    assert set(rows) == {("F", "PROV-A"), ("F", "PROV-B")}
    counts = await children_rows(api, council.bi)
    assert counts["F", "PROV-A"]["children_in_slice"] == 2

    # A calibration gives every child with two assessments a reliable-change verdict.
    assert counts["F", "PROV-A"]["children_with_verdict"] == 0
    made = await api.post("/v1/admin/calibrations", json={"instrument_code": "needs-v1"}, headers=council.admin)
    assert made.status_code == 201, made.text
    assert (await children_rows(api, council.bi))["F", "PROV-A"]["children_with_verdict"] == 2

    # An erasure: C1 is counted no more.
    erased = await api.post("/v1/admin/erasures", json={"child_id": "C1"}, headers=council.admin)
    assert erased.status_code == 200, erased.text
    after_erasure = await read_cohort(api, council.bi, "sex", "provider")
    assert behaviour_rows(after_erasure)["F", "PROV-A"]["children_counted"] == 1
    assert (await children_rows(api, council.bi))["F", "PROV-A"]["children_in_slice"] == 1
    assert await read_cohort(api, council.bi, "sex", "provider") == after_erasure


async def test_each_slicing_and_each_council_is_kept_apart(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, other_council: Council
) -> None:
    await publish_every_count(api, council)
    await publish_every_count(api, other_council)
    for child_id, sex in (("K1", "F"), ("K2", "M")):
        body = {"date_of_birth": years_ago(8).isoformat(), "sex": sex, "ethnicity": "WBRI", "uasc": False}
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
        await record(api, council, child_id, f"AS-{child_id}", BASELINE_ON, 2)
    await run_worker(settings, app)
    whole = await read_cohort(api, council.bi)
    by_sex = await read_cohort(api, council.bi, "sex")
    assert behaviour_rows(whole)[()]["children_counted"] == 2
    assert {key: r["children_counted"] for key, r in behaviour_rows(by_sex).items()} == {("F",): 1, ("M",): 1}
    assert (await read_cohort(api, other_council.bi))["items"] == []
    assert (await read_cohort(api, other_council.bi, "sex"))["items"] == []


async def test_with_redis_down_the_cohort_is_aggregated_on_every_read(settings: Settings, council: Council) -> None:
    unreachable = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with dedicated_app(unreachable) as application, client_of(application) as client:
        with capture_logs() as logged:
            first = await read_cohort(client, council.bi)
            second = await read_cohort(client, council.bi)
    assert first["items"] == second["items"] == []
    assert second["computed_at"] != first["computed_at"]
    events = {entry["event"] for entry in logged}
    assert {"cohort_cache.unavailable", "read_slots.unavailable"} <= events


# ---- a few expensive reads per client at once -------------------------------------------------------------


async def test_a_client_past_its_concurrent_expensive_reads_is_refused_and_another_client_is_not(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    other_bi = await headers_for(app, council, Kind.BI)
    async with (
        dedicated_app(settings, expensive_reads_per_client=2) as application,
        client_of(application) as client,
    ):
        async with held(settings, FIGURES) as holder:
            in_flight = [asyncio.create_task(client.get(COHORT, headers=council.bi)) for _ in range(2)]
            await until(waiting(holder, FIGURES, 2), "two reads in flight")
            third = asyncio.create_task(client.get(COHORT, headers=council.bi))

            async def third_answered_or_waiting() -> bool:
                return third.done() or await waiting(holder, FIGURES, 3)()

            await until(third_answered_or_waiting, "the third read answered")
            assert third.done(), "the third read went to the database"
            refused = third.result()
            # Another client of the same council gets a read of its own.
            elsewhere = asyncio.create_task(client.get(COHORT, headers=other_bi))
            await until(waiting(holder, FIGURES, 3), "the other client's read")
        assert refused.status_code == 429
        assert_problem(refused)
        per_client = state_of(application).settings.expensive_reads_per_client
        assert f"already has {per_client} expensive reads" in refused.json()["detail"]
        assert "EXPENSIVE_READS_PER_CLIENT" in refused.json()["detail"]
        retry_after(refused, most=5)
        assert [(await task).status_code for task in (*in_flight, elsewhere)] == [200, 200, 200]
        # Slots are given back as reads end.
        assert (await client.get(COHORT, headers=council.bi)).status_code == 200


# ---- a statement timeout on reads --------------------------------------------------------------------------


async def test_a_read_past_the_statement_timeout_is_a_503_and_a_write_is_not_cut_off(
    settings: Settings, council: Council
) -> None:
    timeout_ms = 200
    async with (
        dedicated_app(settings, read_statement_timeout_ms=timeout_ms) as application,
        client_of(application) as client,
    ):
        async with held(settings, FIGURES):
            slow = await asyncio.wait_for(client.get(COHORT, headers=council.bi), GUARD_SECONDS)
        assert slow.status_code == 503
        assert_problem(slow)
        assert slow.json()["type"] == "/problems/try-again"
        retry_after(slow, most=60)
        assert (await client.get(COHORT, headers=council.bi)).status_code == 200

        # A write waiting as long, and longer, is left to finish.
        async with held(settings, "providers") as holder:
            write = asyncio.create_task(client.put("/v1/providers/SLOW", json={"name": "Slow"}, headers=council.admin))
            await until(waiting(holder, "providers", 1, longer_than_ms=3 * timeout_ms), "a write waiting past it")
        assert (await write).status_code == 201
