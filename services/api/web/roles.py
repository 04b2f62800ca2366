"""The roles people sign in with, and what each may read: the API's scopes, so a page shows only what the
same role's API client could fetch."""

from enum import StrEnum

from shared.access import KIND_SCOPES, Kind, Scope


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    COMMISSIONER = "commissioner"
    PROVIDER_FINANCE = "provider_finance"
    ADMIN = "admin"


CHILDREN_READS = frozenset(
    {Scope.CHILDREN_READ, Scope.ASSESSMENTS_READ, Scope.PLACEMENTS_READ, Scope.OUTCOMES_READ, Scope.INSTRUMENTS_READ}
)
COUNCIL_READS = CHILDREN_READS | {Scope.SCORES_READ, Scope.STATEMENTS_READ}

ROLE_KIND: dict[Role, Kind] = {
    Role.PRACTITIONER: Kind.CASE_MANAGEMENT,
    Role.MANAGER: Kind.BI,
    Role.COMMISSIONER: Kind.BI,
    Role.PROVIDER_FINANCE: Kind.PROVIDER,
    Role.ADMIN: Kind.ADMIN,
}
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.PRACTITIONER: CHILDREN_READS,
    Role.MANAGER: COUNCIL_READS,
    Role.COMMISSIONER: COUNCIL_READS,
    Role.PROVIDER_FINANCE: KIND_SCOPES[Kind.PROVIDER],
    Role.ADMIN: KIND_SCOPES[Kind.ADMIN] | COUNCIL_READS,
}
ROLE_NAMES = {
    Role.PRACTITIONER: "Practitioner",
    Role.MANAGER: "Manager",
    Role.COMMISSIONER: "Commissioner",
    Role.PROVIDER_FINANCE: "Provider finance",
    Role.ADMIN: "Administrator",
}
PROVIDER_ROLE_PREFIX = f"{Role.PROVIDER_FINANCE.value}:"


def role_claimed(values: object) -> tuple[Role, str | None] | None:
    """The role an identity provider's roles claim grants, with the provider id a provider finance role names
    ('provider_finance:<id>'); the first that names a role, in the claim's order. None when none does."""
    listed = values if isinstance(values, list) else [values]
    for value in listed:
        if not isinstance(value, str):
            continue
        if value.startswith(PROVIDER_ROLE_PREFIX) and len(value) > len(PROVIDER_ROLE_PREFIX):
            return Role.PROVIDER_FINANCE, value[len(PROVIDER_ROLE_PREFIX) :]
        if value in Role.__members__.values() and value != Role.PROVIDER_FINANCE:
            return Role(value), None
    return None
