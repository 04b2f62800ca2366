"""The placement figures of domain.md §6 as at a day: one row per child placed by then, and the council's
figures, sliced like the cohort figures, one row per slice, measure and category (a long table, which BI tools
pivot). As at today they are the rows the worker keeps (shared/domain/kept_placement_figures.py) while those
stand for the day; as at another day, computed on reading from the stored episodes by the same engine."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.paging import offset_page
from services.api.scores.cohort import sliced_children, slices_asked
from services.api.scores.rows import PSEUDONYM, columns_of
from shared.domain.bulk_read import fetch_rows
from shared.domain.engines.placements.council import CouncilFigures, Share, council_figures
from shared.domain.kept_placement_figures import (
    VALUE_COLUMNS,
    CountedValues,
    Values,
    as_counted,
    kept_for,
    values_as_at,
)
from shared.domain.placement_inputs import placed_children
from shared.errors import InvalidInput, field_error
from shared.models import Child, ChildPlacementFigures

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
    reasons_ended_in_year: list[str] = Field(
        description="The same for the placements ended in the 12 months ending the day (what the council's "
        "placements_ended_in_year counts)"
    )
    weeks_in_care: float = Field(description="Days looked after up to the day, over every period of care, / 7")
    weekly_cost: Decimal | None = Field(description="The open episode's weekly cost, GBP")
    funding_social_care: Decimal | None = Field(description="Share of it social care pays")
    funding_health: Decimal | None = Field(description="Share of it health pays")
    funding_education: Decimal | None = Field(description="Share of it education pays")


CHILD_COLUMNS = columns_of(PlacementChildRow)


def child_row(pseudonym: str, values: Values) -> dict[str, Any]:
    """A child's values (kept or computed) as published: groups and reasons named where the code has none."""
    return {
        "child_pseudonym": pseudonym,
        **{name: values[name] for name in VALUE_COLUMNS},
        "current_group": (values["current_group"] or "ungrouped") if values["looked_after"] else None,
        "reasons_ended": [reason or "none" for reason in values["reasons_ended"]],
        "reasons_ended_in_year": [reason or "none" for reason in values["reasons_ended_in_year"]],
        "weeks_in_care": round(values["weeks_in_care"], 2),
    }


def day_asked(as_at: date | None) -> date:
    """The day asked for, today by default; a day to come is refused naming the parameter."""
    if as_at is not None and as_at > date.today():
        raise InvalidInput(
            "The figures cannot be as at a day to come.", errors=[field_error("as_at", "not after today")]
        )
    return as_at or date.today()


ValuesOf = tuple[uuid.UUID, str, Values]  # child, pseudonym, its values


def kept_rows(la_id: uuid.UUID, day: date) -> Select[Any]:
    kept = ChildPlacementFigures
    return (
        select(kept.child_pk, Child.pseudonym, *(kept.__table__.c[name] for name in VALUE_COLUMNS))
        .join(Child, Child.id == kept.child_pk)
        .where(kept.la_id == la_id, kept.as_at == day)
        .order_by(Child.seq)
    )


def values_of(rows: Iterable[Sequence[Any]]) -> list[ValuesOf]:
    return [(row[0], row[1], dict(zip(VALUE_COLUMNS, row[2:], strict=True))) for row in rows]


async def computed(db: AsyncSession, la_id: uuid.UUID, day: date, child_pk: uuid.UUID | None = None) -> list[ValuesOf]:
    placed = await placed_children(db, [la_id], None if child_pk is None else [child_pk])
    return [(each.child_pk, each.pseudonym, values) for each, values in values_as_at(placed, day)]


async def served_kept(db: AsyncSession, la_id: uuid.UUID, day: date) -> bool:
    """Whether the worker's rows serve the day: it is today, and they stand for it."""
    return day == date.today() and await kept_for(db, la_id, day)


async def children_values(db: AsyncSession, la_id: uuid.UUID, day: date) -> list[ValuesOf]:
    """Every child placed by the day: the worker's rows while they stand for it (today), else computed now."""
    if await served_kept(db, la_id, day):
        return values_of(await fetch_rows(db, kept_rows(la_id, day)))
    return await computed(db, la_id, day)


async def read_child_rows(
    db: AsyncSession, la_id: uuid.UUID, day: date, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int | None, bool]:
    """A page of the children's rows (paging.offset_page's), the worker's read a page at a time."""
    if await served_kept(db, la_id, day):
        fetched = values_of(await fetch_rows(db, kept_rows(la_id, day).offset(offset).limit(limit + 1)))
        page, more = fetched[:limit], len(fetched) > limit
        return [child_row(pseudonym, values) for _, pseudonym, values in page], offset + limit if more else None, more
    rows = [child_row(pseudonym, values) for _, pseudonym, values in await computed(db, la_id, day)]
    return offset_page(rows, offset, limit)


async def read_child_figures(
    db: AsyncSession, la_id: uuid.UUID, child_pk: uuid.UUID, day: date
) -> dict[str, Any] | None:
    """One child's row: the worker's for today, else computed now (a child newly placed, or another day)."""
    found: list[ValuesOf] = []
    if day == date.today():
        found = values_of(await fetch_rows(db, kept_rows(la_id, day).where(ChildPlacementFigures.child_pk == child_pk)))
    found = found or await computed(db, la_id, day, child_pk)
    return child_row(found[0][1], found[0][2]) if found else None


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
    # The age band's rank orders its slices (slice_order): a key of its own only when the rows slice by age band.
    ranked = (sliced.c.age_band_rank,) if "age_band" in by else ()
    keys = {
        row[0]: tuple(row[1:])
        for row in await fetch_rows(db, select(sliced.c.child_pk, *(sliced.c[name] for name in by), *ranked))
    }
    groups: defaultdict[tuple[Any, ...], list[CountedValues]] = defaultdict(list)
    for child_pk, _, values in await children_values(db, la_id, day):
        groups[keys[child_pk]].append(as_counted(values))
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
