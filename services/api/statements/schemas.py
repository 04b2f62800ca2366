"""A statement's lines and guard figures, typed and described: what a provider checks and a BI model binds to."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Erased = Literal["erased"]  # what an erasure leaves of a guard figure that would place the child


class StatementLineChange(BaseModel):
    """A line's content, as a version's changes list it (numbers move when a line before comes or goes)."""

    event_date: date = Field(description="The day of the event the line pays for or withholds")
    child_pseudonym: str = Field(description="The child's pseudonym; `erased` once the child is erased")
    stay: str = Field(description="The stay: the API id of its first placement episode (`erased` once erased)")
    kind: str = Field(description="no_baseline, earned, forfeited or adjustment")
    rule: str = Field(description="The rule of pbnr-v1 the line applies")
    domain: str | None = Field(description="The domain whose reduction the line is for; null for a stay's line")
    instalment: int | None = Field(description="Which instalment of the reduction, from 1")
    baseline_assessment: str | None = Field(description="The assessment the reduction is measured from")
    confirming_assessment: str | None = Field(description="The assessment confirming it (an adjustment: its cause)")
    earned: Decimal = Field(description="What the line earned before caps, GBP")
    paid: Decimal = Field(description="What is paid, GBP")
    withheld: Decimal = Field(description="earned - paid: what the caps or a forfeit kept back, GBP")
    capped_by: list[str] = Field(description="The caps that cut it, in the order applied (CSV: ;-separated)")
    adjusts_period: date | None = Field(description="An adjustment: the first day of the closed period it settles")
    cause: str | None = Field(description="An adjustment: what changed")


class StatementLineOut(StatementLineChange):
    line: int = Field(description="The line's number in the statement, in the order the caps took them")


LINE_COLUMNS = ("line", *StatementLineChange.model_fields)  # the CSV's columns: the number first


class StayEnded(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym; `erased` once the child is erased")
    stay: str = Field(description="The stay's id; `erased` once the child is erased")
    ended_on: date | Erased = Field(description="The day it ended; `erased` once the child is erased")
    reason_ended: str | None = Field(description="SSDA903 REC code of its end (labels: /v1/scores/codes)")


class DomainRisen(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym; `erased` once the child is erased")
    stay: str = Field(description="The stay's id; `erased` once the child is erased")
    domain: str = Field(description="The domain whose need rose")
    assessment: str = Field(description="The assessment recording the rise; `erased` once the child is erased")
    assessed_on: date | Erased = Field(description="Its date; `erased` once the child is erased")
    previous_level: int | Erased = Field(description="The need level before; `erased` once the child is erased")
    level: int | Erased = Field(description="The need level after; `erased` once the child is erased")


class Guard(BaseModel):
    stays_ended: list[StayEnded] = Field(description="Stays that ended in the period")
    domains_risen: list[DomainRisen] = Field(description="Domains whose need rose in the period")
