import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema

from services.api.types import Id, UtcDateTime
from shared.domain.assessments.content import AssessmentContent, Narrative

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
