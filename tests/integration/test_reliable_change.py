"""Reliable change end to end: no RCI until the council has an SD; the SD taken automatically when the
30th child has a baseline, stored with its n; every child's RCI then follows domain.md §4."""

import math
import statistics

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shared.db import transaction
from shared.models import RciCalibration
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


def baseline_level(n: int) -> int:
    return n % 5


async def add_children(api: httpx.AsyncClient, council: Council, numbers: range) -> None:
    items = []
    for n in numbers:
        await add_child(api, council.headers, f"C{n}")
        items.append(assessment(f"C{n}", f"B{n}", years_ago(1), ratings=ratings(baseline_level(n))))
        items.append(assessment(f"C{n}", f"L{n}", years_ago(0.1), ratings=ratings(max(0, baseline_level(n) - 1))))
    response = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 200, response.text


async def summary(api: httpx.AsyncClient, council: Council, n: int) -> dict[str, object]:
    body = (await api.get(f"/v1/children/C{n}/needs-trends", headers=council.headers)).json()
    result: dict[str, object] = body["summary"]
    return result


async def test_the_sd_is_taken_at_the_30th_baseline_and_every_rci_follows(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_children(api, council, range(29))
    await run_worker(settings, app)
    assert (await summary(api, council, 0))["rci"] is None and (await summary(api, council, 0))["rci_verdict"] is None
    async with transaction(state_of(app).sessions) as db:
        assert (await db.scalars(select(RciCalibration).where(RciCalibration.la_id == council.la_id))).all() == []

    await add_children(api, council, range(29, 30))
    await run_worker(settings, app)
    async with transaction(state_of(app).sessions) as db:
        (calibration,) = (await db.scalars(select(RciCalibration).where(RciCalibration.la_id == council.la_id))).all()
    twelve_domains = 12
    baselines = [baseline_level(n) * twelve_domains for n in range(30)]
    assert (calibration.n, calibration.source) == (30, "automatic")
    assert calibration.sd == statistics.stdev(baselines)
    s_diff = math.sqrt(2) * calibration.sd * math.sqrt(1 - 0.8)
    for n in (0, 3, 29):
        figures = await summary(api, council, n)
        change = (max(0, baseline_level(n) - 1) - baseline_level(n)) * twelve_domains
        # Stored unrounded (rounding to 9 decimals would be 1e-10 off).
        assert figures["rci"] == pytest.approx(change / s_diff, rel=1e-14, abs=1e-14), n
        expected = "reliable_improvement" if change / s_diff <= -1.96 else "no_reliable_change"
        assert figures["rci_verdict"] == expected, n
