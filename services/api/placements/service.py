import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.batches import WriteResult, write_one
from services.api.children.service import get_child
from services.api.owned import find_by_external_id, require_owned
from services.api.placements.schemas import Funding, PlacementEnding, PlacementIn, PlacementOut
from services.api.providers.queries import provider_named
from shared import outbox
from shared.domain.refusals import PlacementAlreadyEnded
from shared.errors import InvalidInput, field_error
from shared.models import Child, Placement, Provider
from shared.models.placements import RETURN_EPISODE_COLUMNS
from shared.ssda903 import Interval, date_problem, invalid_episode_codes, overlaps, postcode_sector

# Request fields by their SSDA903 column, so a code error names the field the caller sent.
STARTING_FIELDS = {
    "RNE": "rne",
    "LS": "legal_status",
    "CIN": "cin",
    "PLACE": "place",
    "PLACE_PROVIDER": "place_provider",
}
ENDING_FIELDS = {"REC": "reason_ended", "REASON_PLACE_CHANGE": "reason_place_change"}

RENDERED_APART = {"child_id", "provider_id", "funding"}


# An episode as stored, so a re-sent one compares equal however its postcode or money was written.
EPISODE_FIELDS = (
    "start_date",
    *RETURN_EPISODE_COLUMNS,
    "provider_id",
    "weekly_cost",
    "funding_social_care",
    "funding_health",
    "funding_education",
)
ENDING = ("end_date", "reason_ended", "reason_place_change")


def episode(body: PlacementIn, provider: Provider | None) -> dict[str, Any]:
    return {
        **body.model_dump(include=set(EPISODE_FIELDS)),
        "postcode_sector": postcode_sector(body.postcode) if body.postcode else None,
        "provider_id": provider.id if provider else None,
        "funding_social_care": body.funding.social_care,
        "funding_health": body.funding.health,
        "funding_education": body.funding.education,
    }


def stored_episode(placement: Placement) -> dict[str, Any]:
    return {name: getattr(placement, name) for name in EPISODE_FIELDS}


def without_ending(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name not in ENDING}


def resend_outcome(existing: Placement, child: Child, fields: dict[str, Any]) -> WriteResult | None:
    """What a re-sent episode means: the same as stored, the stored open episode now ended (what a
    nightly feed sends), or (None) other content under the same id."""
    if existing.child_pk != child.id:
        return None
    stored = stored_episode(existing)
    if fields == stored:
        return "existing"
    if (
        existing.end_date is None
        and fields["end_date"] is not None
        and without_ending(fields) == without_ending(stored)
    ):
        return "updated"
    return None


def code_errors(values: dict[str, str | None], start: date | None, end: date | None) -> list[dict[str, Any]]:
    fields = STARTING_FIELDS | ENDING_FIELDS
    found = invalid_episode_codes({column: values.get(name) for column, name in fields.items()}, start, end)
    return [field_error(fields[column], message) for column, message in found]


def ending_errors(ending: PlacementEnding | PlacementIn, today: date) -> list[dict[str, Any]]:
    if ending.end_date is None:
        return []
    errors = code_errors(ending.model_dump(include=set(ENDING_FIELDS.values())), None, ending.end_date)
    if (problem := date_problem(ending.end_date, today)) is not None:
        errors.append(field_error("end_date", problem))
    return errors


@dataclass(frozen=True, slots=True)
class Checked:
    body: PlacementIn
    child: Child
    fields: dict[str, Any]
    existing: Placement | None
    outcome: WriteResult


async def overlapping(
    db: AsyncSession, child_pk: uuid.UUID, interval: Interval, batch: dict[str, tuple[uuid.UUID, Interval]]
) -> str | None:
    """The first episode of the child the interval overlaps: stored ones as an earlier item of this
    batch leaves them (a batch may end an episode and start the next), then the batch's new ones."""
    rows = (
        await db.execute(
            select(Placement.external_id, Placement.start_date, Placement.end_date).where(
                Placement.child_pk == child_pk
            )
        )
    ).all()
    episodes = {row.external_id: (row.start_date, row.end_date) for row in rows}
    episodes |= {external_id: span for external_id, (pk, span) in batch.items() if pk == child_pk}
    return next((external_id for external_id, span in episodes.items() if overlaps(interval, span)), None)


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
    errors = code_errors(body.model_dump(include=set(STARTING_FIELDS.values())), body.start_date, None)
    errors += ending_errors(body, today)
    if (problem := date_problem(body.start_date, today, child.date_of_birth)) is not None:
        errors.append(field_error("start_date", problem))
    if body.postcode is not None and postcode_sector(body.postcode) is None:
        errors.append(field_error("postcode", "is not a UK postcode or postcode sector"))
    provider = None
    if body.provider_id is not None:
        provider = await provider_named(db, la_id, body.provider_id)
        if provider is None:
            message = "no provider with this id in your council: PUT /v1/providers/{provider_id} first"
            errors.append(field_error("provider_id", message))
    fields = episode(body, provider)
    existing = await find_by_external_id(db, Placement, la_id, body.external_id)
    if existing is not None:
        outcome = resend_outcome(existing, child, fields)
        if outcome is None:
            return [field_error("external_id", "already used for a placement with other content")]
        # A re-sent episode, or its ending, cannot overlap anything it did not already overlap.
        return errors or Checked(body, child, fields, existing, outcome)
    interval = (body.start_date, body.end_date)
    other = await overlapping(db, child.id, interval, batch or {})
    if other is not None:
        errors.append(field_error("start_date", f"overlaps placement '{other}' of the same child"))
    return errors or Checked(body, child, fields, None, "created")


async def apply_new(db: AsyncSession, la_id: uuid.UUID, checked: Checked) -> tuple[Placement, WriteResult]:
    if checked.existing is not None:
        if checked.outcome == "updated":
            await close(
                db,
                la_id,
                checked.existing,
                PlacementEnding.model_validate(checked.body.model_dump(include=set(ENDING))),
            )
        return checked.existing, checked.outcome
    placement = Placement(
        id=uuid.uuid4(),
        la_id=la_id,
        child_pk=checked.child.id,
        external_id=checked.body.external_id,
        **checked.fields,
    )
    db.add(placement)
    await outbox.request_recompute(db, la_id, checked.child.id)
    return placement, "created"


async def create(db: AsyncSession, la_id: uuid.UUID, body: PlacementIn, today: date) -> tuple[Placement, WriteResult]:
    return await write_one(
        db, "placement", check_new(db, la_id, body, today), lambda ready: apply_new(db, la_id, ready)
    )


async def close(db: AsyncSession, la_id: uuid.UUID, placement: Placement, ending: PlacementEnding) -> None:
    placement.end_date = ending.end_date
    placement.reason_ended = ending.reason_ended
    placement.reason_place_change = ending.reason_place_change
    await outbox.request_recompute(db, la_id, placement.child_pk)


async def end(
    db: AsyncSession, la_id: uuid.UUID, placement_id: uuid.UUID, ending: PlacementEnding, today: date
) -> Placement:
    # The child first, as every write about a child does, so a feed's re-send cannot race this ending.
    child_pk = (await require_owned(db, Placement, la_id, placement_id)).child_pk
    await db.get_one(Child, child_pk, with_for_update=True)
    placement = await require_owned(db, Placement, la_id, placement_id, lock=True)
    if (placement.end_date, placement.reason_ended, placement.reason_place_change) == (
        ending.end_date,
        ending.reason_ended,
        ending.reason_place_change,
    ):
        return placement
    if placement.end_date is not None:
        raise PlacementAlreadyEnded(placement.end_date)
    errors = ending_errors(ending, today)
    if ending.end_date <= placement.start_date:
        message = f"ends before it starts: must be after start_date {placement.start_date.isoformat()}"
        errors.append(field_error("end_date", message))
    if errors:
        raise InvalidInput("The ending is invalid; nothing was written.", errors=errors)
    # Ending an open episode only shortens it, so it cannot come to overlap another.
    await close(db, la_id, placement, ending)
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
