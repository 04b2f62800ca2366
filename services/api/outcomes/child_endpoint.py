"""A child's outcome figures (domain.md §5) for its case-management system: per outcome area its need at baseline
and now with the outcome index, per measure its baseline, latest, change and band, and the pairs of the two whose
periods overlap (what the council's link figures count)."""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.api.access import requires
from services.api.auth import Caller
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.outcomes.schemas import Stored
from services.api.problems import V1_PROBLEMS
from services.api.types import Id
from shared.access import Scope
from shared.domain import kept_outcome_figures
from shared.domain.outcome_inputs import ChildOutcomes

router = APIRouter(prefix="/v1/children", tags=["outcome measures"], responses=V1_PROBLEMS)
ChildIdPath = Annotated[Id, Path(min_length=1, max_length=64, description="The council's own child id")]
PLACES = 4
NONE = ChildOutcomes([], [], [])


def fraction(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), PLACES)


class AreaOut(BaseModel):
    outcome_area: str = Field(description="The instrument's outcome area")
    domains_rated: int = Field(description="Its domains rated at least once (a domain never rated is left out)")
    baseline_area_need: float = Field(description="Mean of its domains' baseline levels, 4 places")
    latest_area_need: float = Field(description="Mean of its domains' latest levels, 4 places")
    area_need_change: float | None = Field(
        description="latest_area_need - baseline_area_need (negative: needs fell); null until a domain of the area "
        "is rated twice"
    )
    baseline_outcome_index: int = Field(
        description="round(100 * (1 - baseline_area_need / top level)), half up: 100 is no need, 0 the highest"
    )
    latest_outcome_index: int = Field(description="The same of latest_area_need")
    period_start: date = Field(description="The area's first rating")
    period_end: date = Field(description="Its latest rating")


class MeasureOut(BaseModel):
    code: str = Field(description="The measure code")
    outcome_area: str = Field(description="The outcome area it evidences")
    measures_count: int = Field(description="Its values recorded for the child")
    baseline: Stored = Field(description="The value of the earliest period")
    latest: Stored = Field(description="The value of the latest period")
    change: Stored | None = Field(description="latest - baseline; null with a single value")
    improved: bool | None = Field(description="Whether the change went the way the code calls better")
    baseline_band: str | None = Field(description="The code's band of the baseline value (null without bands)")
    latest_band: str | None = Field(description="The band of the latest value")
    period_start: date = Field(description="The first period's first day")
    period_end: date = Field(description="The latest period's last day")


class LinkOut(BaseModel):
    outcome_area: str = Field(description="The outcome area")
    code: str = Field(description="The measure code")
    area_need_change: float = Field(description="The area's need change, 4 places")
    measure_change: Stored = Field(description="The measure's change")
    need_fell: bool = Field(description="The area need fell")
    measure_improved: bool = Field(description="The measure improved")


class ChildOutcomesOut(BaseModel):
    child_id: str = Field(description="The council's own child id")
    areas: list[AreaOut] = Field(
        description="Per outcome area with a rated domain, from the needs figures kept now (the worker keeps these "
        "with them: recorded a moment ago, a change shows once the child's recompute has run)"
    )
    measures: list[MeasureOut] = Field(description="Per measure code with a value, by code")
    links: list[LinkOut] = Field(
        description="Each measure with a change beside its area's need change, where their periods overlap"
    )


@router.get(
    "/{child_id}/outcomes",
    response_model=ChildOutcomesOut,
    summary="A child's outcome figures: area needs and outcome index, measures and bands, and their links",
)
async def get_child_outcomes(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.OUTCOMES_READ)]
) -> ChildOutcomesOut:
    child = await require_child(db, caller.la_id, child_id)
    found = (await kept_outcome_figures.read(db, caller.la_id, [child.id])).get(child.id, NONE)
    return ChildOutcomesOut(
        child_id=child_id,
        areas=[
            AreaOut(
                outcome_area=a.outcome_area,
                domains_rated=a.domains_rated,
                baseline_area_need=round(float(a.baseline_area_need), PLACES),
                latest_area_need=round(float(a.latest_area_need), PLACES),
                area_need_change=fraction(a.area_need_change),
                baseline_outcome_index=a.baseline_outcome_index,
                latest_outcome_index=a.latest_outcome_index,
                period_start=a.period_start,
                period_end=a.period_end,
            )
            for a in found.areas
        ],
        measures=[MeasureOut.model_validate(m, from_attributes=True) for m in found.measures],
        links=[
            LinkOut(
                outcome_area=link.outcome_area,
                code=link.code,
                area_need_change=round(float(link.area_need_change), PLACES),
                measure_change=Decimal(link.measure_change),
                need_fell=link.need_fell,
                measure_improved=link.measure_improved,
            )
            for link in found.links
        ],
    )
