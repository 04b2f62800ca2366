import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from services.api.types import Id, IsoDate, Text

Code = Annotated[Text, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Value = Annotated[Decimal, Field(max_digits=12, decimal_places=4, allow_inf_nan=False)]
# As written, without the stored scale's trailing zeros: 18, not 18.0000.
Stored = Annotated[Decimal, PlainSerializer(lambda value: f"{value.normalize():f}", return_type=str, when_used="json")]
Source = Annotated[Text, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class BandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Code = Field(description="The band's name, e.g. borderline")
    from_: Value = Field(alias="from", description="The band's lowest value; it runs up to the next band's")


class MeasureCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[Text, Field(min_length=1, max_length=200)] = Field(description="What the measure is")
    outcome_area: Code = Field(description="The outcome area of the council's instruments it evidences")
    unit: Annotated[Text, Field(min_length=1, max_length=32)] = Field(description="e.g. score, percent, days")
    min_value: Value = Field(description="The lowest valid value")
    max_value: Value = Field(description="The highest valid value")
    better: Literal["lower", "higher"] = Field(description="Which way is an improvement")
    bands: list[BandIn] = Field(
        default_factory=list, max_length=20, description="Named bands in ascending order of their lowest values"
    )

    @model_validator(mode="after")
    def _bands_in_range_and_order(self) -> Self:
        if self.min_value >= self.max_value:
            raise ValueError("min_value must be below max_value")
        lowest = [band.from_ for band in self.bands]
        if lowest != sorted(set(lowest)):
            raise ValueError("bands must rise: each band's from above the one before")
        if lowest and (lowest[0] < self.min_value or lowest[-1] > self.max_value):
            raise ValueError("every band's from must lie between min_value and max_value")
        return self


class BandOut(BaseModel):
    label: str = Field(description="The band's name")
    from_: Stored = Field(serialization_alias="from", description="Its lowest value")


class MeasureCodeOut(BaseModel):
    code: str = Field(description="The measure code")
    label: str = Field(description="What the measure is")
    outcome_area: str = Field(description="The outcome area it evidences")
    unit: str = Field(description="Its unit")
    min_value: Stored = Field(description="The lowest valid value")
    max_value: Stored = Field(description="The highest valid value")
    better: str = Field(description="lower or higher: which way is an improvement")
    bands: list[BandOut] = Field(description="Named bands, ascending")
    shipped: bool = Field(description="True: the service's default; false: the council's own")


class OutcomeMeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Id = Field(min_length=1, max_length=128, description="The source system's id for this measure")
    child_id: Id = Field(description="The council's own id for the child", min_length=1, max_length=64)
    code: Code = Field(description="The measure code (GET /v1/measure-codes)")
    value: Value = Field(description="The value, within the code's valid range")
    period_start: IsoDate = Field(description="The first day the value describes")
    period_end: IsoDate | None = Field(
        default=None, description="The last day it describes; leave out for a value of a single day"
    )
    source: Source | None = Field(default=None, description="Where the value came from, as a code (e.g. school)")

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.period_end is not None and self.period_end < self.period_start:
            raise ValueError("period_end must not come before period_start")
        return self

    @property
    def last_day(self) -> date:
        return self.period_end or self.period_start


class OutcomeMeasureAmendment(BaseModel):
    """What an amendment may change: the value and its source. A measure of another child, code or period is
    another measure."""

    model_config = ConfigDict(extra="forbid")

    value: Value = Field(description="The value, within the code's valid range")
    source: Source | None = Field(default=None, description="Where the value came from, as a code")


# Read as plain objects and validated one by one, so each fault names its item; documented as the item's schema.
BatchItem = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/OutcomeMeasureIn"})]


class OutcomeMeasureBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(
        min_length=1, max_length=1000, description="Each item is an OutcomeMeasureIn; all are applied or none"
    )


class OutcomeMeasureOut(BaseModel):
    id: uuid.UUID = Field(description="The API's id for the measure")
    external_id: str = Field(description="The source system's id for it")
    child_id: str = Field(description="The council's own id for the child")
    code: str = Field(description="The measure code")
    value: Stored = Field(description="The value")
    period_start: date = Field(description="The first day it describes")
    period_end: date = Field(description="The last day it describes")
    source: str | None = Field(description="Where it came from")
    version: int = Field(description="1, then one more for each amendment")
    created_at: datetime = Field(description="When first recorded")
    updated_at: datetime = Field(description="When last changed")


class OutcomeMeasureVersionOut(BaseModel):
    version: int = Field(description="The version")
    value: Stored = Field(description="Its value")
    source: str | None = Field(description="Its source")
    recorded_at: datetime = Field(description="When it was recorded")
