from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.providers.queries import provider_named
from services.api.types import ProviderIdPath, Text
from services.api.upserts import insert_if_absent
from shared.access import Scope
from shared.errors import NotFound
from shared.models import Provider

router = APIRouter(prefix="/v1/providers", tags=["providers"], responses=V1_PROBLEMS)


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200, description="The organisation's name (not a person's)")
    ofsted_urn: Text | None = Field(description="Ofsted unique reference number", default=None, max_length=16)


class ProviderOut(BaseModel):
    provider_id: str = Field(description="The council's id for the provider")
    name: str = Field(description="The organisation's name")
    ofsted_urn: str | None = Field(description="Ofsted unique reference number")
    updated_at: datetime = Field(description="When last changed")


def render(provider: Provider) -> ProviderOut:
    return ProviderOut(
        provider_id=provider.external_id,
        name=provider.name,
        ofsted_urn=provider.ofsted_urn,
        updated_at=provider.updated_at,
    )


@router.put(
    "/{provider_id}",
    response_model=ProviderOut,
    responses={201: {"model": ProviderOut, "description": "Created"}},
    summary="Create or update a provider organisation: 201 when created, 200 when updated",
)
async def put_provider(
    provider_id: ProviderIdPath,
    body: ProviderIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.PROVIDERS_WRITE)],
    response: Response,
) -> ProviderOut:
    values = {"la_id": caller.la_id, "external_id": provider_id, **body.model_dump()}
    created = await insert_if_absent(db, Provider, values, ("la_id", "external_id"))
    provider = await provider_named(db, caller.la_id, provider_id, lock=True)
    assert provider is not None
    response.status_code = 201 if created else 200
    if not created:
        provider.name, provider.ofsted_urn = body.name, body.ofsted_urn
    await db.flush()
    await db.refresh(provider)
    return render(provider)


@router.get("/{provider_id}", response_model=ProviderOut, summary="Read a provider organisation")
async def get_provider(
    provider_id: ProviderIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.PROVIDERS_READ)]
) -> ProviderOut:
    provider = await provider_named(db, caller.la_id, provider_id)
    if provider is None:
        raise NotFound("No such provider.")
    return render(provider)
