"""Who may do what: client kinds, the scopes each kind may hold, and the scope every route declares."""

from enum import StrEnum


class Kind(StrEnum):
    CASE_MANAGEMENT = "case_management"
    PROVIDER = "provider"
    BI = "bi"
    ADMIN = "admin"


class Scope(StrEnum):
    CHILDREN_READ = "children:read"
    CHILDREN_WRITE = "children:write"
    ASSESSMENTS_READ = "assessments:read"
    ASSESSMENTS_WRITE = "assessments:write"
    PLACEMENTS_READ = "placements:read"
    PLACEMENTS_WRITE = "placements:write"
    PROVIDERS_READ = "providers:read"
    PROVIDERS_WRITE = "providers:write"
    FIGURES_READ = "figures:read"
    SCORES_READ = "scores:read"
    CLIENTS_MANAGE = "clients:manage"
    AUDIT_READ = "audit:read"
    CHILDREN_ERASE = "children:erase"
    INSTRUMENTS_READ = "instruments:read"
    INSTRUMENTS_MANAGE = "instruments:manage"
    FIGURES_MANAGE = "figures:manage"  # recalibrate reliable change, recompute the council's figures
    CONTRACTS_MANAGE = "contracts:manage"  # payment by needs reduction: create, version and end contracts
    STATEMENTS_READ = "statements:read"  # a provider its own contracts' statements; BI and admin the council's
    RETURNS_IMPORT = "returns:import"  # load the council's SSDA903 return and read the imports' reports
    OUTCOMES_READ = "outcomes:read"  # a child's outcome measures (SDQ, attendance, ...) as recorded
    OUTCOMES_WRITE = "outcomes:write"


# The most a client of each kind may hold; an admin may grant fewer when creating the client.
KIND_SCOPES: dict[Kind, frozenset[Scope]] = {
    Kind.CASE_MANAGEMENT: frozenset(
        {
            Scope.CHILDREN_READ,
            Scope.CHILDREN_WRITE,
            Scope.ASSESSMENTS_READ,
            Scope.ASSESSMENTS_WRITE,
            Scope.PLACEMENTS_READ,
            Scope.PLACEMENTS_WRITE,
            Scope.PROVIDERS_READ,
            Scope.INSTRUMENTS_READ,
            Scope.OUTCOMES_READ,
            Scope.OUTCOMES_WRITE,
        }
    ),
    Kind.PROVIDER: frozenset({Scope.FIGURES_READ, Scope.STATEMENTS_READ}),
    Kind.BI: frozenset({Scope.SCORES_READ, Scope.INSTRUMENTS_READ, Scope.STATEMENTS_READ}),
    Kind.ADMIN: frozenset(
        {
            Scope.CLIENTS_MANAGE,
            Scope.PROVIDERS_READ,
            Scope.PROVIDERS_WRITE,
            Scope.AUDIT_READ,
            Scope.CHILDREN_ERASE,
            Scope.INSTRUMENTS_READ,
            Scope.INSTRUMENTS_MANAGE,
            Scope.FIGURES_MANAGE,
            Scope.CONTRACTS_MANAGE,
            Scope.STATEMENTS_READ,
            Scope.RETURNS_IMPORT,
        }
    ),
}
