"""One child's placement figures as at a day (domain.md §6). Any day stands for 31 March, and "at" a day means
at its end: an episode ending on the day no longer counts, one starting on it does, as a child who came into
care on 31 March is looked after at 31 March and one who left that day is not."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise

from shared.domain.engines.placements.episodes import (
    SHORT_BREAKS,
    Episode,
    Funding,
    Placement,
    chained,
    known_at,
    placements,
)
from shared.ssda903 import PLACEMENT_GROUPS, placement_group

UNSTABLE_FROM = 3  # placements in the 12 months ending the day
LONG_TERM_AGE_LIMIT = 16
LONG_TERM_CARE_MONTHS = 30  # looked after continuously for 2.5 years
LONG_TERM_PLACEMENT_MONTHS = 24
ADOPTION = PLACEMENT_GROUPS["adoption"]
SAME_CARERS = frozenset({"B", "U"})  # RNE: a new placement, the carers staying the same


@lru_cache(maxsize=256)  # a council's children are all figured as at one day: the same few days, asked again
def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or the last day of that month if it is shorter (29 February 2024 gives
    28 February 2023, 31 March gives 30 September 30 months before)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def year_before(as_at: date) -> date:
    """The day before the 12 months ending `as_at` (31 March 2023 for 31 March 2024): they start the day after."""
    return months_before(as_at, 12)


def age_on(born: date, day: date) -> int:
    # Someone born on 29 February is a year older on 1 March in other years, as (2, 28) < (2, 29).
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class Child:
    born: date
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class CurrentPlacement:
    place: str  # the open episode's PLACE, a temporary one included
    group: str | None  # shared.ssda903.placement_group's; None for PLACE codes outside the groups
    start: date | None  # when the placement held began, kept through temporary moves; None if none is held
    weekly_cost: Decimal | None  # the open episode's
    funding: Funding


@dataclass(frozen=True, slots=True)
class PlacementFigures:
    as_at: date
    current: CurrentPlacement | None  # None when not looked after at the end of as_at
    placements_in_year: int | None  # None outside the instability measure's population
    long_term_stable: bool | None  # None outside the long-term stability measure's population
    ended: tuple[Placement, ...]  # those ended by the end of as_at, oldest first
    days_in_care: int  # days looked after up to as_at, over every period of care

    @property
    def looked_after(self) -> bool:
        return self.current is not None

    @property
    def unstable(self) -> bool | None:
        return None if self.placements_in_year is None else self.placements_in_year >= UNSTABLE_FROM

    @property
    def weeks_in_care(self) -> float:
        return self.days_in_care / 7

    def ended_in_year(self) -> tuple[Placement, ...]:
        """The placements that ended in the 12 months ending as_at."""
        window_opens = year_before(self.as_at)
        return tuple(p for p in self.ended if p.open_after(window_opens))

    @property
    def reasons_ended_in_year(self) -> tuple[str | None, ...]:
        return tuple(p.reason_changed for p in self.ended_in_year())

    @property
    def ended_for_behaviour(self) -> int:
        return sum(p.ended_for_behaviour for p in self.ended)


def placement_figures(child: Child, as_at: date) -> PlacementFigures:
    known = known_at(child.episodes, as_at)
    chain = placements(known)
    open_episode = next((e for e in known if e.end is None), None)
    held = chain[-1] if chain and chain[-1].end is None else None
    measured = open_episode is not None and open_episode.legal_status not in SHORT_BREAKS
    return PlacementFigures(
        as_at=as_at,
        current=None if open_episode is None else _current(open_episode, held),
        placements_in_year=_placements_in_year(chain, as_at) if measured else None,
        long_term_stable=_long_term_stable(child.born, known, chain, as_at) if measured else None,
        ended=tuple(p for p in chain if p.end is not None),
        days_in_care=sum(_days_in_care(e, as_at) for e in known),
    )


def _current(open_episode: Episode, held: Placement | None) -> CurrentPlacement:
    return CurrentPlacement(
        place=open_episode.place,
        group=placement_group(open_episode.place),
        start=None if held is None else held.start,
        weekly_cost=open_episode.weekly_cost,
        funding=open_episode.funding,
    )


def _placements_in_year(chain: list[Placement], as_at: date) -> int:
    # The window opens at the end of the day a year before: the placement open then is the one the child was
    # in at the window's start, and any that began later began within it.
    return sum(p.open_after(year_before(as_at)) for p in chain)


def _long_term_stable(born: date, known: list[Episode], chain: list[Placement], as_at: date) -> bool | None:
    if age_on(born, as_at) >= LONG_TERM_AGE_LIMIT:
        return None
    if _care_began(known) > months_before(as_at, LONG_TERM_CARE_MONTHS):
        return None
    with_carers_since = _with_carers_since(chain)
    return with_carers_since is not None and with_carers_since <= months_before(as_at, LONG_TERM_PLACEMENT_MONTHS)


def _care_began(known: list[Episode]) -> date:
    """The start of the latest period of care: the episodes chained without a gap up to the last."""
    began = known[0].start
    for previous, episode in pairwise(known):
        if not chained(previous, episode):
            began = episode.start
    return began


def _with_carers_since(chain: list[Placement]) -> date | None:
    """When the child came to the carers of the placement held, None if none is held.

    A child placed for adoption (A3-A6) counts the time with the same carers before the adoption placement too.
    In SSDA903 terms an adoption placement beginning with RNE B or U (a new placement, the carers staying the
    same) continues that time, back through every placement so joined to the one before it.
    """
    if not chain or chain[-1].end is not None:
        return None
    index = len(chain) - 1
    if chain[index].place in ADOPTION:
        while index > 0 and chain[index].first.rne in SAME_CARERS and chain[index - 1].end == chain[index].start:
            index -= 1
    return chain[index].start


def _days_in_care(episode: Episode, as_at: date) -> int:
    # known_at left open any episode ending after as_at; the day as_at itself is one looked after.
    return ((episode.end or as_at + timedelta(days=1)) - episode.start).days
