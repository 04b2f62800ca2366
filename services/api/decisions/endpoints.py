"""Decision support (domain.md §8): the council's rules, which its admin sets as data, and one child's figures
under them for its case-management system (the council's BI tools read every child's at
/v1/scores/decision-support)."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.scores.decision_rows import DecisionFields, PeerValueFields
from services.api.scores.savings_rows import MoveFields, move_fields
from services.api.types import ChildIdPath
from shared.access import Scope
from shared.domain import decision_rules, kept_decision_figures
from shared.domain.decision_rules import SHIPPED_VERSION, RulesDocument
from shared.domain.savings_tracking import savings
from shared.errors import NotFound
from shared.models import Assessment, ChildDecisionFigures, DecisionRuleVersion

router = APIRouter(tags=["decision support"], responses=V1_PROBLEMS)


class RulesOut(BaseModel):
    version: int = Field(description="The version: every decision figure names the one it was computed under")
    shipped: bool = Field(description="True: the shipped defaults (version 0), the council has set none of its own")
    rules: RulesDocument = Field(description="The rules")


@router.get("/v1/decision-rules", response_model=RulesOut, summary="The council's decision rules")
async def get_decision_rules(
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.INSTRUMENTS_READ)],
    version: Annotated[int | None, Query(ge=0, description="An earlier version; the one in force by default")] = None,
) -> RulesOut:
    if version is None:
        current, document = (await decision_rules.current_documents(db, [caller.la_id]))[caller.la_id]
        return RulesOut(version=current, shipped=current == SHIPPED_VERSION, rules=document)
    if version == SHIPPED_VERSION:
        return RulesOut(version=version, shipped=True, rules=decision_rules.SHIPPED_DOCUMENT)
    stored = await db.scalar(
        select(DecisionRuleVersion.rules).where(
            DecisionRuleVersion.la_id == caller.la_id, DecisionRuleVersion.version == version
        )
    )
    if stored is None:
        raise NotFound("The council has no such version of its decision rules.")
    return RulesOut(version=version, shipped=False, rules=RulesDocument.model_validate(stored))


@router.put(
    "/v1/admin/decision-rules",
    response_model=RulesOut,
    summary="Set the council's decision rules as a new version (what is left out keeps its shipped default); the "
    "worker recomputes every child's decision figures under it",
)
async def put_decision_rules(
    body: RulesDocument, db: SessionDep, caller: Annotated[Caller, requires(Scope.FIGURES_MANAGE)]
) -> RulesOut:
    version = await decision_rules.define(db, caller.la_id, body)
    audit.note(db, target=f"decision-rules:{version}")
    return RulesOut(version=version, shipped=False, rules=body)


class ChildDecisionsOut(DecisionFields):
    child_id: str = Field(description="The council's own child id")
    latest_assessment: str | None = Field(description="The latest final assessment's id: the child's profile")
    previous_assessment: str | None = Field(description="The final assessment before it")
    value: PeerValueFields | None = Field(description="Against its peers; null without a cost or an assessment")
    moves: list[MoveFields] = Field(
        description="Its step-downs and moves from agency to in-house carers, with what each saved to date"
    )


@router.get(
    "/v1/children/{child_id}/decision-support",
    response_model=ChildDecisionsOut,
    summary="A child's decision support figures: step-down, stability risk, joint funding and value",
)
async def get_child_decisions(
    child_id: ChildIdPath,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.CHILDREN_READ)],
) -> ChildDecisionsOut:
    child = await require_child(db, caller.la_id, child_id)
    row = await db.get(ChildDecisionFigures, child.id)
    if row is None:
        raise NotFound("The child has no decision support figures: never placed, or they are still being made.")
    ids = {row.latest_assessment_id, row.previous_assessment_id} - {None}
    external: dict[uuid.UUID | None, str] = dict(
        (await db.execute(select(Assessment.id, Assessment.external_id).where(Assessment.id.in_(ids)))).all()
    )
    today = date.today()
    moved = await savings(db, caller.la_id, today, [child.id])
    value = await kept_decision_figures.value_of(db, row)
    return ChildDecisionsOut.model_validate(
        {
            **DecisionFields.model_validate(row, from_attributes=True).model_dump(),
            "child_id": child_id,
            "latest_assessment": external.get(row.latest_assessment_id),
            "previous_assessment": external.get(row.previous_assessment_id),
            "moves": [move_fields(each.move, today) for each in moved.moves],
            "value": None
            if value is None
            else PeerValueFields(peers=value.peers, peer_median=value.peer_median, high_cost=value.high_cost),
        }
    )
