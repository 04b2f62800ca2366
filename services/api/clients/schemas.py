import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.api.types import Id, Text
from shared.access import Kind, Scope


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, description="Which system this is, e.g. 'LCS nightly feed'")
    kind: Kind = Field(description="What the client is; decides its default scopes")
    scopes: list[Scope] | None = Field(
        default=None, max_length=len(Scope), description="Fewer than the kind allows, if wanted; all of them if absent"
    )
    provider_id: Id | None = Field(
        default=None, min_length=1, max_length=128, description="The council's provider id: required for a provider"
    )


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_in_days: int = Field(description="Days until the key expires", default=365, ge=1, le=3650)
    rotate_overlap_hours: int | None = Field(
        default=None,
        ge=0,
        le=720,
        description="Rotation: the client's other live keys expire this many hours from now (0: at once)",
    )


class KeyOut(BaseModel):
    key_id: uuid.UUID = Field(description="The key's id")
    prefix: str = Field(description="The key's public prefix (nlc_<prefix>_…)")
    created_at: datetime = Field(description="When issued")
    expires_at: datetime = Field(description="When it stops working")
    revoked_at: datetime | None = Field(description="When revoked; null while not")


class NewKeyOut(KeyOut):
    api_key: str = Field(description="Shown this once: only its hash is kept")


class ClientOut(BaseModel):
    client_id: uuid.UUID = Field(description="The client's id")
    name: str = Field(description="Which system it is")
    kind: Kind = Field(description="What the client is")
    scopes: list[str] = Field(description="What it may do")
    provider_id: str | None = Field(description="A provider client's provider")
    oauth_subject: str | None = Field(description="Its OAuth subject, if it signs in so")
    created_at: datetime = Field(description="When created")
    disabled_at: datetime | None = Field(description="When disabled; null while enabled")
    keys: list[KeyOut] = Field(description="Its keys, without secrets")
