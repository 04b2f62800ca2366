"""A child's SSDA903 episodes and the placements they make (domain.md §6).

Episodes are taken not to overlap (the importer rejects those that do). An episode covers the days from its
start up to, not including, its end: the day it ends belongs to the next episode, or to no care at all.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from shared.ssda903 import PLACEMENT_GROUPS

BEGINS_PLACEMENT = frozenset({"S", "P", "T", "B", "U"})  # RNE; L, a change of legal status only, continues one
SHORT_BREAKS = frozenset({"V3", "V4"})
TEMPORARY = PLACEMENT_GROUPS["temporary"]


@dataclass(frozen=True, slots=True)
class Funding:
    """Shares of an episode's weekly cost; they sum to 1."""

    social_care: Decimal = Decimal(1)
    health: Decimal = Decimal(0)
    education: Decimal = Decimal(0)

    def by_funder(self) -> dict[str, Decimal]:
        return {"social_care": self.social_care, "health": self.health, "education": self.education}


@dataclass(frozen=True, slots=True)
class Episode:
    start: date  # DECOM
    end: date | None  # DEC, the day the next episode starts or care ends; None while open
    rne: str
    legal_status: str
    place: str
    reason_ended: str | None = None  # REC
    reason_place_change: str | None = None
    weekly_cost: Decimal | None = None
    funding: Funding = Funding()
    place_provider: str | None = None  # PLACE_PROVIDER: PR1 the council's own, PR4 private, ...

    @property
    def counts_as_placement(self) -> bool:
        return self.place not in TEMPORARY and self.legal_status not in SHORT_BREAKS


@dataclass(frozen=True, slots=True)
class Placement:
    first: Episode
    last: Episode  # its last own episode: temporary moves and short breaks within it are not its own
    end: date | None  # the day the next placement began or care ended; None while open

    @property
    def start(self) -> date:
        return self.first.start

    @property
    def place(self) -> str:
        return self.first.place

    @property
    def reason_changed(self) -> str | None:
        # A temporary episode carries no reason for placement change: the placement's last own episode does.
        return self.last.reason_place_change

    @property
    def ended_for_behaviour(self) -> bool:
        """CREQB: the carers asked for it to end because of the child's behaviour, a warning sign."""
        return self.reason_changed == "CREQB"

    def open_after(self, day: date) -> bool:
        """Open at any moment after the end of `day`."""
        return self.end is None or self.end > day


def known_at(episodes: Iterable[Episode], as_at: date) -> list[Episode]:
    """The episodes as the end of `as_at` knows them, oldest first: later ones left out, and one ending after
    `as_at` open, so that nothing after the day (an end, a return from a temporary move) shapes the figures."""
    known = sorted((e for e in episodes if e.start <= as_at), key=lambda e: e.start)
    return [e if e.end is None or e.end <= as_at else replace(e, end=None) for e in known]


def chained(previous: Episode, episode: Episode) -> bool:
    """Whether `episode` continues `previous`'s period of care: it starts the day `previous` ends."""
    return previous.end is None or episode.start <= previous.end


class _Chain:
    """Placements built episode by episode, oldest first.

    A temporary move (PLACE T0-T4) does not break a placement: the national placement stability measure (the
    former National Indicator 62, which domain.md §6 follows) counts neither the temporary placement nor the
    child's return from it to the placement they left. The engine knows no carers, so a return is read as the
    first counted episode after the temporary ones having the PLACE the child left; any other PLACE begins a
    placement. Short-break episodes (V3, V4) are handled alike: never a placement, never breaking one.
    """

    def __init__(self) -> None:
        self.done: list[Placement] = []
        self.first: Episode | None = None  # the placement held, kept through temporary moves
        self.last: Episode | None = None
        self.away = False  # on a temporary move or short break since the held placement's last own episode
        self.previous: Episode | None = None

    def add(self, episode: Episode) -> None:
        if self.previous is not None and not chained(self.previous, episode):
            self.close(self.previous.end)  # care ended; a new period of care begins a placement of its own
        if episode.counts_as_placement:
            if self.last is None or self.begins_placement(episode, self.last):
                self.close(episode.start)
                self.first = episode
            self.last = episode
        self.away = not episode.counts_as_placement
        self.previous = episode

    def begins_placement(self, episode: Episode, held: Episode) -> bool:
        return episode.place != held.place if self.away else episode.rne in BEGINS_PLACEMENT

    def close(self, end: date | None) -> None:
        if self.first is not None and self.last is not None:
            self.done.append(Placement(self.first, self.last, end))
        self.first = self.last = None

    def finish(self) -> list[Placement]:
        self.close(self.previous.end if self.previous is not None else None)
        return self.done


def placements(episodes: Sequence[Episode]) -> list[Placement]:
    """The placements of episodes given oldest first (as `known_at` gives them)."""
    chain = _Chain()
    for episode in episodes:
        chain.add(episode)
    return chain.finish()
