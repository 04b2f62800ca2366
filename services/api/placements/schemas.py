import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator, model_validator

from services.api.types import Id, IsoDate, Text
from shared.funding import SHARE_PLACES, sum_fault

Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=SHARE_PLACES + 1, decimal_places=SHARE_PLACES)]
Code = Annotated[Text, Field(min_length=1, max_length=6)]


class Funding(BaseModel):
    """Who pays the weekly cost, as shares summing to 1."""

    model_config = ConfigDict(extra="forbid")

    social_care: Share = Field(default=Decimal(1), description="Share paid by social care (0-1)")
    health: Share = Field(default=Decimal(0), description="Share paid by health (0-1)")
    education: Share = Field(default=Decimal(0), description="Share paid by education (0-1)")

    @model_validator(mode="after")
    def _sums_to_one(self) -> Self:
        fault = sum_fault(self.social_care, self.health, self.education)
        if fault:
            raise ValueError(fault)
        return self


class PlacementEnding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: IsoDate = Field(description="SSDA903 DEC")
    reason_ended: Code = Field(description="SSDA903 REC")
    reason_place_change: Code | None = Field(default=None, description="SSDA903 REASON_PLACE_CHANGE")


class PlacementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Id = Field(min_length=1, max_length=128, description="The source system's id for this episode")
    child_id: Id = Field(description="The council's own id for the child", min_length=1, max_length=64)
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
    weekly_cost: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] | None = Field(
        default=None, description="The placement's weekly cost, GBP"
    )
    funding: Funding = Field(
        description="How the cost is shared between agencies; the shares sum to 1", default_factory=Funding
    )

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


# Read as plain objects and validated one by one, so each fault names its item; documented as the item's schema.
BatchItem = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/PlacementIn"})]


class PlacementBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(
        min_length=1, max_length=1000, description="Each item is a PlacementIn; all are applied or none"
    )


class PlacementOut(BaseModel):
    id: uuid.UUID = Field(description="The API's id for the episode")
    external_id: str = Field(description="The source system's id for it")
    child_id: str = Field(description="The council's own id for the child")
    start_date: date = Field(description="SSDA903 DECOM")
    end_date: date | None = Field(description="SSDA903 DEC; null while open")
    rne: str = Field(description="SSDA903 RNE")
    legal_status: str = Field(description="SSDA903 LS")
    cin: str = Field(description="SSDA903 CIN")
    place: str = Field(description="SSDA903 PLACE")
    place_provider: str | None = Field(description="SSDA903 PLACE_PROVIDER")
    reason_ended: str | None = Field(description="SSDA903 REC")
    reason_place_change: str | None = Field(description="SSDA903 REASON_PLACE_CHANGE")
    postcode_sector: str | None = Field(description="The sector of SSDA903 PL_POST (the rest is not kept)")
    urn: str | None = Field(description="Ofsted URN")
    provider_id: str | None = Field(description="The provider's external id")
    weekly_cost: Decimal | None = Field(description="The weekly cost, GBP")
    funding: Funding = Field(description="How the cost is shared")
    created_at: datetime = Field(description="When first recorded")
    updated_at: datetime = Field(description="When last changed")
