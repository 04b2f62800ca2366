"""The rows of the score tables, typed and described: their fields, in order, are the tables' public columns
(the JSON items and the CSV header alike), so a BI model binds to what the OpenAPI document says."""

from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

Instant = str  # every timestamp is written by services.api.tabular.instant
INSTANT = "UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ"
PSEUDONYM = Field(description="The child's pseudonym: stable per council, never the council's id")


def need(what: str) -> str:
    return f"{what} (need level 0-4 of the instrument's scale; null without a rating)"


class NeedsTrendRow(BaseModel):
    child_pseudonym: str = PSEUDONYM
    domain: str = Field(description="The instrument's domain code (see /v1/scores/domains)")
    ratings_count: int = Field(
        description="Professionals' final assessments rating the child's need in the domain (the child's own "
        "ratings are its view, not counted: see /v1/children/{child_id}/series)"
    )
    baseline: int | None = Field(description=need("The first rating"))
    previous: int | None = Field(description=need("The rating before the latest"))
    latest: int | None = Field(description=need("The latest rating"))
    change_since_baseline: int | None = Field(description="latest - baseline")
    change_since_previous: int | None = Field(description="latest - previous; null with one rating")
    slope_per_year: float | None = Field(description="Least-squares slope of the level over time, per year")
    direction: str = Field(description="improving, worsening, stable or insufficient_data (domain.md §4)")
    first_assessed_on: date | None = Field(description="Date of the first rating")
    latest_assessed_on: date | None = Field(description="Date of the latest rating")
    strength_ratings_count: int = Field(description="Final assessments rating the child's strength in the domain")
    strength_baseline: int | None = Field(description="The first strength rating (0-3)")
    strength_previous: int | None = Field(description="The strength rating before the latest")
    strength_latest: int | None = Field(description="The latest strength rating")
    strength_change_since_baseline: int | None = Field(description="strength_latest - strength_baseline")
    strength_change_since_previous: int | None = Field(description="strength_latest - strength_previous")
    strength_slope_per_year: float | None = Field(description="Least-squares slope of the strength, per year")
    strength_direction: str = Field(description="As direction, where rising strength is improving")
    computed_at: Instant = Field(description=f"When the row was computed, {INSTANT}")


class NeedsSummaryRow(BaseModel):
    child_pseudonym: str = PSEUDONYM
    instrument_code: str | None = Field(description="The instrument of the child's figures")
    instrument_version: int | None = Field(description="Its version (the latest the child's series reaches)")
    assessments_count: int = Field(description="Final assessments counted; 0 once none is left (figures null)")
    baseline_assessed_on: date | None = Field(description="Date of the baseline (first) assessment")
    latest_assessed_on: date | None = Field(description="Date of the latest assessment")
    total_need: int | None = Field(description="Sum of the latest need levels")
    max_need: int | None = Field(description="Highest latest need level")
    actionable_count: int | None = Field(description="Domains whose latest level is actionable")
    intensive_count: int | None = Field(description="Domains whose latest level is intensive")
    baseline_total_need: int | None = Field(description="Sum of the baseline need levels")
    baseline_max_need: int | None = Field(description="Highest baseline need level")
    baseline_actionable_count: int | None = Field(description="Domains actionable at baseline")
    baseline_intensive_count: int | None = Field(description="Domains intensive at baseline")
    resolved_needs: list[str] = Field(description="Domains actionable at baseline and not now (CSV: ;-separated)")
    new_needs: list[str] = Field(description="Domains actionable now and not at baseline (CSV: ;-separated)")
    mixed_progress: bool | None = Field(description="Some domains improving while others worsen")
    total_strength: int | None = Field(description="Sum of the latest strength levels")
    baseline_total_strength: int | None = Field(description="Sum of the baseline strength levels")
    rci: float | None = Field(description="Reliable change index of the total need; null without an SD or a change")
    rci_verdict: str | None = Field(description="reliable_improvement, reliable_deterioration or no_reliable_change")
    computed_at: Instant = Field(description=f"When the row was computed, {INSTANT}")


class Pseudonymous(BaseModel):
    child_pseudonym: str = PSEUDONYM


class OutcomeAreaFields(BaseModel):
    """A child's figures of one outcome area, as the worker keeps them."""

    outcome_area: str = Field(description="The instrument's outcome area (domain.md §5)")
    domains_rated: int = Field(description="Its domains rated at least once by the professionals")
    baseline_area_need: Decimal = Field(description="Mean of those domains' baseline need levels, 4 places")
    latest_area_need: Decimal = Field(description="Mean of their latest need levels, 4 places")
    area_need_change: Decimal | None = Field(
        description="latest_area_need - baseline_area_need (negative: needs fell); null until a domain of the area "
        "is rated twice"
    )
    baseline_outcome_index: int = Field(
        description="round(100 * (1 - baseline_area_need / top level)), half up: 100 is no need"
    )
    latest_outcome_index: int = Field(description="The same of latest_area_need")
    period_start: date = Field(description="The area's first rating")
    period_end: date = Field(description="Its latest rating")


class OutcomeAreaRow(OutcomeAreaFields, Pseudonymous):
    computed_at: Instant = Field(description=f"When the row was computed, {INSTANT}")


class OutcomeMeasureFields(BaseModel):
    """A child's figures of one measure code, as the worker keeps them."""

    code: str = Field(description="The measure code (see /v1/measure-codes)")
    outcome_area: str = Field(description="The outcome area it evidences")
    measures_count: int = Field(description="The child's values of it")
    baseline: Decimal = Field(description="The value of the earliest period")
    latest: Decimal = Field(description="The value of the latest period")
    change: Decimal | None = Field(description="latest - baseline; null with a single value")
    improved: bool | None = Field(description="Whether the change went the way the code calls better")
    baseline_band: str | None = Field(description="The code's band of the baseline value")
    latest_band: str | None = Field(description="The code's band of the latest value")
    period_start: date = Field(description="The earliest period's first day")
    period_end: date = Field(description="The latest period's last day")


class OutcomeMeasureRow(OutcomeMeasureFields, Pseudonymous):
    computed_at: Instant = Field(description=f"When the row was computed, {INSTANT}")


class OutcomeAreaRemovalRow(Pseudonymous):
    """A row of outcome-areas that went: drop it from any copy."""

    outcome_area: str = Field(description="The row's outcome_area: with the pseudonym, which row went")
    removed_at: Instant = Field(description=f"When the recompute took it away, {INSTANT}")


class ErasureRow(BaseModel):
    child_pseudonym: str = Field(description="The erased child's pseudonym: drop its rows from any copy")
    erased_at: Instant = Field(description=f"When it was erased, {INSTANT}")


Row = TypeVar("Row", bound=BaseModel)


class Page(BaseModel, Generic[Row]):
    columns: list[str] = Field(description="The row's fields in order: the CSV header")
    items: list[Row] = Field(description="The rows of this page")
    next_cursor: str | None = Field(
        description="Send as cursor for the next page, or later for the rows computed since (incremental sync)"
    )
    has_more: bool = Field(description="More rows wait now; when false, the cursor still serves a later sync")


def columns_of(row: type[BaseModel]) -> tuple[str, ...]:
    return tuple(row.model_fields)
