from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from services.api.types import IsoDate, Text
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


class ChildOut(BaseModel):
    child_id: str = Field(description="The council's own id for the child")
    pseudonym: str = Field(description="What BI tools, provider portals and the audit log know this child by")
    date_of_birth: date = Field(description="SSDA903 DOB")
    sex: str = Field(description="SSDA903 SEX")
    ethnicity: str = Field(description="SSDA903 ETHNIC")
    uasc: bool = Field(description="Unaccompanied asylum-seeking child")
    created_at: datetime = Field(description="When first recorded")
    updated_at: datetime = Field(description="When last changed")
