from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from shared.instruments.document import InstrumentDocument
from shared.models import Instrument


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's schema with its $defs written in place: an OpenAPI document resolves '#/$defs/…' from its own
    root, where they are not. The instrument document has no recursive part."""
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return dict(inline(schema))


DOCUMENT_SCHEMA = inline_refs(InstrumentDocument.model_json_schema())

Owner = Literal["shipped", "council"]


class InstrumentOut(BaseModel):
    code: str = Field(description="The instrument's code")
    version: int = Field(description="Its version")
    title: str = Field(description="Its title")
    owner: Owner = Field(description="'shipped' for every council (needs-v1), or 'council': loaded by this council")
    domains: list[str] = Field(description="The domain codes an assessment rates, in order")
    compatible_with: list[int] = Field(description="Earlier versions whose assessments trends run across")
    created_at: datetime = Field(description="When loaded")

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
    definition: Annotated[dict[str, Any], WithJsonSchema(DOCUMENT_SCHEMA)] = Field(
        description="The whole document as stored (defaults filled in)"
    )

    @classmethod
    def of(cls, instrument: Instrument) -> "InstrumentDetailOut":
        return cls(**InstrumentOut.of(instrument).model_dump(), definition=instrument.definition)
