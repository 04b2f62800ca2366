"""One child's needs trends as the worker last computed them, and whether newer data is waiting."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from fastapi import Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.children.service import NO_SUCH_CHILD
from services.api.responses import json_of
from shared.db import driver
from shared.errors import NotFound
from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend


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


def status_of(sends: int | None, max_sends: int) -> Literal["fresh", "pending", "failed"]:
    """From the fewest sends of the child's recompute requests not yet done (None: there are none)."""
    if sends is None:
        return "fresh"
    return "failed" if sends > max_sends else "pending"


def trends_statement(where: str) -> str:
    """The child, its status, summary and domains in one statement, so one snapshot: the status always
    describes the figures shown, and summary and domains come from the same recompute. Written as SQL and
    run on the session's asyncpg connection: the hottest read there is, and SQLAlchemy's ORM cost several
    times the database's work on it. A cleared summary (no final assessment left) reads as no figures."""
    summary = ", ".join(f"s.{column.name} AS s_{column.name}" for column in ChildNeedsTrend.__table__.columns)
    domain = ", ".join(f"d.{column.name} AS d_{column.name}" for column in DomainNeedsTrend.__table__.columns)
    return f"""
SELECT c.id, c.child_id, c.pseudonym, {summary}, {domain},
  (SELECT min(r.dispatch_count) FROM recompute_requests r WHERE r.child_pk = c.id AND r.done_at IS NULL) AS sends
FROM children c
LEFT JOIN child_needs_trends s ON s.child_pk = c.id AND s.assessments_count > 0
LEFT JOIN domain_needs_trends d ON d.child_pk = s.child_pk
WHERE {where}
ORDER BY d.position
"""


BY_PK = trends_statement("c.id = $1")
BY_CHILD_ID = trends_statement("c.la_id = $1 AND c.child_id = $2")


async def read_trends(db: AsyncSession, child: Child, max_sends: int) -> Response:
    return json_of(trends_of(await (await driver(db)).fetch(BY_PK, child.id), max_sends, TrendsOut))


async def read_child_trends(db: AsyncSession, la_id: uuid.UUID, child_id: str, max_sends: int) -> Response:
    """A council's child by its own id, audited as seen; another council's or none is a 404."""
    rows = await (await driver(db)).fetch(BY_CHILD_ID, la_id, child_id)
    if not rows:
        raise NotFound(NO_SUCH_CHILD)
    audit.saw_child(db, rows[0]["id"])
    return json_of(trends_of(rows, max_sends, ChildTrendsOut))


def trends_of(rows: list[Any], max_sends: int, out: type[TrendsOut]) -> dict[str, Any]:
    """The fields of `out` in its order, nested ones too, as its JSON carries them: built from the model's
    own field names, and dumped as they are rather than validated (which cost this read more than its query)."""
    first = rows[0]
    summary = first if first["s_child_pk"] is not None else None
    fields = {
        "child_pseudonym": first["pseudonym"],
        "status": status_of(first["sends"], max_sends),
        "computed_at": summary["s_computed_at"] if summary else None,
        "instrument_code": summary["s_instrument_code"] if summary else None,
        "instrument_version": summary["s_instrument_version"] if summary else None,
        "assessment_ids": summary["s_assessment_ids"] if summary else [],
        "summary": {name: first[f"s_{name}"] for name in SUMMARY_FIELDS} if summary else None,
        "domains": [domain_of(row) for row in rows] if summary else [],
    }
    if issubclass(out, ChildTrendsOut):
        fields["child_id"] = first["child_id"]
    return fields


SUMMARY_FIELDS = tuple(SummaryOut.model_fields)
STRENGTH_FIELDS = tuple((name, f"d_strength_{name}") for name in StrengthTrendOut.model_fields)
DOMAIN_FIELDS = tuple((name, f"d_{name}") for name in DomainTrendOut.model_fields if name != "strength")


def domain_of(row: Any) -> dict[str, Any]:
    strength = {name: row[column] for name, column in STRENGTH_FIELDS}
    return {name: row[column] for name, column in DOMAIN_FIELDS} | {"strength": strength}
