"""A statement line as served: the event, its money, and the arithmetic a provider checks it by hand with."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class LineOut(BaseModel):
    line: int = Field(description="Its number in the statement, in the order the caps took the lines")
    event_date: date = Field(description="The day of the event (an adjustment: the statement's period start)")
    child_pseudonym: str = Field(description="The child's pseudonym, or `erased`")
    stay: str = Field(description="The stay's first placement episode's id")
    kind: str = Field(description="no_baseline, earned, forfeited or adjustment")
    rule: str = Field(description="The rule of domain.md §7 the line applies")
    domain: str | None = Field(description="The resolved domain's code")
    instalment: int | None = Field(description="1 (first confirmation) or 2 (sustainment)")
    baseline_assessment: str | None = Field(description="The validated baseline's assessment id")
    confirming_assessment: str | None = Field(description="The assessment the event is dated on")
    earned: Decimal = Field(description="Pounds earned: tariff x share x attribution x (1 - deadweight), to the penny")
    paid: Decimal = Field(description="Pounds paid: the least of earned and each room below, not below 0")
    withheld: Decimal = Field(description="earned - paid")
    capped_by: list[str] = Field(description="The caps that withheld money: per_child_year, per_period, outcome_share")
    adjusts_period: date | None = Field(description="An adjustment: the first day of the closed period it settles")
    cause: str | None = Field(description="An adjustment: what was settled and what is due now")
    tariff: Decimal | None = Field(description="An earned line: pounds for the domain's baseline level")
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
        description="An earned line: pounds left under the per-child contract-year cap before it was paid; null "
        "where no such cap is in force"
    )
    room_per_period: Decimal | None = Field(
        description="An earned line: pounds left under the per-period cap before it was paid; null where none"
    )
    room_outcome_share: Decimal | None = Field(
        description="An earned line: pounds left under the outcome share cap (its limit less the period's payments "
        "so far) before it was paid; null where none"
    )
