import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.api.types import Id, Text
from shared.access import Kind, Scope


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, description="Which system this is, e.g. 'LCS nightly feed'")
    kind: Kind
    scopes: list[Scope] | None = Field(
        default=None, max_length=len(Scope), description="Fewer than the kind allows, if wanted; all of them if absent"
    )
    provider_id: Id | None = Field(
        default=None, min_length=1, max_length=128, description="The council's provider id: required for a provider"
    )


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_days: int = Field(default=365, ge=1, le=3650)
    rotate_overlap_hours: int | None = Field(
        default=None,
        ge=0,
        le=720,
        description="Rotation: the client's other live keys expire this many hours from now (0: at once)",
    )


class KeyOut(BaseModel):
    key_id: uuid.UUID
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class NewKeyOut(KeyOut):
    api_key: str = Field(description="Shown this once: only its hash is kept")


class ClientOut(BaseModel):
    client_id: uuid.UUID
    name: str
    kind: Kind
    scopes: list[str]
    provider_id: str | None
    oauth_subject: str | None
    created_at: datetime
    disabled_at: datetime | None
    keys: list[KeyOut]
