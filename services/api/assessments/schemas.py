import uuid
from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from services.api.types import Id, IsoDate, Text, UtcDateTime

Context = Literal[
    "initial", "review", "placement_request", "placement_change", "step_down_review", "edge_of_care", "ad_hoc"
]
AssessorRole = Literal["social_worker", "iro", "panel", "provider", "carer", "child", "other"]
Status = Literal["draft", "final"]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    need: StrictInt | None = Field(default=None, description="Need level on the instrument's scale")
    strength: StrictInt | None = Field(default=None, description="Strength level on the instrument's scale")
    not_assessed: Text | None = Field(
        default=None, min_length=1, max_length=200, description="Why the domain was not assessed (instead of need)"
    )

    @model_validator(mode="after")
    def _need_or_reason(self) -> Self:
        if (self.need is None) == (self.not_assessed is None):
            raise ValueError("give either need or not_assessed (with a reason), not both or neither")
        if self.not_assessed is not None and self.strength is not None:
            raise ValueError("a domain not assessed has no strength rating")
        return self


class Narrative(BaseModel):
    """Free text: stays with the council, never logged, never in figures."""

    model_config = ConfigDict(extra="forbid")

    profile: Text | None = Field(default=None, max_length=20000)
    ambitions: Text | None = Field(default=None, max_length=20000)
    short_term_goals: Text | None = Field(default=None, max_length=20000)
    long_term_goals: Text | None = Field(default=None, max_length=20000)


class AssessmentContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument_code: Id = Field(default="needs-v1", max_length=64)
    instrument_version: StrictInt | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Defaults to the latest version"
    )
    assessed_on: IsoDate
    context: Context
    assessor_role: AssessorRole
    status: Status
    ratings: dict[str, RatingIn] = Field(description="One entry per domain of the instrument")
    narrative: Narrative | None = None


class AssessmentIn(AssessmentContent):
    external_id: Id = Field(min_length=1, max_length=128, description="The source system's id for this assessment")
    child_id: Id = Field(min_length=1, max_length=64)


class AssessmentAmendment(AssessmentContent):
    """PUT's body: the content, and, so that an assessment read with GET can be sent back as it was read, the
    fields GET adds. Those are not changed by a PUT: each one given must be the assessment's own."""

    id: uuid.UUID | None = Field(default=None, description="Read only: if given, the id in the URL")
    external_id: Id | None = Field(default=None, max_length=128, description="Read only: if given, the assessment's")
    child_id: Id | None = Field(default=None, max_length=64, description="Read only: if given, the assessment's")
    version: StrictInt | None = Field(default=None, description="Read only: if given, the version amended")
    recorded_at: UtcDateTime | None = Field(
        default=None, description="Read only: if given, when the version amended was recorded"
    )


class AssessmentBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        min_length=1, max_length=1000, description="Each item is an AssessmentIn; all are applied or none"
    )


class RatingOut(BaseModel):
    need: int | None
    strength: int | None
    not_assessed: str | None


class AssessmentOut(BaseModel):
    id: uuid.UUID
    external_id: str
    child_id: str
    version: int
    instrument_code: str
    instrument_version: int
    assessed_on: date
    context: str
    assessor_role: str
    status: str
    ratings: dict[str, RatingOut]
    narrative: Narrative | None
    recorded_at: datetime
