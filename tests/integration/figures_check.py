"""Whether every way figures are made gives every child of a council the same figures: the worker's bursts
(as a test has just run them), each child recomputed alone, a full recompute, and the figures as at today
computed into temporary tables (the cohort's `?as_at=` path). Fault and worker tests end with it.

The placement figures the worker keeps (shared/domain/kept_placement_figures.py) are among them: as at today
they are computed on reading, by the engine, from the episodes stored. So are the outcome figures it keeps
(shared/domain/kept_outcome_figures.py), computed anew from the stored needs figures and outcome measures."""

from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.scores.as_at import STORED, FigureTables, figures_as_at
from shared.db import transaction
from shared.domain.full_recompute import recompute_children, recompute_councils
from shared.domain.kept_outcome_figures import AREA_COLUMNS, MEASURE_COLUMNS, rows
from shared.domain.kept_placement_figures import values_as_at
from shared.domain.outcome_inputs import council_inputs
from shared.domain.placement_inputs import placed_children
from shared.models import Child, ChildOutcomeArea, ChildOutcomeMeasure, ChildPlacementFigures, RecomputeRequest
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


async def outcomes_now(db: AsyncSession, la_id: Any) -> tuple[Rows, Rows]:
    """The council's outcome figures computed now from its stored needs figures and measures."""
    areas, measures = rows(la_id, await council_inputs(db, la_id), None, set())
    return (
        {(row[0], row[1]): row_of(AREA_COLUMNS, row) for row in areas},
        {(row[0], row[1]): row_of(MEASURE_COLUMNS, row) for row in measures},
    )


def row_of(columns: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    return {name: value for name, value in zip(columns, row, strict=True) if name not in VOLATILE}


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
        tables = await figures_as_at(db, la_id, date.today())
        return (
            *await figures_in(db, la_id, tables),
            await placements_as_at_today(db, la_id),
            *await outcomes_now(db, la_id),
        )


def assert_same(these: Figures, those: Figures) -> None:
    for ours, theirs in zip(these, those, strict=True):
        assert ours.keys() == theirs.keys()
        for key, row in theirs.items():
            assert {k: (v, row[k]) for k, v in ours[key].items() if v != row[k]} == {}, (key, row)


async def assert_full_recompute_agrees(app: FastAPI, la_id: Any) -> None:
    """The worker has just recomputed the council's children, pending together, in bursts."""
    bursts = await figures(app, la_id)
    assert_same(await as_at_today(app, la_id), bursts)
    incremental = await child_by_child(app, la_id)
    assert_same(bursts, incremental)
    outcome = await recompute_councils(state_of(app).sessions, [la_id])
    assert outcome.written == len(incremental[0]) and outcome.left_to_incremental == 0
    assert_same(await figures(app, la_id), incremental)
