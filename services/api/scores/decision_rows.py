"""The decision support feed's row (domain.md §8): each child's figures as the worker keeps them, typed and
described; its fields, in order, are the feed's public columns."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from services.api.scores.rows import INSTANT, Instant, Pseudonymous

LIST = "CSV: ;-separated"


class DecisionFields(BaseModel):
    """A child's decision support figures under the council's decision rules (GET /v1/decision-rules)."""

    as_at: date = Field(description="The day the figures stand for (today when the worker wrote them)")
    rules_version: int = Field(description="The version of the council's decision rules applied; 0: the shipped")
    looked_after: bool = Field(description="Looked after at the end of as_at; when false every figure is empty")
    current_group: str | None = Field(description="The current placement's group (foster, residential, ...)")
    weekly_cost: Decimal | None = Field(description="The current placement's weekly cost, pounds")
    latest_assessed_on: date | None = Field(description="The date of the latest final assessment: the child's profile")
    total_need: int | None = Field(description="Total need at the latest assessment")
    previous_total_need: int | None = Field(description="Total need at the assessment before it")
    max_need: int | None = Field(description="The highest need level at the latest assessment")
    step_down: str | None = Field(
        description="In residential care: candidate (no intensive need, at most the rules' high needs, no rise at "
        "the last review) or ruled_out; null elsewhere"
    )
    step_down_reasons: list[str] = Field(description=f"Every reason the child is ruled out ({LIST})")
    weekly_saving: Decimal | None = Field(
        description="A candidate's weekly cost less the council's foster cost in the rules, pounds"
    )
    stability_flags: list[str] = Field(
        description=f"Stability risks: total_need_rise, domain_rise, placements_in_year, warning_ending ({LIST})"
    )
    total_need_change: int | None = Field(description="total_need - previous_total_need")
    rising_domains: list[str] = Field(
        description=f"Domains rated at the latest assessment that rose by the rules' amount since their previous "
        f"rating, as 'domain +rise' ({LIST})"
    )
    placements_in_year: int | None = Field(
        description="Placements in the 12 months ending as_at, counted as the national statistics count them"
    )
    warning_endings: int | None = Field(
        description="Earlier placements that ended for a reason the rules warn of (CREQB by default)"
    )
    health_needs: list[str] = Field(
        description=f"Health domains at the rules' joint-funding level or above at the latest assessment ({LIST})"
    )
    education_needs: list[str] = Field(description=f"Education domains at that level or above ({LIST})")
    funding_health: Decimal | None = Field(description="The health share of the placement's cost (0-1)")
    funding_education: Decimal | None = Field(description="The education share of the placement's cost (0-1)")
    health_unshared: bool | None = Field(
        description="Health needs, and no health share recorded: the council pays alone for needs the NHS shares"
    )
    education_unshared: bool | None = Field(description="Education needs, and no education share recorded")
    cost_per_need_point: Decimal | None = Field(
        description="weekly_cost / total_need, half up to the penny; null without a cost or with no need"
    )


class PeerValueFields(BaseModel):
    """A child's weekly cost against its peers': children looked after with a cost and an assessment, of the same
    max need and a total need within the rules' range (domain.md §8 value)."""

    peers: int | None = Field(
        description="Its peers, the child not among them; null when from 1 to below the council's suppression threshold"
    )
    peer_median: Decimal | None = Field(description="Their median weekly cost, half up to the penny; null if none")
    high_cost: bool | None = Field(
        description="weekly_cost above the rules' ratio (1.5 shipped) times the exact median; null when not compared"
    )


class DecisionRow(DecisionFields, Pseudonymous):
    computed_at: Instant = Field(description=f"When the row was computed, {INSTANT}")
