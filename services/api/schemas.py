"""Response shapes shared by several resources."""

import uuid
from typing import Literal

from pydantic import BaseModel, Field


class BatchItemResult(BaseModel):
    index: int = Field(description="The item's place in the batch, from 0")
    id: uuid.UUID = Field(description="The API's id for it")
    outcome: Literal["created", "updated", "existing"] = Field(
        description="created, updated or existing (an identical resend)"
    )


class BatchResult(BaseModel):
    created: int = Field(description="Items created")
    updated: int = Field(description="Items updated")
    existing: int = Field(description="Items already there, unchanged")
    items: list[BatchItemResult] = Field(description="One result per item, in order")
