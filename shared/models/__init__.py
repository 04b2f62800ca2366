"""ORM models. Every row belongs to a local authority (tenant) and every query filters on it."""

from shared.models.audit import AuditEvent, Erasure
from shared.models.base import Base
from shared.models.children import (
    Assessment,
    AssessmentVersion,
    Child,
    Rating,
    first_recorded,
    is_childs_own_final,
    is_current_version,
    is_standing_final,
)
from shared.models.decisions import ChildDecisionFigures, DecisionRuleVersion
from shared.models.figures import (
    ChildNeedsTrend,
    ChildOutcomeArea,
    ChildOutcomeMeasure,
    ChildPlacementFigures,
    DomainNeedsTrend,
    OutcomeAreaRemoval,
    RciCalibration,
)
from shared.models.imports import ImportFinding, ImportUpload, ReturnImport
from shared.models.instruments import Instrument
from shared.models.outbox import CouncilRecompute, RecomputeRequest
from shared.models.outcomes import MeasureCode, OutcomeMeasure, OutcomeMeasureVersion
from shared.models.payments import Contract, ContractVersion, ErasedCostDays, PaymentStatement, StatementLine
from shared.models.placements import Placement, Provider, ProviderOffer
from shared.models.tenancy import ApiKey, Client, IdempotencyRecord, LocalAuthority
from shared.models.web import SignInLink, WebSession

__all__ = [
    "ApiKey",
    "Assessment",
    "AssessmentVersion",
    "AuditEvent",
    "Base",
    "Child",
    "ChildDecisionFigures",
    "ChildNeedsTrend",
    "ChildOutcomeArea",
    "ChildOutcomeMeasure",
    "ChildPlacementFigures",
    "Client",
    "Contract",
    "ContractVersion",
    "CouncilRecompute",
    "DecisionRuleVersion",
    "DomainNeedsTrend",
    "ErasedCostDays",
    "Erasure",
    "IdempotencyRecord",
    "ImportFinding",
    "ImportUpload",
    "Instrument",
    "LocalAuthority",
    "MeasureCode",
    "OutcomeAreaRemoval",
    "OutcomeMeasure",
    "OutcomeMeasureVersion",
    "PaymentStatement",
    "Placement",
    "Provider",
    "ProviderOffer",
    "Rating",
    "RciCalibration",
    "RecomputeRequest",
    "ReturnImport",
    "SignInLink",
    "StatementLine",
    "WebSession",
    "first_recorded",
    "is_childs_own_final",
    "is_current_version",
    "is_standing_final",
]
