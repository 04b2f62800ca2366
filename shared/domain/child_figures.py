"""One child's figure rows computed in memory from its ratings, by the one-child run of the needs trends
engine: what a day's cohort figures (services/api/scores/as_at.py) are made of. The figures stored are
written by one protocol, for a burst, one child or every council alike (full_recompute.py); tests check the
two agree field for field. And what a child's figures hold once they are cleared."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.calibration import current_sd, rci_for, reliability_of
from shared.domain.engines.one_child import AssessmentInput, ChildTrends, DomainTrend, Scale, compute_child_trends
from shared.instruments import InstrumentScale
from shared.models import (
    Assessment,
    AssessmentVersion,
    Child,
    Instrument,
    Rating,
    first_recorded,
    is_current_version,
)

# child_pk, id, recorded_order, assessed_on, instrument_id, domain, need, strength
RatingsQuery = Select[uuid.UUID, uuid.UUID, int, date, uuid.UUID, str, int | None, int | None]


def final_ratings_query(on_or_before: date | None = None) -> RatingsQuery:
    """Every rating of final assessments as they stand now (current versions only), with its child; with
    `on_or_before`, of those dated on or before that day (the figures as at it). The recorded order ranks
    rows across whatever children the caller selects, so within each child it is that child's order."""
    query = (
        select(
            Assessment.child_pk,
            Assessment.id,
            func.dense_rank().over(order_by=first_recorded()).label("recorded_order"),
            AssessmentVersion.assessed_on,
            Instrument.id.label("instrument_id"),
            Rating.domain,
            Rating.need,
            Rating.strength,
        )
        .join(AssessmentVersion, is_current_version())
        .join(Instrument, Instrument.id == Assessment.instrument_id)
        .join(Rating, Rating.assessment_version_id == AssessmentVersion.id)
        .where(AssessmentVersion.status == "final")
    )
    return query if on_or_before is None else query.where(AssessmentVersion.assessed_on <= on_or_before)


@dataclass(frozen=True, slots=True)
class Family:
    """The instrument a child's trends follow and the instruments they may run across."""

    instrument: uuid.UUID
    definition: dict[str, Any]
    members: frozenset[uuid.UUID]


# An instrument never changes once stored, nor do the stored versions it declares compatible, so a
# process looks each family up once (per council, which decides which instruments it can use).
FAMILIES: dict[tuple[uuid.UUID, uuid.UUID], Family] = {}


async def series_instrument(db: AsyncSession, rows: Sequence[Row[Any]], la_id: uuid.UUID) -> Family:
    """The instrument of the latest assessment, and the instruments its trends may run across: that version and
    the versions it declares compatible, among the instruments the child's council can use (shipped or its own).
    Assessments of any other version, or of another instrument, are left out: the trends restart."""
    latest = max(rows, key=lambda row: (row.assessed_on, row.recorded_order))
    key = (latest.instrument_id, la_id)
    if key not in FAMILIES:
        instrument = await db.get_one(Instrument, latest.instrument_id)
        members = await db.scalars(
            select(Instrument.id).where(
                Instrument.code == instrument.code,
                Instrument.version.in_([instrument.version, *instrument.compatible_with]),
                Instrument.la_id.is_(None) | (Instrument.la_id == la_id),
            )
        )
        FAMILIES[key] = Family(instrument.id, instrument.definition, frozenset(members))
    return FAMILIES[key]


def engine_inputs(rows: Sequence[Row[Any]], instruments: frozenset[uuid.UUID]) -> list[AssessmentInput]:
    grouped: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        if row.instrument_id not in instruments:
            continue
        entry = grouped.setdefault(
            row.id, {"assessed_on": row.assessed_on, "seq": row.recorded_order, "needs": {}, "strengths": {}}
        )
        entry["needs"][row.domain] = row.need
        entry["strengths"][row.domain] = row.strength
    return [
        AssessmentInput(str(key), value["assessed_on"], value["seq"], value["needs"], value["strengths"])
        for key, value in grouped.items()
    ]


def figure_rows(
    child: Child, scale: InstrumentScale, inputs: list[AssessmentInput], trends: ChildTrends, computed_at: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The engine's dataclasses become rows field for field; only ids and tuples change type."""
    summary = trends.summary
    position = {domain: index for index, domain in enumerate(scale.domains)}
    assessed_on = {item.assessment_id: item.assessed_on for item in inputs}
    owner = {"child_pk": child.id, "la_id": child.la_id, "computed_at": computed_at}
    child_row = {
        **fields_of(summary),
        **owner,
        "instrument_code": scale.code,
        "instrument_version": scale.version,
        "baseline_assessment_id": uuid.UUID(summary.baseline_assessment_id),
        "latest_assessment_id": uuid.UUID(summary.latest_assessment_id),
        "baseline_assessed_on": assessed_on[summary.baseline_assessment_id],
        "latest_assessed_on": assessed_on[summary.latest_assessment_id],
        "assessment_ids": [uuid.UUID(value) for value in summary.assessment_ids],
        "resolved_needs": list(summary.resolved_needs),
        "new_needs": list(summary.new_needs),
    }
    domain_rows = [
        {**fields_of(trend), **strength_columns(strength), **owner, "position": position[trend.domain]}
        for trend, strength in zip(trends.domains, trends.strengths, strict=True)
    ]
    return child_row, domain_rows


STRENGTH_FIGURES = (
    "ratings_count",
    "baseline",
    "previous",
    "latest",
    "change_since_baseline",
    "change_since_previous",
    "slope_per_year",
    "direction",
)


def strength_columns(trend: DomainTrend) -> dict[str, Any]:
    return {f"strength_{name}": getattr(trend, name) for name in STRENGTH_FIGURES}


def fields_of(figures: Any) -> dict[str, Any]:
    """A figures dataclass as a dict, without asdict's deep copy of values that are all plain already."""
    return {name: getattr(figures, name) for name in figures.__slots__}


CLEARED_CHILD: dict[str, Any] = {
    "assessments_count": 0,
    "assessment_ids": [],
    "resolved_needs": [],
    "new_needs": [],
    "instrument_code": None,
    "instrument_version": None,
    "baseline_assessment_id": None,
    "latest_assessment_id": None,
    "baseline_assessed_on": None,
    "latest_assessed_on": None,
    "total_need": None,
    "max_need": None,
    "actionable_count": None,
    "intensive_count": None,
    "baseline_total_need": None,
    "baseline_max_need": None,
    "baseline_actionable_count": None,
    "baseline_intensive_count": None,
    "mixed_progress": None,
    "total_strength": None,
    "baseline_total_strength": None,
    "rci": None,
    "rci_verdict": None,
}
CLEARED_DOMAIN: dict[str, Any] = {
    "ratings_count": 0,
    "baseline": None,
    "previous": None,
    "latest": None,
    "change_since_baseline": None,
    "change_since_previous": None,
    "slope_per_year": None,
    "direction": "insufficient_data",
    "first_assessed_on": None,
    "latest_assessed_on": None,
    "strength_ratings_count": 0,
    "strength_baseline": None,
    "strength_previous": None,
    "strength_latest": None,
    "strength_change_since_baseline": None,
    "strength_change_since_previous": None,
    "strength_slope_per_year": None,
    "strength_direction": "insufficient_data",
}


Computed = tuple[dict[str, Any], InstrumentScale, list[AssessmentInput], ChildTrends]


async def compute_from(db: AsyncSession, child: Child, rows: Sequence[Row[Any]]) -> Computed | None:
    """The child's figures from its ratings (final_ratings_query's rows of this child)."""
    if not rows:
        return None
    family = await series_instrument(db, rows, child.la_id)
    scale = InstrumentScale.from_definition(family.definition)
    inputs = engine_inputs(rows, family.members)
    trends = compute_child_trends(inputs, Scale(scale.domains, scale.actionable_from, scale.intensive_level))
    return None if trends is None else (family.definition, scale, inputs, trends)


async def with_rci(db: AsyncSession, child_row: dict[str, Any], definition: dict[str, Any]) -> float | None:
    """Gives the child's row its reliable change, with the council's SD now; returns that SD (None: none yet)."""
    sd = await current_sd(db, child_row["la_id"], definition)
    rci, verdict = rci_for(
        [child_row["total_need"]],
        [child_row["baseline_total_need"]],
        [child_row["assessments_count"]],
        sd,
        reliability_of(definition),
    )
    child_row |= {"rci": rci[0], "rci_verdict": verdict[0]}
    return sd
