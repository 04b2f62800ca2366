"""Builders for request bodies and a real burst worker: shared by the integration tests."""

from datetime import date, timedelta
from typing import Any

import httpx
from arq.worker import Worker
from fastapi import FastAPI

from services.scoring.worker import worker_options
from shared.instruments import shipped_instrument
from shared.settings import Settings

DOMAINS = shipped_instrument().domains


def ratings(level: int = 2, **overrides: int | None) -> dict[str, dict[str, Any]]:
    levels = {domain: level for domain in DOMAINS} | overrides
    return {
        d: {"need": v, "strength": 1} if v is not None else {"not_assessed": "child declined"}
        for d, v in levels.items()
    }


def assessment(child_id: str, external_id: str, assessed_on: date, **changes: Any) -> dict[str, Any]:
    body = {
        "external_id": external_id,
        "child_id": child_id,
        "assessed_on": assessed_on.isoformat(),
        "context": "review",
        "assessor_role": "social_worker",
        "status": "final",
        "ratings": ratings(),
    }
    return body | changes


def placement(child_id: str, external_id: str, start: date, end: date | None = None, **changes: Any) -> dict[str, Any]:
    body = {
        "external_id": external_id,
        "child_id": child_id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat() if end else None,
        "reason_ended": "X1" if end else None,
        "rne": "P",
        "legal_status": "C2",
        "cin": "N1",
        "place": "U4",
        "place_provider": "PR1",
        "weekly_cost": "750.00",
    }
    return body | changes


def years_ago(years: float) -> date:
    return date.today() - timedelta(days=round(years * 365.25))


async def add_child(api: httpx.AsyncClient, headers: dict[str, str], child_id: str, born: date | None = None) -> None:
    body = {"date_of_birth": (born or years_ago(12)).isoformat(), "sex": "F", "ethnicity": "WBRI", "uasc": False}
    response = await api.put(f"/v1/children/{child_id}", json=body, headers=headers)
    assert response.status_code in (200, 201), response.text


async def run_worker(settings: Settings, app: FastAPI | None = None) -> Worker:
    """A real arq worker in burst mode: it sweeps the outbox at start, then runs the queue until it is
    empty; its counts of jobs can be read afterwards."""
    if app is not None:
        await app.state.services.dispatcher.drain()
    worker = Worker(**worker_options(settings), burst=True, handle_signals=False)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def publish_every_count(api: httpx.AsyncClient, council: Any) -> None:
    """The council's threshold set to 0, as a council may: its BI feeds then withhold no small number, and a test
    of a few children reads their figures as counted."""
    response = await api.put("/v1/admin/suppression-threshold", json={"threshold": 0}, headers=council.admin)
    assert response.status_code == 200, response.text
