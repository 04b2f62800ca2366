"""An assessment's content as the API takes it and a file's import checks it: one definition of each field's
rules, and of the hash by which content sent again is known for the assessment it is."""

import hashlib
import json
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from shared.input_types import Id, IsoDate, Text

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


def content_hash(body: AssessmentContent) -> str:
    # The content alone: the ids a new assessment or an amendment also carries are not part of it.
    content = body.model_dump(mode="json", include=set(AssessmentContent.model_fields))
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
