"""Payment statements at the national set's largest provider, through the database: a monthly contract
over three years, its statements computed the first time, then refreshed with nothing changed (what
each debounced refresh job pays, however many of the provider's children changed since the last).
Part of bench.national_recompute."""

import time
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from services.api.contracts import service as contracts
from services.api.contracts.schemas import ContractIn
from shared.db import make_engine, make_sessionmaker, transaction
from shared.domain import statements
from shared.domain.locks import figures_lock
from shared.models import Placement, Provider
from shared.settings import Settings


async def largest_provider_statements(settings: Settings) -> str:
    engine = make_engine(settings)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as db:
            children = func.count(func.distinct(Placement.child_pk))
            provider_id, placed = (
                await db.execute(
                    select(Placement.provider_id, children)
                    .where(Placement.provider_id.is_not(None))
                    .group_by(Placement.provider_id)
                    .order_by(children.desc())
                    .limit(1)
                )
            ).one()
            provider = await db.get(Provider, provider_id)
            assert provider is not None
            today = date.today()
            body = ContractIn(
                code="BENCH-LARGEST",
                provider_id=provider.external_id,
                start_date=today - timedelta(days=3 * 365),
                end_date=today + timedelta(days=365),
                period="month",
            )
            contract_id = uuid.UUID((await contracts.create_contract(db, provider.la_id, body)).id)
        timings = []
        for _ in range(2):
            async with transaction(sessions) as db:
                now = await figures_lock(db)
                began = time.perf_counter()
                stored = await statements.refresh(db, contract_id, statements.council_day(now), now)
                timings.append((time.perf_counter() - began, stored))
    finally:
        await engine.dispose()
    (first, versions), (again, unchanged) = timings
    return (
        f"statements of the largest provider ({placed} children placed): {versions} computed in {first:.2f} s; "
        f"refreshed with nothing changed in {again:.2f} s ({unchanged} new versions)"
    )
