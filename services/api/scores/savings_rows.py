"""The savings feeds' rows (issue 17 savings tracking): a move that saves, and a month's totals; their fields, in
order, are the feeds' public columns. The child's decision support endpoint lists its moves with the same fields."""

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from shared.domain.engines.placements.savings import Month, Move

KINDS = "step_down (residential to family care) or agency_to_in_house (an agency's foster carers to the council's)"


class MoveFields(BaseModel):
    kind: str = Field(description=KINDS)
    moved_on: date = Field(description="The day the placement moved to began")
    from_place: str = Field(description="The placement left: its PLACE")
    from_weekly_cost: Decimal | None = Field(description="Its weekly cost at the time (its last own episode's)")
    to_place: str = Field(description="The placement begun: its PLACE")
    to_weekly_cost: Decimal | None = Field(description="Its weekly cost at the time (its first episode's)")
    weekly_saving: Decimal | None = Field(description="from_weekly_cost - to_weekly_cost; null without both")
    status: str = Field(
        description="continuing (the child stays), broke_down (back to what it left: counting stopped), left_care "
        "or moved_on (to something else): counting stopped"
    )
    stopped_on: date | None = Field(description="The day it stopped saving; null while continuing")
    days_counted: int = Field(description="Days saved, from moved_on up to stopped_on or through the day asked")
    saving_to_date: Decimal | None = Field(description="weekly_saving x days_counted / 7, half up to the penny")


def move_fields(move: Move, day: date) -> dict[str, Any]:
    return {
        "kind": move.kind,
        "moved_on": move.moved_on,
        "from_place": move.left.last.place,
        "from_weekly_cost": move.left.last.weekly_cost,
        "to_place": move.begun.first.place,
        "to_weekly_cost": move.begun.first.weekly_cost,
        "weekly_saving": move.weekly_saving,
        "status": move.status,
        "stopped_on": None if move.counted_until > day else move.counted_until,
        "days_counted": move.days_counted,
        "saving_to_date": move.saving_to_date,
    }


class MoveOf(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym: stable per council, never the council's id")
    rules_version: int = Field(description="The version of the council's decision rules applied")


class MoveRow(MoveFields, MoveOf):
    """Whose move, then the move (a model's later base's fields come first)."""


class MonthRow(BaseModel):
    month: date = Field(description="The month's first day")
    kind: str = Field(description=KINDS)
    moves: int = Field(description="Moves made in the month")
    broke_down: int = Field(description="Moves that broke down in the month")
    saving: Decimal = Field(
        description="What every move saved on the month's days (up to the day asked), half up to the penny once"
    )


def month_fields(month: Month) -> dict[str, Any]:
    return {
        "month": month.first,
        "kind": month.kind,
        "moves": month.moves,
        "broke_down": month.broke_down,
        "saving": month.saving,
    }
