"""Every way figures are made gives every child the same figures: the worker's recompute of a burst of
pending children in one run, of each child alone, a full recompute, and the figures as at today computed
into temporary tables (as a cohort as at a day is made). On the demo
council, and on a generated cohort with same-date pairs, drafts, amendments and unrated domains."""

import asyncio
import os
import random
import subprocess
import sys
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.api import demo
from services.scoring.drain import drain
from shared.db import transaction
from shared.demo_data import generate_demo_council
from shared.models import RecomputeRequest
from shared.settings import Settings
from tests.conftest import PSEUDONYM_KEY, ROOT, Council, state_of
from tests.integration.figures_check import assert_full_recompute_agrees, assert_same, child_by_child, figures
from tests.integration.helpers import DOMAINS, add_child, assessment, ratings, run_worker


async def test_the_demo_council_recomputed_whole_matches_child_by_child(app: FastAPI, settings: Settings) -> None:
    async with transaction(state_of(app).sessions) as db:
        generated = generate_demo_council(DOMAINS)
        # Under a code of its own: another test loads the demo council into this database too.
        council = await demo.load(db, generated, date.today(), settings.pseudonym_key_bytes, code="DEMO-FULL")
    await run_worker(settings, app)
    await assert_full_recompute_agrees(app, council.id)


async def test_a_generated_cohort_recomputed_whole_matches_child_by_child(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    rng = random.Random(20261123)
    start = date.today() - timedelta(days=1800)
    for n in range(40):
        await add_child(api, council.headers, f"G{n}", born=start - timedelta(days=3000))
        items, day = [], start + timedelta(days=rng.randrange(0, 300))
        for k in range(rng.randrange(1, 9)):
            levels = {
                d: None
                if rng.random() < 0.1
                else {"need": rng.randrange(0, 5), "strength": rng.choice([None, 0, 1, 2, 3])}
                for d in DOMAINS
            }
            ratings = {
                d: {"not_assessed": "declined"} if v is None else {k2: x for k2, x in v.items() if x is not None}
                for d, v in levels.items()
            }
            status = "draft" if rng.random() < 0.1 else "final"
            items.append(assessment(f"G{n}", f"G{n}-{k}", day, ratings=ratings, status=status))
            # Now and then a second assessment on the same date: the later recorded stands.
            day += timedelta(days=0 if rng.random() < 0.1 else rng.randrange(20, 200))
        response = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
        assert response.status_code == 200, response.text
    await run_worker(settings, app)
    await assert_full_recompute_agrees(app, council.la_id)
    async with transaction(state_of(app).sessions) as db:
        pending = await db.scalars(
            select(RecomputeRequest.id).where(
                RecomputeRequest.la_id == council.la_id, RecomputeRequest.done_at.is_(None)
            )
        )
        assert list(pending) == []


async def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
        "ENVIRONMENT": "test",
    }
    command = [sys.executable, "-m", "services.cli", *args]
    return await asyncio.to_thread(subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True)


async def test_an_admin_recalibrates_and_recomputes_through_the_api_and_the_cli(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    for n in range(3):
        await add_child(api, council.headers, f"K{n}")
        for k, (day, level) in enumerate(((800, n), (100, 0))):
            body = assessment(f"K{n}", f"K{n}-{k}", date.today() - timedelta(days=day), ratings=ratings(level))
            assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    summary = (await api.get("/v1/children/K2/needs-trends", headers=council.headers)).json()["summary"]
    assert summary["rci"] is None  # three baselines: no automatic SD yet
    made = await api.post("/v1/admin/calibrations", json={"instrument_code": "needs-v1"}, headers=council.admin)
    assert made.status_code == 201, made.text
    assert (made.json()["n"], made.json()["source"]) == (3, "admin") and made.json()["sd"] == 12.0

    async def rci() -> tuple[float, str]:
        summary = (await api.get("/v1/children/K2/needs-trends", headers=council.headers)).json()["summary"]
        return summary["rci"], summary["rci_verdict"]

    # Stored unrounded (rounding to 9 decimals would be 1e-10 off), by the calibration and the full recompute.
    expected = (pytest.approx(-24 / (2**0.5 * 12.0 * 0.2**0.5), rel=1e-14), "reliable_improvement")
    assert await rci() == expected
    listed = await api.get("/v1/admin/calibrations", headers=council.admin)
    assert [c["sd"] for c in listed.json()] == [12.0]
    whole = await api.post("/v1/admin/recompute", headers=council.admin)
    assert whole.status_code == 202, whole.text
    await run_worker(settings, app)
    followed = (await api.get(whole.headers["Location"], headers=council.admin)).json()
    assert followed["state"] == "done" and (followed["children"], followed["written"], followed["cleared"]) == (3, 3, 0)
    assert await rci() == expected
    done = await run_cli(settings, "recompute", "--council", council.code)
    assert done.returncode == 0, done.stderr
    assert (
        "3 children: 3 recomputed" in done.stdout
        and "[########################################] 100%  3/3 children" in done.stderr
    )
    again = await run_cli(settings, "calibrate", council.code)
    assert again.returncode == 0 and "SD 12.0000 from 3 baselines" in again.stdout, again.stderr
    unknown = await run_cli(settings, "recompute", "--council", "NOPE")
    assert unknown.returncode != 0 and "No council with code NOPE" in unknown.stderr


async def test_one_drain_recomputes_every_child_pending_at_once(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    """A burst: one drain leaves no request of the council pending, and every child has the figures it
    gets recomputed alone."""
    for n in range(5):
        await add_child(api, council.headers, f"B{n}")
        body = assessment(f"B{n}", f"B{n}-0", date.today() - timedelta(days=30), ratings=ratings(n % 5))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    sessions = state_of(app).sessions
    drained = await drain(sessions, seconds=60)
    assert drained.children >= 5 and drained.failed == 0 and not drained.work_left
    async with transaction(sessions) as db:
        pending = await db.scalars(
            select(RecomputeRequest.id).where(
                RecomputeRequest.la_id == council.la_id, RecomputeRequest.done_at.is_(None)
            )
        )
        assert list(pending) == []
    burst = await figures(app, council.la_id)
    assert len(burst[0]) == 5
    assert_same(burst, await child_by_child(app, council.la_id))
