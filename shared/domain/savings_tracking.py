"""The council's savings (engines/placements/savings.py) as at a day, from its children's stored episodes as the
day knows them, under its rules in force: computed on reading, as the placement figures of any day are."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.decision_rules import current_rules
from shared.domain.engines.placements.episodes import known_at, placements
from shared.domain.engines.placements.savings import Move, SavingsRules, moves
from shared.domain.placement_inputs import PlacedChild, placed_children


@dataclass(frozen=True, slots=True)
class ChildMove:
    child: PlacedChild
    move: Move


@dataclass(frozen=True, slots=True)
class Savings:
    rules_version: int
    moves: list[ChildMove]  # in the order children were first recorded, then by date


def moves_of(placed: Sequence[PlacedChild], day: date, rules: SavingsRules) -> list[ChildMove]:
    return [
        ChildMove(each, move)
        for each in placed
        for move in moves(placements(known_at(each.child.episodes, day)), day, rules)
    ]


async def savings(
    db: AsyncSession, la_id: uuid.UUID, day: date, children: Sequence[uuid.UUID] | None = None
) -> Savings:
    version, rules = (await current_rules(db, [la_id]))[la_id]
    placed = await placed_children(db, [la_id], children)
    return Savings(version, await asyncio.to_thread(moves_of, placed, day, rules.savings))
