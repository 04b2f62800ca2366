from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.models import Instrument

Owner = Literal["shipped", "council"]


class InstrumentOut(BaseModel):
    code: str
    version: int
    title: str
    owner: Owner = Field(description="'shipped' for every council (needs-v1), or 'council': loaded by this council")
    domains: list[str] = Field(description="The domain codes an assessment rates, in order")
    compatible_with: list[int] = Field(description="Earlier versions whose assessments trends run across")
    created_at: datetime

    @classmethod
    def of(cls, instrument: Instrument) -> "InstrumentOut":
        definition = instrument.definition
        return cls(
            code=instrument.code,
            version=instrument.version,
            title=definition["title"],
            owner="shipped" if instrument.la_id is None else "council",
            domains=[domain["code"] for domain in definition["domains"]],
            compatible_with=list(instrument.compatible_with),
            created_at=instrument.created_at,
        )


class InstrumentDetailOut(InstrumentOut):
    definition: dict[str, Any] = Field(description="The whole document as stored (defaults filled in)")

    @classmethod
    def of(cls, instrument: Instrument) -> "InstrumentDetailOut":
        return cls(**InstrumentOut.of(instrument).model_dump(), definition=instrument.definition)
