"""What a provider declares it can offer the council (domain.md §8 matching), as data: checked against the
council's instruments (a domain it rates, a level its scale holds) and kept one per provider, replaced whole."""

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.matching import Offer
from shared.domain.lookups import domain_levels_of
from shared.errors import InvalidInput, field_error
from shared.models import Provider, ProviderOffer
from shared.ssda903 import PLACEMENT_GROUPS, postcode_districts

DomainCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    placement_group: str = Field(description=f"The placement group it offers: {', '.join(PLACEMENT_GROUPS)}")
    weekly_cost: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)] = Field(
        description="Its weekly cost, pounds"
    )
    places: Annotated[StrictInt, Field(ge=0, le=100_000)] = Field(description="How many children it can take")
    areas: list[str] = Field(
        default=[],
        max_length=500,
        description="The postcode districts it takes children from (e.g. AB1); none: anywhere",
    )
    meets: dict[DomainCode, list[StrictInt]] = Field(
        description="Per domain of the council's instruments, the need levels it can meet", max_length=200
    )

    @field_validator("placement_group")
    @classmethod
    def known_group(cls, group: str) -> str:
        if group not in PLACEMENT_GROUPS:
            raise ValueError(f"must be one of {', '.join(PLACEMENT_GROUPS)}")
        return group

    @field_validator("areas")
    @classmethod
    def districts(cls, areas: list[str]) -> list[str]:
        return postcode_districts(areas)


async def declare(db: AsyncSession, provider: Provider, offer: OfferIn) -> ProviderOffer:
    """The provider's offer replaced by this one (the caller's transaction)."""
    domains = await domain_levels_of(db, provider.la_id)
    errors = []
    for domain, levels in offer.meets.items():
        if domain not in domains:
            errors.append(field_error(f"meets.{domain}", "is not a domain of your council's instruments"))
        elif not levels or set(levels) - domains[domain]:
            allowed = ", ".join(str(level) for level in sorted(domains[domain]))
            errors.append(field_error(f"meets.{domain}", f"must list need levels of the domain's scale ({allowed})"))
    if errors:
        raise InvalidInput("The offer is invalid; nothing was written.", errors=errors)
    values = {
        "la_id": provider.la_id,
        "placement_group": offer.placement_group,
        "weekly_cost": offer.weekly_cost,
        "places": offer.places,
        "areas": offer.areas,
        "meets": {domain: sorted(set(levels)) for domain, levels in offer.meets.items()},
    }
    statement = insert(ProviderOffer).values(provider_pk=provider.id, **values)
    await db.execute(
        statement.on_conflict_do_update(index_elements=["provider_pk"], set_=values | {"updated_at": func.now()})
    )
    stored = await db.get(ProviderOffer, provider.id, populate_existing=True)
    assert stored is not None
    return stored


def for_engine(provider_id: str, row: ProviderOffer) -> Offer:
    return Offer(
        provider_id,
        row.placement_group,
        row.weekly_cost,
        row.places,
        frozenset(row.areas),
        {domain: frozenset(levels) for domain, levels in row.meets.items()},
    )


async def offers_of(db: AsyncSession, la_id: uuid.UUID) -> list[Offer]:
    """Every offer declared to the council, as the matching engine takes them."""
    rows = await db.execute(
        select(Provider.external_id, ProviderOffer)
        .join(Provider, Provider.id == ProviderOffer.provider_pk)
        .where(ProviderOffer.la_id == la_id)
    )
    return [for_engine(provider_id, row) for provider_id, row in rows]
