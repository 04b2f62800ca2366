"""Council-wide figures per domain, aggregated from the per-child figures (and kept by cohort_cache.py
only until those change): an erased child or a recomputed one changes them at once.

Sliced by any of age band, sex, ethnicity, UASC, legal status, placement group and provider; one row per
slice combination, instrument (code, version) and domain carrying the domain's figures; and apart, one row per
slice combination and instrument carrying the counts of children (in it, reliable change), which would double
count if repeated on each domain's row. Only children with figures (a final assessment) count."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import Integer, Numeric, Select, String, and_, any_, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend, Instrument, Placement, Provider
from shared.ssda903 import PLACEMENT_GROUPS

SliceName = Literal["age_band", "sex", "ethnicity", "uasc", "legal_status", "placement_group", "provider"]
SLICES: tuple[str, ...] = get_args(SliceName)  # also the order slice columns take, whatever order `by` gives

# DfE's age bands for children looked after, each with the age (in whole years) it starts at.
AGE_BANDS = (("under_1", 0), ("1_4", 1), ("5_9", 5), ("10_15", 10), ("16_plus", 16))

SLICE_DEFINITIONS: dict[str, str] = {
    "age_band": (
        "age in whole years at today's date, in the DfE bands under_1 (under 1), 1_4 (1 to 4), 5_9 (5 to 9), "
        "10_15 (10 to 15), 16_plus (16 and over)"
    ),
    "sex": "the child's SSDA903 SEX code as recorded: M, F, U (or the pre-2024-25 1 male, 2 female)",
    "ethnicity": "the child's SSDA903 ETHNIC code as recorded, e.g. WBRI",
    "uasc": "true if the child is an unaccompanied asylum-seeking child",
    "legal_status": (
        "SSDA903 LS code of the child's current placement episode (the open one, or else the one that ended "
        "last); null for a child with no placement episode"
    ),
    "placement_group": (
        "group of the SSDA903 PLACE code of the child's current placement episode (the open one, or else the "
        "one that ended last): "
        + "; ".join(f"{group} {', '.join(sorted(codes))}" for group, codes in PLACEMENT_GROUPS.items())
        + "; ungrouped for any other PLACE code; null for a child with no placement episode"
    ),
    "provider": (
        "the council's external id of the provider of the child's current placement episode (the open one, or "
        "else the one that ended last); null for a child with no placement episode or one without a provider"
    ),
}

CohortTable = Literal["domains", "children"]
INSTRUMENT_COLUMNS = ("instrument_code", "instrument_version")
DOMAIN_COLUMNS = (
    *INSTRUMENT_COLUMNS,
    "domain",
    "children_counted",
    "actionable_count",
    "actionable_prevalence",
    "mean_change_since_baseline",
    "improving_count",
    "worsening_count",
    "resolved_count",
    "new_need_count",
)
# Counts of children, not of a domain's ratings: one row per slice and instrument, so they sum right.
CHILD_COLUMNS = (
    *INSTRUMENT_COLUMNS,
    "children_in_slice",
    "children_with_verdict",
    "reliably_improved_count",
    "reliably_worse_count",
    "reliably_improved_share",
    "reliably_worse_share",
)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {"domains": DOMAIN_COLUMNS, "children": CHILD_COLUMNS}


def slices_asked(by: Sequence[str] | None) -> tuple[str, ...]:
    """The slices asked for, once each, in the fixed order of SLICES: a report's columns never move."""
    asked = set(by or ())
    return tuple(name for name in SLICES if name in asked)


def cohort_columns(by: Sequence[str], table: CohortTable) -> tuple[str, ...]:
    """The slice columns asked for, then the table's figures."""
    return (*by, *TABLE_COLUMNS[table])


@dataclass(frozen=True, slots=True)
class CohortPage:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    next_offset: int | None  # None: this was the last page
    has_more: bool


@dataclass(frozen=True, slots=True)
class Cohort:
    """Every row of one council, table and slices, as aggregated at `computed_at`."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    computed_at: datetime

    def page(self, offset: int, limit: int) -> CohortPage:
        rows = self.rows[offset : offset + limit]
        more = offset + limit < len(self.rows)
        return CohortPage(self.columns, rows, offset + len(rows) if more else None, more)


def years_before(today: date, years: int) -> date:
    """The last date of birth of a child `years` old today (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def age_band_of(date_of_birth: SQLCoreOperations[date], today: date) -> tuple[ColumnElement[str], ColumnElement[int]]:
    """The band, and its place among the bands (to order rows youngest first)."""
    older_first = [(rank, name, years_before(today, start)) for rank, (name, start) in enumerate(AGE_BANDS)][::-1]
    band = case(*((date_of_birth <= born_by, literal(name)) for _, name, born_by in older_first[:-1]), else_="under_1")
    rank = case(*((date_of_birth <= born_by, literal(n)) for n, _, born_by in older_first[:-1]), else_=0)
    return band, rank


def placement_group_of(place: ColumnElement[str]) -> ColumnElement[str | None]:
    groups = {code: group for group, codes in PLACEMENT_GROUPS.items() for code in codes}
    return case(
        (place.is_(None), None),
        *((place == code, literal(group)) for code, group in sorted(groups.items())),
        else_=literal("ungrouped", String),
    )


def sliced_children(la_id: uuid.UUID, today: date) -> Any:
    """Every child of the council with its slice values: those of its current placement episode, the open
    one or else the one that ended last (null without any)."""
    current = (
        select(
            Placement.child_pk,
            Placement.legal_status,
            Placement.place,
            Provider.external_id.label("provider"),
        )
        .outerjoin(Provider, and_(Provider.id == Placement.provider_id, Provider.la_id == la_id))
        .where(Placement.la_id == la_id)
        .ext(distinct_on(Placement.child_pk))
        .order_by(
            Placement.child_pk,
            Placement.end_date.desc().nulls_first(),
            Placement.start_date.desc(),
            Placement.id,
        )
        .subquery("current_placement")
    )
    band, band_rank = age_band_of(Child.date_of_birth, today)
    return (
        select(
            Child.id.label("child_pk"),
            band.label("age_band"),
            band_rank.label("age_band_rank"),
            Child.sex.label("sex"),
            Child.ethnicity.label("ethnicity"),
            Child.uasc.label("uasc"),
            current.c.legal_status.label("legal_status"),
            placement_group_of(current.c.place).label("placement_group"),
            current.c.provider.label("provider"),
        )
        .outerjoin(current, current.c.child_pk == Child.id)
        .where(Child.la_id == la_id)
        .cte("sliced_children")
    )


def share(part: ColumnElement[int], whole: ColumnElement[int]) -> ColumnElement[Decimal | None]:
    return func.round(cast(part, Numeric) / func.nullif(whole, 0), 4)


async def read_cohort(
    db: AsyncSession, la_id: uuid.UUID, *, by: Sequence[str] = (), table: CohortTable = "domains", today: date
) -> Cohort:
    """Every row of the table, in a fixed order: slice values (age bands youngest first, nulls last), instrument
    code and version, and for domains the domain's place in its instrument. Aggregating costs the same whatever
    page is wanted, so the whole is read at once and paged from (scores/cohort_cache.py keeps it)."""
    by = slices_asked(by)
    computed_at = datetime.now().astimezone()
    sliced = sliced_children(la_id, today)
    aggregate = per_child if table == "children" else per_domain
    query = aggregate(la_id, sliced, by)
    columns = cohort_columns(by, table)
    fetched = (await db.execute(query)).all()
    rows = [{name: as_json(value) for name, value in zip(columns, row, strict=True)} for row in fetched]
    return Cohort(columns, rows, computed_at)


def slice_order(sliced: Any, by: Sequence[str]) -> list[Any]:
    return [(sliced.c.age_band_rank if name == "age_band" else sliced.c[name]).asc().nulls_last() for name in by]


def slice_keys(sliced: Any, by: Sequence[str]) -> list[Any]:
    """The slice columns, and the age band's rank with them to order by it."""
    return [sliced.c[name] for name in by] + ([sliced.c.age_band_rank] if "age_band" in by else [])


def per_child(la_id: uuid.UUID, sliced: Any, by: Sequence[str]) -> Select[Any]:
    """Per slice and instrument: the children and their reliable change."""
    verdict = ChildNeedsTrend.rci_verdict
    with_verdict = func.count().filter(verdict.is_not(None))
    improved = func.count().filter(verdict == "reliable_improvement")
    worse = func.count().filter(verdict == "reliable_deterioration")
    instrument_keys = [ChildNeedsTrend.instrument_code, ChildNeedsTrend.instrument_version]
    return (
        select(
            *(sliced.c[name] for name in by),
            *instrument_keys,
            func.count().label("children_in_slice"),
            with_verdict.label("children_with_verdict"),
            improved.label("reliably_improved_count"),
            worse.label("reliably_worse_count"),
            share(improved, with_verdict).label("reliably_improved_share"),
            share(worse, with_verdict).label("reliably_worse_share"),
        )
        .join(sliced, sliced.c.child_pk == ChildNeedsTrend.child_pk)
        .where(ChildNeedsTrend.la_id == la_id, ChildNeedsTrend.assessments_count > 0)
        .group_by(*slice_keys(sliced, by), *instrument_keys)
        .order_by(*slice_order(sliced, by), *instrument_keys)
    )


def per_domain(la_id: uuid.UUID, sliced: Any, by: Sequence[str]) -> Select[Any]:
    """Per slice, instrument and domain."""
    assessed = DomainNeedsTrend.latest.is_not(None)
    domain = DomainNeedsTrend.domain
    actionable_from = cast(Instrument.definition["actionable_from"].astext, Integer)
    counted = func.count().filter(assessed)
    actionable = func.count().filter(DomainNeedsTrend.latest >= actionable_from)
    instrument_keys = [ChildNeedsTrend.instrument_code, ChildNeedsTrend.instrument_version]
    return (
        select(
            *(sliced.c[name] for name in by),
            *instrument_keys,
            domain,
            counted.label("children_counted"),
            actionable.label("actionable_count"),
            share(actionable, counted).label("actionable_prevalence"),
            func.round(func.avg(DomainNeedsTrend.change_since_baseline).filter(assessed), 4).label(
                "mean_change_since_baseline"
            ),
            func.count().filter(DomainNeedsTrend.direction == "improving").label("improving_count"),
            func.count().filter(DomainNeedsTrend.direction == "worsening").label("worsening_count"),
            func.count().filter(domain == any_(ChildNeedsTrend.resolved_needs)).label("resolved_count"),
            func.count().filter(domain == any_(ChildNeedsTrend.new_needs)).label("new_need_count"),
        )
        .join(ChildNeedsTrend, ChildNeedsTrend.child_pk == DomainNeedsTrend.child_pk)
        .join(sliced, sliced.c.child_pk == DomainNeedsTrend.child_pk)
        .join(
            Instrument,
            and_(
                Instrument.code == ChildNeedsTrend.instrument_code,
                Instrument.version == ChildNeedsTrend.instrument_version,
                # Another council may have an instrument of the same code and version.
                Instrument.la_id.is_(None) | (Instrument.la_id == la_id),
            ),
        )
        .where(
            DomainNeedsTrend.la_id == la_id,
            ChildNeedsTrend.la_id == la_id,
            ChildNeedsTrend.assessments_count > 0,
        )
        .group_by(*slice_keys(sliced, by), *instrument_keys, domain, DomainNeedsTrend.position)
        .order_by(*slice_order(sliced, by), *instrument_keys, DomainNeedsTrend.position, domain)
    )


def as_json(value: Any) -> Any:
    # Averages come back as Decimal; BI tools want plain numbers.
    return float(value) if isinstance(value, Decimal) else value
