"""The council's reference SD for reliable change (domain.md §4): taken on an admin's request, or
automatically the first time 30 children have a baseline, stored with its date and n, and used until
the next calibration; a calibration recomputes every child's RCI in the council.

Callers hold the figures lock (shared/domain/locks.py), so a calibration and a child's recompute never
interleave: whichever writes second reads what the first committed."""

import statistics
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.needs_trends import reliable_change
from shared.models import ChildNeedsTrend, RciCalibration
from shared.models.figures import FIGURES_ROW_VERSION

AUTOMATIC_AT = 30  # children with a baseline
DEFAULT_RELIABILITY = 0.80


async def calibrations_of(db: AsyncSession, la_id: uuid.UUID) -> list[RciCalibration]:
    """The council's calibrations, newest first."""
    query = select(RciCalibration).where(RciCalibration.la_id == la_id)
    return list(await db.scalars(query.order_by(RciCalibration.calibrated_at.desc())))


def reliability_of(definition: dict[str, Any]) -> float:
    return float(definition.get("reliability", DEFAULT_RELIABILITY))


async def current_sd(db: AsyncSession, la_id: uuid.UUID, definition: dict[str, Any]) -> float | None:
    """An SD the instrument fixes wins; otherwise the council's latest calibration, if any."""
    if definition.get("sd") is not None:
        return float(definition["sd"])
    return await db.scalar(
        select(RciCalibration.sd)
        .where(RciCalibration.la_id == la_id, RciCalibration.instrument_code == definition["code"])
        .order_by(RciCalibration.calibrated_at.desc())
        .limit(1)
    )


async def calibrate(
    db: AsyncSession, la_id: uuid.UUID, definition: dict[str, Any], source: str
) -> RciCalibration | None:
    """None when fewer than two children have a baseline: a sample SD needs two."""
    code = definition["code"]
    found = list(
        await db.scalars(
            select(ChildNeedsTrend.baseline_total_need).where(
                ChildNeedsTrend.la_id == la_id,
                ChildNeedsTrend.instrument_code == code,
                ChildNeedsTrend.assessments_count > 0,
            )
        )
    )
    totals = [total for total in found if total is not None]
    if len(totals) < 2:
        return None
    sd = reference_sd(totals)
    calibration = RciCalibration(la_id=la_id, instrument_code=code, sd=sd, n=len(totals), source=source)
    db.add(calibration)
    await db.flush()
    await refresh_rci(db, la_id, definition, sd)
    return calibration


def reference_sd(baseline_totals: Sequence[int]) -> float:
    """The sample SD of baseline totals, exact before its one rounding (integers in, statistics.stdev)."""
    return statistics.stdev(baseline_totals)


async def refresh_rci(db: AsyncSession, la_id: uuid.UUID, definition: dict[str, Any], sd: float) -> None:
    rows = (
        await db.execute(
            select(
                ChildNeedsTrend.child_pk,
                ChildNeedsTrend.assessments_count,
                ChildNeedsTrend.total_need,
                ChildNeedsTrend.baseline_total_need,
            ).where(
                ChildNeedsTrend.la_id == la_id,
                ChildNeedsTrend.instrument_code == definition["code"],
                ChildNeedsTrend.assessments_count > 0,
            )
        )
    ).all()
    if not rows:
        return
    rci, verdict = rci_for(
        [row.total_need for row in rows],
        [row.baseline_total_need for row in rows],
        [row.assessments_count for row in rows],
        sd,
        reliability_of(definition),
    )
    now = await db.scalar(select(func.clock_timestamp()))
    table = ChildNeedsTrend.__table__
    assert isinstance(table, Table)  # executemany by key wants the Core table, not the ORM's bulk update
    await db.execute(
        update(table)
        .where(table.c.child_pk == bindparam("pk"))
        .values(
            rci=bindparam("new_rci"),
            rci_verdict=bindparam("new_verdict"),
            computed_at=now,
            row_version=FIGURES_ROW_VERSION.next_value(),
        ),
        [
            {"pk": row.child_pk, "new_rci": value, "new_verdict": word}
            for row, value, word in zip(rows, rci, verdict, strict=True)
        ],
    )


def rci_for(
    total: list[int], baseline_total: list[int], assessments: list[int], sd: float | None, reliability: float
) -> tuple[list[float | None], list[str | None]]:
    """The engine's RCI for plain lists, as stored: None where it has none."""
    size = len(total)
    rci, verdict = reliable_change(
        np.array(total, dtype=np.int64),
        np.array(baseline_total, dtype=np.int64),
        np.array(assessments, dtype=np.int64),
        np.full(size, np.nan if sd is None else sd),
        np.full(size, reliability),
    )
    return (
        [None if np.isnan(value) else float(value) for value in rci],
        [str(word) or None for word in verdict],
    )


async def calibrate_when_due(db: AsyncSession, la_id: uuid.UUID, definition: dict[str, Any]) -> None:
    """The first time AUTOMATIC_AT children of the council have a baseline, unless an SD exists."""
    if await current_sd(db, la_id, definition) is not None:
        return
    n = await db.scalar(
        select(func.count()).where(
            ChildNeedsTrend.la_id == la_id,
            ChildNeedsTrend.instrument_code == definition["code"],
            ChildNeedsTrend.assessments_count > 0,
        )
    )
    if (n or 0) >= AUTOMATIC_AT:
        await calibrate(db, la_id, definition, "automatic")
