"""The synthetic demo council loaded on first start: written through the same checks as the API,
so the demo proves the write path, and its recompute requests go through the outbox."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import councils
from services.api.assessments import service as assessments
from services.api.assessments.schemas import AssessmentIn
from services.api.children import service as children
from services.api.children.schemas import ChildIn
from services.api.placements import service as placements
from services.api.placements.schemas import PlacementIn
from shared.demo_data import DemoAssessment, DemoCouncil, DemoPlacement
from shared.models import LocalAuthority, Provider

DEMO_CODE = "DEMO"


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
    db: AsyncSession, demo: DemoCouncil, today: date, pseudonym_key: bytes, code: str = DEMO_CODE
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
    return council
