"""Whether every way figures are made gives every child of a council the same figures: the worker's bursts
(as a test has just run them), each child recomputed alone, a full recompute, and the figures as at today
computed into temporary tables (the cohort's `?as_at=` path). Fault and worker tests end with it.

The placement figures the worker keeps (shared/domain/kept_placement_figures.py) are among them: as at today
they are computed on reading, by the engine, from the episodes stored. So are the outcome figures it keeps
(shared/domain/kept_outcome_figures.py): the areas' as at today, beside the needs figures, and the measures' anew
from the outcome measures. The decision support figures, derived from the kept figures, are compared across
the bursts, each child alone and the full recompute."""

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.scores.as_at import STORED, FigureTables, named, tables_of
from shared.db import transaction
from shared.domain.engines.outcomes import measure_figures
from shared.domain.figures_as_at import figures_as_at
from shared.domain.full_recompute import recompute_children, recompute_every_figure
from shared.domain.kept_placement_figures import values_as_at
from shared.domain.outcome_inputs import EVER, measured
from shared.domain.placement_inputs import placed_children
from shared.models import (
    Child,
    ChildDecisionFigures,
    ChildOutcomeArea,
    ChildOutcomeMeasure,
    ChildPlacementFigures,
    RecomputeRequest,
)
from tests.conftest import state_of

VOLATILE = {"computed_at", "row_version"}


Rows = dict[Any, dict[str, Any]]
# Children's trends, domains' trends, children's placement figures, outcome areas and outcome measures.
Figures = tuple[Rows, Rows, Rows, Rows, Rows]


def plain(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs if c.key not in VOLATILE}


async def figures(app: FastAPI, la_id: Any) -> Figures:
    async with transaction(state_of(app).sessions) as db:
        kept = await db.scalars(select(ChildPlacementFigures).where(ChildPlacementFigures.la_id == la_id))
        placements = {row.child_pk: plain(row) for row in kept}
        areas = await db.scalars(select(ChildOutcomeArea).where(ChildOutcomeArea.la_id == la_id))
        measures = await db.scalars(select(ChildOutcomeMeasure).where(ChildOutcomeMeasure.la_id == la_id))
        return (
            *await figures_in(db, la_id, STORED),
            placements,
            {(row.child_pk, row.outcome_area): plain(row) for row in areas},
            {(row.child_pk, row.code): plain(row) for row in measures},
        )


async def measures_now(db: AsyncSession, la_id: Any) -> Rows:
    """The council's measures' figures computed now from its outcome measures."""
    read = await measured(db, [la_id], EVER)
    found = zip(read.child_pk, measure_figures(read.columns, read.codes), strict=True)
    return {
        (child, each.code): {"child_pk": child, "la_id": la_id} | asdict(each)
        for pk, each in found
        for child in [uuid.UUID(bytes=pk.tobytes())]
    }


async def figures_in(db: AsyncSession, la_id: Any, tables: FigureTables) -> tuple[Rows, Rows]:
    children = (await db.scalars(select(tables.child).where(tables.child.la_id == la_id))).all()
    domains = (await db.scalars(select(tables.domain).where(tables.domain.la_id == la_id))).all()
    return (
        {row.child_pk: plain(row) for row in children},
        {(row.child_pk, row.domain): plain(row) for row in domains},
    )


async def placements_as_at_today(db: AsyncSession, la_id: Any) -> Rows:
    today = date.today()
    placed = await placed_children(db, [la_id])
    return {
        each.child_pk: {"child_pk": each.child_pk, "la_id": la_id, "as_at": today, **values}
        for each, values in values_as_at(placed, today)
    }


async def child_by_child(app: FastAPI, la_id: Any) -> Figures:
    """Each child recomputed alone, as the worker does when only that child is pending."""
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        children = list(await db.scalars(select(Child.id).where(Child.la_id == la_id)))
        for child_pk in children:
            await db.execute(insert(RecomputeRequest).values(child_pk=child_pk, la_id=la_id))
    for child_pk in children:
        alone = await recompute_children(sessions, [child_pk])
        assert (alone.children, alone.left_to_incremental) == (1, 0)
    return await figures(app, la_id)


async def as_at_today(app: FastAPI, la_id: Any) -> Figures:
    """Each child's figures as at today, computed into temporary tables, not stored."""
    async with transaction(state_of(app).sessions) as db:
        sink = await figures_as_at(db, la_id, date.today())
        areas = await db.scalars(select(area := named(ChildOutcomeArea, sink.areas)).where(area.la_id == la_id))
        return (
            *await figures_in(db, la_id, tables_of(sink)),
            await placements_as_at_today(db, la_id),
            {(row.child_pk, row.outcome_area): plain(row) for row in areas},
            await measures_now(db, la_id),
        )


def assert_same(these: Figures, those: Figures) -> None:
    for ours, theirs in zip(these, those, strict=True):
        assert ours.keys() == theirs.keys()
        for key, row in theirs.items():
            assert {k: (v, row[k]) for k, v in ours[key].items() if v != row[k]} == {}, (key, row)


async def decisions(app: FastAPI, la_id: Any) -> Rows:
    """The decision support figures the worker keeps: derived from the kept figures, so never computed as at."""
    async with transaction(state_of(app).sessions) as db:
        rows = await db.scalars(select(ChildDecisionFigures).where(ChildDecisionFigures.la_id == la_id))
        return {row.child_pk: plain(row) for row in rows}


async def forget_decisions(app: FastAPI, la_id: Any) -> None:
    """The council's decision rows gone, so that a path that failed to write them again is seen to."""
    async with transaction(state_of(app).sessions) as db:
        await db.execute(delete(ChildDecisionFigures).where(ChildDecisionFigures.la_id == la_id))


async def assert_full_recompute_agrees(app: FastAPI, la_id: Any) -> None:
    """The worker has just recomputed the council's children, pending together, in bursts."""
    bursts, decided = await figures(app, la_id), await decisions(app, la_id)
    assert_same(await as_at_today(app, la_id), bursts)
    await forget_decisions(app, la_id)
    incremental = await child_by_child(app, la_id)
    assert_same(bursts, incremental)
    assert_same((decided,), (await decisions(app, la_id),))
    await forget_decisions(app, la_id)
    outcome = await recompute_every_figure(state_of(app).sessions, [la_id])
    assert outcome.written == len(incremental[0]) and outcome.left_to_incremental == 0
    assert_same(await figures(app, la_id), incremental)
    assert_same((decided,), (await decisions(app, la_id),))
