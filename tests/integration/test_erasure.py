"""Erasure on request (domain.md §9): afterwards no endpoint, export, figure or table holds anything of
the child but its pseudonym in the audit log and the erasures feed, and cohort figures no longer count it."""

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.scoring.calibration import figures_lock
from shared.access import Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, headers_for, state_of
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker, years_ago

ERASED = "ERASE-ME-7734"
KEPT = "KEEP-ME-1180"


async def cohort(api: httpx.AsyncClient, council: Council) -> dict[str, dict[str, Any]]:
    response = await api.get("/v1/scores/cohort", headers=council.bi)
    assert response.status_code == 200, response.text
    return {row["domain"]: row for row in response.json()["items"]}


async def tables_mentioning(app: FastAPI, needle: str) -> dict[str, int]:
    """Every table in the database, searched row by row as text."""
    found = {}
    async with transaction(state_of(app).sessions) as db:
        tables = await db.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        for table in list(tables):
            count = await db.scalar(
                text(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE :needle'), {"needle": f"%{needle}%"}
            )
            if count:
                found[table] = count
    return found


async def test_an_erased_child_is_gone_from_every_endpoint_export_and_table(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await api.put("/v1/providers/P1", json={"name": "Agency"}, headers=council.admin)
    provider = await headers_for(app, council, Kind.PROVIDER, "P1")
    for child in (ERASED, KEPT):
        await add_child(api, council.headers, child)
        await api.post(
            "/v1/placements",
            json=placement(child, f"PL-{child}", years_ago(1), provider_id="P1"),
            headers=council.headers,
        )
        await api.post("/v1/assessments", json=assessment(child, f"A1-{child}", years_ago(1)), headers=council.headers)
    later = assessment(ERASED, f"A2-{ERASED}", years_ago(0.2), ratings=ratings(4))
    replayed = {"Idempotency-Key": "erasure-replay-key"}
    created = await api.post("/v1/assessments", json=later, headers=council.headers | replayed)
    assert created.status_code == 201
    assessment_id = created.json()["id"]
    placement_id = (await api.get("/v1/placements", params={"child_id": ERASED}, headers=council.headers)).json()[0][
        "id"
    ]
    await run_worker(settings, app)
    pseudonym = council.pseudonym(ERASED)
    before = await cohort(api, council)
    assert all(row["children_counted"] == 2 for row in before.values())
    assert pseudonym in (await api.get("/v1/provider/children", headers=provider)).text

    erased = await api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin)
    assert erased.status_code == 200, erased.text
    assert erased.json() | {"erased_at": None} == {
        "child_pseudonym": pseudonym, "erased_at": None, "assessments_erased": 2, "placements_erased": 1
    }  # fmt: skip
    await run_worker(settings, app)  # a recompute already queued for the child finds nothing to bring back

    # The case-management system: every read of the child or its records is a 404.
    for path in (
        f"/v1/children/{ERASED}",
        f"/v1/children/{ERASED}/needs-trends",
        f"/v1/assessments?child_id={ERASED}",
        f"/v1/assessments/{assessment_id}",
        f"/v1/assessments/{assessment_id}/versions",
        f"/v1/placements?child_id={ERASED}",
        f"/v1/placements/{placement_id}",
    ):
        assert (await api.get(path, headers=council.headers)).status_code == 404, path
    # The replayed Idempotency-Key no longer hands back the erased record.
    again = await api.post("/v1/assessments", json=later, headers=council.headers | replayed)
    assert again.status_code == 422 and "ratings" not in again.text
    # BI: no row in any table or export, JSON or CSV; the erasures feed names the pseudonym to drop.
    for table in ("needs-trends", "needs-summary"):
        for fmt in ("json", "csv"):
            page = await api.get(f"/v1/scores/{table}", params={"format": fmt}, headers=council.bi)
            assert pseudonym not in page.text and council.pseudonym(KEPT) in page.text, (table, fmt)
    feed = (await api.get("/v1/scores/erasures", headers=council.bi)).json()["items"]
    assert [row["child_pseudonym"] for row in feed] == [pseudonym]
    # The provider: gone from its list, and its figures a 404.
    assert pseudonym not in (await api.get("/v1/provider/children", headers=provider)).text
    trends = await api.get(f"/v1/provider/children/{pseudonym}/needs-trends", headers=provider)
    assert trends.status_code == 404
    # Cohort figures count one child fewer, and its level-4 needs no longer weigh on them.
    after = await cohort(api, council)
    assert all(row["children_counted"] == 1 for row in after.values())
    assert all(after[d]["actionable_count"] == 1 for d in after) and all(
        before[d]["actionable_count"] == 2 for d in before
    )
    # The database holds nothing under the child's id; its pseudonym stays only in the log and the feed.
    assert await tables_mentioning(app, ERASED) == {}
    assert set(await tables_mentioning(app, pseudonym)) == {"audit_events", "erasures"}
    # The erasure is audited, and the child's earlier history is still found by its id.
    history = (await api.get("/v1/admin/audit", params={"child_id": ERASED}, headers=council.admin)).json()["items"]
    erasure = [row["action"] for row in history].index("create_erasure")
    assert history[erasure]["result"] == "erased" and "put_child" in [row["action"] for row in history[:erasure]]
    # What was asked of the child after its erasure was refused, and each refusal is recorded against it.
    assert {row["result"] for row in history[erasure + 1 :]} == {"not-found"}
    # Erased once: a second request finds no such child.
    assert (await api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin)).status_code == 404


async def test_an_erasure_waits_for_a_figures_write_in_flight_and_takes_its_rows_with_the_child(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """A full recompute checks each child exists under the figures lock, then writes; an erasure
    committing between the two would leave figures of an erased child behind, with no key to stop it."""
    await add_child(api, council.headers, ERASED)
    await api.post("/v1/assessments", json=assessment(ERASED, "A1", years_ago(1)), headers=council.headers)
    await run_worker(settings, app)
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        pk = await db.scalar(text("SELECT id FROM children WHERE child_id = :c"), {"c": ERASED})
    figures = "SELECT count(*) FROM {} WHERE child_pk = :pk"
    async with transaction(sessions) as writer:
        # What a recompute does: the lock, the child seen to exist, its figures written afresh.
        await figures_lock(writer)
        assert await writer.scalar(text("SELECT count(*) FROM children WHERE id = :pk"), {"pk": pk}) == 1
        for table in ("child_needs_trends", "domain_needs_trends"):
            await writer.execute(text(f"CREATE TEMP TABLE fresh_{table} AS SELECT * FROM {table} WHERE child_pk = :pk"),
                                 {"pk": pk})  # fmt: skip
            await writer.execute(text(f"DELETE FROM {table} WHERE child_pk = :pk"), {"pk": pk})
            await writer.execute(text(f"INSERT INTO {table} SELECT * FROM fresh_{table}"))
        erasing = asyncio.create_task(api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin))
        while not await writer.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ):
            assert not erasing.done(), (await erasing).text
            await asyncio.sleep(0.05)
    assert (await erasing).status_code == 200
    async with transaction(sessions) as db:
        for table in ("child_needs_trends", "domain_needs_trends"):
            assert await db.scalar(text(figures.format(table)), {"pk": pk}) == 0, table
