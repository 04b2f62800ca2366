"""One child's needs trends as the worker last computed them, and whether newer data is waiting."""

import uuid
from datetime import date, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend, RecomputeRequest


class StrengthTrendOut(BaseModel):
    """The domain's strength ratings, the same figures where rising is improving."""

    ratings_count: int = Field(description="Final assessments rating the domain")
    baseline: int | None = Field(description="The first rating")
    previous: int | None = Field(description="The rating before the latest")
    latest: int | None = Field(description="The latest rating")
    change_since_baseline: int | None = Field(description="latest - baseline")
    change_since_previous: int | None = Field(description="latest - previous; null with one rating")
    slope_per_year: float | None = Field(
        description="Least-squares slope of the level over time, per year; null with too few ratings"
    )
    direction: str = Field(description="improving, worsening, stable or insufficient_data (domain.md §4)")


class DomainTrendOut(StrengthTrendOut):
    """The domain's need ratings (where falling is improving), with its strength ratings beside them."""

    domain: str = Field(description="The instrument's domain code")
    first_assessed_on: date | None = Field(description="Date of the first rating")
    latest_assessed_on: date | None = Field(description="Date of the latest rating")
    strength: StrengthTrendOut = Field(description="The same figures for the domain's strength ratings")


class SummaryOut(BaseModel):
    assessments_count: int = Field(description="Final assessments counted")
    baseline_assessment_id: uuid.UUID = Field(description="The first assessment")
    latest_assessment_id: uuid.UUID = Field(description="The latest assessment")
    baseline_assessed_on: date = Field(description="Its date (the baseline)")
    latest_assessed_on: date = Field(description="The latest assessment's date")
    total_need: int = Field(description="Sum of the latest need levels")
    max_need: int | None = Field(description="Highest latest need level")
    actionable_count: int = Field(description="Domains whose latest level is actionable")
    intensive_count: int = Field(description="Domains whose latest level is intensive")
    baseline_total_need: int = Field(description="Sum of the baseline levels")
    baseline_max_need: int | None = Field(description="Highest baseline level")
    baseline_actionable_count: int = Field(description="Domains actionable at baseline")
    baseline_intensive_count: int = Field(description="Domains intensive at baseline")
    resolved_needs: list[str] = Field(description="Domains actionable at baseline and not now")
    new_needs: list[str] = Field(description="Domains actionable now, not at baseline")
    mixed_progress: bool = Field(description="Some domains improving while others worsen")
    total_strength: int | None = Field(description="Sum of the latest strength levels")
    baseline_total_strength: int | None = Field(description="Sum of the baseline strength levels")
    rci: float | None = Field(
        description="Reliable change index of the total need: null with one assessment or before the council's SD"
    )
    rci_verdict: Literal["reliable_improvement", "no_reliable_change", "reliable_deterioration"] | None = Field(
        description="reliable_improvement, no_reliable_change or reliable_deterioration; null without an SD"
    )


class TrendsOut(BaseModel):
    """What a provider portal reads: the child by pseudonym only."""

    child_pseudonym: str = Field(description="The child's pseudonym")
    status: Literal["fresh", "pending", "failed"] = Field(
        description="fresh: reflects every write; pending: a recompute is on its way; failed: the recompute "
        "kept failing and was given up (see the worker's logs); the figures shown are the last good ones"
    )
    computed_at: datetime | None = Field(description="When the figures were computed")
    instrument_code: str | None = Field(description="The instrument of the figures")
    instrument_version: int | None = Field(description="Its version")
    assessment_ids: list[uuid.UUID] = Field(description="The final assessments the figures reflect")
    summary: SummaryOut | None = Field(description="The child's summary; null without figures")
    domains: list[DomainTrendOut] = Field(description="Each domain's trend, in the instrument's order")


class ChildTrendsOut(TrendsOut):
    """What the council's case-management system reads: its own child id as well."""

    child_id: str = Field(description="The council's own id for the child")


Out = TypeVar("Out", bound=TrendsOut)


async def recompute_status(db: AsyncSession, child: Child, max_sends: int) -> Literal["fresh", "pending", "failed"]:
    sends = await db.scalar(
        select(func.min(RecomputeRequest.dispatch_count)).where(
            RecomputeRequest.child_pk == child.id, RecomputeRequest.done_at.is_(None)
        )
    )
    if sends is None:
        return "fresh"
    return "failed" if sends > max_sends else "pending"


async def read_trends(db: AsyncSession, child: Child, max_sends: int, out: type[Out]) -> Out:
    # Status first: a recompute landing in between then shows as pending with new figures, never as
    # fresh with old ones. Summary and domains in one statement, so both come from the same recompute.
    status = await recompute_status(db, child, max_sends)
    rows = (
        await db.execute(
            select(ChildNeedsTrend, DomainNeedsTrend)
            .join(DomainNeedsTrend, DomainNeedsTrend.child_pk == ChildNeedsTrend.child_pk)
            .where(ChildNeedsTrend.child_pk == child.id)
            .order_by(DomainNeedsTrend.position)
        )
    ).all()
    # A cleared row (no final assessment left) reads as no figures.
    rows = [row for row in rows if row[0].assessments_count > 0]
    summary = rows[0][0] if rows else None
    domains = [row[1] for row in rows]
    identity = {"child_id": child.child_id} if issubclass(out, ChildTrendsOut) else {}
    return out(
        **identity,
        child_pseudonym=child.pseudonym,
        status=status,
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
