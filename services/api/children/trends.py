"""One child's needs trends as the worker last computed them, and whether newer data is waiting."""

import uuid
from datetime import date, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend, RecomputeRequest


class StrengthTrendOut(BaseModel):
    """The domain's strength ratings, the same figures where rising is improving."""

    ratings_count: int
    baseline: int | None
    previous: int | None
    latest: int | None
    change_since_baseline: int | None
    change_since_previous: int | None
    slope_per_year: float | None
    direction: str


class DomainTrendOut(StrengthTrendOut):
    """The domain's need ratings (where falling is improving), with its strength ratings beside them."""

    domain: str
    first_assessed_on: date | None
    latest_assessed_on: date | None
    strength: StrengthTrendOut


class SummaryOut(BaseModel):
    assessments_count: int
    baseline_assessment_id: uuid.UUID
    latest_assessment_id: uuid.UUID
    baseline_assessed_on: date
    latest_assessed_on: date
    total_need: int
    max_need: int | None
    actionable_count: int
    intensive_count: int
    baseline_total_need: int
    baseline_max_need: int | None
    baseline_actionable_count: int
    baseline_intensive_count: int
    resolved_needs: list[str]
    new_needs: list[str]
    mixed_progress: bool
    total_strength: int | None
    baseline_total_strength: int | None
    rci: float | None = Field(
        description="Reliable change index of the total need: null with one assessment or before the council's SD"
    )
    rci_verdict: Literal["reliable_improvement", "no_reliable_change", "reliable_deterioration"] | None


class TrendsOut(BaseModel):
    """What a provider portal reads: the child by pseudonym only."""

    child_pseudonym: str
    status: Literal["fresh", "pending", "failed"] = Field(
        description="fresh: reflects every write; pending: a recompute is on its way; failed: the recompute "
        "kept failing and was given up (see the worker's logs); the figures shown are the last good ones"
    )
    computed_at: datetime | None
    instrument_code: str | None
    instrument_version: int | None
    assessment_ids: list[uuid.UUID]
    summary: SummaryOut | None
    domains: list[DomainTrendOut]


class ChildTrendsOut(TrendsOut):
    """What the council's case-management system reads: its own child id as well."""

    child_id: str


Out = TypeVar("Out", bound=TrendsOut)


def status_of(sends: int | None, max_sends: int) -> Literal["fresh", "pending", "failed"]:
    """From the fewest sends of the child's recompute requests not yet done (None: there are none)."""
    if sends is None:
        return "fresh"
    return "failed" if sends > max_sends else "pending"


def sends_waiting(child_pk: uuid.UUID) -> ScalarSelect[int | None]:
    return (
        select(func.min(RecomputeRequest.dispatch_count))
        .where(RecomputeRequest.child_pk == child_pk, RecomputeRequest.done_at.is_(None))
        .scalar_subquery()
    )


async def read_trends(db: AsyncSession, child: Child, max_sends: int, out: type[Out]) -> Out:
    # Status, summary and domains in one statement, so one snapshot: the status always describes the
    # figures shown, and summary and domains come from the same recompute.
    rows = (
        await db.execute(
            select(sends_waiting(child.id), ChildNeedsTrend, DomainNeedsTrend)
            .join(DomainNeedsTrend, DomainNeedsTrend.child_pk == ChildNeedsTrend.child_pk)
            .where(ChildNeedsTrend.child_pk == child.id)
            .order_by(DomainNeedsTrend.position)
        )
    ).all()
    # No figures at all: the status alone.
    sends = rows[0][0] if rows else await db.scalar(select(sends_waiting(child.id)))
    # A cleared row (no final assessment left) reads as no figures.
    rows = [row for row in rows if row[1].assessments_count > 0]
    summary = rows[0][1] if rows else None
    domains = [row[2] for row in rows]
    identity = {"child_id": child.child_id} if issubclass(out, ChildTrendsOut) else {}
    return out(
        **identity,
        child_pseudonym=child.pseudonym,
        status=status_of(sends, max_sends),
        computed_at=summary.computed_at if summary else None,
        instrument_code=summary.instrument_code if summary else None,
        instrument_version=summary.instrument_version if summary else None,
        assessment_ids=summary.assessment_ids if summary else [],
        summary=SummaryOut.model_validate(summary, from_attributes=True) if summary else None,
        domains=[domain_out(row) for row in domains],
    )


def domain_out(row: DomainNeedsTrend) -> DomainTrendOut:
    strength = {name: getattr(row, f"strength_{name}") for name in StrengthTrendOut.model_fields}
    return DomainTrendOut.model_validate(
        {name: getattr(row, name) for name in DomainTrendOut.model_fields if name != "strength"}
        | {"strength": strength}
    )
