"""Pruning removes only what has served its time: pending recompute requests are never touched."""

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from services.api.web import sessions as web_sessions
from services.api.web.roles import Role
from services.scoring.housekeeping import prune
from shared.db import transaction
from shared.models import IdempotencyRecord, LocalAuthority, RecomputeRequest, SignInLink, WebSession
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.helpers import add_child, assessment, run_worker, years_ago


async def test_prune_keeps_pending_requests_and_recent_records(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    for n in range(2):
        body = assessment("C1", f"A{n}", years_ago(1 - n * 0.5))
        await api.post("/v1/assessments", json=body, headers=council.headers | {"Idempotency-Key": f"k{n}"})
    await run_worker(settings, app)
    await add_child(api, council.headers, "C2")
    await api.post("/v1/assessments", json=assessment("C2", "B0", years_ago(1)), headers=council.headers)
    await state_of(app).dispatcher.drain()

    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        la_id = await db.scalar(select(LocalAuthority.id).where(LocalAuthority.code == council.code))
        mine = RecomputeRequest.la_id == la_id
        old = func.now() - timedelta(days=settings.outbox_retain_days + 1)
        await db.execute(
            update(RecomputeRequest).where(mine, RecomputeRequest.done_at.is_not(None)).values(done_at=old)
        )
        await db.execute(
            update(RecomputeRequest).where(mine, RecomputeRequest.done_at.is_(None)).values(requested_at=old)
        )
        await db.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.la_id == la_id, IdempotencyRecord.key == "k0")
            .values(created_at=func.now() - timedelta(hours=settings.idempotency_retain_hours + 1))
        )
    await prune(sessions, settings)

    async with transaction(sessions) as db:
        left = (await db.execute(select(RecomputeRequest.done_at).where(mine))).scalars().all()
        keys = (await db.execute(select(IdempotencyRecord.key).where(IdempotencyRecord.la_id == la_id))).scalars().all()
    assert left == [None]
    assert keys == ["k1"]


async def test_prune_removes_web_sessions_and_links_that_can_sign_no_one_in(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        tokens = [
            await web_sessions.start(db, council.la_id, Role.MANAGER, None, f"person:{n}", "test") for n in range(3)
        ]
        links = [await web_sessions.new_link(db, council.la_id, Role.MANAGER, None, minutes) for minutes in (5, 5)]
    async with transaction(sessions) as db:
        await web_sessions.end(db, tokens[0])
        past = func.now() - timedelta(hours=settings.web_session_hours, minutes=1)
        await db.execute(
            update(WebSession).where(WebSession.token_hash == web_sessions.digest(tokens[1])).values(created_at=past)
        )
        assert await web_sessions.use_link(db, links[0]) is not None
    await prune(sessions, settings)

    async with transaction(sessions) as db:
        kept = (await db.scalars(select(WebSession.actor).where(WebSession.la_id == council.la_id))).all()
        unused = (await db.scalars(select(SignInLink.token_hash).where(SignInLink.la_id == council.la_id))).all()
        # The link's own session (link:...) is current, as is person:2.
        assert sorted(kept)[-1] == "person:2" and len(kept) == 2
        assert unused == [web_sessions.digest(links[1])]
        assert await web_sessions.current(db, tokens[2], settings) is not None
