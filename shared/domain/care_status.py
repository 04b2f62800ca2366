"""Where a child stands with care on a day (issue 16): looked after (a placement episode open on the day), left
care (episodes, none open), or on the edge of care (final assessments and no episode begun by the day; Stockton's
edge-of-care work assesses children before they come into care). Written once, for a child's endpoint and the
council's edge-of-care figures."""

from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, exists, literal, or_

from shared.models import ChildNeedsTrend, Placement

CareStatus = Literal["edge_of_care", "looked_after", "left_care"]


def care_status(child_pk: Any, day: date) -> ColumnElement[str | None]:
    """The child's status on the day: `child_pk` a column (a row's child) or a child's id."""
    begun = and_(Placement.child_pk == child_pk, Placement.start_date <= day)
    open_then = or_(Placement.end_date.is_(None), Placement.end_date > day)
    assessed = and_(ChildNeedsTrend.child_pk == child_pk, ChildNeedsTrend.assessments_count > 0)
    return case(
        (exists().where(begun, open_then), literal("looked_after")),
        (exists().where(begun), literal("left_care")),
        (exists().where(assessed), literal("edge_of_care")),
        else_=None,
    )
