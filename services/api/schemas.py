"""Response shapes shared by several resources."""

import uuid
from typing import Literal

from pydantic import BaseModel, Field


class BatchItemOutcome(BaseModel):
    index: int = Field(description="The item's place in the batch, from 0")
    outcome: Literal["created", "updated", "existing"] = Field(
        description="created, updated or existing (an identical resend)"
    )


class BatchItemResult(BatchItemOutcome):
    id: uuid.UUID = Field(description="The API's id for it")


class ChildBatchItemResult(BatchItemOutcome):
    child_id: str = Field(description="The council's own id for the child")


class BatchCounts(BaseModel):
    created: int = Field(description="Items created")
    updated: int = Field(description="Items updated")
    existing: int = Field(description="Items already there, unchanged")


class BatchResult(BatchCounts):
    items: list[BatchItemResult] = Field(description="One result per item, in order")


class ChildBatchResult(BatchCounts):
    items: list[ChildBatchItemResult] = Field(description="One result per item, in order")
