"""An erased child in stored payment statements (domain.md §9): in every version, closed or not, what
identified the child (its pseudonym, its stay, its assessments, and the dates and levels of its guard
entries) reads `erased`, and the amounts stay, so money already paid still adds up."""

import uuid
from typing import Any

from sqlalchemy import case, cast, func, select, update
from sqlalchemy.dialects.postgresql import JSONPATH
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.pbnr.closing import ERASED
from shared.models import PaymentStatement, StatementLine

# An adjustment's cause names the assessments it rests on by id.
ASSESSMENT_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# What a guard entry keeps: the figure it counts (a stay ended and its SSDA903 reason, a domain that rose).
GUARD_KEPT = frozenset({"domain", "reason_ended"})


async def erase_from_statements(db: AsyncSession, la_id: uuid.UUID, pseudonym: str) -> None:
    councils = select(PaymentStatement.id).where(PaymentStatement.la_id == la_id)
    await db.execute(
        update(StatementLine)
        .where(StatementLine.statement_id.in_(councils), StatementLine.child_pseudonym == pseudonym)
        .values(
            child_pseudonym=ERASED,
            stay=ERASED,
            baseline_assessment=case((StatementLine.baseline_assessment.is_not(None), ERASED)),
            confirming_assessment=case((StatementLine.confirming_assessment.is_not(None), ERASED)),
            cause=func.regexp_replace(StatementLine.cause, ASSESSMENT_ID, ERASED, "g"),
        )
    )
    naming = func.jsonb_path_exists(
        PaymentStatement.guard,
        cast("$.*[*] ? (@.child_pseudonym == $p)", JSONPATH),
        func.jsonb_build_object("p", pseudonym),
    )
    guarded = await db.execute(
        select(PaymentStatement.id, PaymentStatement.guard).where(PaymentStatement.la_id == la_id, naming)
    )
    for statement_id, guard in guarded.all():
        await db.execute(
            update(PaymentStatement)
            .where(PaymentStatement.id == statement_id)
            .values(guard=without_child(guard, pseudonym))
        )


def without_child(guard: dict[str, list[dict[str, Any]]], pseudonym: str) -> dict[str, list[dict[str, Any]]]:
    return {
        figure: [
            {key: value if key in GUARD_KEPT else ERASED for key, value in entry.items()}
            if entry.get("child_pseudonym") == pseudonym
            else entry
            for entry in entries
        ]
        for figure, entries in guard.items()
    }
