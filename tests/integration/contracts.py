"""Contracts for the statement tests: one made through the admin API, a child placed with its provider and
assessed, the contract's stale mark, and the children its statements name."""

import uuid
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shared.db import transaction
from shared.models import Contract
from tests.conftest import Council, state_of
from tests.integration.helpers import assessment, placement, ratings

CONTRACT = {"start_date": "2024-01-01", "end_date": "2024-12-31", "period": "quarter"}


async def new_contract(api: httpx.AsyncClient, council: Council, code: str, provider: str) -> uuid.UUID:
    await api.put(f"/v1/providers/{provider}", json={"name": "Agency"}, headers=council.admin)
    created = await api.post(
        "/v1/admin/contracts", json=CONTRACT | {"code": code, "provider_id": provider}, headers=council.admin
    )
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"])


async def place(api: httpx.AsyncClient, council: Council, child: str, provider: str, start: date) -> None:
    body = placement(child, f"PL-{child}", start, provider_id=provider)
    assert (await api.post("/v1/placements", json=body, headers=council.headers)).status_code == 201


async def rate(api: httpx.AsyncClient, council: Council, child: str, on: date) -> None:
    body = assessment(child, f"A-{child}-{on.isoformat()}", on, ratings=ratings(2))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201


async def stale_since(app: FastAPI, contract_id: uuid.UUID) -> Any:
    async with transaction(state_of(app).sessions) as db:
        return await db.scalar(select(Contract.statements_stale_since).where(Contract.id == contract_id))


async def children_in(api: httpx.AsyncClient, council: Council, code: str) -> set[str]:
    found = set()
    for listed in (await api.get(f"/v1/contracts/{code}/statements", headers=council.bi)).json():
        url = f"/v1/contracts/{code}/statements/{listed['period_start']}"
        found |= {line["child_pseudonym"] for line in (await api.get(url, headers=council.bi)).json()["lines"]}
    return found
