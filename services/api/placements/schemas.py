import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.api.types import Id, IsoDate, Text

Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
Code = Annotated[Text, Field(min_length=1, max_length=6)]


class Funding(BaseModel):
    """Who pays the weekly cost, as shares summing to 1."""

    model_config = ConfigDict(extra="forbid")

    social_care: Share = Decimal(1)
    health: Share = Decimal(0)
    education: Share = Decimal(0)

    @model_validator(mode="after")
    def _sums_to_one(self) -> Self:
        if self.social_care + self.health + self.education != 1:
            raise ValueError("social_care + health + education must be exactly 1")
        return self


class PlacementEnding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: IsoDate = Field(description="SSDA903 DEC")
    reason_ended: Code = Field(description="SSDA903 REC")
    reason_place_change: Code | None = Field(default=None, description="SSDA903 REASON_PLACE_CHANGE")


class PlacementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Id = Field(min_length=1, max_length=128, description="The source system's id for this episode")
    child_id: Id = Field(min_length=1, max_length=64)
    start_date: IsoDate = Field(description="SSDA903 DECOM")
    end_date: IsoDate | None = Field(default=None, description="SSDA903 DEC; null while open")
    rne: Code = Field(description="SSDA903 RNE")
    legal_status: Code = Field(description="SSDA903 LS")
    cin: Code = Field(description="SSDA903 CIN")
    place: Code = Field(description="SSDA903 PLACE")
    place_provider: Code | None = Field(default=None, description="SSDA903 PLACE_PROVIDER")
    reason_ended: Code | None = Field(
        default=None, validate_default=True, description="SSDA903 REC; with end_date only"
    )
    reason_place_change: Code | None = Field(default=None, description="SSDA903 REASON_PLACE_CHANGE")
    postcode: Text | None = Field(default=None, max_length=8, description="SSDA903 PL_POST; only its sector is kept")
    urn: Text | None = Field(default=None, max_length=16, description="Ofsted URN")
    provider_id: Id | None = Field(default=None, max_length=128, description="The provider's external id")
    weekly_cost: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] | None = None
    funding: Funding = Field(default_factory=Funding)

    @field_validator("end_date")
    @classmethod
    def _ends_after_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if end is not None and start is not None and end <= start:
            raise ValueError(f"ends before it starts: end_date must be after start_date {start.isoformat()}")
        return end

    @field_validator("reason_ended")
    @classmethod
    def _reason_with_end(cls, reason: str | None, info: ValidationInfo) -> str | None:
        # DfE rule 148: DEC and REC both or neither. end_date may have failed; then say nothing more here.
        if "end_date" in info.data and (info.data["end_date"] is None) != (reason is None):
            raise ValueError("give reason_ended exactly when end_date is given")
        return reason

    @field_validator("reason_place_change")
    @classmethod
    def _change_with_end(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if reason is not None and info.data.get("end_date") is None and "end_date" in info.data:
            raise ValueError("a reason for a placement change belongs to an episode that ended")
        return reason


class PlacementBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        min_length=1, max_length=1000, description="Each item is a PlacementIn; all are applied or none"
    )


class PlacementOut(BaseModel):
    id: uuid.UUID
    external_id: str
    child_id: str
    start_date: date
    end_date: date | None
    rne: str
    legal_status: str
    cin: str
    place: str
    place_provider: str | None
    reason_ended: str | None
    reason_place_change: str | None
    postcode_sector: str | None
    urn: str | None
    provider_id: str | None
    weekly_cost: Decimal | None
    funding: Funding
    created_at: datetime
    updated_at: datetime
