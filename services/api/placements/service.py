import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.batches import refusal
from services.api.children.service import get_child
from services.api.placements.schemas import Funding, PlacementEnding, PlacementIn, PlacementOut
from shared import outbox
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from shared.models import Child, Placement, Provider
from shared.ssda903 import collection_year_of, invalid_codes, postcode_sector

# Request fields by their SSDA903 column, so a code error names the field the caller sent.
STARTING_FIELDS = {
    "RNE": "rne",
    "LS": "legal_status",
    "CIN": "cin",
    "PLACE": "place",
    "PLACE_PROVIDER": "place_provider",
}
ENDING_FIELDS = {"REC": "reason_ended", "REASON_PLACE_CHANGE": "reason_place_change"}

Interval = tuple[date, date | None]
RENDERED_APART = {"child_id", "provider_id", "funding"}


def content_hash(body: PlacementIn) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open: the next episode may start on the day the previous ended."""
    a_end, b_end = a[1] or date.max, b[1] or date.max
    return a[0] < b_end and b[0] < a_end


def code_errors(fields: dict[str, str], values: dict[str, str | None], on: date) -> list[dict[str, Any]]:
    found = invalid_codes({column: values[name] for column, name in fields.items()}, collection_year_of(on))
    return [field_error(fields[column], message) for column, message in found]


def ending_errors(ending: PlacementEnding | PlacementIn, today: date) -> list[dict[str, Any]]:
    if ending.end_date is None:
        return []
    errors = code_errors(ENDING_FIELDS, ending.model_dump(include=set(ENDING_FIELDS.values())), ending.end_date)
    if ending.end_date > today:
        errors.append(field_error("end_date", f"{ending.end_date.isoformat()} is in the future"))
    return errors


@dataclass(frozen=True, slots=True)
class Checked:
    body: PlacementIn
    child: Child
    provider: Provider | None
    existing: Placement | None


async def find_by_external_id(db: AsyncSession, la_id: uuid.UUID, external_id: str) -> Placement | None:
    return await db.scalar(select(Placement).where(Placement.la_id == la_id, Placement.external_id == external_id))


async def overlapping(db: AsyncSession, child_pk: uuid.UUID, interval: Interval, excluding: str) -> str | None:
    rows = (
        await db.execute(
            select(Placement.external_id, Placement.start_date, Placement.end_date).where(
                Placement.child_pk == child_pk, Placement.external_id != excluding
            )
        )
    ).all()
    return next((row.external_id for row in rows if overlaps(interval, (row.start_date, row.end_date))), None)


async def check_new(
    db: AsyncSession,
    la_id: uuid.UUID,
    body: PlacementIn,
    today: date,
    batch: dict[str, tuple[uuid.UUID, Interval]] | None = None,
) -> Checked | list[dict[str, Any]]:
    child = await get_child(db, la_id, body.child_id, lock=True)
    if child is None:
        return [field_error("child_id", "no child with this id in your council: PUT /v1/children/{child_id} first")]
    existing = await find_by_external_id(db, la_id, body.external_id)
    if existing is not None and existing.body_hash != content_hash(body):
        return [field_error("external_id", "already used for a placement with other content")]
    errors = code_errors(STARTING_FIELDS, body.model_dump(include=set(STARTING_FIELDS.values())), body.start_date)
    errors += ending_errors(body, today)
    if body.start_date < child.date_of_birth:
        errors.append(field_error("start_date", "is before the child's date of birth"))
    if body.start_date > today:
        errors.append(field_error("start_date", f"{body.start_date.isoformat()} is in the future"))
    if body.postcode is not None and postcode_sector(body.postcode) is None:
        errors.append(field_error("postcode", "is not a UK postcode or postcode sector"))
    provider = None
    if body.provider_id is not None:
        provider = await db.scalar(
            select(Provider).where(Provider.la_id == la_id, Provider.external_id == body.provider_id)
        )
        if provider is None:
            errors.append(
                field_error(
                    "provider_id", "no provider with this id in your council: PUT /v1/providers/{provider_id} first"
                )
            )
    interval = (body.start_date, body.end_date)
    other = await overlapping(db, child.id, interval, body.external_id)
    other = other or next(
        (
            ext
            for ext, (pk, iv) in (batch or {}).items()
            if pk == child.id and ext != body.external_id and overlaps(interval, iv)
        ),
        None,
    )
    if other is not None and existing is None:
        errors.append(field_error("start_date", f"overlaps placement '{other}' of the same child"))
    return errors or Checked(body, child, provider, existing)


async def apply_new(db: AsyncSession, la_id: uuid.UUID, checked: Checked) -> tuple[Placement, bool]:
    if checked.existing is not None:
        return checked.existing, False
    body = checked.body
    placement = Placement(
        id=uuid.uuid4(),
        la_id=la_id,
        child_pk=checked.child.id,
        provider_id=checked.provider.id if checked.provider else None,
        postcode_sector=postcode_sector(body.postcode) if body.postcode else None,
        funding_social_care=body.funding.social_care,
        funding_health=body.funding.health,
        funding_education=body.funding.education,
        body_hash=content_hash(body),
        **body.model_dump(exclude={"child_id", "provider_id", "postcode", "funding"}),
    )
    db.add(placement)
    await outbox.request_recompute(db, la_id, checked.child.id)
    return placement, True


async def create(db: AsyncSession, la_id: uuid.UUID, body: PlacementIn, today: date) -> tuple[Placement, bool]:
    checked = await check_new(db, la_id, body, today)
    if isinstance(checked, list):
        raise refusal(checked, "placement")
    written = await apply_new(db, la_id, checked)
    await db.flush()
    return written


async def require(db: AsyncSession, la_id: uuid.UUID, placement_id: uuid.UUID) -> Placement:
    placement = await db.scalar(
        select(Placement).where(Placement.id == placement_id, Placement.la_id == la_id).with_for_update()
    )
    if placement is None:
        raise NotFound("No such placement.")
    return placement


async def end(
    db: AsyncSession, la_id: uuid.UUID, placement_id: uuid.UUID, ending: PlacementEnding, today: date
) -> Placement:
    placement = await require(db, la_id, placement_id)
    same = (placement.end_date, placement.reason_ended, placement.reason_place_change) == (
        ending.end_date,
        ending.reason_ended,
        ending.reason_place_change,
    )
    if same:
        return placement
    if placement.end_date is not None:
        raise Conflict(f"The placement already ended on {placement.end_date.isoformat()}.")
    errors = ending_errors(ending, today)
    if ending.end_date <= placement.start_date:
        errors.append(
            field_error(
                "end_date", f"ends before it starts: must be after start_date {placement.start_date.isoformat()}"
            )
        )
    other = await overlapping(db, placement.child_pk, (placement.start_date, ending.end_date), placement.external_id)
    if other is not None:
        errors.append(field_error("end_date", f"overlaps placement '{other}' of the same child"))
    if errors:
        raise InvalidInput("The ending is invalid; nothing was written.", errors=errors)
    placement.end_date = ending.end_date
    placement.reason_ended = ending.reason_ended
    placement.reason_place_change = ending.reason_place_change
    await outbox.request_recompute(db, la_id, placement.child_pk)
    await db.flush()
    await db.refresh(placement)
    return placement


async def render(db: AsyncSession, placement: Placement) -> PlacementOut:
    child_id = await db.scalar(select(Child.child_id).where(Child.id == placement.child_pk))
    provider_id = None
    if placement.provider_id is not None:
        provider_id = await db.scalar(select(Provider.external_id).where(Provider.id == placement.provider_id))
    return PlacementOut(
        **{name: getattr(placement, name) for name in PlacementOut.model_fields.keys() - RENDERED_APART},
        child_id=child_id,
        provider_id=provider_id,
        funding=Funding(
            social_care=placement.funding_social_care,
            health=placement.funding_health,
            education=placement.funding_education,
        ),
    )
