"""A council's decision rules (domain.md §8) as data: the shipped defaults (version 0) until its admin sets its own,
each setting a new version that every figure computed under it names. Set through the API
(PUT /v1/admin/decision-rules) or the operator's CLI (define-decision-rules); read by the worker and by readers."""

import uuid
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator, model_validator
from sqlalchemy import Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among
from shared.domain.engines.decisions import (
    DecisionRules,
    JointFundingRules,
    MatchingRules,
    StabilityRules,
    StepDownRules,
    ValueRules,
)
from shared.domain.engines.placements.savings import SavingsRules
from shared.domain.engines.sufficiency import SufficiencyRules
from shared.domain.lookups import domain_levels_of
from shared.errors import InvalidInput, field_error
from shared.models import DecisionRuleVersion
from shared.ssda903 import PLACEMENT_GROUPS, PLACEMENT_PROVIDER, REASON_PLACEMENT_CHANGE, postcode_districts

SHIPPED = DecisionRules()
SHIPPED_VERSION = 0

Level = Annotated[StrictInt, Field(ge=0, le=10)]
DomainCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Count = Annotated[StrictInt, Field(ge=1, le=1000)]


def refuse_unknown(name: str, given: list[str], known: Collection[str], what: str) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{name}: {', '.join(unknown)} is not {what}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepDownIn(Strict):
    residential_groups: list[str] = Field(
        default=list(SHIPPED.step_down.residential_groups),
        min_length=1,
        description=f"Placement groups that are residential care: of {', '.join(PLACEMENT_GROUPS)}",
    )
    intensive_from: Level = Field(
        default=SHIPPED.step_down.intensive_from, description="A need at this level or above rules a child out"
    )
    high_from: Level = Field(
        default=SHIPPED.step_down.high_from, description="Needs from this level up to intensive_from are high"
    )
    max_high_needs: Annotated[StrictInt, Field(ge=0, le=100)] = Field(
        default=SHIPPED.step_down.max_high_needs, description="More high needs than this rule a child out"
    )
    foster_weekly_cost: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)] = Field(
        default=SHIPPED.step_down.foster_weekly_cost,
        description="The council's weekly foster cost, which a candidate's saving is counted against (pounds)",
    )

    @model_validator(mode="after")
    def high_below_intensive(self) -> "StepDownIn":
        refuse_unknown("residential_groups", self.residential_groups, PLACEMENT_GROUPS, "a placement group")
        if self.high_from > self.intensive_from:
            raise ValueError("high_from must not be above intensive_from")
        return self


class StabilityIn(Strict):
    total_rise: Count = Field(
        default=SHIPPED.stability.total_rise,
        description="Total need up this much or more since the previous assessment flags a risk",
    )
    domain_rise: Count = Field(
        default=SHIPPED.stability.domain_rise, description="A domain up this much or more since its previous rating"
    )
    placements_in_year: Count = Field(
        default=SHIPPED.stability.placements_in_year, description="This many placements in 12 months or more"
    )
    warning_reasons: list[str] = Field(
        default=list(SHIPPED.stability.warning_reasons),
        description="Reasons an earlier placement ended (SSDA903 REASON_PLACE_CHANGE) that flag a risk",
    )

    @model_validator(mode="after")
    def known_reasons(self) -> "StabilityIn":
        refuse_unknown("warning_reasons", self.warning_reasons, REASON_PLACEMENT_CHANGE, "a REASON_PLACE_CHANGE code")
        return self


class JointFundingIn(Strict):
    from_level: Level = Field(
        default=SHIPPED.joint_funding.from_level, description="Needs at this level or above are shared"
    )
    health_domains: list[DomainCode] = Field(
        default=list(SHIPPED.joint_funding.health_domains), description="Domains whose needs the NHS shares"
    )
    education_domains: list[DomainCode] = Field(
        default=list(SHIPPED.joint_funding.education_domains), description="Domains whose needs education shares"
    )


class ValueIn(Strict):
    ratio: Annotated[Decimal, Field(gt=1, max_digits=6, decimal_places=3)] = Field(
        default=SHIPPED.value.ratio, description="Costing more than this times the peers' median flags a child"
    )
    total_within: Annotated[StrictInt, Field(ge=0, le=100)] = Field(
        default=SHIPPED.value.total_within, description="Peers share the max need and have a total within this"
    )


class MatchingIn(Strict):
    needs_from: Annotated[StrictInt, Field(ge=1, le=10)] = Field(
        default=SHIPPED.matching.needs_from, description="A provider must meet each need at this level or above"
    )


class SavingsIn(Strict):
    family_groups: list[str] = Field(
        default=list(SHIPPED.savings.family_groups),
        min_length=1,
        description="Placement groups that are family care: a move to one from residential care is a step-down "
        "(residential care is step_down.residential_groups)",
    )
    agency_providers: list[str] = Field(
        default=list(SHIPPED.savings.agency_providers),
        min_length=1,
        description="PLACE_PROVIDER codes of agency foster carers",
    )
    in_house_providers: list[str] = Field(
        default=list(SHIPPED.savings.in_house_providers),
        min_length=1,
        description="PLACE_PROVIDER codes of the council's own foster carers",
    )

    @model_validator(mode="after")
    def known_codes(self) -> "SavingsIn":
        refuse_unknown("family_groups", self.family_groups, PLACEMENT_GROUPS, "a placement group")
        refuse_unknown("agency_providers", self.agency_providers, PLACEMENT_PROVIDER, "a PLACE_PROVIDER code")
        refuse_unknown("in_house_providers", self.in_house_providers, PLACEMENT_PROVIDER, "a PLACE_PROVIDER code")
        return self


class SufficiencyIn(Strict):
    profile_from: Annotated[StrictInt, Field(ge=1, le=10)] = Field(
        default=SHIPPED.sufficiency.profile_from, description="A child's profile is its needs at this level or above"
    )
    home_districts: list[str] = Field(
        default=list(SHIPPED.sufficiency.home_districts),
        max_length=500,
        description="The council's own postcode districts (e.g. AB1): a placement elsewhere is out of area; none: "
        "no child is counted out of area",
    )

    @field_validator("home_districts")
    @classmethod
    def districts(cls, areas: list[str]) -> list[str]:
        return postcode_districts(areas)


class RulesDocument(Strict):
    """The whole set: what is left out keeps its shipped default."""

    step_down: StepDownIn = Field(default_factory=StepDownIn, description="Who in residential care may step down")
    stability: StabilityIn = Field(default_factory=StabilityIn, description="What flags a placement at risk")
    joint_funding: JointFundingIn = Field(
        default_factory=JointFundingIn, description="Which needs health or education share the cost of"
    )
    value: ValueIn = Field(default_factory=ValueIn, description="Which children cost more than their peers")
    matching: MatchingIn = Field(default_factory=MatchingIn, description="Which needs a provider must meet")
    savings: SavingsIn = Field(default_factory=SavingsIn, description="Which moves save, and while what lasts")
    sufficiency: SufficiencyIn = Field(
        default_factory=SufficiencyIn, description="How children's needs are grouped, and where the council is"
    )

    def for_engine(self) -> DecisionRules:
        s, t, j, v, m = self.step_down, self.stability, self.joint_funding, self.value, self.matching
        return DecisionRules(
            StepDownRules(
                tuple(s.residential_groups), s.intensive_from, s.high_from, s.max_high_needs, s.foster_weekly_cost
            ),
            StabilityRules(t.total_rise, t.domain_rise, t.placements_in_year, tuple(t.warning_reasons)),
            JointFundingRules(j.from_level, tuple(j.health_domains), tuple(j.education_domains)),
            ValueRules(v.ratio, v.total_within),
            MatchingRules(m.needs_from),
            SavingsRules(
                tuple(s.residential_groups),
                tuple(self.savings.family_groups),
                tuple(self.savings.agency_providers),
                tuple(self.savings.in_house_providers),
            ),
            SufficiencyRules(self.sufficiency.profile_from, tuple(self.sufficiency.home_districts)),
        )


SHIPPED_DOCUMENT = RulesDocument()


async def current_documents(db: AsyncSession, la_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, RulesDocument]]:
    """Each council's rules in force, with their version, read at once for them all."""
    latest = (
        select(DecisionRuleVersion.la_id, func.max(DecisionRuleVersion.version).label("version"))
        .where(among(DecisionRuleVersion.la_id, la_ids, Uuid))
        .group_by(DecisionRuleVersion.la_id)
        .subquery()
    )
    rows = await db.execute(
        select(DecisionRuleVersion.la_id, DecisionRuleVersion.version, DecisionRuleVersion.rules).join(
            latest,
            (latest.c.la_id == DecisionRuleVersion.la_id) & (latest.c.version == DecisionRuleVersion.version),
        )
    )
    found = {la_id: (version, RulesDocument.model_validate(rules)) for la_id, version, rules in rows}
    return {la_id: found.get(la_id, (SHIPPED_VERSION, SHIPPED_DOCUMENT)) for la_id in la_ids}


async def current_rules(db: AsyncSession, la_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, DecisionRules]]:
    documents = await current_documents(db, la_ids)
    return {la_id: (version, document.for_engine()) for la_id, (version, document) in documents.items()}


async def define(db: AsyncSession, la_id: uuid.UUID, document: RulesDocument) -> int:
    """The council's rules set anew as the next version (the caller's transaction); the version. Domains must be of
    an instrument the council can rate with."""
    domains = await domain_levels_of(db, la_id)
    errors = [
        field_error(f"joint_funding.{name}", f"{code} is not a domain of your council's instruments")
        for name in ("health_domains", "education_domains")
        for code in getattr(document.joint_funding, name)
        if code not in domains
    ]
    if errors:
        raise InvalidInput("The decision rules are invalid; nothing was written.", errors=errors)
    # Versions are numbered per council: one writer at a time, so two admins never take the same number.
    await db.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"decision-rules:{la_id}"))))
    last = await db.scalar(select(func.max(DecisionRuleVersion.version)).where(DecisionRuleVersion.la_id == la_id))
    version = (last or SHIPPED_VERSION) + 1
    db.add(DecisionRuleVersion(la_id=la_id, version=version, rules=document.model_dump(mode="json")))
    await db.flush()
    return version
