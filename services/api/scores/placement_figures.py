"""The placement figures of domain.md §6 as at a day, computed on reading from the stored episodes by the
placements engine: one row per child placed by then, and the council's figures, sliced like the cohort
figures, one row per slice, measure and category (a long table, which BI tools pivot)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.scores.cohort import sliced_children, slices_asked
from services.api.scores.rows import PSEUDONYM, columns_of
from shared.domain.engines.placements.child import PlacementFigures, placement_figures
from shared.domain.engines.placements.council import CouncilFigures, Share, council_figures
from shared.domain.placement_inputs import PlacedChild, placed_children
from shared.errors import InvalidInput, field_error

FIGURE_COLUMNS = ("measure", "category", "count", "population", "share", "amount")


class PlacementChildRow(BaseModel):
    child_pseudonym: str = PSEUDONYM
    looked_after: bool = Field(description="In care at the end of the day")
    current_place: str | None = Field(description="SSDA903 PLACE of the episode open at the end of the day")
    current_group: str | None = Field(description="Its placement group (domain.md §6), ungrouped for other codes")
    current_placement_start: date | None = Field(
        description="When the placement held began (kept through temporary moves and changes of legal status)"
    )
    placements_in_year: int | None = Field(
        description="Placements in the 12 months ending the day, the one held at their start included; null when "
        "not looked after then or under V3/V4"
    )
    unstable: bool | None = Field(description="placements_in_year of 3 or more (the national instability measure)")
    long_term_stable: bool | None = Field(
        description="Under 16, in care 2.5 years and in the placement 2 years (adoption counting the same carers' "
        "time before it); null outside that measure's children"
    )
    placements_ended: int = Field(description="Placements ended by the day")
    placements_ended_in_year: int = Field(description="Of those, ended in the 12 months ending the day")
    ended_for_behaviour: int = Field(description="Placements ended with REASON_PLACE_CHANGE CREQB")
    reasons_ended: list[str] = Field(
        description="REASON_PLACE_CHANGE of each ended placement, oldest first (none: no reason, e.g. care ended; "
        "CSV: ;-separated)"
    )
    weeks_in_care: float = Field(description="Days looked after up to the day, over every period of care, / 7")
    weekly_cost: Decimal | None = Field(description="The open episode's weekly cost, GBP")
    funding_social_care: Decimal | None = Field(description="Share of it social care pays")
    funding_health: Decimal | None = Field(description="Share of it health pays")
    funding_education: Decimal | None = Field(description="Share of it education pays")


CHILD_COLUMNS = columns_of(PlacementChildRow)


def child_row(pseudonym: str, figures: PlacementFigures) -> dict[str, Any]:
    current = figures.current
    reasons = [placement.reason_changed for placement in figures.ended]
    return {
        "child_pseudonym": pseudonym,
        "looked_after": figures.looked_after,
        "current_place": current.place if current else None,
        "current_group": (current.group or "ungrouped") if current else None,
        "current_placement_start": current.start if current else None,
        "placements_in_year": figures.placements_in_year,
        "unstable": figures.unstable,
        "long_term_stable": figures.long_term_stable,
        "placements_ended": len(figures.ended),
        "placements_ended_in_year": len(figures.ended_in_year()),
        "ended_for_behaviour": sum(placement.ended_for_behaviour for placement in figures.ended),
        "reasons_ended": [reason or "none" for reason in reasons],
        "weeks_in_care": round(figures.weeks_in_care, 2),
        "weekly_cost": current.weekly_cost if current else None,
        "funding_social_care": current.funding.social_care if current and current.weekly_cost is not None else None,
        "funding_health": current.funding.health if current and current.weekly_cost is not None else None,
        "funding_education": current.funding.education if current and current.weekly_cost is not None else None,
    }


def day_asked(as_at: date | None) -> date:
    """The day asked for, today by default; a day to come is refused naming the parameter."""
    if as_at is not None and as_at > date.today():
        raise InvalidInput(
            "The figures cannot be as at a day to come.", errors=[field_error("as_at", "not after today")]
        )
    return as_at or date.today()


def figures_of(placed: Sequence[PlacedChild], day: date) -> list[tuple[PlacedChild, PlacementFigures]]:
    """The children placed by the day (an episode begun by then), with their figures as at it."""
    return [(each, placement_figures(each.child, day)) for each in placed if each.child.episodes[0].start <= day]


async def read_child_rows(db: AsyncSession, la_id: uuid.UUID, day: date) -> list[dict[str, Any]]:
    return [child_row(each.pseudonym, figures) for each, figures in figures_of(await placed_children(db, la_id), day)]


async def read_child_figures(
    db: AsyncSession, la_id: uuid.UUID, child_pk: uuid.UUID, day: date
) -> dict[str, Any] | None:
    found = figures_of(await placed_children(db, la_id, child_pk), day)
    return child_row(found[0][0].pseudonym, found[0][1]) if found else None


def share_row(measure: str, share: Share) -> dict[str, Any]:
    value = None if share.share is None else round(share.share, 4)
    return {
        "measure": measure,
        "category": None,
        "count": share.numerator,
        "population": share.population,
        "share": value,
        "amount": None,
    }


def counted(measure: str, counts: dict[str | None, int], unnamed: str) -> list[dict[str, Any]]:
    return [
        {"measure": measure, "category": key or unnamed, "count": n, "population": None, "share": None, "amount": None}
        for key, n in sorted(counts.items(), key=lambda item: item[0] or "~")
    ]


def amounts(measure: str, values: dict[str | None, Decimal] | dict[str, Decimal]) -> list[dict[str, Any]]:
    return [
        {
            "measure": measure,
            "category": key or "ungrouped",
            "count": None,
            "population": None,
            "share": None,
            "amount": value,
        }
        for key, value in sorted(values.items(), key=lambda item: item[0] or "~")
    ]


def council_rows(figures: CouncilFigures) -> list[dict[str, Any]]:
    return [
        *counted("looked_after", dict(figures.looked_after_by_group), "ungrouped"),
        share_row("unstable", figures.instability),
        share_row("long_term_stable", figures.long_term_stability),
        *counted("placements_ended_in_year", dict(figures.placements_ended_by_reason), "none"),
        *amounts("average_weekly_cost", dict(figures.average_weekly_cost_by_group)),
        *amounts("weekly_spend", dict(figures.weekly_spend_by_funder)),
    ]


async def read_council_rows(db: AsyncSession, la_id: uuid.UUID, day: date, by: Sequence[str]) -> list[dict[str, Any]]:
    """The council's figures per slice combination (the slices of the cohort figures, as at the day), slices
    youngest age band first and nulls last, then measures in a fixed order."""
    by = slices_asked(by)
    sliced = sliced_children(la_id, day)
    keys = {
        row[0]: tuple(row[1:])
        for row in await db.execute(select(sliced.c.child_pk, *(sliced.c[name] for name in by), sliced.c.age_band_rank))
    }
    groups: defaultdict[tuple[Any, ...], list[PlacementFigures]] = defaultdict(list)
    for each, figures in figures_of(await placed_children(db, la_id), day):
        groups[keys[each.child_pk]].append(figures)
    rows = []
    for key in sorted(groups, key=slice_order(by)):
        values = dict(zip(by, key[: len(by)], strict=True))
        rows += [values | row for row in council_rows(council_figures(groups[key]))]
    return rows


def slice_order(by: Sequence[str]) -> Any:
    """Age bands by their rank (the last key), other slices by value, nulls last."""

    def order(key: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            (value is None, key[-1] if name == "age_band" else ("" if value is None else str(value)))
            for name, value in zip(by, key, strict=False)
        )

    return order
