"""A child's outcome figures (domain.md §5) for its case-management system: per outcome area its need at baseline
and now with the outcome index, per measure its baseline, latest, change and band, and the pairs of the two whose
periods overlap (what the council's link figures count)."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.api.access import requires
from services.api.auth import Caller
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.scores.rows import OutcomeAreaFields, OutcomeMeasureFields
from services.api.types import ChildIdPath
from shared.access import Scope
from shared.domain import kept_outcome_figures
from shared.domain.outcome_inputs import ChildOutcomes

router = APIRouter(prefix="/v1/children", tags=["outcome measures"], responses=V1_PROBLEMS)
NONE = ChildOutcomes([], [], [])


class LinkOut(BaseModel):
    outcome_area: str = Field(description="The outcome area")
    code: str = Field(description="The measure code")
    area_need_change: Decimal = Field(description="The area's need change, 4 places")
    measure_change: Decimal = Field(description="The measure's change")
    need_fell: bool = Field(description="The area need fell")
    measure_improved: bool = Field(description="The measure improved")


class ChildOutcomesOut(BaseModel):
    child_id: str = Field(description="The council's own child id")
    areas: list[OutcomeAreaFields] = Field(
        description="Per outcome area with a rated domain, from the needs figures kept now (the worker keeps these "
        "with them: recorded a moment ago, a change shows once the child's recompute has run)"
    )
    measures: list[OutcomeMeasureFields] = Field(description="Per measure code with a value, by code")
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
    areas, measures = await kept_outcome_figures.kept_rows(db, caller.la_id, [child.id])
    found = kept_outcome_figures.with_links(areas, measures).get(child.id, NONE)
    return ChildOutcomesOut(
        child_id=child_id,
        areas=[OutcomeAreaFields.model_validate(row, from_attributes=True) for row in areas],
        measures=[OutcomeMeasureFields.model_validate(row, from_attributes=True) for row in measures],
        links=[
            LinkOut(
                outcome_area=link.outcome_area,
                code=link.code,
                area_need_change=kept_outcome_figures.places(
                    link.area_need_change.numerator, link.area_need_change.denominator
                ),
                measure_change=link.measure_change,
                need_fell=link.need_fell,
                measure_improved=link.measure_improved,
            )
            for link in found.links
        ],
    )
