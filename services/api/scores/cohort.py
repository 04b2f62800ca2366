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

from services.api.paging import offset_page
from services.api.scores.as_at import STORED, FigureTables
from shared.models import Child, Instrument, Placement, Provider
from shared.ssda903 import PLACEMENT_GROUPS

SliceName = Literal["age_band", "sex", "ethnicity", "uasc", "legal_status", "placement_group", "provider"]
SLICES: tuple[str, ...] = get_args(SliceName)  # also the order slice columns take, whatever order `by` gives

# DfE's age bands for children looked after, each with the age (in whole years) it starts at.
AGE_BANDS = (("under_1", 0), ("1_4", 1), ("5_9", 5), ("10_15", 10), ("16_plus", 16))

SLICE_DEFINITIONS: dict[str, str] = {
    "age_band": (
        "age in whole years on the day (today, or as_at), in the DfE bands under_1 (under 1), 1_4 (1 to 4), "
        "5_9 (5 to 9), 10_15 (10 to 15), 16_plus (16 and over)"
    ),
    "sex": "the child's SSDA903 SEX code as recorded: M, F, U (or the pre-2024-25 1 male, 2 female)",
    "ethnicity": "the child's SSDA903 ETHNIC code as recorded, e.g. WBRI",
    "uasc": "true if the child is an unaccompanied asylum-seeking child",
    "legal_status": (
        "SSDA903 LS code of the child's placement episode current on the day (today, or as_at): the one open "
        "then, or else the one that ended last by then; null for a child with no placement episode by then"
    ),
    "placement_group": (
        "group of the SSDA903 PLACE code of the child's placement episode current on the day (as for "
        "legal_status): "
        + "; ".join(f"{group} {', '.join(sorted(codes))}" for group, codes in PLACEMENT_GROUPS.items())
        + "; ungrouped for any other PLACE code; null for a child with no placement episode"
    ),
    "provider": (
        "the council's external id of the provider of the child's placement episode current on the day (as for "
        "legal_status); null for a child with no placement episode or one without a provider"
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
        return CohortPage(self.columns, *offset_page(self.rows, offset, limit))


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


def sliced_children(la_id: uuid.UUID, day: date) -> Any:
    """Every child of the council with its slice values on `day`: its age then, and those of its placement
    episode current then: the one open on the day (begun by it and not ended before or on it), or else the one
    that ended last by it (null without any)."""
    # An episode ending after the day was open on it.
    ended_by_then = case((Placement.end_date > day, None), else_=Placement.end_date)
    current = (
        select(
            Placement.child_pk,
            Placement.legal_status,
            Placement.place,
            Provider.external_id.label("provider"),
        )
        .outerjoin(Provider, and_(Provider.id == Placement.provider_id, Provider.la_id == la_id))
        .where(Placement.la_id == la_id, Placement.start_date <= day)
        .ext(distinct_on(Placement.child_pk))
        .order_by(
            Placement.child_pk,
            ended_by_then.desc().nulls_first(),
            Placement.start_date.desc(),
            Placement.id,
        )
        .subquery("current_placement")
    )
    band, band_rank = age_band_of(Child.date_of_birth, day)
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
    db: AsyncSession,
    la_id: uuid.UUID,
    *,
    by: Sequence[str] = (),
    table: CohortTable = "domains",
    day: date,
    figures: FigureTables = STORED,
) -> Cohort:
    """Every row of the table, in a fixed order: slice values (age bands youngest first, nulls last), instrument
    code and version, and for domains the domain's place in its instrument. Ages and placements are those of
    `day`, the figures those of `figures` (the stored ones, or those as at `day`: scores/as_at.py). Aggregating
    costs the same whatever page is wanted, so the whole is read at once and paged from (cohort_cache.py keeps
    it)."""
    by = slices_asked(by)
    computed_at = datetime.now().astimezone()
    sliced = sliced_children(la_id, day)
    aggregate = per_child if table == "children" else per_domain
    query = aggregate(la_id, sliced, by, figures)
    columns = cohort_columns(by, table)
    fetched = (await db.execute(query)).all()
    rows = [{name: as_json(value) for name, value in zip(columns, row, strict=True)} for row in fetched]
    return Cohort(columns, rows, computed_at)


def slice_order(sliced: Any, by: Sequence[str]) -> list[Any]:
    return [(sliced.c.age_band_rank if name == "age_band" else sliced.c[name]).asc().nulls_last() for name in by]


def slice_keys(sliced: Any, by: Sequence[str]) -> list[Any]:
    """The slice columns, and the age band's rank with them to order by it."""
    return [sliced.c[name] for name in by] + ([sliced.c.age_band_rank] if "age_band" in by else [])


def per_child(la_id: uuid.UUID, sliced: Any, by: Sequence[str], figures: FigureTables) -> Select[Any]:
    """Per slice and instrument: the children and their reliable change."""
    verdict = figures.child.rci_verdict
    with_verdict = func.count().filter(verdict.is_not(None))
    improved = func.count().filter(verdict == "reliable_improvement")
    worse = func.count().filter(verdict == "reliable_deterioration")
    instrument_keys = [figures.child.instrument_code, figures.child.instrument_version]
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
        .join(sliced, sliced.c.child_pk == figures.child.child_pk)
        .where(figures.child.la_id == la_id, figures.child.assessments_count > 0)
        .group_by(*slice_keys(sliced, by), *instrument_keys)
        .order_by(*slice_order(sliced, by), *instrument_keys)
    )


def per_domain(la_id: uuid.UUID, sliced: Any, by: Sequence[str], figures: FigureTables) -> Select[Any]:
    """Per slice, instrument and domain."""
    assessed = figures.domain.latest.is_not(None)
    domain = figures.domain.domain
    actionable_from = cast(Instrument.definition["actionable_from"].astext, Integer)
    counted = func.count().filter(assessed)
    actionable = func.count().filter(figures.domain.latest >= actionable_from)
    instrument_keys = [figures.child.instrument_code, figures.child.instrument_version]
    return (
        select(
            *(sliced.c[name] for name in by),
            *instrument_keys,
            domain,
            counted.label("children_counted"),
            actionable.label("actionable_count"),
            share(actionable, counted).label("actionable_prevalence"),
            func.round(func.avg(figures.domain.change_since_baseline).filter(assessed), 4).label(
                "mean_change_since_baseline"
            ),
            func.count().filter(figures.domain.direction == "improving").label("improving_count"),
            func.count().filter(figures.domain.direction == "worsening").label("worsening_count"),
            func.count().filter(domain == any_(figures.child.resolved_needs)).label("resolved_count"),
            func.count().filter(domain == any_(figures.child.new_needs)).label("new_need_count"),
        )
        .join(figures.child, figures.child.child_pk == figures.domain.child_pk)
        .join(sliced, sliced.c.child_pk == figures.domain.child_pk)
        .join(
            Instrument,
            and_(
                Instrument.code == figures.child.instrument_code,
                Instrument.version == figures.child.instrument_version,
                # Another council may have an instrument of the same code and version.
                Instrument.la_id.is_(None) | (Instrument.la_id == la_id),
            ),
        )
        .where(
            figures.domain.la_id == la_id,
            figures.child.la_id == la_id,
            figures.child.assessments_count > 0,
        )
        .group_by(*slice_keys(sliced, by), *instrument_keys, domain, figures.domain.position)
        .order_by(*slice_order(sliced, by), *instrument_keys, figures.domain.position, domain)
    )


def as_json(value: Any) -> Any:
    # Averages come back as Decimal; BI tools want plain numbers.
    return float(value) if isinstance(value, Decimal) else value
