"""The synthetic demo council loaded on first start: written through the same checks as the API,
so the demo proves the write path, and its recompute requests go through the outbox."""

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import councils
from services.api.assessments import service as assessments
from services.api.assessments.schemas import AssessmentAmendment
from services.api.children import service as children
from services.api.children.schemas import ChildIn
from services.api.contracts import service as contracts
from services.api.contracts.schemas import ContractIn, VersionIn
from services.api.outcomes import service as outcome_measures
from services.api.outcomes.schemas import OutcomeMeasureIn
from services.api.placements import service as placements
from services.api.placements.schemas import PlacementIn
from services.api.providers.queries import provider_named
from shared.demo_data import DEMO_COUNCIL_CODE, HOME_DISTRICTS, DemoAssessment, DemoCouncil, DemoPlacement
from shared.domain import decision_rules, provider_offers
from shared.domain.assessments.content import AssessmentIn
from shared.domain.decision_rules import RulesDocument, SufficiencyIn
from shared.domain.engines.pbnr.contract import calendar
from shared.domain.measure_codes import codes_of
from shared.domain.provider_offers import OfferIn
from shared.models import Assessment, LocalAuthority, PaymentStatement, Provider, StatementLine

CLOSED_PERIODS = 2  # the council has paid the contract's first two quarters


def assessment_body(item: DemoAssessment) -> AssessmentIn:
    ratings = {
        domain: {"need": need, "strength": item.strengths.get(domain)}
        if need is not None
        else {"not_assessed": item.not_assessed[domain]}
        for domain, need in item.needs.items()
    }
    return AssessmentIn.model_validate(
        {
            "external_id": item.external_id,
            "child_id": item.child_id,
            "assessed_on": item.assessed_on,
            "context": item.context,
            "assessor_role": item.assessor_role,
            "status": "final",
            "ratings": ratings,
        }
    )


def placement_body(item: DemoPlacement) -> PlacementIn:
    return PlacementIn(
        external_id=item.external_id,
        child_id=item.child_id,
        start_date=item.start_date,
        end_date=item.end_date,
        rne=item.rne,
        legal_status=item.legal_status,
        cin=item.cin,
        place=item.place,
        place_provider=item.place_provider,
        reason_ended=item.reason_ended,
        reason_place_change=item.reason_place_change,
        postcode=item.postcode_sector,
        urn=item.urn,
        provider_id=item.provider_external_id,
        weekly_cost=item.weekly_cost,
        funding={
            "social_care": item.funding_social_care,
            "health": item.funding_health,
            "education": item.funding_education,
        },
    )


async def load(
    db: AsyncSession, demo: DemoCouncil, today: date, pseudonym_key: bytes, code: str = DEMO_COUNCIL_CODE
) -> LocalAuthority:
    council = await councils.create_council(db, code, "Synthetic demo council", synthetic=True)
    db.add_all(Provider(la_id=council.id, external_id=p.external_id, name=p.name) for p in demo.providers)
    for child in demo.children:
        body = ChildIn(date_of_birth=child.date_of_birth, sex=child.sex, ethnicity=child.ethnicity, uasc=child.uasc)
        row, _ = await children.upsert_child(db, council.id, child.child_id, body, today, pseudonym_key)
        row.synthetic = True
    await db.flush()
    for placement in demo.placements:
        await placements.create(db, council.id, placement_body(placement), today)
    for assessment in demo.assessments:
        await assessments.create(db, council.id, assessment_body(assessment), today)
    await load_measures(db, council, demo, today)
    await load_contract(db, council, demo, today)
    await load_offers(db, council, demo)
    return council


async def load_offers(db: AsyncSession, council: LocalAuthority, demo: DemoCouncil) -> None:
    """Every provider's offer, and the council's own districts in its decision rules (its homes in ZZ7-ZZ9 are
    out of its area), so that matching and sufficiency have content."""
    for provider_id, offer in demo.offers.items():
        provider = await provider_named(db, council.id, provider_id)
        assert provider is not None
        await provider_offers.declare(db, provider, OfferIn.model_validate(offer))
    rules = RulesDocument(sufficiency=SufficiencyIn(home_districts=list(HOME_DISTRICTS)))
    await decision_rules.define(db, council.id, rules)


SDQ_DAYS = 90  # each SDQ describes the quarter up to the assessment it was taken for


def sdq_of(item: DemoAssessment, number: int) -> int:
    """An SDQ that follows the child's emotional health need, as a questionnaire would, give or take a point."""
    level = item.needs.get("emotional_health") or 0
    return min(40, 5 + 6 * level + number % 3)


async def load_measures(db: AsyncSession, council: LocalAuthority, demo: DemoCouncil, today: date) -> None:
    """An SDQ beside each child's first and latest assessments, so the demo's outcome links have content."""
    codes = await codes_of(db, council.id)
    by_child: dict[str, list[DemoAssessment]] = {}
    for item in demo.assessments:
        by_child.setdefault(item.child_id, []).append(item)
    born = {child.child_id: child.date_of_birth for child in demo.children}
    for number, (child_id, items) in enumerate(sorted(by_child.items())):
        items.sort(key=lambda item: item.assessed_on)
        for which, item in (("first", items[0]), ("latest", items[-1])) if len(items) > 1 else ():
            start = max(item.assessed_on - timedelta(days=SDQ_DAYS), born[child_id])
            body = OutcomeMeasureIn(
                external_id=f"SDQ-{child_id}-{which}",
                child_id=child_id,
                code="sdq_total",
                value=Decimal(sdq_of(item, number)),
                period_start=start,
                period_end=item.assessed_on,
                source="carer",
            )
            await outcome_measures.create(db, council.id, body, codes, today)


async def load_contract(db: AsyncSession, council: LocalAuthority, demo: DemoCouncil, today: date) -> None:
    """The demo's contract, its first periods closed as paid, then a late amendment that changes one of
    them, so the next statement settles the difference as an adjustment (domain.md §7.9)."""
    spec = demo.contract
    terms = ContractIn(
        code=spec.code,
        provider_id=spec.provider_external_id,
        start_date=spec.start_date,
        end_date=spec.end_date,
        period="quarter",
        deadweight=spec.deadweight,
        cap_per_child_year=spec.cap_per_child_year,
        cap_per_period=spec.cap_per_period,
    )
    await contracts.create_contract(db, council.id, terms)
    later = VersionIn(effective_from=spec.outcome_share_from, cap_outcome_share=spec.cap_outcome_share)
    await contracts.new_version(db, council.id, spec.code, later)
    closed = calendar(spec.start_date, spec.end_date, "quarter")[:CLOSED_PERIODS]
    for period in closed:
        await contracts.close_period(db, council.id, spec.code, period.start)
    await amend_a_paid_reduction(db, council, demo, today)


async def amend_a_paid_reduction(db: AsyncSession, council: LocalAuthority, demo: DemoCouncil, today: date) -> None:
    """The confirming assessment of the first first instalment the closed periods paid, amended late to
    rate its domain as at the baseline: the reduction was recorded in error."""
    line = await db.scalar(
        select(StatementLine)
        .join(PaymentStatement, PaymentStatement.id == StatementLine.statement_id)
        .where(
            PaymentStatement.la_id == council.id,
            PaymentStatement.closed_at.is_not(None),
            StatementLine.kind == "earned",
            StatementLine.instalment == 1,
            StatementLine.paid > 0,
        )
        .order_by(PaymentStatement.period_start, StatementLine.line)
        .limit(1)
    )
    assert line is not None and line.domain and line.baseline_assessment and line.confirming_assessment
    baseline = await db.get_one(Assessment, uuid.UUID(line.baseline_assessment))
    confirming = await db.get_one(Assessment, uuid.UUID(line.confirming_assessment))
    written = {a.external_id: a for a in demo.assessments}
    level = written[baseline.external_id].needs[line.domain]
    amended = replace(
        written[confirming.external_id], needs=written[confirming.external_id].needs | {line.domain: level}
    )
    content = AssessmentAmendment.model_validate(assessment_body(amended).model_dump())
    await assessments.amend(db, council.id, confirming.id, confirming.current_version, content, today)
