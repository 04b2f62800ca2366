from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema, field_validator

from services.api.types import Id, IsoDate, Text
from shared.ssda903 import stored_sex


class ChildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_of_birth: IsoDate = Field(description="SSDA903 DOB")
    sex: Literal["M", "F", "U", "1", "2"] = Field(description="SSDA903 SEX: M, F, U (or the pre-2024-25 1, 2)")
    ethnicity: Text = Field(min_length=4, max_length=4, description="SSDA903 ETHNIC code, e.g. WBRI")
    uasc: StrictBool = Field(default=False, description="Unaccompanied asylum-seeking child")

    @field_validator("sex")
    @classmethod
    def _current_sex_code(cls, value: str) -> str:
        return stored_sex(value)


class ChildBatchItem(ChildIn):
    child_id: Id = Field(description="The council's own id for the child", min_length=1, max_length=64)


# Read as plain objects and validated one by one, so each fault names its item; documented as the item's schema,
# inline: no other route takes a ChildBatchItem, so the document has no component of it to refer to.
BatchItem = Annotated[dict[str, Any], WithJsonSchema(ChildBatchItem.model_json_schema())]


class ChildBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(
        min_length=1, max_length=1000, description="Each item is a ChildBatchItem; all are applied or none"
    )


class ChildOut(BaseModel):
    child_id: str = Field(description="The council's own id for the child")
    pseudonym: str = Field(description="What BI tools, provider portals and the audit log know this child by")
    date_of_birth: date = Field(description="SSDA903 DOB")
    sex: str = Field(description="SSDA903 SEX")
    ethnicity: str = Field(description="SSDA903 ETHNIC")
    uasc: bool = Field(description="Unaccompanied asylum-seeking child")
    created_at: datetime = Field(description="When first recorded")
    updated_at: datetime = Field(description="When last changed")


class ChildDetailOut(ChildOut):
    care_status: Literal["edge_of_care", "looked_after", "left_care"] | None = Field(
        description="Today: looked_after (a placement episode open), left_care (episodes, none open), edge_of_care "
        "(a final assessment and no episode yet); null with neither"
    )
