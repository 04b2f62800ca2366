"""The database is built by the migrations with no drift, and the demo council yields real figures."""

from datetime import date

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import func, select

from services.api import demo
from services.api.clients.schemas import ClientIn
from shared.access import Kind
from shared.db import transaction
from shared.demo_data import generate_demo_council
from shared.models import ChildNeedsTrend, DomainNeedsTrend, LocalAuthority
from shared.settings import Settings
from tests.conftest import ROOT, Servers, new_client, state_of
from tests.integration.helpers import DOMAINS, run_worker


def test_models_and_migrations_agree(servers: Servers) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = servers.database_url
    config.attributes["configure_logger"] = False
    command.check(config)


@pytest.mark.usefixtures("servers")
async def test_demo_council_produces_figures(app: FastAPI, api: httpx.AsyncClient, settings: Settings) -> None:
    generated = generate_demo_council(DOMAINS)
    async with transaction(state_of(app).sessions) as db:
        council = await demo.load(db, generated, date.today(), settings.pseudonym_key_bytes)
    bi = await new_client(app, council.id, ClientIn(name="bi", kind=Kind.BI))
    await run_worker(settings, app)

    async with transaction(state_of(app).sessions) as db:
        assert (await db.get_one(LocalAuthority, council.id)).synthetic
        children = await db.scalar(select(func.count()).where(ChildNeedsTrend.la_id == council.id))
        directions = dict(
            (
                await db.execute(
                    select(DomainNeedsTrend.direction, func.count())
                    .where(DomainNeedsTrend.la_id == council.id)
                    .group_by(DomainNeedsTrend.direction)
                )
            ).all()
        )
    assert children == len(generated.children) == 200
    assert directions["improving"] > 0 and directions["worsening"] > 0 and directions["stable"] > 0
    page = await api.get("/v1/scores/needs-summary", params={"limit": 1000}, headers=bi)
    rows = page.json()["items"]
    assert len(rows) == 200
    assert any(row["mixed_progress"] for row in rows) and any(row["resolved_needs"] for row in rows)
