"""Who may reach a contract, and how a route names one: shared by the contract and statement routes."""

import uuid
from typing import Annotated

from fastapi import Path

from services.api.access import requires
from services.api.auth import Caller
from services.api.types import Id
from shared.access import Kind, Scope

Manager = Annotated[Caller, requires(Scope.CONTRACTS_MANAGE)]
Reader = Annotated[Caller, requires(Scope.STATEMENTS_READ)]
CodePath = Annotated[Id, Path(min_length=1, max_length=64, description="the council's reference for the contract")]


def own_provider(caller: Caller) -> uuid.UUID | None:
    """A provider client reads its own contracts only; another's is a 404, as if it did not exist."""
    if caller.kind is not Kind.PROVIDER:
        return None
    assert caller.provider_pk is not None  # every provider client names its provider
    return caller.provider_pk
