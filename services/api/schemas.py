"""Response shapes shared by several resources."""

import uuid
from typing import Literal

from pydantic import BaseModel


class BatchItemResult(BaseModel):
    index: int
    id: uuid.UUID
    outcome: Literal["created", "updated", "existing"]


class BatchResult(BaseModel):
    created: int
    updated: int
    existing: int
    items: list[BatchItemResult]
