"""A council's children and their stored episodes, as the placements engine (engines/placements) takes them:
what the placement figures are computed from, for one child or a whole council, as at any day."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among
from shared.domain.bulk_read import fetch_rows
from shared.domain.engines.placements.child import Child
from shared.domain.engines.placements.episodes import Episode, Funding
from shared.models import Child as StoredChild
from shared.models import Placement


@dataclass(frozen=True, slots=True)
class PlacedChild:
    child_pk: uuid.UUID
    la_id: uuid.UUID
    pseudonym: str
    child: Child


async def placed_children(
    db: AsyncSession, la_ids: Sequence[uuid.UUID], children: Sequence[uuid.UUID] | None = None
) -> list[PlacedChild]:
    """Every child of the councils with an episode (or those of the children given), its episodes in order of
    start."""
    query = (
        select(
            StoredChild.id,
            StoredChild.la_id,
            StoredChild.pseudonym,
            StoredChild.date_of_birth,
            Placement.start_date,
            Placement.end_date,
            Placement.rne,
            Placement.legal_status,
            Placement.place,
            Placement.reason_ended,
            Placement.reason_place_change,
            Placement.weekly_cost,
            Placement.funding_social_care,
            Placement.funding_health,
            Placement.funding_education,
            Placement.place_provider,
        )
        .join(Placement, Placement.child_pk == StoredChild.id)
        .where(among(StoredChild.la_id, la_ids, Uuid), among(Placement.la_id, la_ids, Uuid))
        .order_by(StoredChild.seq, Placement.start_date, Placement.id)
    )
    if children is not None:
        query = query.where(among(StoredChild.id, children, Uuid))
    episodes: defaultdict[uuid.UUID, list[Episode]] = defaultdict(list)
    about: dict[uuid.UUID, tuple[uuid.UUID, str, date]] = {}
    for row in await fetch_rows(db, query):
        about[row[0]] = (row[1], row[2], row[3])
        episodes[row[0]].append(
            Episode(
                start=row["start_date"],
                end=row["end_date"],
                rne=row["rne"],
                legal_status=row["legal_status"],
                place=row["place"],
                reason_ended=row["reason_ended"],
                reason_place_change=row["reason_place_change"],
                weekly_cost=row["weekly_cost"],
                funding=Funding(row["funding_social_care"], row["funding_health"], row["funding_education"]),
                place_provider=row["place_provider"],
            )
        )
    return [
        PlacedChild(pk, la_id, pseudonym, Child(born, tuple(episodes[pk])))
        for pk, (la_id, pseudonym, born) in about.items()
    ]
