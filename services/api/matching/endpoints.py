"""Matching (domain.md §8): providers' offers, declared to the council as data, and the providers that can meet a
child's needs, ranked by fit then cost, for a case-management system to ask before a placement is made: for a
child the service holds, from its latest assessment, or for needs given."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import func, select

from services.api.access import requires
from services.api.auth import Caller
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.providers.queries import provider_named
from services.api.types import ChildIdPath, ProviderIdPath
from shared.access import Scope
from shared.domain import decision_rules, provider_offers
from shared.domain.child_profile import latest_levels
from shared.domain.engines.matching import needs_to_meet, ranked, serves
from shared.domain.lookups import domain_levels_of
from shared.domain.provider_offers import OfferIn
from shared.errors import InvalidInput, NotFound, field_error
from shared.models import Placement, Provider, ProviderOffer
from shared.ssda903 import PLACEMENT_GROUPS, postcode_district

router = APIRouter(tags=["matching"], responses=V1_PROBLEMS)


class OfferOut(OfferIn):
    provider_id: str = Field(description="The council's id for the provider")
    updated_at: datetime = Field(description="When it was last declared")


def offer_out(provider_id: str, row: ProviderOffer) -> OfferOut:
    return OfferOut(
        provider_id=provider_id,
        placement_group=row.placement_group,
        weekly_cost=row.weekly_cost,
        places=row.places,
        areas=row.areas,
        meets=row.meets,
        updated_at=row.updated_at,
    )


async def require_provider(db: SessionDep, caller: Caller, provider_id: str) -> Provider:
    provider = await provider_named(db, caller.la_id, provider_id)
    if provider is None:
        raise NotFound("No such provider.")
    return provider


@router.put(
    "/v1/providers/{provider_id}/offer",
    response_model=OfferOut,
    summary="Declare what a provider offers: placement group, weekly cost, places, districts, and per domain the "
    "need levels it can meet (replaces the one declared before)",
)
async def put_offer(
    provider_id: ProviderIdPath,
    body: OfferIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.PROVIDERS_WRITE)],
) -> OfferOut:
    provider = await require_provider(db, caller, provider_id)
    return offer_out(provider_id, await provider_offers.declare(db, provider, body))


@router.get("/v1/providers/{provider_id}/offer", response_model=OfferOut, summary="What a provider offers")
async def get_offer(
    provider_id: ProviderIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.PROVIDERS_READ)]
) -> OfferOut:
    provider = await require_provider(db, caller, provider_id)
    row = await db.get(ProviderOffer, provider.id)
    if row is None:
        raise NotFound("The provider has declared no offer.")
    return offer_out(provider_id, row)


class MatchOut(BaseModel):
    provider_id: str = Field(description="The council's id for the provider")
    placement_group: str = Field(description="The placement group it offers")
    weekly_cost: Decimal = Field(description="Its weekly cost, pounds")
    places: int = Field(description="The places it declares")
    placed_now: int = Field(description="The council's children placed with it now (open episodes)")
    meets_every_need: bool = Field(description="It can meet every need to meet")
    met: list[str] = Field(description="The needs it can meet, as 'domain level'")
    unmet: list[str] = Field(description="The needs it cannot meet")
    fit: int = Field(
        description="Levels to spare over the needs met (the highest level it declares in each domain less the "
        "child's): 0 fits exactly"
    )


class MatchesOut(BaseModel):
    needs: dict[str, int] = Field(description="The needs to meet: the domains at the rules' level or above")
    rules_version: int = Field(description="The version of the council's decision rules applied")
    providers: list[MatchOut] = Field(
        description="Those meeting every need, by fit then weekly cost (then provider id); then those meeting some, "
        "most needs met first"
    )


class MatchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(default=None, description="Only providers taking children from this postcode district")
    placement_group: str | None = Field(default=None, description="Only providers offering this placement group")
    limit: StrictInt = Field(default=50, ge=1, le=1000, description="At most this many providers")


class NeedsIn(MatchQuery):
    needs: dict[str, Annotated[StrictInt, Field(ge=0, le=10)]] = Field(
        description="The child's need level per domain (for a child the service does not hold yet)", max_length=200
    )


async def matches(db: SessionDep, caller: Caller, levels: dict[str, int], query: MatchQuery) -> MatchesOut:
    area = None
    if query.area is not None:
        area = postcode_district(query.area)
        if area is None:
            raise InvalidInput("The area is invalid.", errors=[field_error("area", "must be a postcode district")])
    if query.placement_group is not None and query.placement_group not in PLACEMENT_GROUPS:
        message = f"must be one of {', '.join(PLACEMENT_GROUPS)}"
        raise InvalidInput("The placement group is invalid.", errors=[field_error("placement_group", message)])
    version, rules = (await decision_rules.current_rules(db, [caller.la_id]))[caller.la_id]
    needs = needs_to_meet(levels, rules.matching.needs_from)
    offers = [
        offer
        for offer in await provider_offers.offers_of(db, caller.la_id)
        if serves(offer, area) and query.placement_group in (None, offer.group)
    ]
    found = ranked(needs, offers)[: query.limit]
    placed = dict(
        (
            await db.execute(
                select(Provider.external_id, func.count())
                .join(Placement, Placement.provider_id == Provider.id)
                .where(Provider.la_id == caller.la_id, Placement.end_date.is_(None))
                .where(Provider.external_id.in_([m.offer.provider_id for m in found]))
                .group_by(Provider.external_id)
            )
        ).all()
    )
    return MatchesOut(
        needs=needs,
        rules_version=version,
        providers=[
            MatchOut(
                provider_id=m.offer.provider_id,
                placement_group=m.offer.group,
                weekly_cost=m.offer.weekly_cost,
                places=m.offer.places,
                placed_now=placed.get(m.offer.provider_id, 0),
                meets_every_need=m.meets_every_need,
                met=list(m.met),
                unmet=list(m.unmet),
                fit=m.fit,
            )
            for m in found
        ],
    )


@router.get(
    "/v1/children/{child_id}/matches",
    response_model=MatchesOut,
    summary="The providers that can meet a child's needs (its latest assessment), ranked by fit then cost",
)
async def get_child_matches(
    child_id: ChildIdPath,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.CHILDREN_READ)],
    area: Annotated[str | None, Query(description="Only providers taking children from this postcode district")] = None,
    placement_group: Annotated[str | None, Query(description="Only providers offering this group")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many providers")] = 50,
) -> MatchesOut:
    child = await require_child(db, caller.la_id, child_id)
    levels = await latest_levels(db, child.id)
    return await matches(db, caller, levels, MatchQuery(area=area, placement_group=placement_group, limit=limit))


@router.post(
    "/v1/matches",
    response_model=MatchesOut,
    summary="The providers that can meet the needs given, ranked by fit then cost (nothing is stored)",
)
async def post_matches(
    body: NeedsIn, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)]
) -> MatchesOut:
    domains = await domain_levels_of(db, caller.la_id)
    errors = [
        field_error(f"needs.{domain}", "is not a domain of your council's instruments")
        if domain not in domains
        else field_error(f"needs.{domain}", f"is not a level of the domain's scale ({sorted(domains[domain])})")
        for domain, level in body.needs.items()
        if level not in domains.get(domain, ())
    ]
    if errors:
        raise InvalidInput("The needs are invalid.", errors=errors)
    return await matches(db, caller, body.needs, body)
