"""What an erasure keeps of the child's base fees (domain.md §7.7, §9): in each period its contracts had
closed, its stays' cost days, added to the amount kept there for children erased before it and naming
none of them. A paid period's outcome share cap stays the one it was paid under, so the other children's
money there still comes to what they were paid and is never clawed back; an open period is recomputed
without the child, its base fees included."""

import uuid
from collections.abc import Iterable
from datetime import date

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.pbnr.statement import closed_cost_days
from shared.domain.statement_inputs import read_inputs
from shared.models import Contract, ErasedCostDays


async def keep_base_fees(
    db: AsyncSession, contract_ids: Iterable[uuid.UUID], child_pk: uuid.UUID, pseudonym: str, today: date
) -> None:
    """Before the child's placements go."""
    for contract_id in contract_ids:
        contract = await db.get(Contract, contract_id)
        assert contract is not None
        kept = closed_cost_days(await read_inputs(db, contract, child_pk), pseudonym, today)
        if kept:
            rows = [
                {"contract_id": contract.id, "period_start": start, "la_id": contract.la_id, "cost_days": cost}
                for start, cost in kept.items()
            ]
            added = insert(ErasedCostDays).values(rows)
            await db.execute(
                added.on_conflict_do_update(
                    index_elements=[ErasedCostDays.contract_id, ErasedCostDays.period_start],
                    set_={"cost_days": ErasedCostDays.cost_days + added.excluded.cost_days},
                )
            )
