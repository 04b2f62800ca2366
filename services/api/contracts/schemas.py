"""Contract documents: the terms of domain.md §7.1 with its defaults, checked field by field, and
across fields with the field named."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.api.types import Id
from shared.errors import InvalidInput, field_error

Pounds = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, description="pounds, to the penny")]
ShareOf1 = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, description="a share, 0 to 1")]
Level = Annotated[int, Field(ge=0, le=20)]
DEFAULT_TARIFF = {2: Decimal(500), 3: Decimal(1000), 4: Decimal(2000)}


class TermsIn(BaseModel):
    """A version's terms; every term may be left to domain.md §7.1's default but the end and the period."""

    model_config = ConfigDict(extra="forbid")

    end_date: date = Field(description="the contract's last day, inside its last period")
    period: Literal["month", "quarter"] = Field(description="calendar months, or quarters from January")
    tariff: dict[Level, Pounds] = Field(
        default_factory=lambda: dict(DEFAULT_TARIFF),
        min_length=1,
        description="pounds per resolved domain by its baseline level; a level above every one listed pays the top",
    )
    first_share: ShareOf1 = Field(default=Decimal("0.4"), description="paid on first confirmation")
    second_share: ShareOf1 = Field(default=Decimal("0.6"), description="paid on sustainment")
    sustainment_gap_days: int = Field(
        description="Days from first confirmation to the sustaining review", default=175, ge=1, le=3650
    )
    deadweight: ShareOf1 = Field(default=Decimal(0), description="the share of every outcome payment deducted")
    cap_per_child_year: Pounds | None = Field(default=None, description="per child per contract year")
    cap_per_period: Pounds | None = Field(default=None, description="Most paid in one period, GBP")
    cap_outcome_share: ShareOf1 | None = Field(default=None, description="of the period's base fees")

    def refuse_inconsistent(self, starts: date, starts_field: str) -> None:
        errors = []
        if self.first_share + self.second_share != 1:
            errors.append(field_error("second_share", "first_share and second_share must sum to 1"))
        if self.end_date < starts:
            errors.append(field_error("end_date", f"must not be before {starts_field} ({starts.isoformat()})"))
        if errors:
            raise InvalidInput("The contract's terms do not hold together.", errors=errors)


class ContractIn(TermsIn):
    code: Id = Field(min_length=1, max_length=64, description="the council's reference for the contract")
    provider_id: Id = Field(min_length=1, max_length=128, description="the council's id for the provider")
    start_date: date = Field(description="The contract's first day")


class VersionIn(BaseModel):
    """A new version from `effective_from`: the terms given replace the current version's, the rest stay."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date = Field(description="The first day the new terms apply")
    end_date: date | None = Field(default=None, description="The contract's new last day")
    tariff: dict[Level, Pounds] | None = Field(
        description="Payment per domain reduced, by the baseline level, GBP", default=None, min_length=1
    )
    first_share: ShareOf1 | None = Field(default=None, description="Share paid on first confirmation")
    second_share: ShareOf1 | None = Field(default=None, description="Share paid on sustainment")
    sustainment_gap_days: int | None = Field(
        description="Days from confirmation to the sustaining review", default=None, ge=1, le=3650
    )
    deadweight: ShareOf1 | None = Field(default=None, description="Share of every outcome payment deducted")
    cap_per_child_year: Pounds | None = Field(default=None, description="Cap per child per contract year, GBP")
    cap_per_period: Pounds | None = Field(default=None, description="Most paid in one period, GBP")
    cap_outcome_share: ShareOf1 | None = Field(default=None, description="Cap as a share of the period's base fees")

    def changes(self) -> dict[str, Any]:
        """The terms given; a cap given as null lifts the cap, any other term given as null stays."""
        given = {name: getattr(self, name) for name in self.model_fields_set - {"effective_from"}}
        return {name: value for name, value in given.items() if value is not None or name.startswith("cap_")}


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: date = Field(description="the contract's new last day")


class VersionOut(BaseModel):
    version: int = Field(description="The terms' version, from 1")
    effective_from: date = Field(description="The first day they apply")
    end_date: date = Field(description="The contract's last day under them")
    period: str = Field(description="month or quarter")
    tariff: dict[int, Decimal] = Field(description="Payment per domain reduced, by the baseline level, GBP")
    first_share: Decimal = Field(description="Share paid on first confirmation")
    second_share: Decimal = Field(description="Share paid on sustainment")
    sustainment_gap_days: int = Field(description="Days from confirmation to the sustaining review")
    deadweight: Decimal = Field(description="Share of every outcome payment deducted")
    cap_per_child_year: Decimal | None = Field(description="Cap per child per contract year, GBP")
    cap_per_period: Decimal | None = Field(description="Most paid in one period, GBP")
    cap_outcome_share: Decimal | None = Field(description="Cap as a share of the period's base fees")


class ContractOut(BaseModel):
    id: str = Field(description="The API's id for the contract")
    code: str = Field(description="The council's reference for it")
    provider_id: str = Field(description="The council's id for the provider")
    start_date: date = Field(description="Its first day")
    end_date: date = Field(description="Its last day")
    rules: str = Field(description="The payment rules, e.g. pbnr-v1")
    versions: list[VersionOut] = Field(description="Every version of its terms, oldest first")
