"""A provider's own stays (domain.md §7.2), as the payment rules see them: the engine's stays of every
child ever placed with it, so a provider checks a statement line's attribution days against the stay
they come from. Paged by an opaque cursor: a child's sequence number and the stay's place among its
stays, in one integer."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.pbnr.events import BASELINE_WINDOW
from shared.domain.engines.pbnr.stays import TEMPORARY, Episode, Stay, stays_of
from shared.domain.statement_inputs import episode_of, episodes_with
from shared.models import Child, Placement, Provider

STAYS_PER_CHILD = 2**16  # a child's stays are numbered below this within the cursor


def cursor_of(child_seq: int, stay_number: int) -> int:
    return child_seq * STAYS_PER_CHILD + stay_number


async def stays_of_children(
    db: AsyncSession, la_id: uuid.UUID, provider_pk: uuid.UUID | None, children: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Stay]]:
    """Each child's stays with the provider, from all its episodes (a temporary move between two of the
    provider's episodes is coded to whoever; it keeps the stay going)."""
    code = await db.scalar(select(Provider.external_id).where(Provider.id == provider_pk)) if provider_pk else None
    if code is None:
        return {}
    rows = (
        await db.execute(
            episodes_with(Placement.child_pk).where(Placement.la_id == la_id, Placement.child_pk.in_(children))
        )
    ).all()
    episodes: dict[uuid.UUID, list[Episode]] = {}
    for child, *row in rows:
        episodes.setdefault(child, []).append(episode_of(str(child), row))
    return {child: stays_of(own, code) for child, own in episodes.items()}


def ever_placed(la_id: uuid.UUID, provider_pk: uuid.UUID | None) -> Select[uuid.UUID]:
    """Children who had a stay with the provider: placed with it other than on a temporary move."""
    return select(Placement.child_pk).where(
        Placement.la_id == la_id, Placement.provider_id == provider_pk, Placement.place.not_in(TEMPORARY)
    )


async def stays_page(
    db: AsyncSession, la_id: uuid.UUID, provider_pk: uuid.UUID | None, limit: int, cursor: int | None
) -> list[tuple[int, str, Stay]]:
    """Up to limit + 1 stays after the cursor, as (cursor, child pseudonym, stay), by child then start.
    Every child read has a stay, so limit + 2 children always hold enough (the first may be half read)."""
    after = -1 if cursor is None else cursor
    children = (
        await db.execute(
            select(Child.id, Child.seq, Child.pseudonym)
            .where(Child.la_id == la_id, Child.id.in_(ever_placed(la_id, provider_pk)))
            .where(Child.seq >= after // STAYS_PER_CHILD)
            .order_by(Child.seq)
            .limit(limit + 2)
        )
    ).all()
    if not children:
        return []
    stays = await stays_of_children(db, la_id, provider_pk, [child for child, _, _ in children])
    found = [
        (cursor_of(seq, number), pseudonym, stay)
        for child, seq, pseudonym in children
        for number, stay in enumerate(stays.get(child, []), 1)
    ]
    return [row for row in found if row[0] > after][: limit + 1]


def days_so_far(stay: Stay, today: date) -> tuple[int, int]:
    """Days with the provider and temporary days from the stay's start up to its end, or up to today
    while it is open."""
    end = stay.end if stay.end is not None else today
    return stay.provider_days(stay.start, end), stay.temporary_days(stay.start, end)


def is_temporary(episode: Episode) -> bool:
    return episode.place in TEMPORARY


def windows(stays: Sequence[Stay]) -> list[tuple[date, date | None]]:
    """What of a child's journey its provider may read: each stay while it was open, and the baseline
    window of 28 days before the stay's start, from which its validated baseline may come."""
    return [(stay.start - BASELINE_WINDOW, stay.end) for stay in stays]


def within(day: date, spans: Sequence[tuple[date, date | None]]) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in spans)
