"""Council-wide figures per domain, aggregated from the per-child figures (and kept by cohort_cache.py
only until those change): an erased child or a recomputed one changes them at once.

Sliced by any of age band, sex, ethnicity, UASC, legal status, placement group and provider; one row per
slice combination, instrument (code, version) and domain, carrying the domain's figures and the slice's
child-level ones (children in it, reliable change). Only children with figures (a final assessment) count."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import Integer, Numeric, String, and_, any_, case, cast, func, literal, select
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

DOMAIN_COLUMNS = (
    "instrument_code",
    "instrument_version",
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
CHILD_COLUMNS = (
    "children_in_slice",
    "children_with_verdict",
    "reliably_improved_count",
    "reliably_worse_count",
    "reliably_improved_share",
    "reliably_worse_share",
)
COHORT_COLUMNS = DOMAIN_COLUMNS + CHILD_COLUMNS  # after the slice columns asked for


def slices_asked(by: Sequence[str] | None) -> tuple[str, ...]:
    """The slices asked for, once each, in the fixed order of SLICES: a report's columns never move."""
    asked = set(by or ())
    return tuple(name for name in SLICES if name in asked)


def cohort_columns(by: Sequence[str]) -> tuple[str, ...]:
    return (*by, *COHORT_COLUMNS)


@dataclass(frozen=True, slots=True)
class CohortPage:
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    next_offset: int | None  # None: this was the last page
    has_more: bool


@dataclass(frozen=True, slots=True)
class Cohort:
    """Every row of one council and slices, as aggregated at `computed_at`."""

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


async def read_cohort(db: AsyncSession, la_id: uuid.UUID, *, by: Sequence[str] = (), today: date) -> Cohort:
    """Every cohort row, in a fixed order: slice values (age bands youngest first, nulls last), instrument
    code and version, the domain's place in its instrument. Aggregating costs the same whatever page is
    wanted, so the whole is read at once and paged from (scores/cohort_cache.py keeps it)."""
    by = slices_asked(by)
    computed_at = datetime.now().astimezone()
    sliced = sliced_children(la_id, today)
    slice_columns = [sliced.c[name] for name in by]
    instrument_keys = [ChildNeedsTrend.instrument_code, ChildNeedsTrend.instrument_version]

    # Per slice and instrument: the children and their reliable change.
    verdict = ChildNeedsTrend.rci_verdict
    with_verdict = func.count().filter(verdict.is_not(None))
    improved = func.count().filter(verdict == "reliable_improvement")
    worse = func.count().filter(verdict == "reliable_deterioration")
    per_child = (
        select(
            *slice_columns,
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
        .group_by(*slice_columns, *instrument_keys)
        .subquery("per_child")
    )

    # Per slice, instrument and domain.
    assessed = DomainNeedsTrend.latest.is_not(None)
    domain = DomainNeedsTrend.domain
    actionable_from = cast(Instrument.definition["actionable_from"].astext, Integer)
    counted = func.count().filter(assessed)
    actionable = func.count().filter(DomainNeedsTrend.latest >= actionable_from)
    rank_column = [sliced.c.age_band_rank] if "age_band" in by else []
    per_domain = (
        select(
            *slice_columns,
            *rank_column,
            ChildNeedsTrend.instrument_code.label("instrument_code"),
            ChildNeedsTrend.instrument_version.label("instrument_version"),
            DomainNeedsTrend.domain.label("domain"),
            DomainNeedsTrend.position.label("position"),
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
        .group_by(*slice_columns, *rank_column, *instrument_keys, DomainNeedsTrend.domain, DomainNeedsTrend.position)
        .subquery("per_domain")
    )

    # Slice values may be null (no placement): matched null-safe.
    joined = and_(
        *(per_domain.c[name].is_not_distinct_from(per_child.c[name]) for name in by),
        per_domain.c.instrument_code == per_child.c.instrument_code,
        per_domain.c.instrument_version == per_child.c.instrument_version,
    )
    order = [
        (per_domain.c.age_band_rank if name == "age_band" else per_domain.c[name]).asc().nulls_last() for name in by
    ]
    columns = cohort_columns(by)
    query = (
        select(
            *(per_domain.c[name] for name in (*by, *DOMAIN_COLUMNS)),
            *(per_child.c[name] for name in CHILD_COLUMNS),
        )
        .select_from(per_domain.join(per_child, joined))
        .order_by(
            *order,
            per_domain.c.instrument_code,
            per_domain.c.instrument_version,
            per_domain.c.position,
            per_domain.c.domain,
        )
    )
    fetched = (await db.execute(query)).all()
    rows = [{name: as_json(value) for name, value in zip(columns, row, strict=True)} for row in fetched]
    return Cohort(columns, rows, computed_at)


def as_json(value: Any) -> Any:
    # Averages come back as Decimal; BI tools want plain numbers.
    return float(value) if isinstance(value, Decimal) else value
