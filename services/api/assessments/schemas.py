import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema, model_validator

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

    profile: Text | None = Field(
        description="The child's profile in the assessor's words (free text, never logged)",
        default=None,
        max_length=20000,
    )
    ambitions: Text | None = Field(description="The child's ambitions (free text)", default=None, max_length=20000)
    short_term_goals: Text | None = Field(
        description="Goals for the coming months (free text)", default=None, max_length=20000
    )
    long_term_goals: Text | None = Field(
        description="Goals for the years ahead (free text)", default=None, max_length=20000
    )


class AssessmentContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument_code: Id = Field(
        description="The instrument rated with; needs-v1 by default", default="needs-v1", max_length=64
    )
    instrument_version: StrictInt | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Defaults to the latest version"
    )
    assessed_on: IsoDate = Field(description="The day of the assessment")
    context: Context = Field(description="Why it was made: the occasion (e.g. review)")
    assessor_role: AssessorRole = Field(description="Who assessed, by role")
    status: Status = Field(description="draft or final: only final assessments count in figures")
    ratings: dict[str, RatingIn] = Field(description="One entry per domain of the instrument")
    narrative: Narrative | None = Field(default=None, description="Free-text narrative, optional")


class AssessmentIn(AssessmentContent):
    external_id: Id = Field(min_length=1, max_length=128, description="The source system's id for this assessment")
    child_id: Id = Field(description="The council's own id for the child", min_length=1, max_length=64)


# Read as plain objects and validated one by one, so each fault names its item; documented as the item's schema.
BatchItem = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/AssessmentIn"})]


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

    items: list[BatchItem] = Field(
        min_length=1, max_length=1000, description="Each item is an AssessmentIn; all are applied or none"
    )


class RatingOut(BaseModel):
    need: int | None = Field(description="Need level on the instrument's scale; null when not assessed")
    strength: int | None = Field(description="Strength level on the instrument's scale; null when not rated")
    not_assessed: str | None = Field(description="Why the domain was not assessed; null when it was")


class AssessmentOut(BaseModel):
    id: uuid.UUID = Field(description="The API's id for the assessment")
    external_id: str = Field(description="The source system's id for it")
    child_id: str = Field(description="The council's own id for the child")
    version: int = Field(description="The version read: each amendment adds one")
    instrument_code: str = Field(description="The instrument rated with")
    instrument_version: int = Field(description="Its version")
    assessed_on: date = Field(description="The day of the assessment")
    context: str = Field(description="Why it was made")
    assessor_role: str = Field(description="Who assessed, by role")
    status: str = Field(description="draft or final")
    ratings: dict[str, RatingOut] = Field(description="One entry per domain of the instrument")
    narrative: Narrative | None = Field(description="Free-text narrative, if any")
    recorded_at: datetime = Field(description="When this version was recorded")
