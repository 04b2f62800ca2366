"""A statement's lines and guard figures, typed and described: what a provider checks and a BI model binds to."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Erased = Literal["erased"]  # what an erasure leaves of a guard figure that would place the child


class StatementLineChange(BaseModel):
    """A line's content, as a version's changes list it (numbers move when a line before comes or goes), with
    the arithmetic a provider checks it by hand with."""

    event_date: date = Field(description="The day of the event (an adjustment: the statement's period start)")
    child_pseudonym: str = Field(description="The child's pseudonym; `erased` once the child is erased")
    stay: str = Field(description="The stay: the API id of its first placement episode (`erased` once erased)")
    kind: str = Field(description="no_baseline, earned, forfeited or adjustment")
    rule: str = Field(description="The rule of domain.md §7 the line applies")
    domain: str | None = Field(description="The resolved domain's code; null for a stay's line")
    instalment: int | None = Field(description="1 (first confirmation) or 2 (sustainment)")
    baseline_assessment: str | None = Field(description="The validated baseline's assessment id")
    confirming_assessment: str | None = Field(
        description="The assessment the event is dated on (an adjustment: its cause)"
    )
    earned: Decimal = Field(
        description="GBP earned before caps: tariff x share x attribution x (1 - deadweight), to the penny"
    )
    paid: Decimal = Field(description="GBP paid: the least of earned and each room below, not below 0")
    withheld: Decimal = Field(description="earned - paid: what the caps or a forfeit kept back, GBP")
    capped_by: list[str] = Field(
        description="The caps that withheld money, in the order applied: per_child_year, per_period, outcome_share "
        "(CSV: ;-separated)"
    )
    adjusts_period: date | None = Field(description="An adjustment: the first day of the closed period it settles")
    cause: str | None = Field(description="An adjustment: what was settled and what is due now")
    tariff: Decimal | None = Field(description="An earned line: GBP for the domain's baseline level")
    share: Decimal | None = Field(description="An earned line: the instalment's share of the tariff")
    days_with_provider: int | None = Field(
        description="An earned line: days with the provider (temporary episodes excluded) from the later of the "
        "stay's start and the baseline's date up to the confirming assessment"
    )
    days_in_interval: int | None = Field(
        description="An earned line: all days in that interval; attribution is days_with_provider / days_in_interval, "
        "or 1 where this is 0"
    )
    deadweight: Decimal | None = Field(description="An earned line: the deadweight share deducted")
    room_per_child_year: Decimal | None = Field(
        description="An earned line: GBP left under the per-child contract-year cap before it was paid; null "
        "where no such cap is in force"
    )
    room_per_period: Decimal | None = Field(
        description="An earned line: GBP left under the per-period cap before it was paid; null where none"
    )
    room_outcome_share: Decimal | None = Field(
        description="An earned line: GBP left under the outcome share cap (its limit less the period's payments "
        "so far) before it was paid; null where none"
    )


class StatementLineOut(StatementLineChange):
    line: int = Field(description="The line's number in the statement, in the order the caps took them")


LINE_COLUMNS = ("line", *StatementLineChange.model_fields)  # the CSV's columns: the number first


class GuardedStay(BaseModel):
    """The stay a guard figure is about."""

    child_pseudonym: str = Field(description="The child's pseudonym; `erased` once the child is erased")
    stay: str = Field(description="The stay's id; `erased` once the child is erased")


class StayEnded(GuardedStay):
    ended_on: date | Erased = Field(description="The day it ended; `erased` once the child is erased")
    reason_ended: str | None = Field(description="SSDA903 REC code of its end (labels: /v1/scores/codes)")


class DomainRisen(GuardedStay):
    domain: str = Field(description="The domain whose need rose")
    assessment: str = Field(description="The assessment recording the rise; `erased` once the child is erased")
    assessed_on: date | Erased = Field(description="Its date; `erased` once the child is erased")
    previous_level: int | Erased = Field(description="The need level before; `erased` once the child is erased")
    level: int | Erased = Field(description="The need level after; `erased` once the child is erased")


class Guard(BaseModel):
    stays_ended: list[StayEnded] = Field(description="Stays that ended in the period")
    domains_risen: list[DomainRisen] = Field(description="Domains whose need rose in the period")
