"""The placement figures of domain.md §6 as at today, one row per child placed by then, kept by the worker like
every figure (table child_placement_figures).

A burst's recompute (the children's episodes or costs changed, through the API or an import) rewrites its
children's rows: read in the recompute's own snapshot and written in its transaction, under the figures lock,
leaving out the children written to since the read, whose own recompute follows. `refresh_council` rewrites a
council's the same way: alongside a council recompute, and once the day turns (weeks in care and the 12 months'
window move with it), when the sweep finds councils whose rows are not of today (`stale_councils`) and sends
each a job. Readers take the rows only while every child placed has one of today (`kept_for`); otherwise, and as
at any other day, the figures are computed on reading (`values_as_at`), by the same engine into the same values.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Uuid, delete, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from shared.db import among, transaction, unsynced
from shared.domain import kept_decision_figures, staged_rows
from shared.domain.decision_rules import current_rules
from shared.domain.engines.placements.child import CurrentPlacement, PlacementFigures, placement_figures
from shared.domain.engines.placements.episodes import Funding
from shared.domain.locks import figures_lock
from shared.domain.placement_inputs import PlacedChild, placed_children
from shared.domain.snapshot import RecomputeTarget, read_outbox, written_since
from shared.domain.written_needs import WrittenNeeds
from shared.models import ChildDecisionFigures, ChildPlacementFigures, Placement

VALUE_COLUMNS = (
    "looked_after",
    "current_place",
    "current_group",
    "current_placement_start",
    "placements_in_year",
    "unstable",
    "long_term_stable",
    "placements_ended",
    "placements_ended_in_year",
    "ended_for_behaviour",
    "reasons_ended",
    "reasons_ended_in_year",
    "weeks_in_care",
    "weekly_cost",
    "funding_social_care",
    "funding_health",
    "funding_education",
)
Values = Mapping[str, Any]  # VALUE_COLUMNS: a child's figures as stored
VALUES_OF = itemgetter(*VALUE_COLUMNS)
T = TypeVar("T")
ANALYZED_FROM = 10_000  # rows a council's refresh writes, from which the table's statistics are taken anew


def child_values(figures: PlacementFigures) -> dict[str, Any]:
    current = figures.current
    costed = current is not None and current.weekly_cost is not None
    reasons_in_year = figures.reasons_ended_in_year
    return {
        "looked_after": figures.looked_after,
        "current_place": current.place if current else None,
        "current_group": current.group if current else None,
        "current_placement_start": current.start if current else None,
        "placements_in_year": figures.placements_in_year,
        "unstable": figures.unstable,
        "long_term_stable": figures.long_term_stable,
        "placements_ended": len(figures.ended),
        "placements_ended_in_year": len(reasons_in_year),
        "ended_for_behaviour": figures.ended_for_behaviour,
        "reasons_ended": [placement.reason_changed for placement in figures.ended],
        "reasons_ended_in_year": list(reasons_in_year),
        "weeks_in_care": figures.weeks_in_care,
        "weekly_cost": current.weekly_cost if current and costed else None,
        "funding_social_care": current.funding.social_care if current and costed else None,
        "funding_health": current.funding.health if current and costed else None,
        "funding_education": current.funding.education if current and costed else None,
    }


@dataclass(frozen=True, slots=True)
class CountedValues:
    """What the council's figures count of a child (engines.placements.council.Counted), from its values."""

    current: CurrentPlacement | None
    unstable: bool | None
    long_term_stable: bool | None
    reasons_ended_in_year: tuple[str | None, ...]


def as_counted(values: Values) -> CountedValues:
    current = None
    if values["looked_after"]:
        costed = values["weekly_cost"] is not None
        funding = (
            Funding(values["funding_social_care"], values["funding_health"], values["funding_education"])
            if costed
            else Funding()
        )
        current = CurrentPlacement(
            values["current_place"],
            values["current_group"],
            values["current_placement_start"],
            values["weekly_cost"],
            funding,
        )
    return CountedValues(
        current, values["unstable"], values["long_term_stable"], tuple(values["reasons_ended_in_year"])
    )


def values_as_at(placed: Iterable[PlacedChild], day: date) -> list[tuple[PlacedChild, dict[str, Any]]]:
    """The children placed by the day (an episode begun by then), with their figures as at it."""
    return [
        (each, child_values(placement_figures(each.child, day)))
        for each in placed
        if each.child.episodes[0].start <= day
    ]


@dataclass(frozen=True, slots=True)
class Computed:
    target: RecomputeTarget
    day: date
    children: list[tuple[PlacedChild, dict[str, Any]]]


async def compute(db: AsyncSession, target: RecomputeTarget, day: date) -> Computed:
    """The target's children's figures as at the day, read in the caller's transaction (its snapshot)."""
    placed = await placed_children(db, target.la_ids, target.children)
    return Computed(target, day, await asyncio.to_thread(values_as_at, placed, day))


Decided = Mapping[uuid.UUID, tuple[Any, ...]]  # decision rows by child, but their computed_at
COLUMNS = ("child_pk", "la_id", "as_at", *VALUE_COLUMNS)  # a row's, but its computed_at
TABLE = ChildPlacementFigures.__tablename__


@dataclass(frozen=True, slots=True)
class Staged:
    """A target's rows staged in the writing transaction (staged_rows.py), and whether their decision rows are."""

    computed: Computed
    with_decisions: bool = False


async def stage(db: AsyncSession, computed: Computed) -> Staged:
    records = [(each.child_pk, each.la_id, computed.day, *VALUES_OF(values)) for each, values in computed.children]
    await staged_rows.stage(db, TABLE, COLUMNS, records)
    return Staged(computed)


async def with_decisions(db: AsyncSession, staged: Staged, decided: Decided) -> Staged:
    await kept_decision_figures.stage(db, decided.values())
    return Staged(staged.computed, with_decisions=True)


async def write(
    db: AsyncSession, staged: Staged, excluded: set[uuid.UUID], decisions: Awaitable[Decided] | None = None
) -> int:
    """The target's rows replaced by those staged, under the figures lock the caller holds, but for the children
    left out; the rows written. Their decision figures with them (kept_decision_figures.py): staged, or decided
    by the caller apart (`decisions`), or else from the needs this session sees written, decided while the
    placement rows are moved in."""
    computed = staged.computed
    target = computed.target
    if not staged.with_decisions and decisions is None:
        needs = completed(await kept_decision_figures.read_needs(db, target.la_ids, target.children))
        decisions = asyncio.ensure_future(kept_decision_figures.decided(computed.children, computed.day, needs))
    if target.children is None:
        scope = among(ChildPlacementFigures.la_id, target.la_ids, Uuid)
    else:
        scope = among(ChildPlacementFigures.child_pk, target.children, Uuid)
    try:
        await db.execute(
            unsynced(delete(ChildPlacementFigures).where(scope, ~among(ChildPlacementFigures.child_pk, excluded, Uuid)))
        )
        written = await staged_rows.move_in(db, TABLE, COLUMNS, excluded)
    finally:
        decided = None if decisions is None else await decisions
    if decided is not None:
        await kept_decision_figures.stage(db, decided.values())
    await kept_decision_figures.replace(db, target.la_ids, target.children, excluded)
    return written


def completed(value: T) -> asyncio.Future[T]:
    done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    done.set_result(value)
    return done


def out_of_date(day: date) -> ColumnElement[bool]:
    """An episode begun by the day whose child has no row of that day: the rows kept do not stand for the day."""
    return ~exists().where(ChildPlacementFigures.child_pk == Placement.child_pk, ChildPlacementFigures.as_at == day) & (
        Placement.start_date <= day
    )


async def kept_for(db: AsyncSession, la_id: uuid.UUID, day: date) -> bool:
    """Whether the council's rows stand for the day: every child placed by then has one of that day."""
    stale = await db.scalar(select(exists().where(Placement.la_id == la_id, out_of_date(day))))
    return not stale


async def stale_councils(sessions: async_sessionmaker[AsyncSession], day: date) -> list[uuid.UUID]:
    """The councils whose rows do not stand for the day, or whose decision figures do not stand for their placement
    figures (another day, or rules the council has since changed)."""
    async with sessions() as db:
        stale = set(await db.scalars(select(Placement.la_id).where(out_of_date(day)).distinct()))
        return sorted(stale | set(await kept_decision_figures.stale_councils(db)))


async def needs_apart(
    sessions: async_sessionmaker[AsyncSession], la_ids: list[uuid.UUID]
) -> kept_decision_figures.Needs:
    async with sessions() as db:
        return await kept_decision_figures.read_needs(db, la_ids, None)


async def refresh_council(sessions: async_sessionmaker[AsyncSession], la_id: uuid.UUID, day: date) -> int:
    """A council's rows rewritten as at the day, as a recompute writes them; the rows written."""
    return await refresh_councils(sessions, [la_id], day)


async def refresh_councils(
    sessions: async_sessionmaker[AsyncSession],
    la_ids: list[uuid.UUID],
    day: date,
    being_written: WrittenNeeds | None = None,
) -> int:
    """Councils' rows rewritten as at the day, read in one snapshot and written in one transaction: the figures
    lock is waited for once, not once a council behind a recompute that holds it. Alongside a recompute of the
    councils' needs figures, `being_written` gives them as it computes them: the decision figures are decided from
    those before the lock, and the children it did not cover are left to their own recompute, which follows."""
    target = RecomputeTarget(la_ids)
    async with sessions() as db:
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        read = await read_outbox(db, target)
        computed = await compute(db, target, day)
        await db.rollback()
    async with transaction(sessions) as db:
        # Staged ahead of the lock, while whatever holds it writes: under it, only the server moves them in.
        staged = await stage(db, computed)
        left_out: set[uuid.UUID] = set()
        if being_written is not None:
            rules = await current_rules(db, la_ids)
            decided, left_out = await kept_decision_figures.as_written(being_written, computed.children, day, rules)
            staged = await with_decisions(db, staged, decided)
        await figures_lock(db)
        if being_written is not None:
            await being_written.committed()
        decisions: asyncio.Future[Any] | None = None
        if not staged.with_decisions:
            # Read apart while the placement rows are written: the needs figures are committed (their writer held
            # the lock until then) and none is written while it is held here.
            needs = asyncio.ensure_future(needs_apart(sessions, la_ids))
            decisions = asyncio.ensure_future(kept_decision_figures.decided(computed.children, day, needs))
        try:
            excluded = written_since(read, await read_outbox(db, target)) | left_out
            written = await write(db, staged, excluded, decisions)
        finally:
            if decisions is not None:
                await asyncio.gather(decisions, return_exceptions=True)
    if written >= ANALYZED_FROM:
        # A council's rows replaced wholesale: until autovacuum's next look, the feeds' reads were planned on the
        # old statistics (a page of a national council's rows took a second instead of milliseconds).
        async with transaction(sessions) as db:
            await db.execute(
                text(f"ANALYZE {ChildPlacementFigures.__tablename__}, {ChildDecisionFigures.__tablename__}")
            )
    return written
