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
# Pages only read (every in-process call is a GET), so a role holds no scope but what its pages read with;
# figures:manage and returns:import are the scopes of the admin's GET routes of recomputes and imports.
ADMIN_READS = frozenset({Scope.AUDIT_READ, Scope.FIGURES_MANAGE, Scope.RETURNS_IMPORT, Scope.PROVIDERS_READ})
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.PRACTITIONER: CHILDREN_READS,
    Role.MANAGER: COUNCIL_READS,
    Role.COMMISSIONER: COUNCIL_READS,
    Role.PROVIDER_FINANCE: KIND_SCOPES[Kind.PROVIDER],
    Role.ADMIN: ADMIN_READS | COUNCIL_READS,
}
# Which role a person signs in with when the identity provider grants several (its order is not promised).
PRECEDENCE = (Role.ADMIN, Role.COMMISSIONER, Role.MANAGER, Role.PRACTITIONER, Role.PROVIDER_FINANCE)
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
    ('provider_finance:<id>'): of several, the first in PRECEDENCE. None when none is granted, or when
    provider finance roles name more than one provider (which one would be a guess)."""
    listed = [value for value in (values if isinstance(values, list) else [values]) if isinstance(value, str)]
    providers = {
        value[len(PROVIDER_ROLE_PREFIX) :]
        for value in listed
        if value.startswith(PROVIDER_ROLE_PREFIX) and len(value) > len(PROVIDER_ROLE_PREFIX)
    }
    granted = {Role(value) for value in listed if value in Role.__members__.values() and value != Role.PROVIDER_FINANCE}
    if len(providers) == 1:
        granted.add(Role.PROVIDER_FINANCE)
    for role in PRECEDENCE:
        if role in granted:
            return role, providers.pop() if role is Role.PROVIDER_FINANCE else None
    return None
